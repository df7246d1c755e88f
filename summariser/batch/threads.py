"""The thread runner (the embedded engine's slots, the fake, parser-only, replayed batch files)
and Ctrl-C for every runner: the first lets the articles in flight finish, the second ends.
"""

from __future__ import annotations

import contextlib
import copy
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summariser.backends.base import ChatBackend, Observer
from summariser.batch.articles import Article
from summariser.batch.results import Results, Tally, error_outcome, outcome
from summariser.cache import ResultCache
from summariser.steps import STEPS

#: Called with each article as it starts; returns observers for that article's model attempts
#: only (the CLI's call log: one run per article).
Watch = Callable[[Article], list[Observer]]
#: Called with (article, True for a summary line) as each article's line is written, and with
#: (article, True) for an article skipped because `out` already holds it.
OnDone = Callable[[Article, bool], Any]
#: Called with (article, the line) for every line written.
OnLine = Callable[[Article, str], Any]


@dataclass
class Job:
    """What every runner is given besides the articles, the backend and `out` (see
    `summariser.batch.run`, whose keywords these are)."""

    concurrency: int = 1
    steps: tuple[str, ...] = STEPS
    cache: ResultCache | bool = True
    retry_errors: bool = False
    on_done: OnDone | None = None
    on_line: OnLine | None = None
    stop: threading.Event | None = None
    secrets: tuple[str, ...] = ()
    watch: Watch | None = None

    def results(self, out: Path | None, backend: ChatBackend) -> Results:
        """The output for this job: `out` held, resumed, its lines redacted."""
        secrets = self.secrets or backend.secrets
        return Results(out, self.retry_errors, secrets, self.on_line, self.on_done)

    def stop_event(self) -> threading.Event:
        """`stop`, else the enclosing `interrupt_handler`'s, else one never set."""
        return self.stop or active_stop() or threading.Event()


def run(
    articles: Iterator[Article],
    backend: ChatBackend,
    out: Path | None,
    job: Job,
    backend_for: Callable[[Article], ChatBackend] | None = None,
) -> Tally:
    """Summarise every article into `out` (JSONL), resuming after what is already there.

    At most `job.concurrency` articles are in flight (an embedded model: its slots); input is
    pulled lazily, so memory stays flat however long the input is. `backend_for` gives each
    article its own backend (used to replay OpenAI Batch results). A duplicate id within the
    input is processed once; later occurrences are listed in `Tally.duplicates`. When
    `job.stop` is set (first Ctrl-C), nothing new starts; the articles in flight are written as
    they finish, then `Tally.interrupted` is set.

    Raises:
        InputError: `out` cannot be used or written (disk full, ...).
    """
    started = time.perf_counter()
    tally = Tally()
    results = job.results(out, backend)
    workers = max(1, job.concurrency)
    if backend.caps.embedded:
        workers = max(1, min(workers, backend.caps.parallel or 1))
    stop = job.stop_event()
    steps, cache = job.steps, job.cache
    chosen = backend_for or (lambda _: backend)
    if job.watch is not None:
        chosen = _watched(chosen, job.watch)

    def work(article: Article) -> dict[str, Any]:
        try:
            its_backend = chosen(article)
        except Exception as e:
            return error_outcome(e)
        return outcome(article, its_backend, steps, cache)

    pending: dict[Future[dict[str, Any]], Article] = {}
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        for article in articles:
            if stop.is_set():
                break
            if not results.take(article, tally):
                continue
            pending[pool.submit(work, article)] = article
            while len(pending) >= 2 * workers and not stop.is_set():
                finished, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in finished:
                    results.write(pending.pop(fut), fut.result(), tally)
        if stop.is_set():  # queued but not started: left for the rerun
            for fut in [f for f in pending if f.cancel()]:
                del pending[fut]
        while pending:
            finished, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in finished:
                results.write(pending.pop(fut), fut.result(), tally)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        results.close()
    tally.interrupted = stop.is_set()
    tally.seconds = time.perf_counter() - started
    return tally


def _watched(
    backend_for: Callable[[Article], ChatBackend], watch: Watch
) -> Callable[[Article], ChatBackend]:
    """`backend_for` whose backends also call the article's `watch` observers."""

    def chosen(article: Article) -> ChatBackend:
        b = copy.copy(backend_for(article))
        b.observers = [*b.observers, *watch(article)]
        return b

    return chosen


@contextlib.contextmanager
def interrupt_handler(
    notify: Callable[[str], None], exit_code: int = 130
) -> Iterator[threading.Event]:
    """Ctrl-C for a batch: the first sets the yielded event, the second ends the process.

    The first Ctrl-C lets the articles in flight finish and be written (every runner inside
    the handler watches the event, or pass it as `batch.run(stop=...)`); the second exits at
    once with `exit_code` (every line already written was flushed; a torn last line is
    repaired by the next run). Messages go to `notify`. Outside the main thread no handler can
    be installed: the event is never set.
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
