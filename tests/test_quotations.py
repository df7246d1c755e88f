"""Finding quotations and telling speech from terms and titles: sentences written for the tests."""

from __future__ import annotations

import pytest

from summariser.text import quotations
from summariser.text.document import parse
from summariser.text.quotations import find_quotations, is_term, looks_like_title


def texts(text: str) -> list[list[str]]:
    return [[text[s:e] for s, e in q.spans] for q in find_quotations(text)]


def test_typewriter_double_apostrophes_and_backticks_are_double_marks():
    t = "''We start at dawn,'' the foreman said. He called it ``a long day'' later."
    assert texts(t) == [["We start at dawn"], ["a long day"]]


def test_split_quote_with_typewriter_marks_is_one_quote():
    t = "''The roof held,'' the engineer said, ''but the walls did not.''"
    assert texts(t) == [["The roof held", "but the walls did not."]]


def test_paragraph_opened_by_a_closing_mark_is_a_quotation():
    t = "Readers wrote in.\n\n”The new bridge is ugly.” ― Ana Lopez\n\nMore letters followed."
    assert texts(t) == [["The new bridge is ugly."]]


def test_unbalanced_mark_carries_into_a_paragraph_that_opens_with_a_mark():
    t = "“The first paragraph ends open.\n\n“The second one closes,” she said."
    assert texts(t) == [["The first paragraph ends open.", "The second one closes"]]
    t = "“An open mark with no continuation.\n\nThe reporter's words."
    assert texts(t) == [["An open mark with no continuation."]]


def test_apostrophes_and_decades_are_not_quotations():
    assert texts("It's the 90's and the dog's bone isn't here.") == []


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("The so-called “red zone” was closed.", True),
        ("She wrote a novel titled “Rain on Glass” last year.", True),
        ("He told “Morning Report” that taxes would fall.", True),  # proper nouns only: a show
        ("“We are closing the red zone,” the mayor said.", False),
        ("The minister called the plan “a reckless gamble”.", False),
        # title-cased after a possessive or a preposition: a show, whatever verb is near
        ("“We are ready,” Ana Lopez said on Channel 5’s “Morning Show.”", True),
        ("Tom Reyes said on “Face the Week” that he would run.", True),
        ("Her aide said: “Absolutely Not.”", False),
    ],
)
def test_terms_and_titles_are_not_speech(text, term):
    document = parse(text)
    assert is_term(document, document.quotations[-1]) is term


def test_title_case_run_without_a_verb_looks_like_a_title():
    t = ("She read “Rain on Glass” twice. “No.” “Home Before Dark” was sung. "
         "“We Will Win” they chanted.")  # fmt: skip
    qs = find_quotations(t)
    assert [looks_like_title(t, q) for q in qs] == [
        True,
        False,
        True,
        False,
    ]  # "We": speech, not a title


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # a curly opening mark closed by a straight one, with a straight pair after it
        ('“Taxes must fall," Joan Hill said, calling the plan "dead on arrival."',
         [["Taxes must fall"], ["dead on arrival."]]),
        # a straight opening mark closed by a curly one
        ('"Taxes must fall,” Joan Hill said.', [["Taxes must fall"]]),
        # a lone straight mark before a curly pair does not borrow the pair's closing mark
        ('"HILL: as “The Courier” wrote, it is over.',
         [["HILL: as “The Courier” wrote, it is over."]]),
    ],
)  # fmt: skip
def test_a_double_mark_of_the_other_style_closes_an_unclosed_quotation(text, found):
    assert texts(text) == found


def test_curly_and_straight_marks():
    t = 'She said “first one.” He said "second one." Then done.'
    assert texts(t) == [["first one."], ["second one."]]


def test_nested_single_quotes_stay_inside():
    t = "“He told me ‘never again’ and left,” she said."
    assert texts(t) == [["He told me ‘never again’ and left"]]


def test_split_by_attribution_is_one_quote_with_two_spans():
    t = "“We will win,” she said, “and we will win big.”"
    (q,) = find_quotations(t)
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
    qs = find_quotations(seed)
    assert len(qs) == 7
    assert qs[3].text(seed) == "No."


def test_reporting_verbs_come_from_the_parse_not_a_word_list_match():
    document = parse("Sir Keir replied: “No.” The Washington Post ran the story.")
    verbs = [t.text for t in document.doc if quotations.is_reporting_verb(t)]
    assert verbs == ["replied"]  # "Post" is part of a name, not the verb "post"
