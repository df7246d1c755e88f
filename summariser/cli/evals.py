"""`summarise eval` (our gold files) and `summarise eval-polnear` (the public benchmark)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from summariser.cli import options as opt
from summariser.cli.common import (
    ERROR,
    EXIT_CODES,
    PARTIAL,
    command,
    open_model,
    out,
    say,
)
from summariser.cli.root import app
from summariser.cli.runs import CallLogRuns, progress_bar

AllowFailuresOpt = Annotated[
    bool,
    typer.Option("--allow-failures", help="Exit 0 even when some articles failed (scored as 0)."),
]

if TYPE_CHECKING:
    from summariser.backends.base import Observer
    from summariser.batch import Article
    from summariser.evals.run import Item, Report
    from summariser.schemas import Summary


def parse_gates(gates: list[str]) -> dict[str, float]:
    """`f1.quotes=0.8` options -> {"f1.quotes": 0.8}; a usage error otherwise."""
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


def _evaluate(
    items: list[Item],
    source: str,
    steps: tuple[str, ...],
    ask: opt.Ask,
    concurrency: int,
    no_cache: bool,
    report_dir: Path | None,
    quote_kinds: set[str] | None = None,
    log: bool = False,
    command: str = "eval",
) -> Report:
    """Run an eval with a progress bar, appending predictions.jsonl as articles finish.

    With `log`, each article's model calls go to the call log as a run of their own.
    """
    from summariser.evals.report import check_folder
    from summariser.evals.run import evaluate

    predictions = report_dir / "predictions.jsonl" if report_dir else None
    if report_dir and predictions:
        check_folder(report_dir)
        predictions.write_text("")  # one run per report folder
    backend, cache = open_model(ask, no_cache, parallel=concurrency)
    with (
        CallLogRuns(log, ask.api_key, command, steps) as calls,
        progress_bar(f"eval {backend.name}", len(items)) as advance,
    ):

        def watch(article: Article) -> list[Observer]:
            return calls.observers(article.key, backend.name, article.label, article.text)

        def done(item: Item, summary: Summary | None, error: str | None) -> None:
            calls.finish(json.dumps(item.id), "error line" if error else "ok")
            advance()

        return evaluate(
            items, backend, source=source, steps=steps, concurrency=concurrency, cache=cache,
            on_result=done, quote_kinds=quote_kinds, predictions=predictions,
            watch=watch if calls.calls else None,
        )  # fmt: skip


def _finish(
    report: Report,
    report_dir: Path | None,
    baseline: Path | None,
    gates: list[str] | None,
    allow_failures: bool,
) -> None:
    """Print the tables and verdict (stdout), write the report files, set the exit code.

    Exit 1 when a --min gate fails, else 3 when articles failed (unless --allow-failures).
    """
    from summariser.errors import InputError
    from summariser.evals import report as eval_report
    from summariser.evals.run import Report, article_failures, check_gates, compare

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
    console = out()
    for table in eval_report.tables(report, deltas):
        console.print(table)
    failed = check_gates(report, bars)
    lost = [] if allow_failures else article_failures(report)
    worse = [d["metric"] for d in deltas or [] if d["regressed"]]
    print(eval_report.verdict(report, failed + lost, worse))
    if report_dir:
        say(f"wrote {report_dir}/report.json, report.md, predictions.jsonl")
    if failed:
        raise typer.Exit(ERROR)
    if lost:
        say("articles failed (listed in the report): exit code 3; --allow-failures to accept")
        raise typer.Exit(PARTIAL)


@app.command("eval", epilog=EXIT_CODES)
def eval_cmd(
    gold: Annotated[Path, typer.Argument(help="A folder of gold *.json files, or one file.")],
    ask: opt.Ask = opt.ASK,
    concurrency: opt.Concurrency = 1,
    report: opt.Report = None,
    baseline: opt.Baseline = None,
    gates: opt.Min = None,
    steps: opt.Steps = opt.ALL_STEPS,
    no_cache: opt.NoCache = False,
    allow_failures: AllowFailuresOpt = False,
    allow_outside: opt.AllowOutside = False,
    log: opt.Log = False,
) -> None:
    """Score the model against gold files; print tables and a verdict; gate with --min.

    Exit 1 below a --min gate; 3 when articles failed (scored as zero) unless --allow-failures.
    """
    with command(ask.api_key, steps) as chosen:
        from summariser.evals.run import load_items

        items = load_items(gold, allow_outside=allow_outside, warn=say)
        result = _evaluate(items, str(gold), chosen, ask, concurrency, no_cache, report, log=log)
        _finish(result, report, baseline, gates, allow_failures)


@app.command("eval-polnear", epilog=EXIT_CODES)
def eval_polnear(
    folder: Annotated[Path, typer.Argument(help="A PolNeAR split folder (text/, attributions/).")],
    ask: opt.Ask = opt.ASK,
    concurrency: opt.Concurrency = 1,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="First N articles.")] = None,
    direct: Annotated[
        bool,
        typer.Option(
            "--direct/--all", help="Score direct quotes only (comparable with published peers)."
        ),
    ] = True,
    report: opt.Report = None,
    baseline: opt.Baseline = None,
    gates: opt.Min = None,
    no_cache: opt.NoCache = False,
    allow_failures: AllowFailuresOpt = False,
    log: opt.Log = False,
) -> None:
    """The public benchmark: quotes on PolNeAR (read in place; never copied)."""
    with command(ask.api_key):
        from summariser.evals import polnear

        items = polnear.load(folder, limit)
        kinds = {"direct"} if direct else None
        result = _evaluate(items, str(folder), ("quotes",), ask, concurrency, no_cache, report,
                           kinds, log=log, command="eval-polnear")  # fmt: skip
        _finish(result, report, baseline, gates, allow_failures)
