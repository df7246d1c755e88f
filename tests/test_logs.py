"""The call log: every model attempt stored per run, listed and shown; keys never stored."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest
from typer.testing import CliRunner

from summariser.cli import app
from summariser.logs import CallLog, recent, show
from tests.server import Reply, ScriptedServer

KEY = "sk-logs-test-SENTINEL-24681357"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _logs_db(tmp_path, monkeypatch):
    db = tmp_path / "logs.db"
    monkeypatch.setenv("SUMMARISER_LOGS_DB", str(db))
    return db


def call(n: int, answer: str | None, error: str | None = None) -> dict:
    usage = {"prompt_tokens": 100, "completion_tokens": 7, "cached_tokens": 60}
    return {"schema": "Speakers", "attempt": n, "answer": answer, "error": error, "seconds": 0.5,
            "messages": [{"role": "system", "content": "You read news."},
                         {"role": "user", "content": f"article ... question {n}"}],
            "usage": usage}  # fmt: skip


def test_runs_and_calls_round_trip(_logs_db):
    log = CallLog()
    run = log.start("run", "openai:m", "a.txt", "Some text.", ("quotes",))
    log.record(run, call(1, '{"Q1": "he"}', "pronoun: give the name"))
    log.record(run, call(2, '{"Q1": "Ana Lopez"}'))
    log.finish(run, "ok")
    log.close()
    [row] = recent()
    assert (row["id"], row["attempts"], row["errors"], row["status"]) == (run, 2, 1, "ok")
    assert (row["prompt_tokens"], row["completion_tokens"], row["cached_tokens"]) == (200, 14, 120)
    full = show(run)
    assert [c["answer"] for c in full["calls"]] == ['{"Q1": "he"}', '{"Q1": "Ana Lopez"}']
    assert full["calls"][0]["messages"][1]["content"] == "article ... question 1"
    assert full["chars"] == len("Some text.") and full["steps"] == "quotes"
    assert show(run + 1) is None


def test_secrets_given_to_the_log_are_never_stored(_logs_db):
    log = CallLog(secrets=(KEY,))
    run = log.start("run", "openai:m", f"dir-{KEY}/a.txt")
    log.record(run, call(1, f"echo {KEY}", f"HTTP 401: bad key {KEY[:12]}"))
    log.finish(run, f"error: key {KEY} refused")
    log.close()
    assert KEY.encode() not in _logs_db.read_bytes()
    assert KEY[:12].encode() not in _logs_db.read_bytes()  # truncated echoes too


def test_many_threads_log_at_once(_logs_db):
    log = CallLog()
    runs = [log.start("batch", "openai:m", f"a{i}") for i in range(8)]

    def work(run: int) -> None:
        for n in range(25):
            log.record(run, call(n, "{}"))

    threads = [threading.Thread(target=work, args=(r,)) for r in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.close()
    assert sorted(r["attempts"] for r in recent(20)) == [25] * 8


def test_run_logs_by_default_and_logs_commands_show_it(seed, tmp_path, _logs_db):
    article = tmp_path / "seed.txt"
    article.write_text(seed, encoding="utf-8")
    common = ["-m", "openai:m", "--api-key", KEY, "--steps", "events", "--no-cache"]
    echo = json.dumps({"error": {"message": f"bad key {KEY}"}}).encode()
    with ScriptedServer([Reply('{"events": "none"}')]) as srv:  # invalid first: a re-ask
        r = runner.invoke(app, ["run", str(article), "--base-url", srv.url, *common])
        assert r.exit_code == 0, r.output
        n_requests = len(srv.requests)
    with ScriptedServer([Reply(status=401, body=echo)]) as srv:
        r = runner.invoke(app, ["run", str(article), "--base-url", srv.url, *common])
        assert r.exit_code == 1
    with ScriptedServer() as srv:
        r = runner.invoke(app, ["run", str(article), "--base-url", srv.url, *common, "--no-log"])
        assert r.exit_code == 0

    r = runner.invoke(app, ["logs", "-f", "json"])
    assert r.exit_code == 0
    rows = json.loads(r.stdout)
    assert [x["status"][:5] for x in rows] == ["error", "ok"]  # newest first; --no-log absent
    ok = rows[1]
    assert ok["attempts"] == n_requests >= 2 and ok["errors"] >= 1  # the re-ask is there

    r = runner.invoke(app, ["logs", "show", str(ok["id"])])
    assert r.exit_code == 0
    assert "attempt 2" in r.stdout and "[answer]" in r.stdout and "[error]" in r.stdout
    assert f"{n_requests} calls" in r.stdout.splitlines()[0]
    assert "(same as in call 1)" in r.stdout  # the shared article prefix is printed once
    r = runner.invoke(app, ["logs", "show", "999"])
    assert r.exit_code == 1 and "no run 999" in r.stderr
    r = runner.invoke(app, ["logs", "path"])
    assert r.stdout.strip() == str(_logs_db)
    assert KEY.encode() not in _logs_db.read_bytes()
    with sqlite3.connect(_logs_db) as con:
        answers = [a for (a,) in con.execute("SELECT answer FROM calls")]
    assert '{"events": "none"}' in answers


# ---- the log stays bounded -----------------------------------------------------------------


def logged_runs(n: int, log: CallLog | None = None) -> list[int]:
    """`n` finished runs with two calls each."""
    own = log or CallLog()
    runs = []
    for i in range(n):
        run = own.start("batch", "openai:m", f"a{i}")
        own.record(run, call(1, "{}"))
        own.record(run, call(2, "{}"))
        own.finish(run, "ok")
        runs.append(run)
    if log is None:
        own.close()
    return runs


def stored(db) -> tuple[list[int], set[int]]:
    """(run ids, run ids that calls refer to)."""
    with sqlite3.connect(db) as con:
        runs = [r for (r,) in con.execute("SELECT id FROM runs ORDER BY id")]
        calls = {r for (r,) in con.execute("SELECT run_id FROM calls")}
    return runs, calls


def test_opening_a_log_keeps_only_the_newest_runs(_logs_db, monkeypatch):
    runs = logged_runs(6)
    monkeypatch.setenv("SUMMARISER_LOGS_KEEP", "4")
    CallLog().close()
    kept, with_calls = stored(_logs_db)
    assert kept == runs[2:] and with_calls == set(runs[2:])  # their calls went with them


def test_runs_older_than_the_day_limit_go(_logs_db, monkeypatch):
    old, new = logged_runs(2)
    with sqlite3.connect(_logs_db) as con:
        con.execute("UPDATE runs SET started = '2020-01-01T00:00:00+00:00' WHERE id = ?", (old,))
    CallLog().close()  # default limit: 30 days
    assert stored(_logs_db) == ([new], {new})
    monkeypatch.setenv("SUMMARISER_LOGS_DAYS", "0")  # 0: no limit
    with sqlite3.connect(_logs_db) as con:
        con.execute("UPDATE runs SET started = '2020-01-01T00:00:00+00:00'")
    CallLog().close()
    assert stored(_logs_db) == ([new], {new})


def test_a_long_batch_prunes_as_it_writes_but_never_its_open_runs(_logs_db, monkeypatch):
    import summariser.logs

    monkeypatch.setattr(summariser.logs, "PRUNE_EVERY", 3)
    monkeypatch.setenv("SUMMARISER_LOGS_KEEP", "2")
    log = CallLog()
    first = log.start("batch", "openai:m", "still running")  # open through the whole batch
    done = logged_runs(8, log)
    log.record(first, call(1, "{}"))
    log.finish(first, "ok")
    log.close()
    kept, with_calls = stored(_logs_db)
    assert first in kept and first in with_calls  # an open run is never cut
    assert len(kept) < 9 and kept[-2:] == done[-2:]  # pruned along the way, newest kept


def test_logs_prune_command(_logs_db, monkeypatch):
    runs = logged_runs(5)
    r = runner.invoke(app, ["logs", "prune", "--keep", "2"])
    assert r.exit_code == 0 and "3 run(s) deleted" in r.stderr
    assert stored(_logs_db) == (runs[3:], set(runs[3:]))
    monkeypatch.setenv("SUMMARISER_LOGS_KEEP", "lots")
    r = runner.invoke(app, ["logs", "prune"])
    assert r.exit_code == 1 and r.stderr.startswith("error: $SUMMARISER_LOGS_KEEP must be")
    assert "Traceback" not in r.output
