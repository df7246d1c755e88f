"""Work on many articles: read them, run them through the pipeline, write one line each.

`run()` is the one entry: it picks the runner from `backend.caps` once. An HTTP model runs on
asyncio with worker processes (`aio`); the embedded engine runs on threads, one per slot, as do
the fake, parser-only and replayed OpenAI Batch answers (`threads`). Every runner reads through
`articles`, writes through `results` (resume, torn-tail repair, the lock, the Tally) and stops on
Ctrl-C through `threads.interrupt_handler`. `openai_files` writes and reads OpenAI Batch API
files; `ray` runs a batch on a Ray cluster (extra `[ray]`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from summariser.backends.base import ChatBackend
from summariser.batch import aio, threads
from summariser.batch.articles import Article, count_articles, jsonl_article, read_articles
from summariser.batch.results import BatchLine, Tally, check_output, result_line
from summariser.batch.threads import Job, OnDone, OnLine, Watch, interrupt_handler
from summariser.cache import ResultCache
from summariser.steps import STEPS

__all__ = [
    "Article",
    "BatchLine",
    "Job",
    "OnDone",
    "Tally",
    "Watch",
    "check_output",
    "count_articles",
    "interrupt_handler",
    "jsonl_article",
    "read_articles",
    "result_line",
    "run",
]


def run(
    articles: Iterator[Article],
    backend: ChatBackend,
    out: Path | None,
    *,
    concurrency: int = 1,
    steps: tuple[str, ...] = STEPS,
    cache: ResultCache | bool = True,
    retry_errors: bool = False,
    on_done: OnDone | None = None,
    on_line: OnLine | None = None,
    replay: Callable[[Article], ChatBackend] | None = None,
    stop: threading.Event | None = None,
    secrets: tuple[str, ...] = (),
    watch: Watch | None = None,
    workers: int | None = None,
) -> Tally:
    """Summarise every article into `out` (JSONL, one line each), resuming after what it holds.

    The runner follows `backend.caps`: an HTTP model this package reaches itself (`caps.http`:
    `openai:`, any --base-url) runs on asyncio, `concurrency` articles in flight, the CPU work
    in `workers` processes (see `aio.run`); the embedded engine runs on threads, at most one
    article per slot; a backend around the caller's own client, the fake, parser-only and
    `replay` (answers from an imported OpenAI Batch file) run on threads too.

    Args:
        articles: From `read_articles` (or any iterator of Article); pulled lazily.
        backend: The model; with `replay`, the template whose name the lines record.
        out: The results file (appended; resumed); None writes no file (lines go to `on_line`).
        concurrency: Articles in flight at once.
        steps: Record types to extract.
        cache: As in `summarise()`.
        retry_errors: Redo the articles whose line in `out` is an error or has failed steps.
        on_done: Called with (article, ok) as each line is written (and for each article
            skipped because `out` holds it): a progress bar.
        on_line: Called with (article, line) for every line written.
        replay: Each article's own backend (imported OpenAI Batch answers).
        stop: When set (first Ctrl-C), nothing new starts; default: the enclosing
            `interrupt_handler`'s.
        secrets: Redacted from every line (default: the backend's).
        watch: Called as each article starts; returns observers of its model attempts only.
        workers: The asyncio path's worker processes (default: `aio.default_workers`).

    Returns:
        The Tally: summaries, errors, skipped, duplicates, seconds, interrupted.

    Raises:
        InputError: `out` cannot be used or written (disk full, ...).
    """
    job = Job(concurrency, tuple(steps), cache, retry_errors, on_done, on_line, stop, secrets,
              watch)  # fmt: skip
    if replay is None and backend.caps.http:
        return aio.run(articles, backend, out, job, workers)
    return threads.run(articles, backend, out, job, replay)
