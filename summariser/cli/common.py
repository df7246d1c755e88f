"""What every command shares: option definitions, output settings, error handling, exit codes.

Heavy modules (the pipeline, openai, instructor, scipy) are imported inside functions, so that
`summarise --help` stays fast.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

import typer

from summariser.errors import InputError
from summariser.steps import chosen

if TYPE_CHECKING:
    from rich.console import Console

    from summariser.backends import ChatBackend
    from summariser.cli.options import Ask
    from summariser.logs import CallLog

# Exit codes (documented in --help and the README).
OK, ERROR, USAGE, PARTIAL, INTERRUPTED = 0, 1, 2, 3, 130
EXIT_CODES = (
    "Exit codes: 0 all good; 1 error; 2 usage; 3 finished with failed steps or error lines "
    "(the output is still written); 130 interrupted."
)


@dataclass
class Output:
    """How chatty this process is: set by -v/-q on the app or on any subcommand."""

    verbose: int = 0
    quiet: bool = False


OUTPUT = Output()


def err() -> Console:
    """A rich console on stderr (created per call: test runners swap sys.stderr)."""
    from rich.console import Console

    return Console(file=sys.stderr, quiet=False)


def out() -> Console:
    """A rich console on stdout."""
    from rich.console import Console

    return Console(file=sys.stdout)


def tell(message: str) -> None:
    """A message on stderr with control characters and escape sequences shown escaped (`\\x1b`):
    ids, file names and server messages can hold them (an OSC 52 sequence writes the clipboard).
    """
    from summariser.render import clean

    typer.echo(clean(message, keep_newlines=True), err=True)


def say(message: str) -> None:
    """A message for people on stderr, unless -q."""
    if not OUTPUT.quiet:
        tell(message)


class _Redact(logging.Filter):
    """Scrubs secrets from every log record before any handler formats it."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        from summariser.errors import redact

        record.msg = redact(record.getMessage(), *self.secrets)
        record.args = None
        if record.exc_info:  # a traceback names URLs (with their credentials) too
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text, *self.secrets)
        return True


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


_LOGGERS = ("summariser", "openai", "httpx", "instructor")


def configure_output(verbose: int | bool, quiet: bool, *, reset: bool = False) -> None:
    """Apply -v/-q, given on the app (`reset`: a new invocation) or on a subcommand.

    -v shows every model attempt readably (see `show_call`); -vv adds the libraries' debug logs,
    with keys redacted.
    """
    if reset:
        OUTPUT.verbose, OUTPUT.quiet = 0, False
    OUTPUT.verbose = max(OUTPUT.verbose, int(verbose))
    OUTPUT.quiet = OUTPUT.quiet or quiet
    for name in _LOGGERS:
        lg = logging.getLogger(name)
        for old in [h for h in lg.handlers if any(isinstance(f, _Redact) for f in h.filters)]:
            lg.removeHandler(old)  # one verbose handler, however often main() runs
        if OUTPUT.verbose < 2:
            lg.setLevel(logging.NOTSET)
    if OUTPUT.verbose < 2:
        return
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_Redact([v for k, v in os.environ.items() if k.endswith("API_KEY")]))
    for name in _LOGGERS:
        lg = logging.getLogger(name)
        lg.setLevel(logging.DEBUG)
        lg.addHandler(handler)


def _secret(key: str | None) -> None:
    """Register a key given by flag with every log handler's redaction filter."""
    if not key:
        return
    for name in _LOGGERS:
        for h in logging.getLogger(name).handlers:
            for f in h.filters:
                if isinstance(f, _Redact):
                    f.secrets.append(key)


class Format(str, Enum):
    """Output formats of `run` (other commands accept a subset)."""

    json = "json"
    jsonl = "jsonl"
    table = "table"
    md = "md"
    html = "html"


class ListFormat(str, Enum):
    """Output formats of listing commands (`models`, `logs`)."""

    table = "table"
    json = "json"


@contextlib.contextmanager
def command(api_key: str | None = None, steps: str | None = None) -> Iterator[tuple[str, ...]]:
    """A command's frame (-v/-q are applied before it, by `root.App`): --steps checked (a usage
    error), then `failures`.

    Yields the chosen steps (empty without `steps`).
    """
    chosen = parse_steps(steps) if steps is not None else ()
    with failures(api_key):
        yield chosen


