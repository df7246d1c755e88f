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
from tests.server import (
    Reply,
    ScriptedServer,
    accepting,
    completion_body,
    empty_reply,
    request_schema,
)

DATA = Path(__file__).parent / "data"
KEY = "sk-batch-test-key-123"
#: A batch that ran to the end: 0, or 3 when some articles got error lines (issue 11).
FINISHED = {0, 3}


def speakers_by_article(request):
    """Answer every quote with the name written right after the quotation ("…," said NAME)."""
    schema = request_schema(request)
    if "Q1" not in schema.get("properties", {}):
        return empty_reply(request)
    return Reply(json.dumps({k: "Ana Lopez" for k in schema["properties"]}))


def write_jsonl(path: Path, n: int, extra_lines: list[str] = (), place: str = "") -> Path:
    """`n` articles a0... (`place` makes their texts, and so their cache keys, new)."""
    with path.open("w") as f:
        for i in range(n):
            text = f"Ana Lopez spoke{place}. “Item {i} is ready,” she said."
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
                   "--api-key", KEY, "--steps", "quotes,events", "-j", "4")  # fmt: skip
    assert r.exit_code in FINISHED, r.output
    got = {x["id"] if x["id"] is not None else f"line {x['line']}": x for x in lines(out)}
    assert set(got) == {"a0", "a1", "a2", "line 4", "nt"}
    assert got["a0"]["summary"]["quotes"][0]["text"] == "Item 0 is ready"
    assert got["a0"]["extra"] == {"source": "wire"}  # extra fields carried through
    assert got["line 4"]["error"]["message"] == "in.jsonl line 4 is not JSON"
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
                   "--api-key", KEY, "--steps", "quotes,events", "--no-cache")  # fmt: skip
    got = {x["id"]: x for x in lines(out)}
    assert r.exit_code in FINISHED
    assert set(got) == {"0.txt", "1.txt", "2.txt", "3.txt", "empty.md"}
    message = f"{srv.url} answered HTTP 500: boom; see the server's log"
    assert got["2.txt"]["error"] == {"type": "BackendError", "message": message}
    assert "is empty" in got["empty.md"]["error"]["message"]
    assert "summary" in got["3.txt"]


def test_warm_rerun_makes_zero_model_calls(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", 5, place=" in Warmley")  # cached by no other test
    with ScriptedServer(default=speakers_by_article) as srv:
        args = ["-m", "openai:m", "--base-url", srv.url, "--api-key", KEY,
                "--steps", "quotes,events"]  # fmt: skip
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
               "-m", "openai:m", "--base-url", srv.url, "--steps", "quotes,events",
               "-j", "2"]  # fmt: skip
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
                   "--api-key", KEY, "--steps", "quotes,events", "--retry-errors")  # fmt: skip
    got = {x["id"]: x for x in lines(out)}
    assert r.exit_code == 0 and len(got) == 2 and "summary" in got["a0"]
    assert "1 already done" in r.stderr


#: A model that names Sir Keir Starmer when asked who, and puts every numbered option in the
#: first list it is offered (events: all; stances: all "support").
answers_everything = accepting("Sir Keir Starmer", first_list_only=True)


def export_and_answer(tmp_path, seed, *steps):
    """Export the seed's requests and answer each as `answers_everything` would, as the Batch
    API's output file; returns (input, requests, output)."""
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "seed", "text": seed, "desk": "politics"}) + "\n")
    requests = tmp_path / "requests.jsonl"
    r = invoke(str(src), "--export-openai-batch", str(requests), "-m", "openai:gpt-4o-mini",
               *steps)  # fmt: skip
    assert r.exit_code == 0, r.output
    reqs = lines(requests)
    assert [x["custom_id"] for x in reqs] == [f"seed::{i}" for i in range(len(reqs))]
    assert reqs and all(x["method"] == "POST" and x["url"] == "/v1/chat/completions" for x in reqs)
    assert all(x["body"]["model"] == "gpt-4o-mini" for x in reqs)
    assert reqs[0]["body"]["messages"][1]["content"].startswith("<article>\n[1] Sir Keir Starmer")
    output = tmp_path / "output.jsonl"
    output.write_text("".join(json.dumps({
        "custom_id": x["custom_id"], "error": None, "response": {"status_code": 200, "body":
        json.loads(completion_body(x["body"], answers_everything(x["body"]).content or "{}"))},
    }) + "\n" for x in reqs))  # fmt: skip
    return src, reqs, output


