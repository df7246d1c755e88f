"""Finding quotations and telling speech from terms and titles: sentences written for the tests."""

from __future__ import annotations

import pytest

from summariser.text import quotations
from summariser.text.document import parse
from summariser.text.quotations import find_quotations, is_term, looks_like_title


def texts(text: str) -> list[list[str]]:
    return [[text[s:e] for s, e in q.spans] for q in find_quotations(text)]


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
        pytest.param("''We start at dawn,'' the foreman said. He called it ``a long day'' later.",
                     [["We start at dawn"], ["a long day"]],
                     id="typewriter '' and `` are double marks"),
        pytest.param("''The roof held,'' the engineer said, ''but the walls did not.''",
                     [["The roof held", "but the walls did not."]],
                     id="split, in typewriter marks"),
        pytest.param("Readers wrote in.\n\n”The new bridge is ugly.” ― Ana Lopez\n\n"
                     "More letters followed.",
                     [["The new bridge is ugly."]], id="a paragraph opened by a closing mark"),
        pytest.param("“The first paragraph ends open.\n\n“The second one closes,” she said.",
                     [["The first paragraph ends open.", "The second one closes"]],
                     id="an unbalanced mark carries into a paragraph that opens with a mark"),
        pytest.param("“An open mark with no continuation.\n\nThe reporter's words.",
                     [["An open mark with no continuation."]],
                     id="an unbalanced mark ends where the next paragraph opens with none"),
        pytest.param("It's the 90's and the dog's bone isn't here.", [],
                     id="apostrophes and decades are not quotations"),
        pytest.param("Ms Harris’ campaign didn’t reply. It’s the ‘90s style ‘headline’ here.",
                     [["headline"]], id="curly apostrophes are not quotes"),
        pytest.param('She said “first one.” He said "second one." Then done.',
                     [["first one."], ["second one."]], id="curly and straight marks"),
        pytest.param("“He told me ‘never again’ and left,” she said.",
                     [["He told me ‘never again’ and left"]],
                     id="nested single quotes stay inside"),
        pytest.param("“Good,” Sir Keir added: “Of course.”", [["Good"], ["Of course."]],
                     id="a new sentence after the attribution is a new quote"),
        pytest.param("“First paragraph of it.\n“Second paragraph,” he said.\nAfter.",
                     [["First paragraph of it.", "Second paragraph"]],
                     id="a quote running over paragraphs"),
        pytest.param("He said “this never closes\nNext paragraph.", [["this never closes"]],
                     id="an unclosed mark ends with its paragraph"),
        pytest.param('“Taxes must fall," Joan Hill said, calling the plan "dead on arrival."',
                     [["Taxes must fall"], ["dead on arrival."]],
                     id="a curly opening mark closed by a straight one, a straight pair after"),
        pytest.param('"Taxes must fall,” Joan Hill said.', [["Taxes must fall"]],
                     id="a straight opening mark closed by a curly one"),
        pytest.param('"HILL: as “The Courier” wrote, it is over.',
                     [["HILL: as “The Courier” wrote, it is over."]],
                     id="a lone straight mark does not borrow a later curly pair's closing mark"),
    ],
)  # fmt: skip
def test_quotations_and_their_pieces(text, found):
    assert texts(text) == found


def test_split_by_attribution_is_one_quote_with_two_spans():
    t = "“We will win,” she said, “and we will win big.”"
    (q,) = find_quotations(t)
    assert [t[s:e] for s, e in q.spans] == ["We will win", "and we will win big."]
    assert q.text(t) == "We will win and we will win big."


def test_seed_has_seven_quotations(seed):
    qs = find_quotations(seed)
    assert len(qs) == 7
    assert qs[3].text(seed) == "No."


def test_reporting_verbs_come_from_the_parse_not_a_word_list_match():
    document = parse("Sir Keir replied: “No.” The Washington Post ran the story.")
    verbs = [t.text for t in document.doc if quotations.is_reporting_verb(t)]
    assert verbs == ["replied"]  # "Post" is part of a name, not the verb "post"