@contextlib.contextmanager
def failures(*secrets: str | None) -> Iterator[None]:
    """Turn a SummariserError into one line on stderr and exit code 1; Ctrl-C into 130."""
    from summariser.errors import SummariserError, redact

    for secret in secrets:
        _secret(secret)
    try:
        yield
    except SummariserError as e:
        line = " ".join(redact(str(e), *secrets).split())  # always exactly one line
        tell(f"error: {line}")
        raise typer.Exit(ERROR) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(INTERRUPTED) from None


def open_backend(ask: Ask, max_retries: int | None = None, parallel: int = 1) -> ChatBackend:
    """Resolve the model; a progress bar appears only while a local model is first assembled.

    `parallel` is how many articles will be in flight at once (-j): an embedded engine opens
    that many slots of one model (continuous batching); HTTP backends ignore it.
    """
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from summariser.backends import resolve

    bar: Progress | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = Progress(TextColumn("assembling the local model (first run only)"), BarColumn(),
                           DownloadColumn(), console=err(), transient=True,
                           disable=OUTPUT.quiet)  # fmt: skip
            bar.start()
            bar.add_task("assemble", total=total)
        bar.update(bar.task_ids[0], completed=done)

    try:
        return watch(
            resolve(ask.model, api_key=ask.api_key, base_url=ask.base_url,
                    max_retries=max_retries, parallel=max(1, parallel), progress=progress)
        )  # fmt: skip
    finally:
        if bar is not None:
            bar.stop()


def open_model(
    ask: Ask, no_cache: bool, max_retries: int | None = None, parallel: int = 1
) -> tuple[ChatBackend, bool]:
    """The backend (see `open_backend`) and whether to use the result cache, checked first."""
    cache = open_cache(not no_cache)
    return open_backend(ask, max_retries, parallel), cache


def show_call(call: dict[str, Any]) -> None:
    """A backend observer for -v: each model attempt, its answer and any error, readably."""
    from summariser.render import clean

    u = call.get("usage") or {}
    cached = f", {u['cached_tokens']} cached" if u.get("cached_tokens") else ""
    lines = [
        f"model: {call.get('schema')} attempt {call.get('attempt')}: "
        f"{u.get('prompt_tokens', '?')}+{u.get('completion_tokens', '?')} tokens{cached}, "
        f"{call.get('seconds') or 0:.1f} s"
    ]
    if OUTPUT.verbose > 1 and call.get("messages"):
        asked = call["messages"][-1].get("content") or ""
        lines.append("  asked: " + clean(asked, keep_newlines=True).replace("\n", "\n    "))
    if call.get("answer") is not None:
        lines.append("  answer: " + clean(call["answer"]))
    if call.get("error"):
        lines.append("  error: " + clean(call["error"], keep_newlines=True).replace("\n", "\n    "))
    typer.echo("\n".join(lines), err=True)


def watch(backend: ChatBackend) -> ChatBackend:
    """Show every model attempt on stderr when -v is on."""
    if OUTPUT.verbose and hasattr(backend, "observers") and show_call not in backend.observers:
        backend.observers.append(show_call)
    return backend


def open_cache(enabled: bool) -> bool:
    """Whether to use the result cache: checked (and created) before any model call; one that
    cannot be used is said once on stderr and the command runs without it."""
    if not enabled:
        return False
    from summariser.cache import ResultCache

    reason = ResultCache().check()
    if reason:
        say(f"warning: {reason}; running without the result cache (set SUMMARISER_CACHE_DIR "
            "to a writable folder, or pass --no-cache)")  # fmt: skip
    return reason is None


def open_log(enabled: bool, *secrets: str | None) -> CallLog | None:
    """The call log, or None (disabled, or the database cannot be opened: said on stderr)."""
    if not enabled:
        return None
    import sqlite3

    from summariser.logs import CallLog, db_path

    try:
        return CallLog(secrets=secrets)
    except (OSError, sqlite3.Error) as e:
        say(f"warning: not logging model calls: {db_path()}: {e}")
        return None


def parse_steps(steps: str) -> tuple[str, ...]:
    """`quotes,events` -> ("quotes", "events"); a usage error (exit 2) names the choices."""
    try:
        return chosen(s.strip() for s in steps.split(",") if s.strip())
    except InputError as e:
        raise typer.BadParameter(str(e), param_hint="--steps") from None