def test_openai_batch_export_then_import_gives_what_a_live_run_gives(tmp_path, seed, monkeypatch):
    steps = ("--steps", "quotes,events")  # neither asks anything an earlier answer changes
    src, reqs, output = export_and_answer(tmp_path, seed, *steps)
    monkeypatch.chdir(tmp_path)  # import finds requests.articles.jsonl here
    r = invoke("--import-openai-batch", str(output), "--out", str(tmp_path / "imported.jsonl"))
    assert r.exit_code in FINISHED, r.output
    with ScriptedServer(default=answers_everything) as srv:
        r = invoke(str(src), "--out", str(tmp_path / "live.jsonl"), "-m", "openai:gpt-4o-mini",
                   "--base-url", srv.url, "--api-key", KEY, "--no-cache", *steps)  # fmt: skip
        assert [q["messages"] for q in srv.requests] == [x["body"]["messages"] for x in reqs]
    (imported,), (live,) = lines(tmp_path / "imported.jsonl"), lines(tmp_path / "live.jsonl")
    assert imported["extra"] == live["extra"] == {"desk": "politics"}
    for kind in ("quotes", "events", "stances"):
        assert imported["summary"][kind] == live["summary"][kind]
    assert imported["summary"]["quotes"] and imported["summary"]["events"]
    assert imported["summary"]["meta"]["usage"]["prompt_tokens"] == 50 * len(reqs)


def test_import_never_applies_an_answer_to_another_question(tmp_path, seed, monkeypatch):
    _, _, output = export_and_answer(tmp_path, seed)
    articles = tmp_path / "requests.articles.jsonl"
    row = json.loads(articles.read_text())
    row["text"] = row["text"].replace("Sir Keir Starmer", "Sir Kier Starmer", 1)  # asks otherwise
    articles.write_text(json.dumps(row) + "\n")
    monkeypatch.chdir(tmp_path)
    r = invoke("--import-openai-batch", str(output), "--out", str(tmp_path / "imported.jsonl"))
    (line,) = lines(tmp_path / "imported.jsonl")
    assert r.exit_code in FINISHED and "was for another question" in line["error"]["message"]


def test_import_of_an_incomplete_batch_records_an_error(tmp_path, seed, monkeypatch):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "seed", "text": seed}) + "\n")
    invoke(str(src), "--export-openai-batch", str(tmp_path / "requests.jsonl"))
    partial = tmp_path / "partial.jsonl"
    partial.write_text((DATA / "openai-batch-output.jsonl").read_text().splitlines()[0] + "\n")
    out = tmp_path / "results.jsonl"
    r = invoke(str(tmp_path / "requests.articles.jsonl"), "--import-openai-batch", str(partial),
               "--out", str(out))  # fmt: skip
    assert r.exit_code in FINISHED
    (line,) = lines(out)
    assert "no batch result for seed::1" in line["error"]["message"]


