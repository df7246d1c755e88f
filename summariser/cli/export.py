"""`summarise export`: a batch's results as flat tables (CSV, and Parquet with pyarrow)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from summariser.cli.common import PARTIAL, command, say
from summariser.cli.root import app


@app.command()
def export(
    result: Annotated[
        Path, typer.Argument(help="A batch results.jsonl (or an eval's predictions.jsonl).")
    ],
    to: Annotated[Path, typer.Option("--to", help="The folder for the tables (made if missing).")],
    parquet: Annotated[
        bool | None,
        typer.Option(
            "--parquet/--no-parquet",
            help="Also write .parquet files (default: when pyarrow is installed, the "
            "`parquet` extra).",
        ),
    ] = None,
) -> None:
    """Write articles, quotes, events and stances as tables: one row per record, CSV always.

    Every row carries the article's id and results line, every field of its record, offsets,
    and the canonical name of its speaker / actor / holder (one per person across articles).
    Columns: `summarise schema tables`. A bad results line is reported and skipped (exit 3);
    each table is written under a temporary name and moved in place only when complete.
    """
    with command():
        from summariser.errors import InputError
        from summariser.export import export as write_tables
        from summariser.export.write import parquet_available

        if not result.is_file():
            raise InputError(f"{result}: no such results file (give the JSONL a batch wrote)")
        if to.exists() and not to.is_dir():
            raise InputError(f"{to} is a file: give a folder for the tables")
        skipped: list[str] = []

        def warn(message: str) -> None:
            skipped.append(message)
            typer.echo(f"warning: {message}", err=True)

        want_parquet = parquet_available() if parquet is None else parquet
        try:
            done = write_tables(result, to, parquet=want_parquet, warn=warn)
        except OSError as e:
            raise InputError(f"{to}: cannot write the tables ({e.strerror}); nothing was "
                             "left half written") from None  # fmt: skip
        if done.rows["articles"] == 0:
            raise InputError(f"{result}: no results in it")
        counts = ", ".join(f"{name} {n:,}" for name, n in done.rows.items())
        formats = "CSV and Parquet" if want_parquet else "CSV"
        say(f"wrote {to} ({formats}): {counts} rows")
        if skipped:
            say(f"{len(skipped)} line(s) of {result.name} skipped")
            raise typer.Exit(PARTIAL)
