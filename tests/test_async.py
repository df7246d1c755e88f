"""The asyncio batch path (summariser.batch.aio) against the scripted server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from summariser import batch
from summariser.backends import resolve
from tests.conftest import ROOT
from tests.fakes import FakeBackend
from tests.server import Reply, ScriptedServer, empty_reply

KEY = "sk-test-SENTINEL-0123456789"
STEPS = ("events",)  # the seed has event candidates: the model judges them


@pytest.fixture(scope="module")
def per_article() -> int:
    """Model requests the pipeline makes for one seed article (rules decide how many)."""
    from summariser.pipeline import extract
    from tests.conftest import SEED

    fake = FakeBackend()
    extract(SEED, fake, STEPS)
    assert fake.calls, "the seed must need the model for these steps"
    return len(fake.calls)


def slow(delay: float):
    """A server default: the emptiest valid answer, after `delay` seconds."""
    return lambda request: Reply(empty_reply(request).content, delay=delay)


def write_input(path: Path, seed: str, n: int) -> Path:
    with path.open("w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"a{i}", "text": f"Story {i}.\n\n{seed}", "desk": "x"}))
            f.write("\n")
    return path


def lines(out: Path) -> list[dict]:
    return [json.loads(x) for x in out.read_text().splitlines()]


def run(src: Path, url: str, out: Path, **kw) -> batch.Tally:
    b = resolve("openai:test-model", api_key=KEY, base_url=url)
    kw = {"concurrency": 4, "steps": STEPS, "cache": False, "workers": 1, **kw}
    return batch.run(batch.read_articles(src), b, out, **kw)


def without_timings(line: dict) -> dict:
    line = json.loads(json.dumps(line))
    if "summary" in line:
        line["summary"]["meta"].pop("timings")
    return line


@pytest.mark.parametrize("workers", [0, 2])  # threads of this process; worker processes
def test_same_lines_as_the_thread_path(seed, tmp_path, per_article, workers):
    src = write_input(tmp_path / "in.jsonl", seed, 6)
    with ScriptedServer() as srv:
        tally = run(src, srv.url, tmp_path / "async.jsonl", workers=workers)
        b = resolve("openai:test-model", api_key=KEY, base_url=srv.url)
        batch.threads.run(batch.read_articles(src), b, tmp_path / "threads.jsonl",
                          batch.Job(concurrency=4, steps=STEPS, cache=False))  # fmt: skip
    assert (tally.summaries, tally.errors) == (6, 0)
    ours = {x["id"]: without_timings(x) for x in lines(tmp_path / "async.jsonl")}
    theirs = {x["id"]: without_timings(x) for x in lines(tmp_path / "threads.jsonl")}
    assert ours == theirs and len(ours) == 6
    assert ours["a3"]["extra"] == {"desk": "x"} and ours["a3"]["summary"]["events"] == []
    assert len(srv.requests) == 2 * 6 * per_article


@pytest.mark.parametrize("workers", [0, 1])
def test_concurrency_is_reached_and_never_exceeded(seed, tmp_path, workers):
    src = write_input(tmp_path / "in.jsonl", seed, 8)
    with ScriptedServer(default=slow(2.0)) as s:  # long enough for all 4 to be asked at once
        tally = run(src, s.url, tmp_path / "out.jsonl", concurrency=4, workers=workers)
    assert tally.summaries == 8 and s.max_in_flight == 4


@pytest.mark.parametrize("workers", [0, 1])
def test_faults_are_retried_in_one_layer_with_retry_after(
    seed, tmp_path, monkeypatch, per_article, workers
):
    monkeypatch.setenv("SUMMARISER_HTTP_ATTEMPTS", "3")
    src = write_input(tmp_path / "in.jsonl", seed, 1)
    replies = [
        Reply(status=503, body=b'{"error": {"message": "busy"}}'),
        Reply(status=429, headers={"retry-after": "0.3"}, body=b'{"error": {"message": "x"}}'),
    ]
    with ScriptedServer(replies) as srv:
        t0 = time.monotonic()
        tally = run(src, srv.url, tmp_path / "out.jsonl", workers=workers)
    assert tally.summaries == 1 and len(srv.requests) == 2 + per_article
    assert time.monotonic() - t0 >= 0.3


def test_failures_are_error_lines_and_retry_errors_redoes_them(seed, tmp_path):
    src = write_input(tmp_path / "in.jsonl", seed, 3)
    body = json.dumps({"error": {"message": f"Incorrect API key provided: {KEY}"}}).encode()
    out = tmp_path / "out.jsonl"
    with ScriptedServer([Reply(status=401, body=body)]) as srv:
        tally = run(src, srv.url, out)
        assert (tally.summaries, tally.errors) == (2, 1)
        errors = [x for x in lines(out) if "error" in x]
        assert errors[0]["error"]["type"] == "BackendError" and "HTTP 401" in out.read_text()
        assert KEY not in out.read_text()
        again = run(src, srv.url, out, retry_errors=True)
    assert (again.summaries, again.skipped) == (1, 2)
    assert sorted(x["id"] for x in lines(out)) == ["a0", "a1", "a2"]
    assert all("summary" in x for x in lines(out))


def test_bad_input_lines_and_duplicates_as_on_the_thread_path(seed, tmp_path, per_article):
    src = tmp_path / "in.jsonl"
    good = json.dumps({"id": "x", "text": seed})
    src.write_text(f"{good}\nnot json\n{good}\n")
    with ScriptedServer() as srv:
        tally = run(src, srv.url, tmp_path / "out.jsonl")
    assert (tally.summaries, tally.errors, tally.duplicates) == (1, 1, ["x"])
    assert len(srv.requests) == per_article


def test_observers_hear_every_attempt_made_in_the_workers(seed, tmp_path, per_article):
    src = write_input(tmp_path / "in.jsonl", seed, 2)
    seen: list[dict] = []
    with ScriptedServer() as srv:
        b = resolve("openai:test-model", api_key=KEY, base_url=srv.url)
        b.observers.append(seen.append)
        batch.run(batch.read_articles(src), b, tmp_path / "out.jsonl", steps=STEPS,
                  cache=False, workers=1)  # fmt: skip
    assert len(seen) == len(srv.requests) == 2 * per_article
    assert all(r["usage"]["prompt_tokens"] == 50 and r["answer"] for r in seen)


@pytest.mark.parametrize("jobs", ["4", "12"])  # CPU work in threads; in worker processes
def test_cli_batch_logs_each_articles_calls_in_its_own_run(seed, tmp_path, per_article, jobs):
    from typer.testing import CliRunner

    from summariser import logs
    from summariser.cli import app

    src = write_input(tmp_path / "in.jsonl", seed, 5)
    out = tmp_path / "out.jsonl"
    before = {r["id"] for r in logs.recent(1000)}
    with ScriptedServer() as srv:
        r = CliRunner().invoke(app, ["batch", str(src), "--out", str(out), "-m", "openai:m",
                                     "--base-url", srv.url, "--api-key", KEY, "--steps",
                                     "events", "--no-cache", "--log", "-j", jobs])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert sorted(x["id"] for x in lines(out)) == [f"a{i}" for i in range(5)]
    runs = [logs.show(r["id"]) for r in logs.recent(1000) if r["id"] not in before]
    assert sorted(run["source"] for run in runs) == [f"a{i}" for i in range(5)]
    for run in runs:
        assert run["status"] == "ok" and len(run["calls"]) == per_article
        story = f"Story {run['source'][1:]}."
        assert all(story in json.dumps(call["messages"]) for call in run["calls"])
    assert KEY not in json.dumps(runs)


def test_the_library_entry_runs_an_http_model_on_asyncio(seed, tmp_path):
    """`batch.run` chooses the runner: an HTTP model's requests come from the async client."""
    src = write_input(tmp_path / "in.jsonl", seed, 2)
    with ScriptedServer() as srv:
        b = resolve("openai:test-model", api_key=KEY, base_url=srv.url)
        tally = batch.run(batch.read_articles(src), b, tmp_path / "out.jsonl", steps=STEPS,
                          cache=False)  # fmt: skip
    sent = [{k.lower(): v for k, v in h.items()}.get("x-stainless-async") for h in srv.headers]
    assert tally.summaries == 2 and sent and set(sent) == {"async:asyncio"}


