from __future__ import annotations

import pytest

from summariser import attribution as a
from summariser.grounding import find_quotations, sentences


def first(text: str):
    return find_quotations(text)[0]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("“We are ready,” said council leader Margaret Hollis.", "Margaret Hollis"),
        ("“My sister is betting the house,” Mr Okafor said.", "Mr Okafor"),
        ("Sir Keir replied: “No.”", "Sir Keir"),
        ("Its officer, Mark Ellery, called it “a betrayal”.", "Mark Ellery"),
        ("Later Mr Trump’s campaign claimed the party had “made illegal contributions”.",
         "Mr Trump’s campaign"),
        ("“We will win,” she said.", None),  # a pronoun: the model decides
        ("He added: “I spent time in New York.”", None),
        ("A hospital spokesperson said it was “deeply sorry”.", None),  # no name: the model
    ],
)  # fmt: skip
def test_named_speaker(text, speaker):
    assert a.named_speaker(text, first(text)) == speaker


def test_continuation_needs_an_attribution_between_and_none_after():
    t = "“At two-nil down, we would fold,” she said. “These lads kept running.”"
    q1, q2 = find_quotations(t)
    assert a.continues(t, q1, q2)
    t = "“One,” she said. “Two,” said Tom Reyes."
    q1, q2 = find_quotations(t)
    assert not a.continues(t, q1, q2)
    t = "“One,” she said.\n“Two.”"
    q1, q2 = find_quotations(t)
    assert not a.continues(t, q1, q2)  # a new paragraph


def test_reported_speech_patterns():
    t = ("Its vice-president, Helen Marsh, told a briefing in Cambridge that the plan failed. "
         "The union said on Monday that 62 per cent had cut back. "
         "According to the mayor, the budget is balanced. "
         "He told reporters the city had learnt from delays. "
         "The weather was fine. “Quoted words here,” said Ana Lopez.")  # fmt: skip
    quotes = find_quotations(t)
    got = [(r.subject, r.cue, t[r.span[0] : r.span[1]])
           for r in a.reported_speech(t, sentences(t), [q.spans[0] for q in quotes])]  # fmt: skip
    assert got == [
        ("Helen Marsh", "told", "the plan failed"),
        ("The union", "said", "62 per cent had cut back"),
        ("the mayor", "according to", "the budget is balanced"),
        ("He", "told", "the city had learnt from delays"),
    ]
    assert [a.subject_name(s) for s, _, _ in got] == ["Helen Marsh", None, None, None]


def test_short_quotation_without_a_verb_is_a_term_not_speech():
    from summariser.backends.fake import FakeBackend
    from summariser.pipeline import extract

    text = "The deal set a “gold standard” for the industry. “We agree,” said Ana Lopez."
    fake = FakeBackend()
    s = extract(text, fake, steps=["quotes"])
    assert [q.text for q in s.quotes] == ["We agree"] and fake.calls == []
    assert s.meta.dropped == {"short quotation without a reporting verb": 1}


def test_fullest_name_skips_headlines_and_party_labels():
    from summariser.grounding import fullest_name

    t = ("Warren Hammers Wells Fargo Chief Over Scandal\n"
         "Republican Donald Trump spoke first. Later Donald Trump left.")  # fmt: skip
    assert fullest_name("Trump", t) == "Donald Trump"
    assert fullest_name("Warren", t) == "Warren"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("He added: “I spent time.”", True), ("“Good,” she continued.", True),
     ("“Good,” she said.", False), ("Sir Keir said so. He added: “Yes.”", True)],
)  # fmt: skip
def test_adds_to_previous(text, expected):
    assert a.adds_to_previous(text, first(text)) is expected


def test_he_added_goes_on_with_the_last_speaker(seed):
    from summariser.backends.fake import FakeBackend
    from summariser.pipeline import extract

    fake = FakeBackend({"Speakers": ['{"Q1": "Sir Keir"}']})  # only "he told reporters" is asked
    s = extract(seed, fake, steps=["quotes"])
    spent = next(q for q in s.quotes if q.text.startswith("I spent time"))
    assert spent.speaker == "Sir Keir Starmer" and spent.cue == "added"
