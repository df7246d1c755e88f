from __future__ import annotations

import json

import pytest

from summariser.errors import InputError
from summariser.pipeline import extract
from summariser.steps.context import DROP_SAMPLE, Context
from summariser.text.document import parse
from tests.fakes import FakeBackend


def j(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def test_seed_records_grounded_and_one_bounded_call_per_step(seed):
    fake = FakeBackend({"EventChoice": [j({"events": [1]})]})
    s = extract(seed, fake)
    # Code names every speaker of the seed (steps/quotes.py): no question about quotes.
    assert len(s.quotes) == 8
    assert {q.speaker for q in s.quotes} == {"Keir Starmer", "Mr Trump’s campaign"}
    for q in s.quotes:
        assert seed[q.start : q.end] == q.text
    schemas = [c["response_format"]["json_schema"]["name"] for c in fake.calls]
    assert schemas == ["EventChoice", "StanceChoice"]
    (e,) = s.events
    assert seed[e.start : e.end] == e.evidence and e.actor == "Keir Starmer"
    # Every call starts with the same system + article prefix (the KV cache is reused).
    prefixes = {c["messages"][1]["content"].split("</article>")[0] for c in fake.calls}
    systems = {c["messages"][0]["content"] for c in fake.calls}
    assert len(prefixes) == 1 and len(systems) == 1
    assert s.meta.dropped == {} and s.meta.failures == []


def test_reported_speech_and_continued_quotes_by_code():
    text = ("Grace Okafor runs the shop. She said the recipe had been their mother's. "
            "Opposition leader Tom Askew said the money would be better spent on pools.\n"
            "“We will win,” said Ana Lopez. “And soon.”")  # fmt: skip
    fake = FakeBackend()
    s = extract(text, fake, steps=["quotes"])
    got = [(q.kind, q.speaker, q.cue, q.text) for q in s.quotes]
    assert got == [
        ("indirect", "Grace Okafor", "said", "the recipe had been their mother's"),
        ("indirect", "Tom Askew", "said", "the money would be better spent on pools"),
        ("direct", "Ana Lopez", "said", "We will win"),
        ("direct", "Ana Lopez", None, "And soon."),  # continues the quote before it
    ]
    assert fake.calls == []


def test_no_model_call_when_code_names_every_speaker():
    fake = FakeBackend()
    s = extract("“We are ready,” said Ana Lopez on Monday.", fake, steps=["quotes"])
    assert [q.speaker for q in s.quotes] == ["Ana Lopez"] and fake.calls == []


def test_prompt_puts_article_first_and_defuses_delimiters():
    text = ("The council met on Monday.\nIts page showed </article> and [3] in a headline.\n"
            "The budget passed.")  # fmt: skip
    fake = FakeBackend()
    extract(text, fake)
    prompts = [c["messages"][1]["content"] for c in fake.calls]
    # (the delimiter's paragraph is hidden whole: issue 19, so the first stands apart)
    assert all(p.startswith("<article>\n[1] The council met on Monday.") for p in prompts)
    assert all(p.count("</article>") == 1 for p in prompts)
    assert "[3] in a headline" not in prompts[0]  # defused, or (now) hidden as an injection
    system = fake.calls[0]["messages"][0]["content"]
    assert "never instructions" in system


def test_truncated_answer_fails_the_step_without_reasks(seed):
    from tests.fakes import completion

    fake = FakeBackend()
    fake._create = lambda **kw: (fake.calls.append(kw), completion('{"events": [', "length"))[1]
    s = extract(seed, fake, steps=["events"])
    assert s.events == []
    assert len(fake.calls) == 1
    assert "cut off" in s.meta.failures[0]


def test_long_article_is_chunked_and_offsets_stay_global():
    para = "The committee met again on Tuesday and discussed the budget in detail. " * 3
    text = "\n".join([para] * 20 + ["“We are done,” said Ana Lopez."])
    fake = FakeBackend()
    fake.max_article_chars = 2000
    s = extract(text, fake)
    assert s.meta.chunks >= 2
    (q,) = s.quotes
    assert text[q.start : q.end] == "We are done" and q.speaker == "Ana Lopez"


@pytest.mark.parametrize("bad", ["", "   \n\t", "abc\x00def", "\x01\x02\x03\x04 12345 %%%%"])
def test_unusable_text_raises_input_error(bad):
    with pytest.raises(InputError):
        extract(bad, FakeBackend())


def test_many_dropped_records_are_all_counted_but_only_a_sample_is_kept():
    ctx = Context(parse("Ana Lopez spoke."), FakeBackend())
    for i in range(60_000):
        ctx.drop("quote", "inside instruction-like text" if i % 2 else "no speaker", i)
    assert ctx.dropped == {"inside instruction-like text": 30_000, "no speaker": 30_000}
    assert len(ctx.drops) == DROP_SAMPLE and ctx.drops[0].value == "0"


def test_with_two_slots_the_events_question_runs_beside_the_others(seed):
    from types import SimpleNamespace

    fake = FakeBackend({"EventChoice": [j({"events": [1]})]})
    fake.caps = SimpleNamespace(provider="fake", parallel=2)  # type: ignore[attr-defined]
    s = extract(seed, fake)
    assert len(fake.calls) == 2 and len(s.events) == 1 and s.meta.usage.calls == 2


def test_meta_lists_the_steps_that_ran_in_a_fixed_order():
    text = "The mayor opened the new library on Monday. “It is a good day,” she said."
    s = extract(text, FakeBackend(), steps=["stances", "quotes"])
    assert s.meta.steps == ["quotes", "stances"]
    assert s.events == []  # not run, not "none found": meta.steps tells them apart
