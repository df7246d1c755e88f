"""Every word list the project uses, in one place: `words.toml` beside this module.

Each list is a module attribute named as in that file (`lexicon.AGENT_NOUNS`): a string of words
or an array of strings is a frozenset, an array of pairs a frozenset of tuples, a table a dict.
Helper code reads these sets; nothing else in the package spells out a word list.
"""

from __future__ import annotations

import sys
from importlib.resources import files
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: The word lists' file (TOML), shipped inside the package.
SOURCE = files("summariser.text").joinpath("words.toml")


def _value(raw: Any) -> Any:
    """A list as the code reads it: words or strings become a frozenset, pairs a set of tuples."""
    if isinstance(raw, str):
        return frozenset(raw.split())
    if isinstance(raw, list):
        return frozenset(tuple(x) if isinstance(x, list) else x for x in raw)
    return dict(raw)


LISTS: dict[str, Any] = {k: _value(v) for k, v in tomllib.loads(SOURCE.read_text("utf-8")).items()}
globals().update(LISTS)


def __getattr__(name: str) -> Any:
    """A name not in `words.toml`: say where lists are added."""
    raise AttributeError(f"no word list {name!r}: add it to summariser/text/words.toml")
