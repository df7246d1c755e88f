"""Names across articles: one key per person, by rules, on names written for these tests."""

from __future__ import annotations

from summariser.export.canonical import Names, in_article


def batch(*articles: list[str]) -> list[dict[str, tuple[str, str]]]:
    """Each article's names resolved as a batch of these articles resolves them."""
    names = Names()
    for a in articles:
        names.add(a)
    return [names.resolve(a) for a in articles]


def keys(*articles: list[str]) -> list[dict[str, str]]:
    return [{n: k for n, (k, _) in a.items()} for a in batch(*articles)]


def test_title_full_name_and_surname_in_different_articles_are_one_person():
    a, b, c = batch(["Sir Keir Starmer"], ["Keir Starmer"], ["Starmer", "Mr Starmer"])
    assert {a["Sir Keir Starmer"], b["Keir Starmer"], c["Starmer"], c["Mr Starmer"]} == {
        ("keir starmer", "Keir Starmer")
    }


def test_two_people_sharing_a_surname_in_one_article_stay_apart():
    a, b = keys(["Keir Starmer", "Victoria Starmer", "Starmer"], ["Victoria Starmer"])
    assert a["Keir Starmer"] == "keir starmer" and a["Victoria Starmer"] == "victoria starmer"
    assert a["Starmer"] == "starmer"  # ambiguous where it is written: never guessed
    assert b["Victoria Starmer"] == "victoria starmer"


def test_a_lone_surname_is_not_merged_when_the_batch_has_two_people_with_it():
    a, b, c = keys(["Grace Okafor"], ["Daniel Okafor"], ["Okafor"])
    assert (a["Grace Okafor"], b["Daniel Okafor"], c["Okafor"]) == (
        "grace okafor",
        "daniel okafor",
        "okafor",
    )


def test_within_an_article_the_surname_is_its_one_full_name_even_if_the_batch_has_two():
    a, b = keys(["Grace Okafor", "Ms Okafor"], ["Daniel Okafor"])
    assert a["Ms Okafor"] == "grace okafor" and b["Daniel Okafor"] == "daniel okafor"


def test_organisations_suffixes_and_first_names_are_not_swallowed():
    found = keys(["Bank of England", "England"], ["Donald Trump Jr", "Donald Trump"], ["Keir"],
                 ["Keir Starmer"])  # fmt: skip
    assert found[0] == {"Bank of England": "bank of england", "England": "england"}
    assert found[1] == {"Donald Trump Jr": "donald trump jr", "Donald Trump": "donald trump"}
    assert found[2] == {"Keir": "keir"}  # a first name alone names no one for sure


def test_an_initial_and_a_middle_name_reach_the_fullest_form():
    a, b, c = keys(["K. Starmer"], ["Keir Rodney Starmer"], ["Keir Starmer"])
    assert a["K. Starmer"] == b["Keir Rodney Starmer"] == c["Keir Starmer"] == "keir rodney starmer"


def test_pronouns_and_nobody_get_no_key_and_descriptions_are_kept_apart():
    (a,) = batch(["he", "unknown", "the council", "Harbour Council"])
    assert a["he"] == ("", "") and a["unknown"] == ("", "")
    assert a["the council"][0] == "council" and a["Harbour Council"][0] == "harbour council"


def test_accents_case_and_possessives_fold_together():
    a, b = keys(["José Álvarez"], ["JOSE ALVAREZ", "Álvarez's"])
    assert a["José Álvarez"] == b["JOSE ALVAREZ"] == b["Álvarez's"] == "jose alvarez"


def test_the_canonical_name_is_the_most_written_plain_spelling():
    a, b, c = batch(["Sir Keir Starmer"], ["Sir Keir Starmer"], ["Keir Starmer"])
    assert a["Sir Keir Starmer"][1] == "Keir Starmer"  # a title is not part of the name


def test_in_article_marks_ambiguous_names_unmergeable():
    found = in_article(["Keir Starmer", "Victoria Starmer", "Starmer", "Reeves"])
    assert found["Starmer"].key == ("starmer",) and not found["Starmer"].mergeable
    assert found["Reeves"].mergeable
