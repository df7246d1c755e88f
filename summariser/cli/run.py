"""`summarise run` (one article) and `summarise models`."""

from __future__ import annotations

import contextlib
import json
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from summariser.cli import options as opt
from summariser.cli.common import (
    EXIT_CODES,
    OUTPUT,
    PARTIAL,
    Format,
    ListFormat,
    command,
    err,
    open_model,
    out,
    say,
)
from summariser.cli.root import app
from summariser.cli.runs import CallLogRuns

if TYPE_CHECKING:
    from summariser.schemas import Summary


OffsetsOpt = Annotated[bool, typer.Option("--offsets", help="Show character offsets (table, md).")]


@app.command(epilog=EXIT_CODES)
def run(
    article: Annotated[str, typer.Argument(help="Article text file, or - for stdin.")],
    ask: opt.Ask = opt.ASK,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.json,
    steps: opt.Steps = opt.ALL_STEPS,
    offsets: OffsetsOpt = False,
    max_retries: opt.Retries = None,
    no_cache: opt.NoCache = False,
    log: opt.Log = True,
) -> None:
    """Extract records from one article and print them (JSON by default).

    Exits 3 when a step failed (its records are missing; the output is still printed).
    """
    with command(ask.api_key, steps) as chosen:
        from summariser.api import summarise
        from summariser.inputs import read_article
        from summariser.text.language import looks_english

        text = read_article(article)
        if not looks_english(text):
            say("warning: this article does not look like English; summariser reads English "
                "only and will find little or nothing")  # fmt: skip
        backend, cache = open_model(ask, no_cache, max_retries)
        with CallLogRuns(log, ask.api_key, "run", chosen) as calls:
            watched = calls.watch(backend, article, article, text)
            spinner = not (OUTPUT.quiet or OUTPUT.verbose)  # -v lines would tear through it
            with err().status(f"extracting with {backend.name}…") if spinner else (
                contextlib.nullcontext()
            ):  # fmt: skip
                summary = summarise(text, backend=watched, steps=chosen, cache=cache)
            calls.finish(article, "failed steps" if summary.meta.failures else "ok")
    _print_summary(summary, fmt, text, article, chosen, offsets)
    if summary.meta.untrusted:
        n = len(summary.meta.untrusted)
        say(f"warning: the article holds text addressed to AI systems (prompt injection): "
            f"{n} sentence(s) were not used as facts (meta.untrusted)")  # fmt: skip
    if summary.meta.failures:
        n = len(summary.meta.failures)
        say(f"warning: {n} step(s) failed, their records are missing (meta.failures): "
            f"{summary.meta.failures[0]}; exit code 3")  # fmt: skip
        raise typer.Exit(PARTIAL)


def _print_summary(
    summary: Summary, fmt: Format, text: str, source: str, steps: tuple[str, ...], offsets: bool
) -> None:
    from summariser import render

    if fmt is Format.json:
        print(summary.model_dump_json(indent=2))
    elif fmt is Format.jsonl:
        print(summary.model_dump_json())
    elif fmt is Format.md:
        print(render.markdown(summary, offsets=offsets, steps=steps))
    elif fmt is Format.html:
        from summariser.view import Entry, page

        name = "stdin" if source == "-" else source
        print(page([Entry(name, text, summary)], title=f"summariser: {name}"), end="")
    else:
        console = out()
        for block in render.terminal(summary, console.width, offsets=offsets, steps=steps):
            console.print(block)
        if not OUTPUT.quiet:
            err().print(render.meta_line(summary), markup=False, highlight=False)


@app.command()
def models(
    fmt: Annotated[
        ListFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ListFormat.table,
    as_json: Annotated[bool, typer.Option("--json", hidden=True, help="= --format json")] = False,
) -> None:
    """List the models summariser knows, whether each is installed, and the default."""
    from rich.table import Table

    from summariser.backends import available

    rows = available()
    if as_json or fmt is ListFormat.json:
        print(json.dumps(rows, indent=2))
        return
    table = Table("model", "installed", "default", "about")
    for r in rows:
        table.add_row(str(r["model"]), "yes" if r["installed"] else "no",
                      "*" if r["default"] else "", str(r["about"]))  # fmt: skip
    out().print(table)


class SchemaName(str, Enum):
    summary = "summary"
    batch_line = "batch-line"
    tables = "tables"


@app.command()
def schema(
    name: Annotated[
        SchemaName,
        typer.Argument(
            help="summary (run's JSON), batch-line (one batch line) or tables (`export`'s columns)."
        ),
    ] = SchemaName.summary,
) -> None:
    """Print the JSON Schema of a Summary (run's output) or of one `batch` output line.

    `tables`: the columns of `summarise export`'s tables, as Frictionless Table Schemas.
    """
    if name is SchemaName.tables:
        from summariser.export.columns import table_schemas

        print(json.dumps(table_schemas(), indent=2))
        return
    from summariser.schemas import Summary

    if name is SchemaName.summary:
        print(json.dumps(Summary.model_json_schema(), indent=2))
        return
    from summariser.batch import BatchLine

    print(json.dumps(BatchLine.model_json_schema(), indent=2))
