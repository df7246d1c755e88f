"""Batches: streamed input, per-line errors, resume after kill -9, cache, OpenAI Batch files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summariser.cli import app
from tests.server import Reply, ScriptedServer, empty_reply, request_schema

DATA = Path(__file__).parent / "data"
KEY = "sk-batch-test-key-123"


def speakers_by_article(request):
    """Answer every quote with the name written right after the quotation ("…," said NAME)."""
    schema = request_schema(request)
    if "Q1" not in schema.get("properties", {}):
        return empty_reply(request)
    return Reply(json.dumps({k: "Ana Lopez" for k in schema["properties"]}))


def write_jsonl(path: Path, n: int, extra_lines: list[str] = ()) -> Path:
    with path.open("w") as f:
        for i in range(n):
            text = f"Ana Lopez spoke. “Item {i} is ready,” she said."
            f.write(json.dumps({"id": f"a{i}", "text": text, "source": "wire"}) + "\n")
        for line in extra_lines:
            f.write(line + "\n")
    return path


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def invoke(*args):
    return CliRunner().invoke(app, ["batch", *args])


def test_jsonl_batch_writes_one_line_per_article_with_errors_inline(tmp_path):
    bad = ["not json", '{"id": "nt", "body": "x"}', json.dumps({"id": "a1", "text": "dup"})]
    src = write_jsonl(tmp_path / "in.jsonl", 3, bad)
    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=speakers_by_article) as srv:
        r = invoke(str(src), "--out", str(out), "-m", "openai:m", "--base-url", srv.url,
                   "--api-key", KEY, "--steps", "quotes", "-j", "4")  # fmt: skip
    assert r.exit_code == 0, r.output
    got = {x["id"]: x for x in lines(out)}
    assert set(got) == {"a0", "a1", "a2", "line:4", "nt"}
    assert got["a0"]["summary"]["quotes"][0]["text"] == "Item 0 is ready"
    assert got["a0"]["source"] == "wire"  # extra fields carried through
    assert got["line:4"]["error"]["message"] == "in.jsonl line 4 is not JSON"
    assert 'no "text"' in got["nt"]["error"]["message"]
    assert "3 summaries, 2 errors" in r.stderr and "duplicate ids (processed once): a1" in r.stderr


def test_folder_batch_and_a_failing_article_does_not_stop_the_rest(tmp_path, monkeypatch):
    monkeypatch.setenv("SUMMARISER_HTTP_ATTEMPTS", "1")
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(4):
        (folder / f"{i}.txt").write_text(f"Ana Lopez spoke. “Item {i} is ready,” she said.")
    (folder / "empty.md").write_text("  ")

    def answer(request):
        if "Item 2" in json.dumps(request["messages"]):
            return Reply(status=500, body=b'{"error": {"message": "boom"}}')
        return speakers_by_article(request)

    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=answer) as srv:
        r = invoke(str(folder), "--out", str(out), "-m", "openai:m", "--base-url", srv.url,
                   "--api-key", KEY, "--steps", "quotes", "--no-cache")  # fmt: skip
    got = {x["id"]: x for x in lines(out)}
    assert r.exit_code == 0
    assert set(got) == {"0.txt", "1.txt", "2.txt", "3.txt", "empty.md"}
    message = f"{srv.url} answered HTTP 500: boom; see the server's log"
    assert got["2.txt"]["error"] == {"type": "BackendError", "message": message}
    assert "is empty" in got["empty.md"]["error"]["message"]
    assert "summary" in got["3.txt"]


def test_warm_rerun_makes_zero_model_calls(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", 5)
    with ScriptedServer(default=speakers_by_article) as srv:
        args = ["-m", "openai:m", "--base-url", srv.url, "--api-key", KEY, "--steps", "quotes"]
        assert invoke(str(src), "--out", str(tmp_path / "one.jsonl"), *args).exit_code == 0
        cold = len(srv.requests)
        assert invoke(str(src), "--out", str(tmp_path / "two.jsonl"), *args).exit_code == 0
        assert len(srv.requests) == cold == 5
    assert lines(tmp_path / "one.jsonl") != [] and len(lines(tmp_path / "two.jsonl")) == 5


def test_resume_after_kill_9_finishes_the_rest_without_duplicates(tmp_path):
    n = 40
    src = write_jsonl(tmp_path / "in.jsonl", n)
    out = tmp_path / "out.jsonl"

    def slow(request):
        reply = speakers_by_article(request)
        reply.delay = 0.05
        return reply

    with ScriptedServer(default=slow) as srv:
        cmd = [sys.executable, "-m", "summariser", "batch", str(src), "--out", str(out),
               "-m", "openai:m", "--base-url", srv.url, "--steps", "quotes", "-j", "2"]  # fmt: skip
        env = {**os.environ, "OPENAI_API_KEY": KEY}
        proc = subprocess.Popen(cmd, env=env, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline and (
            not out.exists() or len(out.read_bytes().splitlines()) < 5
        ):
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        first = lines(out)  # every line parses
        assert 5 <= len(first) < n
        with out.open("a") as f:
            f.write('{"id": "a39", "summ')  # as if killed mid-write
        subprocess.run(cmd, env=env, check=True, stderr=subprocess.DEVNULL, timeout=120)
    final = lines(out)
    ids = [x["id"] for x in final]
    assert sorted(ids) == sorted(f"a{i}" for i in range(n)) and len(ids) == len(set(ids))


def test_retry_errors_redoes_only_failed_lines(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", 2)
    out = tmp_path / "out.jsonl"
    failed = {"id": "a0", "error": {"type": "BackendError", "message": "x"}}
    out.write_text(json.dumps(failed) + "\n" + json.dumps({"id": "a1", "summary": {}}) + "\n")
    with ScriptedServer(default=speakers_by_article) as srv:
        r = invoke(str(src), "--out", str(out), "-m", "openai:m", "--base-url", srv.url,
                   "--api-key", KEY, "--steps", "quotes", "--retry-errors")  # fmt: skip
    got = {x["id"]: x for x in lines(out)}
    assert r.exit_code == 0 and len(got) == 2 and "summary" in got["a0"]
    assert "1 already done" in r.stderr


def test_openai_batch_export_then_import_of_a_recorded_output(tmp_path, seed, monkeypatch):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "seed", "text": seed, "desk": "politics"}) + "\n")
    requests = tmp_path / "requests.jsonl"
    r = invoke(str(src), "--export-openai-batch", str(requests), "-m", "openai:gpt-4o-mini")
    assert r.exit_code == 0, r.output
    reqs = lines(requests)
    assert [x["custom_id"] for x in reqs] == ["seed::0", "seed::1", "seed::2"]
    assert all(x["method"] == "POST" and x["url"] == "/v1/chat/completions" for x in reqs)
    body = reqs[0]["body"]
    assert body["model"] == "gpt-4o-mini" and body["tool_choice"]["function"]["name"] == "Speakers"
    assert body["messages"][1]["content"].startswith("<article>\n[1] Sir Keir Starmer")
    monkeypatch.chdir(tmp_path)  # import finds requests.articles.jsonl here
    out = tmp_path / "results.jsonl"
    r = invoke("--import-openai-batch", str(DATA / "openai-batch-output.jsonl"), "--out", str(out))
    assert r.exit_code == 0, r.output
    (line,) = lines(out)
    s = line["summary"]
    assert line["desk"] == "politics"
    assert len([q for q in s["quotes"] if q["kind"] == "direct"]) == 7
    (ind,) = [q for q in s["quotes"] if q["kind"] == "indirect"]
    assert seed[ind["start"] : ind["end"]] == ind["text"] and ind["speaker"] == "Sir Keir Starmer"
    assert [e["action"] for e in s["events"]] == ["met with"]  # the invented event is dropped
    assert s["meta"]["dropped"] == {"action: not in the cited sentence": 1}
    assert s["meta"]["usage"]["prompt_tokens"] == 2700


def test_import_of_an_incomplete_batch_records_an_error(tmp_path, seed, monkeypatch):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "seed", "text": seed}) + "\n")
    invoke(str(src), "--export-openai-batch", str(tmp_path / "requests.jsonl"))
    partial = tmp_path / "partial.jsonl"
    partial.write_text((DATA / "openai-batch-output.jsonl").read_text().splitlines()[0] + "\n")
    out = tmp_path / "results.jsonl"
    r = invoke(str(tmp_path / "requests.articles.jsonl"), "--import-openai-batch", str(partial),
               "--out", str(out))  # fmt: skip
    assert r.exit_code == 0
    (line,) = lines(out)
    assert "no batch result for seed::1" in line["error"]["message"]


@pytest.mark.parametrize("args", [[], ["nope.jsonl"]])
def test_batch_input_errors(tmp_path, args, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke(*args, "-m", "openai:m", "--api-key", KEY)
    assert r.exit_code == 1 and r.stderr.startswith("error: ")
