"""`summarise run` (one article) and `summarise models`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from summariser.cli.app import app
from summariser.cli.common import (
    ALL_STEPS,
    Format,
    KeyOpt,
    ModelOpt,
    NoCacheOpt,
    QuietOpt,
    RetriesOpt,
    StepsOpt,
    UrlOpt,
    VerboseOpt,
    configure_output,
    err,
    failures,
    open_backend,
    out,
    parse_steps,
)


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
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Extract records from one article and print them (JSON by default)."""
    configure_output(verbose, quiet)
    chosen = parse_steps(steps)
    with failures(api_key):
        from summariser import render
        from summariser.api import summarise
        from summariser.inputs import read_article

        text = read_article(article)
        backend = open_backend(model, api_key, base_url, max_retries)
        with err().status(f"extracting with {backend.name}…"):
            summary = summarise(text, backend=backend, steps=chosen, cache=not no_cache)
    if fmt is Format.json:
        print(summary.model_dump_json(indent=2))
    elif fmt is Format.jsonl:
        print(summary.model_dump_json())
    elif fmt is Format.md:
        print(render.markdown(summary))
    else:
        console = out()
        for table in render.tables(summary):
            console.print(table)
        err().print(render.meta_line(summary))


@app.command()
def models(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """List the models summariser knows, whether each is installed, and the default."""
    from rich.table import Table

    from summariser.backends import available

    configure_output(verbose, quiet)
    rows = available()
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table("model", "installed", "default", "about")
    for r in rows:
        table.add_row(str(r["model"]), "yes" if r["installed"] else "no",
                      "*" if r["default"] else "", str(r["about"]))  # fmt: skip
    out().print(table)
