"""A batch's output: one JSONL line per article, crash-safe, resumable, held by one process.

Lines are appended and flushed as each article finishes (so the order is completion order;
every line carries its `id`, exactly as the input gave it):
    {"id": ..., "summary": {...}, "extra": {...input fields other than id and text}}
    {"id": ..., "error": {"type": ..., "message": ...}}
    {"id": null, "line": 7, "error": {...}}          a JSONL line without a usable id
A rerun with the same --out skips the articles already there (resume); a torn last line left by
a killed process is cut off first, so every line of the file always parses. `Results` holds that
logic for every runner (threads, asyncio, Ray).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from summariser.api import summarise
from summariser.backends.base import ChatBackend
from summariser.batch.articles import ARTICLE_SUFFIXES, Article
from summariser.cache import ResultCache
from summariser.errors import InputError, SummariserError, redact
from summariser.inputs import path_error
from summariser.paths import JsonlAppender, OutputBusy, OutputLock
from summariser.schemas import Summary

#: Keys of an output line; input fields other than id and text go under "extra".
RESERVED = ("id", "line", "summary", "error", "extra")


class LineError(BaseModel):
    """Why this article has no summary."""

    type: str = Field(description="Error class, e.g. BackendError, InputError")
    message: str = Field(description="One line saying what went wrong and what to do")


class BatchLine(BaseModel):
    """One line of a batch results file: the article's id and its summary or its error.

    (The shape `summarise schema batch-line` prints; the lines themselves are written by
    `result_line`.)
    """

    model_config = ConfigDict(extra="forbid", title="BatchLine")

    id: str | int | float | bool | None = Field(
        description="The article's id as given (JSON type kept; a folder input: its path inside "
        "the folder); null for an input line that could not be read"
    )
    line: int | None = Field(None, description="Input line number, when id is null")
    summary: Summary | None = Field(None, description="Present when the article succeeded")
    error: LineError | None = Field(None, description="Present when it failed")
    extra: dict[str, Any] | None = Field(
        None, description="The input line's other fields (all but id and text)"
    )


def line_key(obj: dict[str, Any]) -> str | None:
    """The `Article.key` of an output line (None for a line that names no article)."""
    if obj.get("id") is not None:
        return json.dumps(obj["id"])
    if isinstance(obj.get("line"), int):
        return f"line {obj['line']}"
    return None


def check_output(out: Path, *inputs: Path | None) -> None:
    """Raise an InputError unless `out` can take a batch's results.

    `out` must be a regular file (new or existing) that can be appended to and read back
    (resume), and must not be one of the `inputs` nor an article inside an input folder.
    """
    try:
        st = out.stat()
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise InputError(f"--out: {path_error(out, e)}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise InputError(f"--out {out} is a folder: give a file, e.g. {out / 'results.jsonl'}")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise InputError(
            f"--out {out} is not a regular file (a pipe or device): results are appended and "
            "read back to resume; give a file path"
        )
    for source in inputs:
        if source is None or not source.exists():
            continue
        if st is not None and source.is_file() and os.path.samefile(out, source):
            raise InputError(f"--out {out} is the input file: write the results to another file")
        inside = source.is_dir() and out.resolve().is_relative_to(source.resolve())
        if inside and out.suffix in ARTICLE_SUFFIXES:
            raise InputError(
                f"--out {out} is inside the input folder and would be read as an article: "
                "write the results elsewhere or name it .jsonl"
            )
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("ab"):
            pass
    except OSError as e:
        reason = "permission denied" if e.errno in (errno.EACCES, errno.EPERM) else e.strerror
        raise InputError(f"cannot write --out {out}: {reason}; choose another path") from None


class Results:
    """The --out file of a batch: what it already holds (resume) and what this run adds.

    Every batch runner uses one: `admit(article, tally)` says whether to summarise an article
    (not already done, not a duplicate within this run); `write(article, outcome, tally)`
    appends its line. A line that cannot be written as UTF-8 (a lone surrogate in a model's
    answer) becomes that article's error line; a failing disk raises InputError.

    Args:
        out: The results file (checked with `check_output` first); None keeps no file (no
            resume): the lines go to `on_line` only.
        retry_errors: Drop error lines already in `out`, so those articles are redone.
        secrets: API keys: redacted from every line written (a last line of defence).
        on_line: Called with (article, line) for every line written, in the runner's thread.
        on_done: Called with (article, True for a summary) after each line is written, and with
            (article, True) for each article skipped because `out` already holds it.
    """

    def __init__(
        self,
        out: Path | None,
        retry_errors: bool = False,
        secrets: tuple[str, ...] = (),
        on_line: Callable[[Article, str], Any] | None = None,
        on_done: Callable[[Article, bool], Any] | None = None,
    ) -> None:
        self.out = out
        self.done: set[str] = set()
        self.this_run: set[str] = set()
        self.secrets = tuple(s for s in secrets if s)
        self.on_line = on_line
        self.on_done = on_done
        self._lock = threading.Lock()
        self._hold: OutputLock | None = None
        self._writer: JsonlAppender | None = None
        if out is None:
            return
        check_output(out)
        self._hold = lock_output(out)  # before reading it: resume must see one writer's file
        try:
            self.done = done_keys(out, retry_errors)
        except BaseException:
            self._hold.release()
            raise
        self._writer = JsonlAppender(out)

    def admit(self, article: Article, tally: Tally) -> bool:
        """True if `article` is to be summarised now; counts duplicates and skips in `tally`."""
        key = article.key
        if key in self.this_run:
            tally.duplicates.append(article.label)
            return False
        self.this_run.add(key)
        if key in self.done:
            tally.skipped += 1
            return False
        return True

    def take(self, article: Article, tally: Tally) -> bool:
        """`admit`, and True only if the article has a model call to wait for: one that cannot
        be read gets its error line here, at once."""
        if not self.admit(article, tally):
            if self.on_done and article.key in self.done:
                self.on_done(article, True)
            return False
        if article.error:
            self.write(article, unreadable(article.error), tally)
            return False
        return True

    def write(self, article: Article, outcome: dict[str, Any], tally: Tally) -> bool:
        """Append the article's line; returns True for a summary, False for an error line."""
        line, ok = _encoded_line(article, outcome, self.secrets)
        with self._lock:
            try:
                if self._writer is not None:
                    self._writer.write(line)
            except OSError as e:
                raise InputError(
                    f"cannot write {self.out}: {e.strerror or e}; free space or choose another "
                    "--out, then rerun the same command to resume"
                ) from None
            tally.summaries += ok
            tally.errors += not ok
            tally.failed_steps += ok and failed_steps(outcome)
        if self.on_line:
            self.on_line(article, line)
        if self.on_done:
            self.on_done(article, ok)
        return ok

    def close(self) -> None:
        """Close the file (every line is already flushed)."""
        if self._writer is not None:
            with contextlib.suppress(OSError):
                self._writer.close()
        if self._hold is not None:
            self._hold.release()