@pytest.mark.parametrize("args", [[], ["nope.jsonl"]])
def test_batch_input_errors(tmp_path, args, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke(*args, "-m", "openai:m", "--api-key", KEY)
    assert r.exit_code == 1 and r.stderr.startswith("error: ")


# ---- hardening (issue 12): hostile input lines, ids, odd files, --out, Ctrl-C, import/export -----


def run_cli(src, out, srv, *more):
    return invoke(str(src), "--out", str(out), "-m", "openai:m", "--base-url", srv.url,
                  "--api-key", KEY, "--steps", "quotes,events", *more)  # fmt: skip


def keyed(path: Path) -> dict:
    """Output lines by Article.key: the id as JSON, or "line N"."""
    return {json.dumps(x["id"]) if x["id"] is not None else f"line {x['line']}": x
            for x in lines(path)}  # fmt: skip


def test_lone_surrogates_become_that_articles_error_line(tmp_path):
    good = "Ana Lopez spoke. “Item {} is ready,” she said."
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        '{"id": "s1", "text": "Ana Lopez spoke \\ud800 here."}',  # in the text
        '{"id": "\\udc00x", "text": "Ana Lopez spoke."}',  # in the id
        '{"id": "s3", "text": "Ana Lopez spoke.", "note": ["\\ud83d"]}',  # in an extra field
        json.dumps({"id": "ok", "text": good.format(1)}),
    ]) + "\n")  # fmt: skip
    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=speakers_by_article) as srv:
        r = run_cli(src, out, srv)
        again = run_cli(src, out, srv)  # a rerun does not die at the same line either
    assert {r.exit_code, again.exit_code} <= FINISHED, r.output
    out.read_bytes().decode("utf-8")  # the file is valid UTF-8
    got = keyed(out)
    assert set(got) == {'"s1"', "line 2", '"s3"', '"ok"'}
    assert "lone surrogate (\\ud800) at character 16" in got['"s1"']["error"]["message"]
    assert "lone surrogate" in got["line 2"]["error"]["message"]
    assert 'field "note[0]" holds a lone surrogate' in got['"s3"']["error"]["message"]
    assert "summary" in got['"ok"'] and "4 already done" in again.stderr


def test_a_lone_surrogate_in_a_model_answer_is_that_articles_error_line(tmp_path):
    src = tmp_path / "in.jsonl"
    rows = ({"id": f"a{i}", "text": f"Ana Lopez spoke. “Item {i} is ready,” the official said."}
            for i in range(3))  # fmt: skip
    src.write_text("".join(json.dumps(row) + "\n" for row in rows))

    def answer(request):
        if "Item 1 " in json.dumps(request["messages"]):  # every field a lone surrogate
            props = request_schema(request).get("properties", {})
            return Reply(json.dumps({k: "Ana \ud800 Lopez" for k in props}))
        return empty_reply(request)

    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=answer) as srv:
        r = run_cli(src, out, srv, "--no-cache")
        asked = [q for q in srv.requests if "Item 1 " in json.dumps(q["messages"])]
    assert asked  # the bad answers were given
    assert r.exit_code in FINISHED, r.output
    out.read_bytes().decode("utf-8")
    got = keyed(out)
    assert set(got) == {'"a0"', '"a1"', '"a2"'} and "summary" in got['"a0"']
    a1 = json.dumps(got['"a1"'])
    assert "\\ud800" not in a1 or "lone surrogate" in a1  # dropped, or an error line


def test_extra_fields_never_collide_with_ours(tmp_path):
    src = tmp_path / "in.jsonl"
    fields = {"summary": "FAKE", "error": {"type": "x"}, "extra": 1, "line": 99}
    row = {"id": "x", "text": "Ana Lopez spoke. “It is ready,” she said.", **fields}
    src.write_text(json.dumps(row) + "\n")
    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=speakers_by_article) as srv:
        r = run_cli(src, out, srv)
    (line,) = lines(out)
    assert set(line) == {"id", "summary", "extra"}
    assert line["extra"] == fields and line["summary"]["quotes"][0]["text"] == "It is ready"
    assert "1 summaries, 0 errors" in r.stderr


