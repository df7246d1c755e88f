"""The real embedded engine, end to end (the smallest model, Gemma 3 270M: seconds, not minutes).

Gemma 270M is a base model and its answers are junk; what these tests prove is the plumbing: the
GGUF is assembled and sha256-checked, llama.cpp's server engine runs in-process (xllamacpp), the
JSON schema is enforced by a grammar, the article prefix is served from the prompt cache, several
threads share one engine's slots, and whatever the model says comes back schema-valid and
grounded or is dropped and counted.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated

import pytest
from pydantic import BaseModel, Field

from summariser import summarise
from summariser.backends import local, resolve

pytestmark = pytest.mark.model
TINY = "local:gemma3-270m"


class Ticket(BaseModel):
    """A shape no free-text answer to the prompt below would take."""

    code: str = Field(pattern=r"^[0-9]{3}-[A-Z]{2}$")
    colours: list[Annotated[str, Field(max_length=10)]] = Field(max_length=2)


POEM = [{"role": "user", "content": "Write a long poem about the sea, in many verses."}]


def test_schema_is_enforced_by_the_engine_not_by_luck():
    b = resolve(TINY, max_retries=0)
    answer, usage = b.extract(POEM, Ticket, {}, max_tokens=60)
    assert re.fullmatch(r"[0-9]{3}-[A-Z]{2}", answer.code)  # a poem never looks like this
    assert len(answer.colours) <= 2  # maxItems held by the grammar
    assert usage.calls == 1 and usage.completion_tokens > 0
    # The same request without the schema is free text: the grammar made the difference.
    eng = local.engine(local.model_path("gemma3-270m", local.MODELS["gemma3-270m"]), 4096, 1)
    free = eng.chat({"messages": POEM, "max_tokens": 30, **local.SAMPLING})
    content = free["choices"][0]["message"]["content"]
    with pytest.raises(ValueError):
        Ticket.model_validate_json(content)


def test_shared_prefix_is_served_from_the_prompt_cache():
    b = resolve(TINY, max_retries=0)
    records: list[dict] = []
    b.observers.append(records.append)
    article = "Article: " + "The council met on Monday and approved the budget. " * 20
    first = [{"role": "user", "content": article + "\nGive a ticket."}]
    second = [{"role": "user", "content": article + "\nGive another ticket."}]
    b.extract(first, Ticket, {}, max_tokens=60)
    _, u2 = b.extract(second, Ticket, {}, max_tokens=60)
    assert u2.cached_tokens >= 150  # the article's tokens were not evaluated again
    assert u2.cached_tokens < u2.prompt_tokens  # the new task was
    assert [r["schema"] for r in records] == ["Ticket"] * 2
    assert records[1]["usage"]["cached_tokens"] == u2.cached_tokens


def test_parallel_slots_serve_several_threads_with_one_engine():
    b = resolve(TINY, max_retries=0, parallel=2)
    assert b.caps.parallel == 2 and b.caps.embedded
    asks = [[{"role": "user", "content": f"Ticket number {i}, please."}] for i in range(4)]
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda m: b.extract(m, Ticket, {}, max_tokens=60)[0], asks))
    assert all(re.fullmatch(r"[0-9]{3}-[A-Z]{2}", a.code) for a in answers)
    assert len(local._ENGINES) == 1  # one model in memory


#: Two women close together, then "she said": code cannot tell which one, so the model is asked.
AMBIGUOUS = (
    "Mara Lind met Ana Ruiz in Oslo on Monday. Ana Ruiz praised the new ferry.\n"
    "“We will sail again by spring,” she said.\n"
)


def test_seed_end_to_end_is_schema_valid_and_grounded(seed):
    text = seed + "\n" + AMBIGUOUS
    s = summarise(text, model=TINY, cache=False)
    # the seed's speakers are code's; the model is asked only who "she" is
    assert s.meta.model == TINY and s.meta.usage.calls >= 1
    for q in s.quotes:
        assert q.text == " ".join(text[a:b] for a, b in q.spans)
        if len(q.spans) == 1:
            assert text[q.start : q.end] == q.text
    for r in [*s.events, *s.stances]:
        assert text[r.start : r.end] == r.evidence
    assert s.events and all(e.actor != "US" for e in s.events)


def test_cli_run_on_the_embedded_model(tmp_path, seed):
    from typer.testing import CliRunner

    from summariser.cli import app

    path = tmp_path / "a.txt"
    path.write_text(seed, encoding="utf-8")
    r = CliRunner().invoke(app, ["run", str(path), "-m", TINY, "--steps", "quotes"])
    assert r.exit_code in (0, 3), r.output  # 3: finished, but a step failed (junk model)
    data = json.loads(r.stdout)
    assert data["meta"]["model"] == TINY
    for q in data["quotes"]:
        assert seed[q["start"] : q["end"]] == q["text"] or len(q["spans"]) > 1


def test_batch_runs_articles_as_slots_of_one_engine(tmp_path):
    from typer.testing import CliRunner

    from summariser.cli import app

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"a{i}.txt").write_text(f"Town {i} council met on Monday.\n" + AMBIGUOUS)
    out = tmp_path / "out.jsonl"
    args = ["batch", str(folder), "--out", str(out), "-m", TINY, "-j", "9", "--steps", "quotes"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code in (0, 3), r.output
    assert "runs 4 article(s) at a time" in r.stderr  # -j 9 capped at 4 slots
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(x["id"] for x in lines) == ["a0.txt", "a1.txt", "a2.txt"]
    assert [slots for _, slots in local._ENGINES] == [4]  # one engine, 4 slots
