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
    tags = "[" * 100  # inside a string: not nesting
    src = articles(tmp_path / "in.jsonl", 2,
                   '{"id": "deep", "text": "Ana Lopez spoke.", "tags": ' + deep + "}",
                   '{"id": ' + deep + ', "text": "Ana Lopez spoke."}',
                   '{"id": "ok", "text": "Ana Lopez spoke.", "tags": "' + tags + '"}')  # fmt: skip
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


# ---- row 3: an unusable SUMMARISER_CACHE_DIR ---------------------------------------------------


def _cache_dirs(tmp_path: Path) -> dict[str, str]:
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    return {"a file": str(a_file), "/dev/null": "/dev/null", "below a file": str(a_file / "c")}


def test_an_unusable_cache_dir_is_one_warning_before_any_call_and_the_result_kept(
    tmp_path, monkeypatch
):
    article = tmp_path / "a.txt"
    article.write_text("Ana Lopez spoke. “Item 1 is ready,” the official said.")
    for what, folder in _cache_dirs(tmp_path).items():
        monkeypatch.setenv("SUMMARISER_CACHE_DIR", folder)
        with ScriptedServer(default=speaker) as srv:
            r = invoke("run", str(article), "-m", "openai:m", "--base-url", srv.url,
                       "--api-key", KEY, "--no-log", "--steps", "quotes")  # fmt: skip
            asked = len(srv.requests)
        assert r.exit_code == 0, (what, r.output)
        assert json.loads(r.stdout)["quotes"][0]["speaker"] == "Ana Lopez", what
        (warning,) = [x for x in r.stderr.splitlines() if x.strip()]
        assert warning.startswith("warning: cannot use the cache folder") and folder in warning
        assert "running without the result cache" in warning and asked == 1
        src = articles(tmp_path / "in.jsonl", 3)
        out = tmp_path / f"out-{len(what)}.jsonl"
        with ScriptedServer(default=speaker) as srv:
            b = batch(src, out, srv.url)
        assert b.exit_code == 0, (what, b.output)
        assert all("summary" in x for x in lines(out)), what  # no InternalError lines
        assert b.stderr.count("cannot use the cache folder") == 1


def test_a_disk_that_fills_during_a_run_still_returns_the_result(tmp_path):
    """Usable when checked, full when the result is stored: the result is returned anyway."""
    from summariser import summarise
    from summariser.cache import ResultCache

    root = tmp_path / "cache"
    cache = ResultCache(root)
    assert cache.check() is None
    root.rmdir()
    root.write_text("the disk changed under us")  # every write below it now fails
    s = summarise("Ana Lopez spoke. “It is ready,” she said.", model="none", cache=cache)
    assert s.quotes[0].text == "It is ready" and "cannot use the cache folder" in cache.broken


def test_a_full_disk_cache_is_one_warning(tmp_path):
    """A file-size limit of 0 makes every file write fail (EFBIG), as a full disk does."""
    import resource
    import signal
    import subprocess
    import sys

    article = tmp_path / "a.txt"
    article.write_text("Ana Lopez spoke. “Item 1 is ready,” the official said.")

    def full() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    env = {**__import__("os").environ, "SUMMARISER_CACHE_DIR": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "summariser", "run", str(article), "--model", "none", "--no-log"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, preexec_fn=full, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["quotes"][0]["text"] == "Item 1 is ready"
    assert r.stderr.count("cannot use the cache folder") == 1 and "Traceback" not in r.stderr


# ---- rows 9-11: eval's --report, FIFOs and huge articles in the gold folder --------------------

GOLD = {"article": "Tom Reyes spoke. “We will win,” Tom Reyes said.",
        "quotes": [{"text": "We will win", "speaker": "Tom Reyes"}]}  # fmt: skip


def gold_folder(tmp_path: Path) -> Path:
    d = tmp_path / "gold"
    d.mkdir()
    (d / "one.json").write_text(json.dumps(GOLD))
    return d


def test_eval_report_that_is_a_file_or_unwritable_is_one_line_before_any_call(tmp_path):
    gold = gold_folder(tmp_path)
    a_file = tmp_path / "a-file"
    a_file.write_text("keep me")
    for report in (a_file, Path("/dev/null"), a_file / "below", Path("/proc/no-such-report")):
        with ScriptedServer() as srv:
            r = invoke("eval", str(gold), "-m", "openai:m", "--base-url", srv.url, "--api-key",
                       KEY, "--steps", "quotes", "--report", str(report))  # fmt: skip
            asked = len(srv.requests)
        assert r.exit_code == 1, (report, r.output)
        assert asked == 0 and r.stdout == "" and "Traceback" not in r.output
        (line,) = r.stderr.splitlines()
        assert line.startswith("error: ") and str(report) in line, line
    assert a_file.read_text() == "keep me"


def _eval_process(*args: str, preexec=None, timeout: float = 60):
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "summariser", "eval", *args, "--model", "none", "--no-log"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=preexec)  # fmt: skip