def lock_output(out: Path) -> OutputLock:
    """Hold `out` for this process: a second batch on the same file refuses at once.

    Raises:
        InputError: another process is writing `out` (named by its pid), or no lock can be made.
    """
    try:
        return OutputLock(out)
    except OutputBusy as e:
        who = f"process {e.pid}" if e.pid else "another process"
        raise InputError(
            f"--out {out} is being written by {who} (another summarise batch): wait for it to "
            "finish, or choose another --out"
        ) from None
    except OSError as e:
        raise InputError(
            f"cannot lock --out {out}: {e.strerror or e}; choose another path"
        ) from None


def failed_steps(outcome: dict[str, Any]) -> bool:
    """True if a summary outcome (or an output line) records steps whose answer was unusable:
    not a plain success (counted apart, exit code 3, redone by --retry-errors).
    """
    summary = outcome.get("summary")
    return isinstance(summary, dict) and bool((summary.get("meta") or {}).get("failures"))


def result_line(article: Article, outcome: dict[str, Any], secrets: tuple[str, ...] = ()) -> str:
    """The output line for `article`: id (and line, without an id), outcome, extra fields.

    A line that cannot be encoded as UTF-8 (a lone surrogate in a model's answer) is replaced by
    an error line for the article, so one bad answer never stops a batch.
    """
    return _encoded_line(article, outcome, secrets)[0]


