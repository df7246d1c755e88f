"""`summarise batch`: many articles to JSONL, and OpenAI Batch API files."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated

import typer

from summariser.cli import options as opt
from summariser.cli.common import EXIT_CODES, INTERRUPTED, PARTIAL, command, open_model, say, tell
from summariser.cli.root import app
from summariser.cli.runs import CallLogRuns, progress_bar

if TYPE_CHECKING:
    from summariser.backends import ChatBackend
    from summariser.backends.base import Observer
    from summariser.batch import Article, Tally

STDIN = Path("/dev/stdin")  # `batch -`: JSONL on stdin (a pipe or a redirected file)
EMBEDDED_SLOTS = 4  # most slots an embedded engine opens for a batch (-j above it is capped)


class _Sink:
    """Where results go: the --out file, or for `--out -` a private temporary file whose lines
    are copied to stdout as each article finishes (so stdout gets whole lines, written once).
    """

    def __init__(self, out: Path) -> None:
        self.to_stdout = str(out) == "-"
        self.path = out
        self.name = "stdout" if self.to_stdout else str(out)
        self._dir: str | None = None
        self._pos = 0

    def __enter__(self) -> _Sink:
        if self.to_stdout:
            self._dir = tempfile.mkdtemp(prefix="summarise-batch-")
            self.path = Path(self._dir) / "results.jsonl"
        return self

    def copy(self) -> None:
        """Copy the whole lines written since the last copy to stdout."""
        if not self.to_stdout or not self.path.exists():
            return
        with self.path.open("rb") as f:
            f.seek(self._pos)
            data = f.read()
        whole = data[: data.rfind(b"\n") + 1]
        if whole:
            self._pos += len(whole)
            sys.stdout.write(whole.decode("utf-8"))
            sys.stdout.flush()

    def __exit__(
        self, kind: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._dir:
            self.copy()
            shutil.rmtree(self._dir, ignore_errors=True)


def _articles_for_import(source: Path | None) -> Path:
    """The exported articles file: INPUT, or the one *.articles.jsonl in this folder."""
    from summariser.errors import InputError

    if source is not None:
        return source
    found = sorted(Path.cwd().glob("*.articles.jsonl"))
    if len(found) != 1:
        raise InputError(
            "give the articles file written at export (e.g. requests.articles.jsonl) as INPUT"
        )
    return found[0]


@app.command(epilog=EXIT_CODES)
def batch(
    source: Annotated[
        Path | None,
        typer.Argument(
            help="A folder of .txt/.md articles, or JSONL lines {id, text, ...} (- for stdin)."
        ),
    ] = None,  # fmt: skip
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Results JSONL (appended; resumes); - for stdout."),
    ] = Path("results.jsonl"),
    ask: opt.Ask = opt.ASK,
    concurrency: opt.Concurrency = 8,
    steps: opt.Steps = opt.ALL_STEPS,
    no_cache: opt.NoCache = False,
    retry_errors: Annotated[
        bool, typer.Option("--retry-errors", help="Redo articles whose line in --out is an error.")
    ] = False,
    export_batch: Annotated[
        Path | None,
        typer.Option("--export-openai-batch", help="Write OpenAI Batch / vllm run-batch requests."),
    ] = None,
    import_batch: Annotated[
        Path | None,
        typer.Option("--import-openai-batch", help="Turn a batch output file into records."),
    ] = None,
    log: opt.Log = False,
) -> None:
    """Summarise many articles into JSONL: bounded concurrency, resume, batch-API files.

    An HTTP model (openai:..., --base-url) runs on asyncio: -j articles in flight; up to -j 8
    the parsing runs in threads of this process, above it in one worker process per core.
    The embedded model serves -j articles as slots of one engine (at most 4); replayed
    --import-openai-batch answers run in threads. Exits 3 when some articles got error lines
    (all lines are still written).
    """
    source = STDIN if source == Path("-") else source
    sink = _Sink(out)
    with command(ask.api_key, steps) as chosen, sink:
        from summariser.batch import interrupt_handler

        if export_batch:
            _export(source, export_batch, ask, chosen)
            return
        job = _Job(chosen, not no_cache, retry_errors, concurrency, CallLogRuns(log, ask.api_key,
                   "batch", chosen))  # fmt: skip
        with interrupt_handler(say), job.calls:
            if import_batch:
                tally = job.replay(source, import_batch, sink, ask)
            else:
                tally = job.run(source, sink, ask)
    _report(sink.name, tally)


def _export(source: Path | None, requests: Path, ask: opt.Ask, steps: tuple[str, ...]) -> None:
    """--export-openai-batch: the requests file and the articles file beside it."""
    from summariser.batch import check_output, openai_files, read_articles
    from summariser.errors import InputError

    if source is None:
        raise InputError("give the articles to export as INPUT (a folder or a JSONL file)")
    check_output(requests, source)
    check_output(openai_files.articles_path(requests), source)
    template = openai_files.template(ask.model, ask.api_key, ask.base_url)
    skipped: list[str] = []

    def skip(article: Article, reason: str) -> None:
        skipped.append(article.label)
        say(f"skipped {article.label}: {reason}")

    n, r = openai_files.export(read_articles(source, warn=say), template, requests, steps,
                               on_skip=skip)  # fmt: skip
    tell(
        f"wrote {r} requests for {n} articles to {requests} and "
        f"{openai_files.articles_path(requests)}"
        + (f"; {len(skipped)} articles skipped (listed above)" if skipped else "")
    )


def _report(name: str, tally: Tally) -> None:
    """The tally on stderr; exit 130 when interrupted, 3 with error lines or failed steps."""
    tell(f"{name}: {tally.line()}")
    if tally.duplicates:
        tell(f"duplicate ids (processed once): {', '.join(tally.duplicates[:10])}")
    if tally.interrupted:
        raise typer.Exit(INTERRUPTED)
    if tally.errors or tally.failed_steps:
        what = [f"{tally.errors} article(s) got an error line"] if tally.errors else []
        if tally.failed_steps:
            what.append(f"{tally.failed_steps} have failed steps (meta.failures)")
        say(f"{' and '.join(what)}: exit code 3 (--retry-errors redoes them)")
        raise typer.Exit(PARTIAL)


@dataclass
class _Job:
    """One batch run's settings, shared by a live run and a replay."""

    steps: tuple[str, ...]
    cache: bool
    retry_errors: bool
    concurrency: int
    calls: CallLogRuns

    def run(self, source: Path | None, sink: _Sink, ask: opt.Ask) -> Tally:
        """Summarise the articles of `source` with the model."""
        from summariser.batch import check_output, count_articles, read_articles
        from summariser.errors import InputError

        if source is None:
            raise InputError("give INPUT: a folder of .txt/.md articles or a JSONL file")
        check_output(sink.path, source)
        # An embedded engine serves -j articles as slots of one model; past EMBEDDED_SLOTS
        # more slots only cost memory on a few cores.
        slots = min(self.concurrency, EMBEDDED_SLOTS)
        backend, self.cache = open_model(ask, not self.cache, parallel=slots)
        if backend.caps.embedded and self.concurrency > (backend.caps.parallel or 1):
            say(f"the embedded model runs {backend.caps.parallel or 1} article(s) at a "
                "time (slots of one engine in this process)")  # fmt: skip
        articles = read_articles(source, warn=say)
        return self._run(articles, count_articles(source), backend, sink)

    def replay(self, source: Path | None, results_file: Path, sink: _Sink, ask: opt.Ask) -> Tally:
        """--import-openai-batch: the articles answered from the batch's results file."""
        from summariser.batch import check_output, count_articles, openai_files, read_articles

        articles_file = _articles_for_import(source)
        check_output(sink.path, articles_file, results_file)
        results = openai_files.load_results(results_file)
        template = openai_files.template(ask.model, ask.api_key, ask.base_url)
        if articles_file.name.endswith(".articles.jsonl"):
            self.steps = openai_files.exported_steps(articles_file)
            articles = openai_files.exported_articles(articles_file)
        else:
            articles = read_articles(articles_file, warn=say)

        def replay(article: Article) -> ChatBackend:
            return openai_files.replay_backend(article, results, template)

        self.cache, self.concurrency = False, 1
        return self._run(articles, count_articles(articles_file), template, sink, replay)

    def _run(
        self,
        articles: Iterator[Article],
        total: int | None,
        backend: ChatBackend,
        sink: _Sink,
        replay: Callable[[Article], ChatBackend] | None = None,
    ) -> Tally:
        """`batch.run` with a progress bar on stderr, each article's calls logged in a run."""
        from summariser import batch

        foreign: list[str] = []

        def watch(article: Article) -> list[Observer]:
            return self.calls.observers(article.key, backend.name, article.label, article.text)

        with progress_bar(f"batch {backend.name}", total) as advance:

            def done(article: Article, ok: bool) -> None:
                sink.copy()
                self.calls.finish(article.key, "ok" if ok else "error line")
                advance()

            try:
                return batch.run(_english(articles, foreign), backend, sink.path,
                                 concurrency=self.concurrency, steps=self.steps, cache=self.cache,
                                 retry_errors=self.retry_errors, on_done=done, replay=replay,
                                 watch=watch if self.calls.calls else None)  # fmt: skip
            finally:
                _warn_foreign(foreign)


def _english(articles: Iterator[Article], foreign: list[str]) -> Iterator[Article]:
    """The articles as they are; the labels of those not in English go to `foreign`."""
    from summariser.text.language import looks_english

    for article in articles:
        if article.text and not looks_english(article.text):
            foreign.append(article.label)
        yield article


def _warn_foreign(foreign: list[str]) -> None:
    if foreign:
        shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
        say(f"warning: {len(foreign)} article(s) do not look like English ({shown}); "
            "summariser reads English only and finds little in them")  # fmt: skip