def test_a_backend_around_the_callers_own_client_runs_through_that_client(seed, tmp_path):
    import openai

    from summariser.api import from_client

    src = write_input(tmp_path / "in.jsonl", seed, 2)
    with ScriptedServer() as srv:
        client = openai.OpenAI(api_key=KEY, base_url=srv.url, default_headers={"X-Team": "desk"})
        b = from_client(client, "gpt-test")
        tally = batch.run(batch.read_articles(src), b, tmp_path / "out.jsonl", steps=STEPS,
                          cache=False, concurrency=4)  # fmt: skip
    assert tally.summaries == 2 and srv.headers
    assert all({k.lower(): v for k, v in h.items()}.get("x-team") == "desk" for h in srv.headers)


def test_backends_that_are_not_http_keep_the_thread_path(seed, tmp_path):
    src = write_input(tmp_path / "in.jsonl", seed, 2)
    fake = FakeBackend()
    tally = batch.run(batch.read_articles(src), fake, tmp_path / "out.jsonl", steps=STEPS,
                      cache=False)  # fmt: skip
    assert tally.summaries == 2 and fake.calls  # the fake ran in this process


SCRIPT = """
import sys
import time
from pathlib import Path
from summariser import batch
from summariser.backends import resolve
b = resolve("openai:test-model", api_key="sk-x-123456", base_url=sys.argv[1])
with batch.interrupt_handler(lambda m: print(m, file=sys.stderr)) as stop:
    t = batch.run(batch.read_articles(Path(sys.argv[2])), b, Path(sys.argv[3]),
                  concurrency=4, steps=("events",), cache=False, workers=1, stop=stop)
print(f"returned at {time.monotonic()}:", t.line(), file=sys.stderr)
sys.exit(130 if t.interrupted else 0)
"""


