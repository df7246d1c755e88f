"""Many articles: streamed input, bounded concurrency, crash-safe output, resume, Ctrl-C.

Output is JSONL, one line per input article, appended and flushed as each finishes (so the
order is completion order; every line carries its `id`, exactly as the input gave it):
    {"id": ..., "summary": {...}, "extra": {...input fields other than id and text}}
    {"id": ..., "error": {"type": ..., "message": ...}}
    {"id": null, "line": 7, "error": {...}}          a JSONL line without a usable id
Ids keep their JSON type (7 and "7" are two articles). A rerun with the same --out skips the
articles already there (resume); a torn last line left by a killed process is cut off first, so
every line of the file always parses. `Results` holds that logic for every batch runner (this
thread pool and `summariser.aio`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field

from summariser.api import summarise
from summariser.backends.base import ChatBackend
from summariser.cache import ResultCache
from summariser.errors import InputError, SummariserError, redact
from summariser.inputs import MAX_BYTES, check_text, check_unicode, decode, path_error, too_big
from summariser.paths import JsonlAppender, OutputBusy, OutputLock
from summariser.schemas import Summary
from summariser.steps import STEPS

ARTICLE_SUFFIXES = (".txt", ".md")
#: Keys of an output line; input fields other than id and text go under "extra".
RESERVED = ("id", "line", "summary", "error", "extra")
#: Deepest nesting of arrays/objects accepted in an input line (Python's own parser and our
#: walks over the value are recursive: a line nested ~1,000 deep would end the whole batch).
MAX_DEPTH = 64
ArticleId = str | int


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


@dataclass
class Article:
    """One input article, or the reason it cannot be read (`error`).

    Attributes:
        id: As the input gave it (a JSONL id keeps its type), a folder file's path inside the
            folder, or None when a JSONL line has no usable id (then `line` names it).
        text: The article.
        extra: Input fields other than id and text, carried into the output under "extra".
        error: Why the article cannot be summarised (it gets an error line).
        line: The JSONL line number.
        requests: Fingerprints of the model requests an OpenAI Batch export recorded for it, in
            order: a replay must ask the same questions (see openai_batch).
    """

    id: ArticleId | None
    text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    line: int | None = None
    requests: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Identity for resume and duplicate checks: the id as JSON, else "line N"."""
        return json.dumps(self.id) if self.id is not None else f"line {self.line}"

    @property
    def label(self) -> str:
        """The id for people (messages, custom ids): the id as text, else "line:N"."""
        return str(self.id) if self.id is not None else f"line:{self.line}"


def line_key(obj: dict[str, Any]) -> str | None:
    """The `Article.key` of an output line (None for a line that names no article)."""
    if obj.get("id") is not None:
        return json.dumps(obj["id"])
    if isinstance(obj.get("line"), int):
        return f"line {obj['line']}"
    return None


# ---- reading -----------------------------------------------------------------------------------


def read_articles(source: Path, warn: Callable[[str], None] | None = None) -> Iterator[Article]:
    """Articles from a folder of .txt/.md files (id = path inside it) or a JSONL file.

    JSONL lines are {"id": ..., "text": ..., ...}; other fields are carried into the output.
    Streams: never loads the whole input. Unreadable entries come out with `error` set; in a
    folder, entries that are not regular files (FIFOs, sockets, devices) are skipped and named
    through `warn` (reading a FIFO would block the batch forever).
    """
    try:
        mode = source.stat().st_mode
    except OSError as e:
        raise path_error(source, e) from None
    if stat.S_ISDIR(mode):
        yield from _folder_articles(source, warn)
        return
    with _open_input(source) as f:
        yield from _jsonl_articles(f, source.name)


def _folder_articles(folder: Path, warn: Callable[[str], None] | None) -> Iterator[Article]:
    for path in sorted(p for p in folder.rglob("*") if p.suffix in ARTICLE_SUFFIXES):
        art_id = path.relative_to(folder).as_posix()
        try:
            mode = path.stat().st_mode
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                if warn:
                    warn(f"skipped {art_id}: not a regular file (a pipe, socket or device)")
                continue
            if path.stat().st_size > MAX_BYTES:
                raise too_big(path.stat().st_size, art_id)
            yield Article(art_id, decode(path.read_bytes(), art_id))
        except InputError as e:
            yield Article(art_id, error=str(e))
        except OSError as e:
            yield Article(art_id, error=str(path_error(art_id, e)))


@contextlib.contextmanager
def _open_input(source: Path) -> Iterator[BinaryIO]:
    try:
        f = source.open("rb")
    except OSError as e:
        raise path_error(source, e) from None
    with f:
        head = f.peek(4)[:4] if hasattr(f, "peek") else b""
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InputError(
                f"{source} is UTF-16: JSONL must be UTF-8; convert it, e.g. "
                f"iconv -f utf-16 -t utf-8 {source}"
            )
        yield f


