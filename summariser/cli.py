"""The `summarise` command: parses arguments, reads inputs, prints results. Nothing else."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from enum import Enum
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn
from rich.table import Table

from summariser import render
from summariser.api import summarise
from summariser.backends import ChatBackend, available, resolve
from summariser.errors import SummariserError, redact
from summariser.inputs import read_article
from summariser.pipeline import STEPS

app = typer.Typer(
    help="Turn news articles into grounded event, stance and quote records.",
    pretty_exceptions_show_locals=False,  # never print locals: they may hold an API key
    add_completion=False,
    no_args_is_help=True,
)
err = Console(stderr=True)
out = Console()


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
    """Resolve the model, showing a progress bar while a local model is first assembled."""
    with Progress(
        TextColumn("assembling the local model (first run only)"),
        BarColumn(),
        DownloadColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("assemble", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return resolve(
            model, api_key=api_key, base_url=base_url, max_retries=max_retries, progress=progress
        )


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


def main() -> None:
    """Console-script entry point."""
    app(prog_name="summarise")


if __name__ == "__main__":  # pragma: no cover
    main()