def test_a_fifo_named_json_in_the_gold_folder_is_skipped_not_read(tmp_path):
    import os

    gold = gold_folder(tmp_path)
    os.mkfifo(gold / "pipe.json")  # opening it to read would block forever
    r = _eval_process(str(gold), "--steps", "quotes")
    assert r.returncode == 0, r.stderr
    assert (
        "skipped pipe.json: not a regular file" in r.stderr and "PASS none: 1 articles" in r.stdout
    )


def test_a_huge_gold_article_is_refused_before_it_is_read(tmp_path):
    import resource

    gold = gold_folder(tmp_path)
    with (gold / "huge.txt").open("wb") as f:
        f.truncate(2_000_000_000)  # sparse: 2 GB that cost no disk
    (gold / "two.json").write_text(json.dumps({"article_path": "huge.txt"}))

    def small_memory() -> None:  # reading the file whole would fail with MemoryError
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))

    r = _eval_process(str(gold), "--steps", "quotes", preexec=small_memory)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    (line,) = r.stderr.splitlines()
    assert "two.json: article_path 'huge.txt'" in line and "2000.0 MB" in line, line
    assert "up to 5 MB" in line


# ---- row 4: two batches on one --out -----------------------------------------------------------


def test_a_second_batch_on_the_same_out_refuses_naming_the_first(tmp_path):
    import os
    import subprocess
    import sys
    import time

    src = articles(tmp_path / "in.jsonl", 6)
    out = tmp_path / "out.jsonl"

    import threading

    held = threading.Event()  # the first batch's requests wait until the second has tried

    def slow(request):
        held.wait(20)
        return speaker(request)

    with ScriptedServer(default=slow) as srv:
        cmd = [sys.executable, "-m", "summariser", "batch", str(src), "--out", str(out),
               "-m", "openai:m", "--base-url", srv.url, "--steps", "quotes", "-j", "1",
               "--no-cache"]  # fmt: skip
        first = subprocess.Popen(cmd, env={**os.environ, "OPENAI_API_KEY": KEY},
                                 stderr=subprocess.PIPE, text=True)  # fmt: skip
        deadline = time.time() + 60
        while time.time() < deadline and not srv.requests:
            time.sleep(0.02)
        assert srv.requests, "the first batch never started"
        second = batch(src, out, srv.url, "--no-cache")
        held.set()
        _, stderr = first.communicate(timeout=120)
        asked = [n for q in srv.requests for n in range(6) if f"Item {n} is" in json.dumps(q)]
    assert second.exit_code == 1, second.output
    (line,) = [x for x in second.stderr.splitlines() if x.strip()]
    assert line.startswith("error: ") and f"process {first.pid}" in line and str(out) in line
    assert sorted(asked) == list(range(6))  # each article asked once: none by the second
    assert first.returncode == 0, stderr
    ids = [x["id"] for x in lines(out)]
    assert sorted(ids) == [f"a{i}" for i in range(6)]  # each id once
    with ScriptedServer(default=speaker) as srv:  # the lock went with the first process
        again = batch(src, out, srv.url)
    assert again.exit_code == 0 and "6 already done" in again.stderr, again.output


# ---- row 7: credentials written in --base-url ----------------------------------------------------


