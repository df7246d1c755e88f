"""Finding quotations and telling speech from terms and titles: sentences written for the tests."""

from __future__ import annotations

import pytest

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
