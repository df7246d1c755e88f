"""A log of every model call in SQLite, like `llm logs`: prompts, answers, re-asks, errors.

One `runs` row per article summarised (by `run`, `batch` or `eval`), one `calls` row per model
attempt, written as each attempt finishes (the backend's observers call us). Keys never reach
the database: the backend redacts its own secrets, and `CallLog` redacts the ones it is given.

The database is `$SUMMARISER_LOGS_DB`, else `logs.db` in the platform's user data directory.
It stays bounded: runs beyond the newest `$SUMMARISER_LOGS_KEEP` (default 10,000) or older than
`$SUMMARISER_LOGS_DAYS` days (default 30) are deleted with their calls, when a log is opened and
every `PRUNE_EVERY` runs after (`summarise logs prune` does it at once).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

if TYPE_CHECKING:
    from summariser.backends import ChatBackend

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    command TEXT NOT NULL,
    model TEXT NOT NULL,
    source TEXT,
    article_sha256 TEXT,
    chars INTEGER,
    steps TEXT,
    status TEXT NOT NULL DEFAULT 'running',
    seconds REAL
);
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    at TEXT NOT NULL,
    schema TEXT,
    attempt INTEGER,
    messages TEXT,
    answer TEXT,
    error TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    cached_tokens INTEGER,
    seconds REAL
);
CREATE INDEX IF NOT EXISTS calls_run ON calls(run_id);
"""


def db_path() -> Path:
    """$SUMMARISER_LOGS_DB, else logs.db in the platform's user data directory."""
    env = os.environ.get("SUMMARISER_LOGS_DB")
    return Path(env) if env else Path(platformdirs.user_data_dir("summariser")) / "logs.db"


#: Runs kept (newest first) and their age limit in days, unless the environment says otherwise.
KEEP_RUNS = 10_000
KEEP_DAYS = 30
#: A `CallLog` prunes when opened and after every this many runs it starts.
PRUNE_EVERY = 500


def _limit(var: str, default: int) -> int:
    """A positive whole number from the environment variable `var`; 0 means no limit."""
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        from summariser.errors import InputError

        raise InputError(f"${var} must be a whole number (0 = no limit), not {raw!r}") from None
    return max(0, value)


def keep_limits() -> tuple[int, int]:
    """(runs kept, days kept) from $SUMMARISER_LOGS_KEEP and $SUMMARISER_LOGS_DAYS; 0 = no limit."""
    return _limit("SUMMARISER_LOGS_KEEP", KEEP_RUNS), _limit("SUMMARISER_LOGS_DAYS", KEEP_DAYS)


def _prune(con: sqlite3.Connection, keep: int, days: int, open_runs: tuple[int, ...] = ()) -> int:
    """Delete the runs past the newest `keep` or older than `days` days (0: no such limit),
    calls first, but never the `open_runs` (still being written); returns how many runs went.
    Cheap when nothing goes: two lookups in the runs table, which these limits keep small.
    """
    cut = 0  # every run with an id up to `cut` goes
    if keep:
        row = con.execute("SELECT id FROM runs ORDER BY id DESC LIMIT 1 OFFSET ?", (keep,))
        cut = max(cut, (row.fetchone() or (0,))[0])
    if days:
        oldest = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)
        # ids grow with time: the newest run started before the limit, and all before it
        row = con.execute(
            "SELECT MAX(id) FROM runs WHERE started < ?", (oldest.isoformat(timespec="seconds"),)
        )
        cut = max(cut, (row.fetchone() or (0,))[0] or 0)
    if cut <= 0:
        return 0
    spared = f" AND {{}} NOT IN ({', '.join('?' * len(open_runs))})" if open_runs else ""
    con.execute("BEGIN IMMEDIATE")
    try:
        con.execute("DELETE FROM calls WHERE run_id <= ?" + spared.format("run_id"),
                    (cut, *open_runs))  # fmt: skip
        gone = con.execute(
            "DELETE FROM runs WHERE id <= ?" + spared.format("id"), (cut, *open_runs)
        ).rowcount
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return int(gone)


def prune(keep: int | None = None, days: int | None = None, path: Path | None = None) -> int:
    """Delete old runs and their calls now; returns how many runs went.

    Args:
        keep: Runs to keep, newest first (default: `keep_limits()`; 0 = no limit).
        days: Days to keep (default: `keep_limits()`; 0 = no limit).
    """
    path = path or db_path()
    if not path.exists():
        return 0
    default_keep, default_days = keep_limits()
    con = _connect(path)
    try:
        return _prune(con, default_keep if keep is None else keep,
                      default_days if days is None else days)  # fmt: skip
    finally:
        con.close()


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA journal_mode=WAL")  # several processes may log at once
    con.executescript(_SCHEMA)
    return con


def _redact(text: str | None, secrets: tuple[str, ...]) -> str | None:
    from summariser.errors import redact

    return None if text is None else redact(text, *secrets)


