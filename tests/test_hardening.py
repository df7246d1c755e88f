"""Hardening, round three (issue 19): each test scripts one case that broke, end to end."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from summariser.cli import app
from tests.server import Reply, ScriptedServer, empty_reply, request_schema

KEY = "sk-hardening-key-4821"
FINISHED = {0, 3}


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def batch(src: Path, out: Path, url: str, *more: str):
    return invoke("batch", str(src), "--out", str(out), "-m", "openai:m", "--base-url", url,
                  "--api-key", KEY, "--steps", "quotes,events", *more)  # fmt: skip


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def keyed(path: Path) -> dict:
    return {json.dumps(x["id"]) if x["id"] is not None else f"line {x['line']}": x
            for x in lines(path)}  # fmt: skip


def articles(path: Path, n: int, *raw: str) -> Path:
    rows = [json.dumps({"id": f"a{i}", "text": f"Ana Lopez spoke. “Item {i} is ready,” the "
                        "official said."}) for i in range(n)]  # fmt: skip
    path.write_text("\n".join([*rows, *raw]) + "\n")
    return path


def speaker(request):
    """A valid answer to every question: the first speaker offered, no event chosen."""
    props = request_schema(request).get("properties", {})
    if "Q1" in props:
        return Reply(json.dumps({k: 1 for k in props}))
    return empty_reply(request)


# ---- row 1: a deeply nested JSONL line ---------------------------------------------------------


def test_a_deeply_nested_line_is_its_own_error_and_the_batch_completes(tmp_path):
    deep = "[" * 5000 + "]" * 5000
    src = articles(tmp_path / "in.jsonl", 2,
                   '{"id": "deep", "text": "Ana Lopez spoke.", "tags": ' + deep + "}",
                   '{"id": ' + deep + ', "text": "Ana Lopez spoke."}',
                   '{"id": "ok", "text": "Ana Lopez spoke.", "tags": "[[[[[[[[[[[[[[[[[["}')  # fmt: skip
    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=speaker) as srv:
        r = batch(src, out, srv.url)
        again = batch(src, out, srv.url)  # a rerun does not die at the same line
    assert r.exit_code == 3 and again.exit_code == 0, r.output
    got = keyed(out)
    assert set(got) == {'"a0"', '"a1"', "line 3", "line 4", '"ok"'}
    assert "nested more than 64 levels deep" in got["line 3"]["error"]["message"]
    assert "nested more than 64 levels deep" in got["line 4"]["error"]["message"]
    assert "summary" in got['"ok"'] and "summary" in got['"a0"']
    assert "5 already done" in again.stderr and "Traceback" not in r.output + again.output


# ---- row 2: steps that all failed are not a success --------------------------------------------


def test_an_article_whose_steps_failed_is_counted_apart_exits_3_and_is_retried(tmp_path):
    src = articles(tmp_path / "in.jsonl", 3)
    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=lambda request: Reply('{"nonsense": true}')) as srv:
        r = batch(src, out, srv.url, "--no-cache")
    assert all(x["summary"]["meta"]["failures"] for x in lines(out))
    assert r.exit_code == 3, r.output
    assert "3 summaries (3 with failed steps), 0 errors" in r.stderr
    assert "3 have failed steps" in r.stderr
    with ScriptedServer(default=speaker) as srv:
        again = batch(src, out, srv.url, "--retry-errors")
        asked = len(srv.requests)
    assert asked > 0 and again.exit_code == 0, again.output
    assert "3 summaries, 0 errors, 0 already done" in again.stderr
    got = keyed(out)
    assert set(got) == {'"a0"', '"a1"', '"a2"'}
    assert not any(x["summary"]["meta"]["failures"] for x in got.values())