def _bounded_lines(f: BinaryIO) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, line, whole) for each line; a line over the cap is cut (`whole` False)."""
    cap = 2 * MAX_BYTES + 1024  # room for JSON escapes around a 5 MB text
    n = 0
    while True:
        raw = f.readline(cap)
        if not raw:
            return
        n += 1
        whole = raw.endswith(b"\n") or len(raw) < cap
        if not whole:
            while (rest := f.readline(cap)) and not rest.endswith(b"\n"):
                pass  # skip the rest of the over-long line
        yield n, raw, whole


def _jsonl_articles(f: BinaryIO, name: str) -> Iterator[Article]:
    for n, raw, whole in _bounded_lines(f):
        if not raw.strip():
            continue
        if not whole:
            yield Article(None, line=n, error=f"{name} line {n} is longer than 10 MB: split it")
            continue
        yield jsonl_article(raw, n, name)


def jsonl_article(raw: bytes, n: int, name: str) -> Article:
    """The article on JSONL line `n` (bytes of one line), or an Article saying what is wrong."""
    where = f"{name} line {n}"
    raw = raw.removeprefix(b"\xef\xbb\xbf") if n == 1 else raw
    if json_depth(raw) > MAX_DEPTH:
        return Article(None, line=n, error=f"{where} is JSON nested more than {MAX_DEPTH} "
                       "levels deep: flatten its fields")  # fmt: skip
    try:
        obj = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return Article(None, line=n, error=f"{where} is not JSON")
    if not isinstance(obj, dict):
        return Article(None, line=n, error=f"{where} is not a JSON object")
    art_id = obj.pop("id", None)
    if art_id is not None and (
        isinstance(art_id, bool) or not isinstance(art_id, str | int) or art_id == ""
    ):
        return Article(
            None, line=n, error=f'{where}: "id" must be a non-empty string or an integer'
        )
    if isinstance(art_id, str):
        try:
            check_unicode(art_id, f'{where}: "id"')
        except InputError as e:
            return Article(None, line=n, error=str(e))
    text = obj.pop("text", None)
    bad = _bad_strings(obj)
    if bad:
        return Article(art_id, line=n, error=f'{where}: field "{bad}" holds a lone surrogate '
                       "(invalid Unicode); fix the encoding that produced it")  # fmt: skip
    if not isinstance(text, str):
        return Article(art_id, extra=obj, line=n, error=f'{where} has no "text" string')
    try:
        check_text(text, where)
    except InputError as e:
        return Article(art_id, extra=obj, line=n, error=str(e))
    return Article(art_id, text, obj, line=n)


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in the JSON text `raw` (brackets inside strings do not
    count), found without parsing it, so a hostile line cannot exhaust the recursion limit.
    """
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return 0  # cannot be too deep: the common case costs two counts
    depth = deepest = 0
    for m in _BRACKETS.finditer(_STRINGS.sub(b'""', raw)):
        depth += 1 if m.group() in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


def _bad_strings(value: Any, path: str = "") -> str | None:
    """The path of the first string (key or value) holding a lone surrogate, else None."""
    if isinstance(value, str):
        return path or "?" if _has_surrogate(value) else None
    if isinstance(value, dict):
        for k, v in value.items():
            where = f"{path}.{k}" if path else str(k)
            if _has_surrogate(str(k)) or (found := _bad_strings(v, where)):
                return found or where
    if isinstance(value, list):
        for i, v in enumerate(value):
            if found := _bad_strings(v, f"{path}[{i}]"):
                return found
    return None


def _has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def count_articles(source: Path) -> int | None:
    """How many articles `source` holds (one streaming pass), for the progress bar.

    None when it cannot be counted without consuming it (a pipe given as the JSONL input).
    """
    try:
        mode = source.stat().st_mode
    except OSError as e:
        raise path_error(source, e) from None
    if stat.S_ISDIR(mode):
        return sum(1 for p in source.rglob("*") if p.suffix in ARTICLE_SUFFIXES and p.is_file())
    if not stat.S_ISREG(mode):
        return None
    with _open_input(source) as f:
        return sum(1 for _, raw, _ in _bounded_lines(f) if raw.strip())


# ---- the output file ---------------------------------------------------------------------------


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
        out: The results file (checked with `check_output` first).
        retry_errors: Drop error lines already in `out`, so those articles are redone.
        secrets: API keys: redacted from every line written (a last line of defence).
    """

    def __init__(self, out: Path, retry_errors: bool = False, secrets: tuple[str, ...] = ()):
        check_output(out)
        self.out = out
        self._hold = lock_output(out)  # before reading it: resume must see one writer's file
        try:
            self.done = done_keys(out, retry_errors)
        except BaseException:
            self._hold.release()
            raise
        self.this_run: set[str] = set()
        self.secrets = tuple(s for s in secrets if s)
        self._writer = JsonlAppender(out)
        self._lock = threading.Lock()

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

    def write(self, article: Article, outcome: dict[str, Any], tally: Tally) -> bool:
        """Append the article's line; returns True for a summary, False for an error line."""
        line, ok = _encoded_line(article, outcome, self.secrets)
        with self._lock:
            try:
                self._writer.write(line)
            except OSError as e:
                raise InputError(
                    f"cannot write {self.out}: {e.strerror or e}; free space or choose another "
                    "--out, then rerun the same command to resume"
                ) from None
            tally.summaries += ok
            tally.errors += not ok
            tally.failed_steps += ok and failed_steps(outcome)
        return ok

    def close(self) -> None:
        """Close the file (every line is already flushed)."""
        with contextlib.suppress(OSError):
            self._writer.close()
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


