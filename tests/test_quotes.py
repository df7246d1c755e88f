"""Quotes and speakers (steps/quotes.py) through the pipeline, on sentences written here.

Parser-only mode (`resolve("none")`) shows what code decides alone; the scripted server shows
that the model is asked only where code cannot decide, and only to pick a numbered option.
"""

from __future__ import annotations

import json

import pytest

from summariser.backends import resolve
from summariser.pipeline import extract
from summariser.schemas import Meta
from tests.server import Reply, ScriptedServer


def run(text: str, backend=None) -> tuple[list[tuple[str, str, str]], Meta]:
    """The quotes the pipeline finds in `text` (quotes step only), and the summary's meta."""
    s = extract(text, backend or resolve("none"), steps=["quotes"])
    return [(q.text, q.speaker, q.kind) for q in s.quotes], s.meta


def speaker_of(text: str, words: str) -> str:
    found, _ = run(text)
    return next(s for t, s, _ in found if words in t)


@pytest.mark.parametrize(
    ("text", "words", "speaker"),
    [
        # the name next to the cue, after or before the quotation
        ("“We are ready,” said council leader Ana Lopez.", "ready", "Ana Lopez"),
        ("Tom Reyes replied: “Not this year.”", "Not this year", "Tom Reyes"),
        # the analyst, not the common noun his words begin with
        ("“The market has priced in a cut,” said Tom Reyes, an analyst at Kell Bank.",
         "market", "Tom Reyes"),
        # an appositive name for a descriptor subject
        ("Its chief executive, Ruth Okoye, said the plant would stay open.", "plant",
         "Ruth Okoye"),
        # a pronoun across paragraphs, agreeing in gender past a man named in between
        ("Ana Lopez, who runs the depot, said her drivers were tired.\n\n"
         "Tom Reyes, a driver for 20 years, said his lorries were old.\n\n"
         "“I will not sell the depot,” she said.", "sell", "Ana Lopez"),
        # two people sharing a surname, told apart by their titles
        ("Karim Osei runs the shop with his sister, Efua Osei.\n\n"
         "“We need a bigger oven,” Ms Osei said. “We need a smaller rent,” Mr Osei said.",
         "oven", "Efua Osei"),
        ("Karim Osei runs the shop with his sister, Efua Osei.\n\n"
         "“We need a bigger oven,” Ms Osei said. “We need a smaller rent,” Mr Osei said.",
         "rent", "Karim Osei"),
        # an organisation as speaker, then "it" in a paragraph of its own
        ("Norvale Foods, which makes crisps, said sales fell in May.\n\n"
         "“We expect a better winter,” it added.", "winter", "Norvale Foods"),
        # a descriptor tied to the person an appositive gave it to
        ("The county's health minister, Ruth Okoye, opened the ward on Friday. "
         "Later the minister told reporters that beds were still short.", "beds",
         "Ruth Okoye"),
        # an organisation noun to the organisation whose name holds it
        ("Figures from the Office for Road Safety came out on Monday. "
         "The safety office said crashes had fallen by a tenth.", "crashes",
         "Office for Road Safety"),
        # "a spokeswoman for X" speaks for X
        ("A spokeswoman for the Environment Agency said the river had peaked.", "river",
         "Environment Agency"),
        # an unnamed speaker stays as the article writes them
        ("A nurse, who asked not to be named, said the ward had been overwhelmed.", "ward",
         "A nurse"),
        # "according to X"
        ("According to Tom Reyes, the depot will close in May.", "depot", "Tom Reyes"),
        # a possessive speech noun: "Her answer was ..."
        ("Ana Lopez met the union on Monday. Her answer was short: “No deal.”", "No deal",
         "Ana Lopez"),
        # an attribution line after the quotation
        ("Readers wrote in.\n\n“The new bridge is ugly.” ― Ana Lopez", "bridge", "Ana Lopez"),
        # "as X put it": an idiom that reports speech
        ("The accounts will show what was spent. As Laura Bennett, a lawyer, recently put it, "
         "“Who signed the cheques, and when?”", "cheques", "Laura Bennett"),
        # a fronted verb: 'Said X: "..."' (the verb is not part of the name)
        ("Critics called the plan costly. Said Ryan Ellis, a tax adviser: “I see no winners.”",
         "winners", "Ryan Ellis"),
        # a show's title in quotation marks is never the subject of the cue
        ("“We are ready for the storm,” Chief Anna Price, a former marine, said Monday on "
         "Channel 5’s “Morning Show.”", "storm", "Anna Price"),
        # initials do not end the sentence that names the speaker
        ("“This is a sad day,” said Rep. J.R. Malone, the head of the caucus.", "sad day",
         "J.R. Malone"),
    ],
)  # fmt: skip
def test_speaker_rules(text, words, speaker):
    assert speaker_of(text, words) == speaker


def test_partial_quote_inside_reported_speech_is_part_of_the_reported_clause():
    found, _ = run("Ana Lopez said the plan was “dead in the water” and would be dropped.")
    assert found == [("the plan was “dead in the water” and would be dropped", "Ana Lopez",
                      "indirect")]  # fmt: skip


def test_naming_verb_and_its_object_are_one_reported_claim():
    found, _ = run("Tom Reyes called the new timetable “a shambles” on Tuesday.")
    assert found == [("the new timetable “a shambles”", "Tom Reyes", "indirect")]


