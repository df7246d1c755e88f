"""Names: folding, the fullest name (linear), what looks named."""

from __future__ import annotations

import pytest

from summariser.text import names


def test_fold_and_name_tokens():
    assert names.fold("José Álvarez’s") == "jose alvarez"
    assert names.name_tokens("Mr. Tom Askew") == ["tom", "askew"]
    assert names.is_pronoun("She") and names.is_unknown("(none)") and names.is_unknown(None)


@pytest.mark.parametrize(
    ("name", "named"),
    [("Mr. Grant", True), ("the White House", True), ("(none)", False), ("she", False),
     ("officials", False), ("the company", False)],
)  # fmt: skip
def test_looks_named(name, named):
    assert names.looks_named(name) is named


def test_fullest_name_prefers_the_full_name_and_keeps_namesakes_apart():
    t = ("Council Votes To Close Library Early\n"
         "Republican Ana Lopez spoke first. Later Ms Lopez left. John Smith and Mary Smith "
         "argued. The Secretary of State Ruth Okoye flew in.")  # fmt: skip
    assert names.fullest_name("Ms Lopez", t) == "Ana Lopez"
    assert names.fullest_name("Smith", t) == "Smith"  # two Smiths: not guessed
    assert names.fullest_name("Okoye", t) == "Secretary of State Ruth Okoye"
    assert names.fullest_name("Votes", t) == "Votes"  # the title-case headline is not a name


def test_fullest_name_reads_the_article_once_however_many_names_it_resolves():
    # the old scan re-read the whole article for every record (quadratic): now one index per text
    text = "Ana Lopez met Tom Reyes in Leeds. “We agree,” said Mr Reyes. Ms Lopez nodded.\n\n" * 200
    names.name_index.cache_clear()
    got = {names.fullest_name(n, text) for n in ["Mr Reyes", "Ms Lopez", "Reyes", "Lopez"] * 50}
    assert got == {"Tom Reyes", "Ana Lopez"}
    info = names.name_index.cache_info()
    assert (info.misses, info.hits) == (1, 199)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Sir Keir", "Sir Keir Starmer"), ("Mr Trump", "Donald Trump"), ("Harris", "Kamala Harris"),
     ("Nobody Here", "Nobody Here")],
)  # fmt: skip
def test_fullest_name(seed, name, expected):
    assert names.fullest_name(name, seed) == expected


def test_fullest_name_keeps_ambiguous_surname():
    t = "John Smith spoke. Later Mary Smith replied to Smith."
    assert names.fullest_name("Smith", t) == "Smith"
    assert names.fullest_name("Mary Smith", t) == "Mary Smith"


def test_names_pronouns_and_diacritics():
    t = "José Álvarez-Núñez met the Labour Party. Mr Trump’s campaign said no."
    assert names.name_in_text("Jose Alvarez-Nunez", t)
    assert names.name_in_text("Trump's campaign", t)
    assert names.name_in_text("The Labour Party", t)
    assert not names.name_in_text("he", t)
    assert not names.name_in_text("Joe Biden", t)
    assert names.is_pronoun("She") and names.is_unknown("unknown") and names.is_unknown(None)


def test_a_day_the_recogniser_runs_into_a_name_is_not_part_of_it():
    # wire copy puts the day straight after the name ("Minister Lena Brak Sunday urged")
    text = "Truce call\n\nMinister Lena Brak Sunday urged a ceasefire. Brak spoke later."
    assert names.fullest_name("Brak", text).endswith("Lena Brak")
