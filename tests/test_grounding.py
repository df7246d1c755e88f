from __future__ import annotations

from types import SimpleNamespace

import pytest

from summariser.text import names, quotations, spans
from summariser.text.document import parse

# the text functions this file always tested, from their homes in summariser/text/
g = SimpleNamespace(
    find_quotations=quotations.find_quotations, sentences=spans.sentences, locate=spans.locate,
    chunks=spans.chunks, fullest_name=names.fullest_name, name_in_text=names.name_in_text,
    is_pronoun=names.is_pronoun, is_unknown=names.is_unknown,
)  # fmt: skip


def texts(text: str) -> list[list[str]]:
    return [[text[s:e] for s, e in q.spans] for q in g.find_quotations(text)]


def test_curly_and_straight_marks():
    t = 'She said “first one.” He said "second one." Then done.'
    assert texts(t) == [["first one."], ["second one."]]


def test_nested_single_quotes_stay_inside():
    t = "“He told me ‘never again’ and left,” she said."
    assert texts(t) == [["He told me ‘never again’ and left"]]


def test_split_by_attribution_is_one_quote_with_two_spans():
    t = "“We will win,” she said, “and we will win big.”"
    (q,) = g.find_quotations(t)
    assert [t[s:e] for s, e in q.spans] == ["We will win", "and we will win big."]
    assert q.text(t) == "We will win and we will win big."


def test_new_sentence_after_attribution_is_a_new_quote():
    t = "“Good,” Sir Keir added: “Of course.”"
    assert texts(t) == [["Good"], ["Of course."]]


def test_quote_running_over_paragraphs():
    t = "“First paragraph of it.\n“Second paragraph,” he said.\nAfter."
    assert texts(t) == [["First paragraph of it.", "Second paragraph"]]


def test_apostrophes_are_not_quotes():
    t = "Ms Harris’ campaign didn’t reply. It’s the ‘90s style ‘headline’ here."
    assert texts(t) == [["headline"]]


def test_unclosed_mark_ends_with_its_paragraph():
    t = "He said “this never closes\nNext paragraph."
    assert texts(t) == [["this never closes"]]


def test_seed_has_seven_quotations(seed):
    qs = g.find_quotations(seed)
    assert len(qs) == 7
    assert qs[3].text(seed) == "No."


def test_reporting_verbs_come_from_the_parse_not_a_word_list_match():
    document = parse("Sir Keir replied: “No.” The Washington Post ran the story.")
    verbs = [t.text for t in document.doc if quotations.is_reporting_verb(t)]
    assert verbs == ["replied"]  # "Post" is part of a name, not the verb "post"


def test_sentences_skip_abbreviations_and_quotes():
    t = "Mr. Smith met Dr. Jones in the U.S. today. “It went well. Very well,” he said. End."
    got = [t[s:e] for s, e in g.sentences(t, [(q.start, q.end) for q in g.find_quotations(t)])]
    assert got == [
        "Mr. Smith met Dr. Jones in the U.S. today.",
        "“It went well. Very well,” he said.",
        "End.",
    ]


def test_locate_exact_normalised_fuzzy_and_missing():
    t = "He said the plan — “bold” — was 'fine'.\nNew  line here with extra   spaces."
    s, e = g.locate('the plan - "bold" - was', t)
    assert t[s:e] == "the plan — “bold” — was"
    assert t[slice(*g.locate("new line here with extra spaces", t))].startswith("New  line")
    s, e = g.locate("line here wiht extra spaces", t)  # one typo: fuzzy
    assert t[s:e].endswith("spaces")
    assert g.locate("nothing like this at all in it", t) is None
    assert g.locate("x", t) is None


def test_locate_within_a_region():
    t = "alpha beta. alpha beta."
    assert g.locate("alpha beta", t, (12, len(t))) == (12, 22)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Sir Keir", "Sir Keir Starmer"), ("Mr Trump", "Donald Trump"), ("Harris", "Kamala Harris"),
     ("Nobody Here", "Nobody Here")],
)  # fmt: skip
def test_fullest_name(seed, name, expected):
    assert g.fullest_name(name, seed) == expected


def test_fullest_name_keeps_ambiguous_surname():
    t = "John Smith spoke. Later Mary Smith replied to Smith."
    assert g.fullest_name("Smith", t) == "Smith"
    assert g.fullest_name("Mary Smith", t) == "Mary Smith"


def test_names_pronouns_and_diacritics():
    t = "José Álvarez-Núñez met the Labour Party. Mr Trump’s campaign said no."
    assert g.name_in_text("Jose Alvarez-Nunez", t)
    assert g.name_in_text("Trump's campaign", t)
    assert g.name_in_text("The Labour Party", t)
    assert not g.name_in_text("he", t)
    assert not g.name_in_text("Joe Biden", t)
    assert g.is_pronoun("She") and g.is_unknown("unknown") and g.is_unknown(None)


def test_chunks_split_on_paragraphs_with_overlap():
    paras = [f"Paragraph {i} " + "word " * 20 for i in range(10)]
    t = "\n".join(paras)
    ranges = g.chunks(t, 300)
    assert len(ranges) > 2
    assert ranges[0][0] == 0 and ranges[-1][1] == len(t.rstrip())
    for (_, e1), (s2, e2) in zip(ranges, ranges[1:], strict=False):
        assert s2 < e1  # overlap: the next range starts inside the previous one
        assert e2 - s2 <= 300
    assert g.chunks("short", 300) == [(0, 5)]


def test_chunks_cut_one_huge_paragraph():
    t = ("This is a sentence. " * 1000).strip()
    ranges = g.chunks(t, 2000)
    assert all(e - s <= 2000 for s, e in ranges)
    assert ranges[-1][1] == len(t)
