"""From a batch's results to flat tables and an overview: `summarise export`, `summarise view`.

- `read`: the results file, streamed; bad lines reported once and skipped.
- `canonical`: one key per person across articles.
- `columns`: the tables' contract; `rows`: a result as rows; `write`: CSV / Parquet files.
- `overview`: the batch's aggregates for the overview page; `site`: the pages on disk.

Every pass streams the results file: memory holds the aggregates (names, counts, a few
examples), never the batch.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summariser.export.canonical import Names, record_names
from summariser.export.columns import TABLES
from summariser.export.read import Result, read_results, results_of
from summariser.export.rows import article_row, record_rows

Warn = Callable[[str], None]
Source = Callable[[], Iterable[Result]]


def sources(
    results: str | os.PathLike[str] | Iterable[Any], warn: Warn | None
) -> tuple[Source, Source]:
    """Two ways to read the results: the first pass reports bad lines, the second does not."""
    if isinstance(results, (str, os.PathLike)):
        path = Path(results)
        until = path.stat().st_size  # both passes read the same bytes, even if a batch appends

        def first() -> Iterator[Result]:
            return read_results(path, warn, until)

        def second() -> Iterator[Result]:
            return read_results(path, None, until)

        return first, second
    items = results_of(results, warn)
    return (lambda: items), (lambda: items)


def names_of(source: Source) -> Names:
    """The batch's canonical names (one pass)."""
    names = Names()
    for r in source():
        if r.summary is not None:
            names.add(record_names(r.summary))
    return names


def rows_of(source: Source, names: Names) -> Iterator[tuple[str, dict[str, Any]]]:
    """(table, row) for every row of every table, streamed in results order."""
    for r in source():
        yield "articles", article_row(r)
        resolved = names.resolve(record_names(r.summary)) if r.summary is not None else {}
        for table, rows in record_rows(r, resolved).items():
            for row in rows:
                yield table, row


@dataclass
class Exported:
    """What `export` wrote: the files, and rows per table."""

    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def export(
    results: str | os.PathLike[str],
    folder: Path,
    *,
    parquet: bool = False,
    warn: Warn | None = None,
) -> Exported:
    """Write the flat tables of a results file into `folder` (created if missing).

    Args:
        results: A results JSONL file (what `summarise batch` writes).
        folder: Where `articles.csv`, `quotes.csv`, `events.csv`, `stances.csv` go (and the
            `.parquet` files with `parquet=True`).
        parquet: Also write Parquet (needs pyarrow: the `parquet` extra).
        warn: Told once about each bad line (skipped).

    Returns:
        The files written and the rows in each table.
    """
    from summariser.export.write import Tables

    first, second = sources(results, warn)
    names = names_of(first)
    folder.mkdir(parents=True, exist_ok=True)
    tables = Tables(folder, parquet)
    try:
        for table, row in rows_of(second, names):
            tables.write(table, row)
        rows = tables.counts()
        files = tables.commit()
    except BaseException:
        tables.abort()
        raise
    return Exported(files, rows)


def tables(
    results: str | os.PathLike[str] | Iterable[Any],
    *,
    pandas: bool | None = None,
    warn: Warn | None = None,
) -> dict[str, Any]:
    """The flat tables of a batch, in memory: {"articles", "quotes", "events", "stances"}.

    Args:
        results: A results JSONL path, or results lines (dicts, JSON strings, BatchLine).
        pandas: DataFrames (True), lists of dicts (False), or DataFrames when pandas is
            installed (None, the default). pandas is never required.
        warn: Told once about each bad line (skipped).

    Returns:
        Each table as a list of row dicts or as a pandas DataFrame with the documented
        columns and nullable dtypes (Int64, Float64, boolean, string).
    """
    if pandas is None:
        try:
            import pandas as _pd  # noqa: F401
        except ImportError:
            pandas = False
        else:
            pandas = True
    first, second = sources(results, warn)
    names = names_of(first)
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    for table, row in rows_of(second, names):
        out[table].append(row)
    if not pandas:
        return dict(out)
    import pandas as pd

    dtypes = {"string": "string", "integer": "Int64", "number": "Float64", "boolean": "boolean"}
    return {
        t: pd.DataFrame.from_records(rows, columns=[c.name for c in TABLES[t]]).astype(
            {c.name: dtypes[c.type] for c in TABLES[t]}
        )
        for t, rows in out.items()
    }