def _encoded_line(
    article: Article, outcome: dict[str, Any], secrets: tuple[str, ...]
) -> tuple[str, bool]:
    """(the line, True if it carries a summary)."""
    head: dict[str, Any] = {"id": article.id}
    if article.id is None:
        head["line"] = article.line
    extra = {"extra": article.extra} if article.extra else {}
    line = json.dumps({**head, **outcome, **extra}, ensure_ascii=False)
    ok = "summary" in outcome
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        message = "the model's answer held a lone surrogate (invalid Unicode); rerun later"
        error = {"type": "ExtractionError", "message": message}
        line = json.dumps({**head, "error": error, **extra}, ensure_ascii=False)
        ok = False
    return redact(line, *secrets), ok  # keys, and credentials in any URL


def done_keys(out: Path, retry_errors: bool = False) -> set[str]:
    """`Article.key`s of the lines already in `out`; repairs a torn last line first.

    With `retry_errors`, error lines are removed from `out` (atomically) and not counted.
    Streams the file: memory does not grow with its length.
    """
    if not out.exists():
        return set()
    _cut_torn_tail(out)
    keys: set[str] = set()
    dropped = False
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with out.open("rb") as f, os.fdopen(fd, "wb") as kept:
            for raw in f:
                try:
                    obj = json.loads(raw)
                    key = line_key(obj) if isinstance(obj, dict) else None
                except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                    key = None
                if key is None or (retry_errors and ("error" in obj or failed_steps(obj))):
                    dropped = True
                    continue
                keys.add(key)
                kept.write(raw)
            kept.flush()
            os.fsync(kept.fileno())
        if dropped:
            os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return keys


def _cut_torn_tail(out: Path) -> None:
    """Cut a last line without its newline (the process was killed mid-write)."""
    with out.open("rb+") as f:
        end = f.seek(0, os.SEEK_END)
        if end == 0:
            return
        f.seek(end - 1)
        if f.read(1) == b"\n":
            return
        pos = end
        while pos > 0:
            step = min(65536, pos)
            f.seek(pos - step)
            chunk = f.read(step)
            nl = chunk.rfind(b"\n")
            if nl >= 0:
                f.truncate(pos - step + nl + 1)
                return
            pos -= step
        f.truncate(0)


@dataclass
class Tally:
    """What a batch run did."""

    summaries: int = 0
    errors: int = 0
    #: Summaries whose `meta.failures` names steps that failed (also counted in `summaries`).
    failed_steps: int = 0
    skipped: int = 0
    duplicates: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: Stopped by Ctrl-C: what was in flight was written; the rest is left for a rerun.
    interrupted: bool = False

    def line(self) -> str:
        dup = f", {len(self.duplicates)} duplicate ids skipped" if self.duplicates else ""
        stop = "; interrupted: rerun the same command to resume" if self.interrupted else ""
        failed = f" ({self.failed_steps} with failed steps)" if self.failed_steps else ""
        return (
            f"{self.summaries} summaries{failed}, {self.errors} errors, {self.skipped} already "
            f"done{dup}; "
            f"{self.seconds:.1f}s{stop}"
        )


def unreadable(reason: str) -> dict[str, Any]:
    """The `error` outcome of an article that could not be read."""
    return {"error": {"type": "InputError", "message": reason}}


def error_outcome(e: BaseException) -> dict[str, Any]:
    """The `error` outcome of an article that raised `e`."""
    if isinstance(e, SummariserError):
        return {"error": {"type": type(e).__name__, "message": str(e)}}
    # a bug: recorded on the article's line (and so in the tests), never the end of a batch
    message = f"unexpected {type(e).__name__}: {e}; please report it"
    return {"error": {"type": "InternalError", "message": message}}


def outcome(
    article: Article, backend: ChatBackend, steps: tuple[str, ...], cache: ResultCache | bool
) -> dict[str, Any]:
    """An article's line outcome, {"summary": ...} or {"error": ...}: never raises."""
    if article.error:
        return unreadable(article.error)
    try:
        summary = summarise(article.text, backend=backend, steps=steps, cache=cache)
    except Exception as e:
        return error_outcome(e)
    return {"summary": summary.model_dump(mode="json")}
