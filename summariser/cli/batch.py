"""`summarise batch`: many articles to JSONL, and OpenAI Batch API files."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from summariser.cli.app import app
from summariser.cli.common import (
    ALL_STEPS,
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
    parse_steps,
)

if TYPE_CHECKING:
    from summariser.backends import ChatBackend
    from summariser.batch import Article, Tally


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


@app.command()
def batch(
    source: Annotated[
        Path | None,
        typer.Argument(help="A folder of .txt/.md articles, or JSONL lines {id, text, ...}."),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Results JSONL (appended; resumes).")
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
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Summarise many articles into JSONL: bounded concurrency, resume, batch-API files."""
    configure_output(verbose, quiet)
    chosen = parse_steps(steps)
    with failures(api_key):
        from summariser import openai_batch
        from summariser.backends import resolve
        from summariser.batch import check_output, count_articles, interrupt_handler, read_articles
        from summariser.cli.common import INTERRUPTED, say
        from summariser.errors import InputError

        if export_batch:
            if source is None:
                raise InputError("give the articles to export as INPUT (a folder or a JSONL file)")
            check_output(export_batch, source)
            template = resolve(model or "openai:gpt-4o-mini", api_key=api_key or "unused",
                               base_url=base_url)  # fmt: skip
            skipped: list[str] = []

            def skip(article: Article, reason: str) -> None:
                skipped.append(article.label)
                say(f"skipped {article.label}: {reason}")

            n, r = openai_batch.export(read_articles(source, warn=say), template, export_batch,
                                       chosen, on_skip=skip)  # fmt: skip
            typer.echo(f"wrote {r} requests for {n} articles to {export_batch} and "
                       f"{openai_batch.articles_path(export_batch)}"
                       + (f"; {len(skipped)} articles skipped (listed above)" if skipped else ""),
                       err=True)  # fmt: skip
            return
        with interrupt_handler(say):
            if import_batch:
                articles_file = _articles_for_import(source)
                check_output(out, articles_file, import_batch)
                results = openai_batch.load_results(import_batch)
                template = resolve(model or "openai:gpt-4o-mini", api_key=api_key or "unused",
                                   base_url=base_url)  # fmt: skip
                if articles_file.name.endswith(".articles.jsonl"):
                    chosen = openai_batch.exported_steps(articles_file)
                    articles = openai_batch.exported_articles(articles_file)
                else:
                    articles = read_articles(articles_file, warn=say)

                def replay(article: Article) -> ChatBackend:
                    return openai_batch.replay_backend(article, results, template)

                total = count_articles(articles_file) or 0  # 0: a pipe, not counted
                tally = _run_batch(articles, total, template, out, 1, chosen, False,
                                   retry_errors, replay)  # fmt: skip
            else:
                if source is None:
                    raise InputError("give INPUT: a folder of .txt/.md articles or a JSONL file")
                check_output(out, source)
                backend = open_backend(model, api_key, base_url)
                if backend.caps.embedded and concurrency > (backend.caps.parallel or 1):
                    say(f"the embedded model runs {backend.caps.parallel or 1} article(s) at a "
                        "time (one process owns it)")  # fmt: skip
                tally = _run_batch(read_articles(source, warn=say), count_articles(source) or 0,
                                   backend, out, concurrency, chosen, not no_cache, retry_errors,
                                   None)  # fmt: skip
    typer.echo(f"{out}: {tally.line()}", err=True)
    if tally.duplicates:
        typer.echo(f"duplicate ids (processed once): {', '.join(tally.duplicates[:10])}", err=True)
    if tally.interrupted:
        raise typer.Exit(INTERRUPTED)


def _run_batch(
    articles: Iterator[Article],
    total: int,
    backend: ChatBackend,
    out: Path,
    concurrency: int,
    steps: tuple[str, ...],
    cache: bool,
    retry_errors: bool,
    backend_for: Callable[[Article], ChatBackend] | None,
) -> Tally:
    """Run the batch with a progress bar (articles done, rate, time left) on stderr."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from summariser.batch import run_batch

    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
        console=err(), transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"batch {backend.name}", total=total, rate="")
        t0 = time.perf_counter()

        def done(article: Article, ok: bool) -> None:
            bar.advance(task)
            finished = bar.tasks[0].completed
            bar.update(task, rate=f"{finished / max(time.perf_counter() - t0, 1e-9):.1f}/s")

        return run_batch(articles, backend, out, concurrency=concurrency, steps=steps,
                         cache=cache, retry_errors=retry_errors, on_done=done,
                         backend_for=backend_for)  # fmt: skip
