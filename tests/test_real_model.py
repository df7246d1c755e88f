"""The real embedded model, end to end (the smallest one, SmolLM2-135M: seconds, not minutes).

SmolLM2's answers are poor; what these tests prove is the plumbing: the GGUF is assembled and
sha256-checked, llama.cpp runs in-process, the schema grammar is enforced, and whatever the model
says comes back schema-valid and grounded or is dropped and counted.
"""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, Field

from summariser import summarise
from summariser.backends import resolve
from summariser.cli import app

pytestmark = pytest.mark.model
TINY = "local:smollm2-135m"


class Pair(BaseModel):
    colour: str = Field(max_length=12)
    count: int


class Pairs(BaseModel):
    items: list[Pair] = Field(max_length=2)


def test_schema_grammar_is_enforced_in_process():
    b = resolve(TINY, max_retries=0)
    messages = [{"role": "user", "content": "Name some colours, as many as you like, forever."}]
    answer, usage = b.extract(messages, Pairs, {}, max_tokens=120)
    assert isinstance(answer, Pairs) and len(answer.items) <= 2  # maxItems held by the grammar
    assert all(len(p.colour) <= 12 for p in answer.items)
    assert usage.calls == 1 and usage.completion_tokens > 0


def test_seed_end_to_end_is_schema_valid_and_grounded(seed):
    s = summarise(seed, model=TINY, cache=False)
    assert s.meta.model == TINY and s.meta.usage.calls >= 4
    for q in s.quotes:
        assert q.text == " ".join(seed[a:b] for a, b in q.spans)
        if len(q.spans) == 1:
            assert seed[q.start : q.end] == q.text
    for r in [*s.events, *s.stances]:
        assert seed[r.start : r.end] == r.evidence
    proposed = len(s.quotes) + sum(s.meta.dropped.values())
    assert proposed >= 7  # every quotation was either attributed or dropped and counted


def test_cli_run_on_the_embedded_model(tmp_path, seed):
    from typer.testing import CliRunner

    path = tmp_path / "a.txt"
    path.write_text(seed, encoding="utf-8")
    r = CliRunner().invoke(app, ["run", str(path), "-m", TINY, "--steps", "quotes"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["meta"]["model"] == TINY
    for q in data["quotes"]:
        assert seed[q["start"] : q["end"]] == q["text"] or len(q["spans"]) > 1
