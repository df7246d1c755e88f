"""`summarise batch`: many articles to JSONL, and OpenAI Batch API files."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Annotated

import typer

from summariser.cli.common import (
    ALL_STEPS,
    EXIT_CODES,
    OUTPUT,
    PARTIAL,
    ConcurrencyOpt,
    KeyOpt,
    ModelOpt,
    NoCacheOpt,
    QuietOpt,
    StepsOpt,
    UrlOpt,
    VerboseOpt,
    configure_output,
    err,
    failures,
    open_backend,
    open_cache,
    open_log,
    parse_steps,
    say,
    tell,
)
from summariser.cli.root import app

if TYPE_CHECKING:
    from summariser.backends import ChatBackend
    from summariser.backends.base import Observer
    from summariser.batch import Article, Tally
    from summariser.logs import CallLog

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
    model: ModelOpt = None,
    api_key: KeyOpt = None,
    base_url: UrlOpt = None,
    concurrency: ConcurrencyOpt = 8,
    steps: StepsOpt = ALL_STEPS,
    no_cache: NoCacheOpt = False,
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
    log: Annotated[
        bool, typer.Option("--log/--no-log", help="Record every model call (`summarise logs`).")
    ] = False,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Summarise many articles into JSONL: bounded concurrency, resume, batch-API files.

    An HTTP model (openai:..., --base-url) runs on asyncio: -j articles in flight; up to -j 8
    the parsing runs in threads of this process, above it in one worker process per core.
    The embedded model serves -j articles as slots of one engine (at most 4); replayed
    --import-openai-batch answers run in threads. Exits 3 when some articles got error lines
    (all lines are still written).
    """
    configure_output(verbose, quiet)
    chosen = parse_steps(steps)
    source = STDIN if source == Path("-") else source
    sink = _Sink(out)
    with failures(api_key), sink:
        from summariser import openai_batch
        from summariser.batch import check_output, count_articles, interrupt_handler, read_articles
        from summariser.cli.common import INTERRUPTED, say
        from summariser.errors import InputError

        if export_batch:
            if source is None:
                raise InputError("give the articles to export as INPUT (a folder or a JSONL file)")
            check_output(export_batch, source)
            check_output(openai_batch.articles_path(export_batch), source)
            template = openai_batch.template(model, api_key, base_url)
            skipped: list[str] = []

            def skip(article: Article, reason: str) -> None:
                skipped.append(article.label)
                say(f"skipped {article.label}: {reason}")

            n, r = openai_batch.export(read_articles(source, warn=say), template, export_batch,
                                       chosen, on_skip=skip)  # fmt: skip
            tell(
                f"wrote {r} requests for {n} articles to {export_batch} and "
                f"{openai_batch.articles_path(export_batch)}"
                + (f"; {len(skipped)} articles skipped (listed above)" if skipped else "")
            )
            return
        out = sink.path
        calls = open_log(log, api_key)
        with interrupt_handler(say):
            if import_batch:
                articles_file = _articles_for_import(source)
                check_output(out, articles_file, import_batch)
                results = openai_batch.load_results(import_batch)
                template = openai_batch.template(model, api_key, base_url)
                if articles_file.name.endswith(".articles.jsonl"):
                    chosen = openai_batch.exported_steps(articles_file)
                    articles = openai_batch.exported_articles(articles_file)
                else:
                    articles = read_articles(articles_file, warn=say)

                def replay(article: Article) -> ChatBackend:
                    return openai_batch.replay_backend(article, results, template)

                total = count_articles(articles_file) or 0  # 0: a pipe, not counted
                tally = _run_batch(articles, total, template, sink, 1, chosen, False,
                                   retry_errors, replay, calls)  # fmt: skip
            else:
                if source is None:
                    raise InputError("give INPUT: a folder of .txt/.md articles or a JSONL file")
                check_output(out, source)
                cache = open_cache(not no_cache)
                # An embedded engine serves -j articles as slots of one model; past
                # EMBEDDED_SLOTS more slots only cost memory on a few cores.
                backend = open_backend(model, api_key, base_url,
                                       parallel=min(concurrency, EMBEDDED_SLOTS))  # fmt: skip
                if backend.caps.embedded and concurrency > (backend.caps.parallel or 1):
                    say(f"the embedded model runs {backend.caps.parallel or 1} article(s) at a "
                        "time (slots of one engine in this process)")  # fmt: skip
                tally = _run_batch(read_articles(source, warn=say), count_articles(source) or 0,
                                   backend, sink, concurrency, chosen, cache, retry_errors,
                                   None, calls)  # fmt: skip
    tell(f"{sink.name}: {tally.line()}")
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


def _run_batch(
    articles: Iterator[Article],
    total: int,
    backend: ChatBackend,
    sink: _Sink,
    concurrency: int,
    steps: tuple[str, ...],
    cache: bool,
    retry_errors: bool,
    backend_for: Callable[[Article], ChatBackend] | None,
    calls: CallLog | None = None,
) -> Tally:
    """Run the batch with a progress bar (articles done, rate, time left) on stderr.

    With `calls`, each article's model calls are logged as a run of their own.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from summariser import aio
    from summariser.backends.openai_compat import http_settings
    from summariser.batch import run_batch
    from summariser.text.language import looks_english

    runs: dict[object, int] = {}
    foreign: list[str] = []

    def checked(articles: Iterator[Article]) -> Iterator[Article]:
        for article in articles:
            if article.text and not looks_english(article.text):
                foreign.append(article.label)
            yield article

    def logged(article: Article) -> ChatBackend:
        chosen = backend_for(article) if backend_for else backend
        assert calls is not None
        run_id = calls.start("batch", chosen.name, article.label, article.text, steps)
        runs[article.key] = run_id
        return calls.watch(chosen, run_id)

    def watched(article: Article) -> list[Observer]:
        assert calls is not None
        run_id = calls.start("batch", backend.name, article.label, article.text, steps)
        runs[article.key] = run_id
        return [calls.observer(run_id)]

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
        console=err(), transient=True, disable=OUTPUT.quiet,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"batch {backend.name}", total=total or None, rate="")
        t0 = time.perf_counter()

        def done(article: Article, ok: bool) -> None:
            sink.copy()
            if calls is not None and article.key in runs:
                calls.finish(runs.pop(article.key), "ok" if ok else "error line")
            bar.advance(task)
            finished = bar.tasks[0].completed
            bar.update(task, rate=f"{finished / max(time.perf_counter() - t0, 1e-9):.1f}/s")

        try:
            if backend_for is None and http_settings(backend) is not None:
                # an HTTP model: the asyncio path (summariser.aio)
                return aio.run_batch(checked(articles), backend, sink.path,
                                     concurrency=concurrency, steps=steps, cache=cache,
                                     retry_errors=retry_errors, on_done=done,
                                     watch=watched if calls is not None else None)  # fmt: skip
            return run_batch(checked(articles), backend, sink.path, concurrency=concurrency,
                             steps=steps, cache=cache, retry_errors=retry_errors, on_done=done,
                             backend_for=logged if calls is not None else backend_for)  # fmt: skip
        finally:
            if calls is not None:
                for run_id in runs.values():
                    calls.finish(run_id, "interrupted")
                calls.close()
            if foreign:
                shown = ", ".join(foreign[:5]) + (" ..." if len(foreign) > 5 else "")
                say(f"warning: {len(foreign)} article(s) do not look like English ({shown}); "
                    "summariser reads English only and finds little in them")  # fmt: skip