def test_a_quotation_inside_a_reporting_verbs_object_is_part_of_the_claim():
    found, _ = run("Tom Reyes promised lower fares and “a seat for everyone” by May.")
    assert found == [("lower fares and “a seat for everyone”", "Tom Reyes", "indirect")]
    found, _ = run("Ana Lopez complained about the queues, which she called “a disgrace”.")
    assert len(found) == 1 and found[0][2] == "indirect"  # one claim, not one per verb


def test_a_reporting_verb_inside_the_quotation_does_not_cut_the_reported_clause():
    found, _ = run(
        "Ana Lopez is claiming that the tax is “a disaster for families” but “nobody will say so.”"
    )
    assert len(found) == 1 and found[0][2] == "indirect"
    assert found[0][0].startswith("the tax is “a disaster for families” but “nobody will say so")


def test_a_reported_clause_cut_at_a_nested_report_ends_without_a_dangling_and():
    found, _ = run("Ana Lopez wrote that the mayor was “a fraud” and urged voters to stay home.")
    assert found[0] == ("the mayor was “a fraud”", "Ana Lopez", "indirect")


def test_a_descriptor_speaker_ends_without_a_dangling_conjunction():
    found, _ = run(
        "On Monday’s edition of “The Late Desk,” the former minister of finance and "
        "current Labour candidate said she wanted to talk “directly to young voters”."
    )
    assert [s for _, s, _ in found] == ["the former minister of finance"]


def test_a_partial_quote_ending_a_reported_clause_is_part_of_it():
    found, _ = run("Ana Lopez said the depot was “a mess.”")
    assert found == [("the depot was “a mess.”", "Ana Lopez", "indirect")]


@pytest.mark.parametrize(
    ("before", "dropped"),
    [
        pytest.param("The so-called “blue route” opened. She read “Rain on Glass” on the train.", 2,
                     id="terms, titles and uncued short quotes"),
        pytest.param("The shop sold “a cure for every ache you have ever had” for years.", 1,
                     id="a quotation inside the writer's own clause with no cue"),
    ],
)  # fmt: skip
def test_quotations_that_are_not_speech_are_dropped_and_counted(before, dropped):
    found, meta = run(before + " “We won,” said Ana Lopez.")
    assert found == [("We won", "Ana Lopez", "direct")]
    assert meta.dropped == {"term or title in quotation marks": dropped}


def test_a_quote_with_no_cue_carries_on_the_last_speaker_of_its_paragraph():
    found, _ = run("“We are ready,” said Ana Lopez. “The trucks are loaded.”")
    assert [s for _, s, _ in found] == ["Ana Lopez", "Ana Lopez"]


def test_headline_quote_is_tied_to_the_leader_named_below():
    text = ("“We will not move,” says union leader\n\n"
            "Ana Lopez, the head of the Unite union, spoke to 300 members on Monday.")  # fmt: skip
    assert speaker_of(text, "not move") == "Ana Lopez"


AMBIGUOUS = (
    "Tom Reyes met Sam Cole at the depot on Monday. Reyes said the lorries were old. "
    "Cole said the drivers were tired.\n\n“Nobody listens to us,” he said."
)


def test_parser_only_keeps_the_nearest_fitting_person_for_an_ambiguous_pronoun():
    found, meta = run(AMBIGUOUS)
    assert ("Nobody listens to us", "Sam Cole", "direct") in found
    assert meta.usage.calls == 0


def test_model_picks_a_numbered_option_only_where_code_cannot_decide():
    with ScriptedServer([Reply(json.dumps({"Q1": 2}))]) as srv:
        backend = resolve("openai:m", api_key="sk-test", base_url=srv.url)
        found, _ = run(AMBIGUOUS, backend)
        asked = srv.requests[0]["messages"][-1]["content"]
        assert len(srv.requests) == 1
    assert "options: 1) Sam Cole  2) Tom Reyes" in asked
    assert ("Nobody listens to us", "Tom Reyes", "direct") in found
    assert ("the lorries were old", "Tom Reyes", "indirect") in found  # decided by code


def test_no_model_call_when_code_decides_every_speaker():
    with ScriptedServer([]) as srv:
        backend = resolve("openai:m", api_key="sk-test", base_url=srv.url)
        found, _ = run("“We are ready,” said Ana Lopez. She said the trucks were loaded.",
                       backend)  # fmt: skip
        assert srv.requests == []
    assert [s for _, s, _ in found] == ["Ana Lopez", "Ana Lopez"]


def test_a_failed_model_answer_drops_the_quote_and_counts_it():
    bad = Reply(json.dumps({"Q1": 9}))  # no option 9: invalid, re-asked, still invalid
    with ScriptedServer([bad, bad, bad, bad]) as srv:
        backend = resolve("openai:m", api_key="sk-test", base_url=srv.url, max_retries=1)
        found, meta = run(AMBIGUOUS, backend)
    assert all(t != "Nobody listens to us" for t, _, _ in found)
    assert meta.dropped.get("no speaker") == 1 and meta.failures


def test_a_named_storm_is_never_the_organisation_a_descriptor_stands_for():
    from tests.fakes import FakeBackend

    text = (
        "Storm Arwen brought down power lines across Keldale on Sunday.\n"
        "The Keldale Power Board sent engineers to the valley.\n"
        "Storm Arwen also closed two roads.\n"
        "The body said supplies would return by Tuesday."
    )
    s = extract(text, FakeBackend({"SpeakerChoices": ['{"Q1": 1}']}), steps=["quotes"])
    assert [q.speaker for q in s.quotes] == ["Keldale Power Board"]