# ---- running -----------------------------------------------------------------------------------


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


def error_outcome(e: BaseException) -> dict[str, Any]:
    """The `error` outcome of an article that raised `e`."""
    if isinstance(e, SummariserError):
        return {"error": {"type": type(e).__name__, "message": str(e)}}
    # a bug: recorded on the article's line (and so in the tests), never the end of a batch
    message = f"unexpected {type(e).__name__}: {e}; please report it"
    return {"error": {"type": "InternalError", "message": message}}


def run_batch(
    articles: Iterator[Article],
    backend: ChatBackend,
    out: Path,
    *,
    concurrency: int = 1,
    steps: tuple[str, ...] = STEPS,
    cache: ResultCache | bool = True,
    retry_errors: bool = False,
    on_done: Callable[[Article, bool], Any] | None = None,
    backend_for: Callable[[Article], ChatBackend] | None = None,
    stop: threading.Event | None = None,
    secrets: tuple[str, ...] = (),
) -> Tally:
    """Summarise every article into `out` (JSONL), resuming after what is already there.

    At most `concurrency` articles are in flight (an embedded model: its slots); input is
    pulled lazily, so memory stays flat however long the input is. `backend_for` gives each
    article its own backend (used to replay OpenAI Batch results). A duplicate id within the
    input is processed once; later occurrences are listed in `Tally.duplicates`.

    Args:
        stop: When set (first Ctrl-C), nothing new starts; the articles in flight are written
            as they finish, then `Tally.interrupted` is set. Default: the event of the
            enclosing `interrupt_handler`, if any.
        secrets: API keys redacted from every line written (default: the backend's).

    Raises:
        InputError: `out` cannot be used or written (disk full, ...).
    """
    started = time.perf_counter()
    tally = Tally()
    results = Results(out, retry_errors, secrets or backend.secrets)
    workers = max(1, concurrency)
    if backend.caps.embedded:
        workers = max(1, min(workers, backend.caps.parallel or 1))
    stop = stop or active_stop() or threading.Event()

    def work(article: Article) -> dict[str, Any]:
        if article.error:
            return {"error": {"type": "InputError", "message": article.error}}
        try:
            chosen = backend_for(article) if backend_for else backend
            summary = summarise(article.text, backend=chosen, steps=steps, cache=cache)
        except Exception as e:
            return error_outcome(e)
        return {"summary": summary.model_dump(mode="json")}

    def finish(article: Article, outcome: dict[str, Any]) -> None:
        ok = results.write(article, outcome, tally)
        if on_done:
            on_done(article, ok)

    pending: dict[Future[dict[str, Any]], Article] = {}
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        for article in articles:
            if stop.is_set():
                break
            if not results.admit(article, tally):
                if on_done and article.key in results.done:
                    on_done(article, True)
                continue
            if article.error:  # nothing to run: write it now
                finish(article, work(article))
                continue
            pending[pool.submit(work, article)] = article
            while len(pending) >= 2 * workers and not stop.is_set():
                finished, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in finished:
                    finish(pending.pop(fut), fut.result())
        if stop.is_set():  # queued but not started: left for the rerun
            for fut in [f for f in pending if f.cancel()]:
                del pending[fut]
        while pending:
            finished, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in finished:
                finish(pending.pop(fut), fut.result())
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        results.close()
    tally.interrupted = stop.is_set()
    tally.seconds = time.perf_counter() - started
    return tally


@contextlib.contextmanager
def interrupt_handler(
    notify: Callable[[str], None], exit_code: int = 130
) -> Iterator[threading.Event]:
    """Ctrl-C for a batch: the first sets the yielded event, the second ends the process.

    The first Ctrl-C lets the articles in flight finish and be written (pass the event to
    `run_batch(stop=...)`); the second exits at once with `exit_code` (every line already
    written was flushed; a torn last line is repaired by the next run). Messages go to
    `notify`. Outside the main thread no handler can be installed: the event is never set.
    """
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handle(signum: int, frame: Any) -> None:
        if not stop.is_set():
            stop.set()
            notify(
                "interrupted: starting nothing new; writing the articles in flight "
                "(Ctrl-C again to stop at once)"
            )
            return
        notify("stopped at once; rerun the same command to resume")
        os._exit(exit_code)

    previous = signal.signal(signal.SIGINT, handle)
    _ACTIVE.append(stop)
    try:
        yield stop
    finally:
        _ACTIVE.remove(stop)
        signal.signal(signal.SIGINT, previous)


def active_stop() -> threading.Event | None:
    """The stop event of the innermost `interrupt_handler` installed now, else None."""
    return _ACTIVE[-1] if _ACTIVE else None


#: The events of the interrupt handlers installed now (innermost last).
_ACTIVE: list[threading.Event] = []
