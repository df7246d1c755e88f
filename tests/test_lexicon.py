"""The word lists: read from summariser/text/words.toml, every one the code names is there."""

import re
from pathlib import Path

import pytest

from summariser.text import lexicon

PACKAGE = Path(lexicon.__file__).parents[1]


def test_every_list_the_code_names_is_in_the_file():
    used = {
        m
        for path in PACKAGE.rglob("*.py")
        for m in re.findall(r"\blexicon\.([A-Z][A-Z_0-9]+)\b", path.read_text("utf-8"))
    }
    assert len(used) > 40
    assert sorted(used - set(lexicon.LISTS)) == []


def test_a_missing_list_says_where_lists_are_added():
    with pytest.raises(AttributeError, match=r"NO_SUCH_WORDS.*words\.toml"):
        lexicon.NO_SUCH_WORDS  # noqa: B018


def test_values_read_as_sets_pairs_and_mappings():
    assert "councillor" in lexicon.SPEAKER_TITLES and isinstance(lexicon.AGENT_NOUNS, frozenset)
    assert "not specified" in lexicon.UNKNOWN  # an array keeps phrases whole
    assert ("call", "for") in lexicon.SUPPORT_PHRASES
    assert lexicon.DISTANCES["two"] == 2 and lexicon.LEET["@"] == "a"