class CallLog:
    """Writes runs and their model calls; safe to use from several threads.

    Args:
        path: The database (default `db_path()`).
        secrets: Strings to redact from everything written (API keys).
    """

    def __init__(self, path: Path | None = None, secrets: tuple[str | None, ...] = ()) -> None:
        self.path = path or db_path()
        self.secrets = tuple(s for s in secrets if s)
        self._con = _connect(self.path)
        self._lock = threading.Lock()
        self._t0: dict[int, float] = {}
        self._keep = keep_limits()
        self._started = 0
        _prune(self._con, *self._keep)

    def start(
        self,
        command: str,
        model: str,
        source: str | None = None,
        text: str | None = None,
        steps: tuple[str, ...] = (),
    ) -> int:
        """Open a run (one article); returns its id."""
        sha = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() if text else None
        with self._lock:
            cur = self._con.execute(
                "INSERT INTO runs (started, command, model, source, article_sha256, chars, steps)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (_now(), command, model, _redact(source, self.secrets), sha,
                 len(text) if text is not None else None, ",".join(steps)),
            )  # fmt: skip
            run_id = int(cur.lastrowid or 0)
            self._started += 1
            if self._started % PRUNE_EVERY == 0:
                _prune(self._con, *self._keep, open_runs=(*self._t0, run_id))
        self._t0[run_id] = time.perf_counter()
        return run_id

    def record(self, run_id: int, call: dict[str, Any]) -> None:
        """Store one model attempt (the dict a backend observer receives)."""
        usage = call.get("usage") or {}
        messages = [
            {"role": m.get("role"), "content": _redact(str(m.get("content")), self.secrets)}
            for m in call.get("messages") or []
        ]
        with self._lock:
            self._con.execute(
                "INSERT INTO calls (run_id, at, schema, attempt, messages, answer, error,"
                " prompt_tokens, completion_tokens, cached_tokens, seconds)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, _now(), call.get("schema"), call.get("attempt"),
                 json.dumps(messages, ensure_ascii=False),
                 _redact(call.get("answer"), self.secrets),
                 _redact(call.get("error"), self.secrets),
                 usage.get("prompt_tokens"), usage.get("completion_tokens"),
                 usage.get("cached_tokens"), call.get("seconds")),
            )  # fmt: skip

    def observer(self, run_id: int) -> Callable[[dict[str, Any]], None]:
        """A backend observer that stores every attempt under `run_id`."""
        return lambda call: self.record(run_id, call)

    def watch(self, backend: ChatBackend, run_id: int) -> ChatBackend:
        """A shallow copy of `backend` whose calls are also logged under `run_id`.

        The copy shares the engine (and its slots) with `backend`; only its observers differ, so
        calls made for different articles at once land in their own runs.
        """
        clone = copy.copy(backend)
        clone.observers = [*getattr(backend, "observers", []), self.observer(run_id)]
        return clone

    def finish(self, run_id: int, status: str) -> None:
        """Close a run: "ok", "failed steps", "error: ...", "interrupted"."""
        seconds = time.perf_counter() - self._t0.pop(run_id, time.perf_counter())
        with self._lock:
            self._con.execute(
                "UPDATE runs SET status = ?, seconds = ? WHERE id = ?",
                (_redact(status, self.secrets), round(seconds, 3), run_id),
            )

    def close(self) -> None:
        """Close the database connection."""
        self._con.close()


_TOTALS = """
SELECT runs.*, COUNT(calls.id) AS attempts,
       COALESCE(SUM(calls.prompt_tokens), 0) AS prompt_tokens,
       COALESCE(SUM(calls.completion_tokens), 0) AS completion_tokens,
       COALESCE(SUM(calls.cached_tokens), 0) AS cached_tokens,
       COUNT(calls.error) AS errors
FROM runs LEFT JOIN calls ON calls.run_id = runs.id
"""


def recent(limit: int = 20, path: Path | None = None) -> list[dict[str, Any]]:
    """The latest runs, newest first, with their attempt, token and error counts."""
    path = path or db_path()
    if not path.exists():
        return []
    con = _connect(path)
    try:
        rows = con.execute(
            _TOTALS + " GROUP BY runs.id ORDER BY runs.id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [dict(r) for r in rows]
    finally:
        con.close()


def show(run_id: int, path: Path | None = None) -> dict[str, Any] | None:
    """One run with its counts and `calls`: every attempt, messages decoded; None if absent."""
    path = path or db_path()
    if not path.exists():
        return None
    con = _connect(path)
    try:
        run = con.execute(_TOTALS + " WHERE runs.id = ? GROUP BY runs.id", (run_id,)).fetchone()
        if run is None:
            return None
        calls = [
            {**dict(c), "messages": json.loads(c["messages"] or "[]")}
            for c in con.execute("SELECT * FROM calls WHERE run_id = ? ORDER BY id", (run_id,))
        ]
        return {**dict(run), "calls": calls}
    finally:
        con.close()