def test_ids_keep_their_type_and_never_collide_with_line_ids(tmp_path):
    text = "Ana Lopez spoke. “Item {} is ready,” she said."
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": 0, "text": text.format(0)}),
        "{broken",  # line 2: no usable id
        json.dumps({"id": "line:2", "text": text.format(2)}),  # looks like a line id
        json.dumps({"id": 7, "text": text.format(7)}),
        json.dumps({"id": "7", "text": text.format(77)}),
        json.dumps({"id": True, "text": text.format(9)}),  # not an id
        json.dumps({"text": text.format(10)}),  # no id: named by its line
    ]) + "\n")  # fmt: skip
    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=speakers_by_article) as srv:
        r = run_cli(src, out, srv)
        again = run_cli(src, out, srv)
    got = keyed(out)
    assert set(got) == {"0", "line 2", '"line:2"', "7", '"7"', "line 6", "line 7"}
    assert got["0"]["id"] == 0 and got["7"]["id"] == 7 and got['"7"']["id"] == "7"
    assert "Item 77" in got['"7"']["summary"]["quotes"][0]["text"]
    assert "summary" in got['"line:2"'] and "is not JSON" in got["line 2"]["error"]["message"]
    assert "must be a non-empty string or an integer" in got["line 6"]["error"]["message"]
    assert "summary" in got["line 7"]
    assert "5 summaries, 2 errors" in r.stderr and "7 already done" in again.stderr
    assert len(lines(out)) == 7  # the rerun added nothing


def test_a_fifo_in_a_batch_folder_is_skipped_with_a_warning(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Ana Lopez spoke. “It is ready,” she said.")
    os.mkfifo(folder / "pipe.txt")  # reading it would block forever
    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=speakers_by_article) as srv:
        r = run_cli(folder, out, srv)
    assert r.exit_code == 0
    assert [x["id"] for x in lines(out)] == ["a.txt"]
    assert "skipped pipe.txt: not a regular file" in r.stderr


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d, "is a folder: give a file"),
        (lambda d: Path("/proc/version"), "cannot write --out /proc/version"),
        (lambda d: (d / "f.txt").write_text("x") and d / "f.txt" / "o.jsonl", "path is a file"),
        (lambda d: os.mkfifo(d / "p") or d / "p", "not a regular file (a pipe or device)"),
        (lambda d: Path("/dev/full"), "not a regular file (a pipe or device)"),
        (lambda d: d / "in.jsonl", "is the input file"),
    ],
    ids=["folder", "unwritable", "below-a-file", "pipe", "dev-full", "same-as-input"],
)
def test_unusable_out_is_one_line_and_nothing_runs(tmp_path, make, message):
    src = write_jsonl(tmp_path / "in.jsonl", 2)
    before = src.read_bytes()
    out = make(tmp_path)
    with ScriptedServer(default=speakers_by_article) as srv:
        r = run_cli(src, out, srv)
        calls = len(srv.requests)
    assert r.exit_code == 1 and calls == 0
    assert r.stderr.startswith("error: ") and len(r.stderr.splitlines()) == 1
    assert message in r.stderr and src.read_bytes() == before


def test_out_inside_the_input_folder_as_an_article_is_refused(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Ana Lopez spoke.")
    with ScriptedServer(default=speakers_by_article) as srv:
        r = run_cli(folder, folder / "results.txt", srv)
    assert r.exit_code == 1 and "would be read as an article" in r.stderr


def test_disk_full_mid_batch_stops_with_one_line(tmp_path):
    """A file-size limit makes the 3rd line's write fail, as a full disk would."""
    src = write_jsonl(tmp_path / "in.jsonl", 30)
    out = tmp_path / "out.jsonl"

    def limit():
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (1500, 1500))

    with ScriptedServer(default=speakers_by_article) as srv:
        cmd = [sys.executable, "-m", "summariser", "batch", str(src), "--out", str(out),
               "-m", "openai:m", "--base-url", srv.url, "--steps", "quotes,events", "-j", "2",
               "--no-cache"]  # fmt: skip
        env = {**os.environ, "OPENAI_API_KEY": KEY}
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120,
                           preexec_fn=limit)  # fmt: skip
    assert p.returncode == 1, p.stderr
    errors = [x for x in p.stderr.splitlines() if x.startswith("error: ")]
    assert len(errors) == 1 and f"cannot write {out}" in errors[0] and "resume" in errors[0]
    assert "Traceback" not in p.stderr
    assert all(json.loads(x) for x in out.read_text().splitlines())