def start(url: str, src: Path, out: Path, written: int) -> subprocess.Popen:
    """SCRIPT in a real process (its own session), returned once `written` lines are out."""
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, url, str(src), str(out)],
                            cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True)  # fmt: skip
    t0 = time.monotonic()
    while not (out.exists() and out.read_text().count("\n") >= written):
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() - t0 < 60, "no progress"
        time.sleep(0.05)
    return proc


def test_resume_after_kill_9(seed, tmp_path, per_article):
    src = write_input(tmp_path / "in.jsonl", seed, 24)
    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=slow(0.3)) as srv:
        proc = start(srv.url, src, out, written=5)
        os.killpg(proc.pid, signal.SIGKILL)  # the parent and its worker processes
        proc.wait()
        with out.open("a") as f:
            f.write('{"id": "a23", "summ')  # as if killed mid-line
        before = len(lines_ok(out))
        asked = len(srv.requests)
        srv.default = None  # the resume needs no slow answers
        tally = run(src, srv.url, out)
    ids = [x["id"] for x in lines(out)]
    assert sorted(ids) == sorted(f"a{i}" for i in range(24))  # each exactly once
    assert tally.skipped == before and tally.summaries == 24 - before
    assert len(srv.requests) - asked == (24 - before) * per_article


def lines_ok(out: Path) -> list[str]:
    return [x for x in out.read_text().splitlines() if x.endswith("}")]


def test_first_ctrl_c_starts_nothing_new_and_writes_what_finishes(seed, tmp_path, per_article):
    src = write_input(tmp_path / "in.jsonl", seed, 40)
    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=slow(1.0)) as srv:
        proc = start(srv.url, src, out, written=1)
        asked = len(srv.requests)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "interrupted" in err, err
    returned = float(err.split("returned at ")[1].split(":")[0])
    assert returned - (srv.arrived[-1] + 1.0) < 2.0  # within 2 s of the last answer
    assert len(srv.requests) <= asked + 4 * per_article  # only the articles in flight
    written = lines(out)
    assert len(written) * per_article == len(srv.requests)
    assert all("summary" in x for x in written)


def test_workers_that_die_cost_only_their_articles(seed, tmp_path):
    import psutil

    src = write_input(tmp_path / "in.jsonl", seed, 12)
    out = tmp_path / "out.jsonl"
    killed: list[int] = []

    def kill_the_workers(article, ok) -> None:
        if not killed:
            for p in psutil.Process().children():
                if "spawn_main" in " ".join(p.cmdline()):  # not the resource tracker
                    killed.append(p.pid)
                    p.kill()

    with ScriptedServer(default=slow(0.3)) as srv:
        tally = run(src, srv.url, out, workers=2, on_done=kill_the_workers)
        written = lines(out)
        assert len(killed) == 2
        assert sorted(x["id"] for x in written) == sorted(f"a{i}" for i in range(12))
        lost = [x for x in written if "error" in x]
        assert tally.errors == len(lost) >= 8 and tally.summaries == 12 - len(lost)
        assert {x["error"]["type"] for x in lost} == {"WorkerError"}
        srv.default = None  # the retry needs no slow answers
        again = run(src, srv.url, out, retry_errors=True)
    assert again.summaries == len(lost) and all("summary" in x for x in lines(out))
