"""The root Typer app every command module registers on, and the top-level options."""

from __future__ import annotations

from typing import Annotated

import typer

from summariser.cli import options as opt
from summariser.cli.common import EXIT_CODES, configure_output

app = typer.Typer(
    help="Turn news articles into grounded event, stance and quote records.",
    epilog=EXIT_CODES,
    pretty_exceptions_show_locals=False,  # never print locals: they may hold an API key
    no_args_is_help=True,
    rich_markup_mode=None,  # plain help: rich's help formatter costs ~0.15 s of every --help
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"summarise {version('summariser')}")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            typer.echo("summarise (not installed)")
        raise typer.Exit(0)


@app.callback()
def main_options(
    verbose: opt.Verbose = 0,
    quiet: opt.Quiet = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Turn news articles into grounded event, stance and quote records."""
    configure_output(verbose, quiet, reset=True)