def _ctrl_c_once_four_are_asked(tmp_path, srv, n):
    """A batch of `n` articles at -j 4 in a real process, sent SIGINT once 4 requests arrived."""
    src = write_jsonl(tmp_path / "in.jsonl", n)
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "summariser", "batch", str(src), "--out", str(out),
           "-m", "openai:m", "--base-url", srv.url, "--steps", "quotes,events", "-j", "4",
           "--no-cache"]  # fmt: skip
    env = {**os.environ, "OPENAI_API_KEY": KEY}
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and len(srv.requests) < 4:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    return proc, cmd, env, out


def _started_articles(srv) -> set[str]:
    found = set()
    for request in list(srv.requests):
        text = json.dumps(request["messages"])
        found |= {f"a{i}" for i in range(100) if f"Item {i} is" in text}
    return found


def test_first_ctrl_c_writes_what_is_in_flight_and_exits_130(tmp_path):
    delay = 1.5
    sent: list[float] = []

    def slow(request):
        reply = speakers_by_article(request)
        reply.delay = delay
        sent.append(time.monotonic())
        return reply

    with ScriptedServer(default=slow) as srv:
        proc, cmd, env, out = _ctrl_c_once_four_are_asked(tmp_path, srv, 20)
        _, stderr = proc.communicate(timeout=60)
        ended = time.monotonic()
        started = _started_articles(srv)
        assert proc.returncode == 130, stderr
        assert ended - (sent[-1] + delay) < 2.0  # within 2 s of the last answer
        assert "interrupted: starting nothing new" in stderr and "rerun the same" in stderr
        written = {x["id"] for x in lines(out)}
        assert started <= written and 4 <= len(written) < 20  # what started was written
        srv.default = speakers_by_article  # the rerun needs no slow answers
        subprocess.run(cmd, env=env, check=True, stderr=subprocess.DEVNULL, timeout=120)
    ids = [x["id"] for x in lines(out)]
    assert sorted(ids) == sorted(f"a{i}" for i in range(20))  # the rerun finished the rest


def test_second_ctrl_c_stops_at_once(tmp_path):
    def very_slow(request):
        reply = speakers_by_article(request)
        reply.delay = 20
        return reply

    with ScriptedServer(default=very_slow) as srv:
        proc, *_ = _ctrl_c_once_four_are_asked(tmp_path, srv, 8)
        time.sleep(0.3)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        assert time.monotonic() - t0 < 5.0  # not the 20 s the answers in flight would take
    assert proc.returncode == 130 and "stopped at once" in stderr


def test_import_with_a_broken_articles_file_is_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = tmp_path / "output.jsonl"
    results.write_text(json.dumps({"custom_id": "a::0", "response": {}}) + "\n")
    cases = {
        "bad.articles.jsonl": ("not json\n", "line 1 is not JSON"),
        "notext.articles.jsonl": (json.dumps({"id": "a", "body": "x"}) + "\n", 'has no "text"'),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_text(content)
        r = invoke(name, "--import-openai-batch", str(results), "--out", "r.jsonl")
        assert r.exit_code == 1 and message in r.stderr and len(r.stderr.splitlines()) == 1
    (tmp_path / "bin.jsonl").write_bytes(b'{"custom_id": "\xff"}\n')
    r = invoke("bad.articles.jsonl", "--import-openai-batch", "bin.jsonl", "--out", "r.jsonl")
    assert r.exit_code == 1 and "bin.jsonl line 1 is not a batch output line" in r.stderr


def test_import_error_bodies_are_redacted(tmp_path, seed):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "seed", "text": seed}) + "\n")
    requests = tmp_path / "requests.jsonl"
    assert invoke(str(src), "--export-openai-batch", str(requests)).exit_code == 0
    echo = {"message": f"Incorrect API key provided: {KEY[:10]}****", "code": "invalid_api_key"}
    failed = {"custom_id": "seed::0", "response": {"status_code": 401, "body": {"error": echo}}}
    results = tmp_path / "output.jsonl"
    results.write_text(json.dumps(failed) + "\n")
    out = tmp_path / "r.jsonl"
    r = invoke(str(tmp_path / "requests.articles.jsonl"), "--import-openai-batch", str(results),
               "--out", str(out), "--api-key", KEY)  # fmt: skip
    assert r.exit_code in FINISHED, r.output
    (line,) = lines(out)
    assert "invalid_api_key" in line["error"]["message"] and KEY[:8] not in out.read_text()


