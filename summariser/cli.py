"""The `summarise` command: parses arguments, reads inputs, prints results. Nothing else."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from summariser import openai_batch, render
from summariser.api import summarise
from summariser.backends import ChatBackend, available, resolve
from summariser.batch import Article, Tally, count_articles, read_articles, run_batch
from summariser.errors import InputError, SummariserError, redact
from summariser.evals import polnear
from summariser.evals import report as eval_report
from summariser.evals.run import Item, Report, check_gates, compare, evaluate, load_items
from summariser.inputs import read_article
from summariser.paths import JsonlAppender
from summariser.pipeline import STEPS
from summariser.schemas import Summary

app = typer.Typer(
    help="Turn news articles into grounded event, stance and quote records.",
    pretty_exceptions_show_locals=False,  # never print locals: they may hold an API key
    add_completion=False,
    no_args_is_help=True,
)
err = Console(stderr=True)
out = Console()


class _Redact(logging.Filter):
    """Scrubs secrets from every log record before any handler formats it."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), *self.secrets)
        record.args = None
        return True


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


@app.callback()
def main_options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log model calls and timings to stderr.")
    ] = False,
) -> None:
    """Turn news articles into grounded event, stance and quote records."""
    if verbose:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler.addFilter(_Redact([v for k, v in os.environ.items() if k.endswith("API_KEY")]))
        for name in ("summariser", "openai", "httpx", "instructor"):
            lg = logging.getLogger(name)
            lg.setLevel(logging.DEBUG)
            for old in [h for h in lg.handlers if any(isinstance(f, _Redact) for f in h.filters)]:
                lg.removeHandler(old)  # one verbose handler, however often main() runs
            lg.addHandler(handler)


def _secret(key: str | None) -> None:
    """Register a key given by flag with every log handler's redaction filter."""
    if not key:
        return
    for name in ("summariser", "openai", "httpx", "instructor"):
        for h in logging.getLogger(name).handlers:
            for f in h.filters:
                if isinstance(f, _Redact):
                    f.secrets.append(key)


class Format(str, Enum):
    json = "json"
    jsonl = "jsonl"
    table = "table"
    md = "md"


ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", envvar="SUMMARISER_MODEL", show_default=False,
                 help="provider:model, e.g. local:qwen2.5-coder-1.5b (default) or "
                 "openai:gpt-4o-mini. See `summarise models`."),
]  # fmt: skip
KeyOpt = Annotated[
    str | None,
    typer.Option("--api-key", envvar="OPENAI_API_KEY", show_default=False, show_envvar=True,
                 help="API key for openai: models."),
]  # fmt: skip
UrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", envvar="OPENAI_BASE_URL", show_default=False,
                 help="Any OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1"),
]  # fmt: skip
RetriesOpt = Annotated[
    int | None,
    typer.Option("--max-retries", min=0, max=5, help="Re-asks after invalid model output."),
]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Ignore and bypass the cache.")]
ALL_STEPS = ",".join(STEPS)
StepsOpt = Annotated[str, typer.Option("--steps", help="Comma-separated record types to extract.")]