def test_credentials_in_the_base_url_are_never_printed_or_stored(tmp_path, monkeypatch):
    password = "Pa55w0rdInUrl"
    monkeypatch.setenv("SUMMARISER_HTTP_ATTEMPTS", "1")
    logs = tmp_path / "logs.db"
    monkeypatch.setenv("SUMMARISER_LOGS_DB", str(logs))
    article = tmp_path / "a.txt"
    article.write_text("Ana Lopez spoke. “Item 1 is ready,” the official said.")
    src = articles(tmp_path / "in.jsonl", 2)
    gold = gold_folder(tmp_path)
    outputs = []
    with ScriptedServer(default=lambda r: Reply(status=500, body=b'{"error": {}}')) as srv:
        port = srv.url.split(":")[2].split("/")[0]
    urls = [f"http://alice:{password}@127.0.0.1:{port}/v1",  # nothing listens there now
            f"http://alice:{password}@[::1/v1"]  # not a valid URL  # fmt: skip
    with ScriptedServer(default=lambda r: Reply(status=500, body=b'{"error": {}}')) as srv:
        urls.append(srv.url.replace("http://", f"http://alice:{password}@"))
        for n, url in enumerate(urls):
            common = ["-m", "openai:m", "--base-url", url, "--api-key", KEY, "--no-cache"]
            for args in (
                ["-vv", "run", str(article), *common],
                ["batch", str(src), "--out", str(tmp_path / f"out{n}.jsonl"), "--log", *common],
                ["eval", str(gold), "--report", str(tmp_path / "rep"), "--log", *common],
            ):
                r = invoke(*args)
                assert r.exit_code in (1, 3), r.output
                outputs.append(r.stdout + r.stderr + repr(r.exception))
        assert srv.requests  # the last URL really reached a server
    assert any("HTTP 500" in o for o in outputs) and any("cannot reach" in o for o in outputs)
    assert any("not a valid URL" in o for o in outputs)
    assert any("http://***@127.0.0.1" in o for o in outputs)  # the URL is still named
    written = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    assert logs.exists() and (tmp_path / "out2.jsonl").exists()
    assert all(password.encode() not in b for b in written)
    leaks = [
        o[max(0, o.find(password) - 300) : o.find(password) + 50] for o in outputs if password in o
    ]
    assert not leaks, leaks[0]


# ---- row 8: escape sequences in what reaches stderr --------------------------------------------


def test_osc_52_and_other_escape_sequences_never_reach_stderr_raw(tmp_path):
    osc52 = "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # writes the clipboard on many terminals
    bad_id = f"dup{osc52}\x1bP+q\x1b\\\x9b31m"  # OSC 52, a DCS query, an 8-bit CSI
    row = json.dumps({"id": bad_id, "text": "Ana Lopez spoke."})
    src = articles(tmp_path / "in.jsonl", 1, row, row)  # a duplicate id: listed on stderr
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / f"odd{osc52}.txt").write_text("")  # an empty article: its error names it
    with ScriptedServer(default=speaker) as srv:
        r = batch(src, tmp_path / "out.jsonl", srv.url)
        f = batch(folder, tmp_path / "out2.jsonl", srv.url)
        one = invoke("run", str(folder / f"odd{osc52}.txt"), "--model", "none")
    assert "duplicate ids (processed once): dup\\x1b]52;c;" in r.stderr
    for result in (r, f, one):
        assert result.exit_code in (0, 1, 3), result.output
        assert not any(c in result.stderr for c in "\x1b\x07\x9b"), repr(result.stderr)
    assert "odd\\x1b]52" in one.stderr


# ---- row 13: `summarise logs` on a corrupt database --------------------------------------------


def test_logs_on_a_corrupt_database_is_one_line_like_run_warns(tmp_path, monkeypatch):
    db = tmp_path / "logs.db"
    db.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("SUMMARISER_LOGS_DB", str(db))
    for args in (["logs"], ["logs", "show", "1"], ["logs", "prune", "--keep", "1"]):
        r = invoke(*args)
        assert r.exit_code == 1 and isinstance(r.exception, SystemExit), r.output
        (line,) = [x for x in r.stderr.splitlines() if x.strip()]
        assert line.startswith(f"error: cannot read the call log {db}") and "move it" in line
    article = tmp_path / "a.txt"
    article.write_text("Ana Lopez spoke.")
    run = invoke("run", str(article), "--model", "none")
    assert run.exit_code == 0 and f"warning: not logging model calls: {db}" in run.stderr