def test_export_reports_unreadable_files(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "good.txt").write_text("Ana Lopez spoke. “It is ready,” she said.")
    (folder / "latin1.txt").write_bytes("Caf\xe9 au lait.".encode("latin-1"))
    (folder / "empty.md").write_text(" ")
    r = invoke(str(folder), "--export-openai-batch", str(tmp_path / "req.jsonl"))
    assert r.exit_code == 0, r.output
    assert "skipped latin1.txt: latin1.txt is not UTF-8" in r.stderr
    assert "skipped empty.md: empty.md is empty" in r.stderr
    assert "for 1 articles" in r.stderr and "2 articles skipped" in r.stderr


def test_jsonl_texts_over_5_mb_are_refused_like_files(tmp_path):
    src = tmp_path / "in.jsonl"
    big = "word " * 1_300_000  # 6.5 MB
    src.write_text(
        json.dumps({"id": "big", "text": big})
        + "\n"
        + json.dumps({"id": "ok", "text": "Ana Lopez spoke. “Go,” she said."})
        + "\n"
    )
    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=speakers_by_article) as srv:
        r = run_cli(src, out, srv)
    got = keyed(out)
    assert r.exit_code in FINISHED and "summary" in got['"ok"']
    assert "in.jsonl line 1 is 6.5 MB; articles up to 5 MB" in got['"big"']["error"]["message"]


def test_symlink_loops_in_and_as_the_input_say_loop(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Ana Lopez spoke. “It is ready,” she said.")
    (folder / "x.txt").symlink_to(folder / "y.txt")
    (folder / "y.txt").symlink_to(folder / "x.txt")
    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=speakers_by_article) as srv:
        r = run_cli(folder, out, srv)
        loop = run_cli(folder / "x.txt", tmp_path / "o2.jsonl", srv)
    got = keyed(out)
    assert r.exit_code in FINISHED and "summary" in got['"a.txt"']
    assert "x.txt is a symlink loop" in got['"x.txt"']["error"]["message"]
    assert loop.exit_code == 1 and "symlink loop" in loop.stderr


def test_the_batch_template_holds_no_stand_in_secret(monkeypatch):
    from summariser.batch import openai_files

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert openai_files.template(None, None, None).secrets == ()  # nothing real to redact
    assert openai_files.template("openai:m", KEY, None).secrets[0] == KEY


def test_a_result_holding_a_lone_surrogate_is_written_as_an_error_line():
    from summariser.batch import Article, result_line

    line = json.loads(result_line(Article("a", "text"), {"summary": {"speaker": "Ana \ud800"}}))
    assert line["id"] == "a" and "lone surrogate" in line["error"]["message"]
    assert "summary" not in line


def test_import_keeps_words_that_a_stand_in_key_would_have_redacted(tmp_path, monkeypatch):
    text = "Ana Lopez spoke about the unused depot. “The unused depot is ready,” she said."
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "u", "text": text}) + "\n")
    assert (
        invoke(str(src), "--export-openai-batch", str(tmp_path / "requests.jsonl")).exit_code == 0
    )
    reqs = lines(tmp_path / "requests.jsonl")
    output = tmp_path / "output.jsonl"
    output.write_text("".join(json.dumps({
        "custom_id": x["custom_id"], "error": None, "response": {"status_code": 200, "body":
        json.loads(completion_body(x["body"], answers_everything(x["body"]).content or "{}"))},
    }) + "\n" for x in reqs))  # fmt: skip
    monkeypatch.chdir(tmp_path)
    r = invoke("--import-openai-batch", str(output), "--out", "r.jsonl")
    (line,) = lines(tmp_path / "r.jsonl")
    assert r.exit_code in FINISHED and "***" not in json.dumps(line)
    assert line["summary"]["quotes"][0]["text"] == "The unused depot is ready"