@contextlib.contextmanager
def failures(*secrets: str | None) -> Iterator[None]:
    """Turn a SummariserError into one line on stderr and exit code 1."""
    for secret in secrets:
        _secret(secret)
    try:
        yield
    except SummariserError as e:
        line = " ".join(redact(str(e), *secrets).split())  # always exactly one line
        typer.echo(f"error: {line}", err=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None


def open_backend(
    model: str | None, api_key: str | None, base_url: str | None, max_retries: int | None = None
) -> ChatBackend:
    """Resolve the model; a progress bar appears only while a local model is first assembled."""
    bar: Progress | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = Progress(TextColumn("assembling the local model (first run only)"), BarColumn(),
                           DownloadColumn(), console=err, transient=True)  # fmt: skip
            bar.start()
            bar.add_task("assemble", total=total)
        bar.update(bar.task_ids[0], completed=done)

    try:
        return resolve(
            model, api_key=api_key, base_url=base_url, max_retries=max_retries, progress=progress
        )
    finally:
        if bar is not None:
            bar.stop()


def parse_steps(steps: str) -> tuple[str, ...]:
    chosen = tuple(s.strip() for s in steps.split(",") if s.strip())
    bad = [s for s in chosen if s not in STEPS]
    if bad or not chosen:
        raise typer.BadParameter(f"choose from {', '.join(STEPS)}", param_hint="--steps")
    return chosen


@app.command()
def run(
    article: Annotated[str, typer.Argument(help="Article text file, or - for stdin.")],
    model: ModelOpt = None,
    api_key: KeyOpt = None,
    base_url: UrlOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.json,
    steps: StepsOpt = ALL_STEPS,
    max_retries: RetriesOpt = None,
    no_cache: NoCacheOpt = False,
) -> None:
    """Extract records from one article and print them (JSON by default)."""
    chosen = parse_steps(steps)
    with failures(api_key):
        text = read_article(article)
        backend = open_backend(model, api_key, base_url, max_retries)
        with err.status(f"extracting with {backend.name}…"):
            summary = summarise(text, backend=backend, steps=chosen, cache=not no_cache)
    if fmt is Format.json:
        print(summary.model_dump_json(indent=2))
    elif fmt is Format.jsonl:
        print(summary.model_dump_json())
    elif fmt is Format.md:
        print(render.markdown(summary))
    else:
        for table in render.tables(summary):
            out.print(table)
        err.print(render.meta_line(summary))


@app.command()
def models(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the models summariser knows, whether each is installed, and the default."""
    rows = available()
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table("model", "installed", "default", "about")
    for r in rows:
        table.add_row(str(r["model"]), "yes" if r["installed"] else "no",
                      "*" if r["default"] else "", str(r["about"]))  # fmt: skip
    out.print(table)


def parse_gates(gates: list[str]) -> dict[str, float]:
    parsed = {}
    for g in gates:
        name, sep, value = g.partition("=")
        try:
            parsed[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise typer.BadParameter(
                f"{g!r} is not METRIC=NUMBER, e.g. f1.quotes=0.8", param_hint="--min"
            )
    return parsed


ConcurrencyOpt = Annotated[
    int, typer.Option("--concurrency", "-j", min=1, max=256,
                      help="Articles in flight at once (HTTP models; local models use 1).")
]  # fmt: skip
ReportOpt = Annotated[
    Path | None,
    typer.Option("--report", help="Folder for report.json, report.md, predictions.jsonl."),
]
BaselineOpt = Annotated[
    Path | None, typer.Option("--baseline", help="An earlier report.json to diff against.")
]
MinOpt = Annotated[
    list[str] | None,
    typer.Option("--min", help="Gate METRIC=NUMBER (repeatable); exit 1 below it."),
]


def _evaluate(
    items: list[Item],
    source: str,
    steps: tuple[str, ...],
    model: str | None,
    api_key: str | None,
    base_url: str | None,
    concurrency: int,
    no_cache: bool,
    report_dir: Path | None,
    quote_kinds: set[str] | None = None,
) -> Report:
    """Run an eval with a progress bar, appending predictions.jsonl as articles finish."""
    backend = open_backend(model, api_key, base_url)
    log = JsonlAppender(report_dir / "predictions.jsonl") if report_dir else None
    if report_dir:
        (report_dir / "predictions.jsonl").write_text("")  # one run per report folder
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), console=err, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task(f"eval {backend.name}", total=len(items))

        def done(item: Item, summary: Summary | None, error: str | None) -> None:
            if log:
                record = {"id": item.id, **({"summary": summary.model_dump()} if summary
                                            else {"error": {"message": error}})}  # fmt: skip
                log.write(json.dumps(record, ensure_ascii=False))
            bar.advance(task)

        try:
            return evaluate(
                items, backend, source=source, steps=steps, concurrency=concurrency,
                cache=not no_cache, on_result=done, quote_kinds=quote_kinds,
            )  # fmt: skip
        finally:
            if log:
                log.close()


def _finish(
    report: Report, report_dir: Path | None, baseline: Path | None, gates: list[str] | None
) -> None:
    """Print the tables and verdict, write the report files, exit 1 on a failed gate."""
    bars = parse_gates(gates or [])
    unknown = [g for g in bars if g not in report.metrics]
    if unknown:
        raise InputError(
            f"unknown metric(s) {unknown} in --min; known: {', '.join(report.metrics)}"
        )
    deltas = None
    if baseline:
        try:
            before = Report.model_validate_json(baseline.read_bytes())
        except (OSError, ValueError) as e:
            raise InputError(
                f"{baseline}: not a readable report.json ({type(e).__name__})"
            ) from None
        deltas = compare(report, before)
    if report_dir:
        eval_report.write(report, report_dir, deltas)
    for table in eval_report.tables(report, deltas):
        err.print(table)
    failed = check_gates(report, bars)
    worse = [d["metric"] for d in deltas or [] if d["regressed"]]
    typer.echo(eval_report.verdict(report, failed, worse), err=True)
    if report_dir:
        typer.echo(f"wrote {report_dir}/report.json, report.md, predictions.jsonl", err=True)
    if failed:
        raise typer.Exit(1)


@app.command("eval")
def eval_cmd(
    gold: Annotated[Path, typer.Argument(help="A folder of gold *.json files, or one file.")],
    model: ModelOpt = None,
    api_key: KeyOpt = None,
    base_url: UrlOpt = None,
    concurrency: ConcurrencyOpt = 1,
    report: ReportOpt = None,
    baseline: BaselineOpt = None,
    gates: MinOpt = None,
    steps: StepsOpt = ALL_STEPS,
    no_cache: NoCacheOpt = False,
) -> None:
    """Score the model against gold files; print tables and a verdict; gate with --min."""
    chosen = parse_steps(steps)
    with failures(api_key):
        items = load_items(gold)
        result = _evaluate(items, str(gold), chosen, model, api_key, base_url, concurrency,
                           no_cache, report)  # fmt: skip
        _finish(result, report, baseline, gates)


@app.command("eval-polnear")
def eval_polnear(
    folder: Annotated[Path, typer.Argument(help="A PolNeAR split folder (text/, attributions/).")],
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="First N articles.")] = None,
    model: ModelOpt = None,
    api_key: KeyOpt = None,
    base_url: UrlOpt = None,
    concurrency: ConcurrencyOpt = 1,
    report: ReportOpt = None,
    baseline: BaselineOpt = None,
    gates: MinOpt = None,
    direct: Annotated[
        bool,
        typer.Option(
            "--direct/--all", help="Score direct quotes only (comparable with published peers)."
        ),
    ] = True,
    no_cache: NoCacheOpt = False,
) -> None:
    """The public benchmark: quotes on PolNeAR (read in place; never copied)."""
    with failures(api_key):
        items = polnear.load(folder, limit)
        kinds = {"direct"} if direct else None
        result = _evaluate(items, str(folder), ("quotes",), model, api_key, base_url, concurrency,
                           no_cache, report, kinds)  # fmt: skip
        _finish(result, report, baseline, gates)


def _articles_for_import(source: Path | None) -> Path:
    """The exported articles file: INPUT, or the one *.articles.jsonl in this folder."""
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
) -> None:
    """Summarise many articles into JSONL: bounded concurrency, resume, batch-API files."""
    chosen = parse_steps(steps)
    with failures(api_key):
        if export_batch:
            if source is None:
                raise InputError("give the articles to export as INPUT (a folder or a JSONL file)")
            template = resolve(model or "openai:gpt-4o-mini", api_key=api_key or "unused",
                               base_url=base_url)  # fmt: skip
            n, r = openai_batch.export(read_articles(source), template, export_batch, chosen)
            typer.echo(f"wrote {r} requests for {n} articles to {export_batch} and "
                       f"{openai_batch.articles_path(export_batch)}", err=True)  # fmt: skip
            return
        if import_batch:
            articles_file = _articles_for_import(source)
            results = openai_batch.load_results(import_batch)
            template = resolve(model or "openai:gpt-4o-mini", api_key=api_key or "unused",
                               base_url=base_url)  # fmt: skip
            if articles_file.name.endswith(".articles.jsonl"):
                chosen = openai_batch.exported_steps(articles_file)
                articles = openai_batch.exported_articles(articles_file)
            else:
                articles = read_articles(articles_file)

            def replay(article: Article) -> ChatBackend:
                return openai_batch.replay_backend(article, results, template)

            total = count_articles(articles_file)
            tally = _run_batch(articles, total, template, out, 1, chosen, False, retry_errors,
                               replay)  # fmt: skip
        else:
            if source is None:
                raise InputError("give INPUT: a folder of .txt/.md articles or a JSONL file")
            backend = open_backend(model, api_key, base_url)
            if backend.name.startswith("local:") and concurrency > 1:
                typer.echo("the embedded model runs one article at a time (one process owns it)",
                           err=True)  # fmt: skip
            tally = _run_batch(read_articles(source), count_articles(source), backend, out,
                               concurrency, chosen, not no_cache, retry_errors, None)  # fmt: skip
    typer.echo(f"{out}: {tally.line()}", err=True)
    if tally.duplicates:
        typer.echo(f"duplicate ids (processed once): {', '.join(tally.duplicates[:10])}", err=True)


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
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
        console=err, transient=True,
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


def main() -> None:
    """Console-script entry point."""
    app(prog_name="summarise")


if __name__ == "__main__":  # pragma: no cover
    main()
