"""Writing the flat tables: CSV always, Parquet with pyarrow (`pip install "summariser[parquet]"`).

Rows are streamed into each table as they come (Parquet in row groups of `GROUP` rows), to a
temporary name in the output folder; only when every table is complete are they moved to their
names, so a crash or a bad disk never leaves half a table under a table's name.
"""

from __future__ import annotations

import contextlib
import csv
import os
from pathlib import Path
from typing import Any, Protocol

from summariser.errors import ConfigError
from summariser.export.columns import TABLES, Column

GROUP = 20_000  # rows per Parquet row group


def parquet_available() -> bool:
    """True when pyarrow (the `parquet` extra) is installed."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


class TableWriter(Protocol):
    path: Path
    rows: int

    def write(self, row: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class CsvTable:
    """One CSV file (UTF-8, header row, RFC 4180 quoting; empty cell = null)."""

    def __init__(self, path: Path, columns: tuple[Column, ...]) -> None:
        self.path, self.rows = path, 0
        self._names = [c.name for c in columns]
        self._file = path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file)
        self._csv.writerow(self._names)

    def write(self, row: dict[str, Any]) -> None:
        self._csv.writerow([_cell(row[n]) for n in self._names])
        self.rows += 1

    def close(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()


_ARROW = {"string": "string", "integer": "int64", "number": "float64", "boolean": "bool_"}


class ParquetTable:
    """One Parquet file, written a row group at a time with the documented column types."""

    def __init__(self, path: Path, columns: tuple[Column, ...]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path, self.rows = path, 0
        self._pa = pa
        self._schema = pa.schema(
            [
                pa.field(c.name, getattr(pa, _ARROW[c.type])(), nullable=c.nullable)
                for c in columns
            ]  # fmt: skip
        )
        self._names = [c.name for c in columns]
        self._buffer: dict[str, list[Any]] = {n: [] for n in self._names}
        self._writer = pq.ParquetWriter(str(path), self._schema, compression="zstd")

    def write(self, row: dict[str, Any]) -> None:
        for n in self._names:
            self._buffer[n].append(row[n])
        self.rows += 1
        if len(self._buffer[self._names[0]]) >= GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._buffer[self._names[0]]:
            self._writer.write_batch(
                self._pa.RecordBatch.from_pydict(self._buffer, schema=self._schema)
            )
            self._buffer = {n: [] for n in self._names}

    def close(self) -> None:
        self._flush()
        self._writer.close()


class Tables:
    """Every table in every format, under temporary names until `commit` moves them in place."""

    def __init__(self, folder: Path, parquet: bool) -> None:
        if parquet and not parquet_available():
            raise ConfigError(
                'Parquet needs pyarrow: pip install "summariser[parquet]" (or leave out --parquet)'
            )
        self.folder = folder
        self.writers: dict[str, list[TableWriter]] = {}
        self._done: list[tuple[Path, Path]] = []
        tag = f".tmp-{os.getpid()}"
        try:
            for name, cols in TABLES.items():
                ws: list[TableWriter] = []
                self.writers[name] = ws
                ws.append(CsvTable(folder / f".{name}.csv{tag}", cols))
                if parquet:
                    ws.append(ParquetTable(folder / f".{name}.parquet{tag}", cols))
        except BaseException:
            self.abort()
            raise

    def write(self, table: str, row: dict[str, Any]) -> None:
        for w in self.writers[table]:
            w.write(row)

    def counts(self) -> dict[str, int]:
        """Rows written per table."""
        return {name: ws[0].rows for name, ws in self.writers.items()}

    def commit(self) -> list[Path]:
        """Close every table, then move each to its name; returns the final paths."""
        final = []
        for ws in self.writers.values():
            for w in ws:
                w.close()
        for ws in self.writers.values():
            for w in ws:
                name = w.path.name[1:].rsplit(".tmp-", 1)[0]
                os.replace(w.path, self.folder / name)
                final.append(self.folder / name)
        self.writers = {}
        return final

    def abort(self) -> None:
        """Remove every temporary file (after an error): no table is left half written."""
        for ws in self.writers.values():
            for w in ws:
                with contextlib.suppress(Exception):
                    w.close()
                with contextlib.suppress(OSError):
                    w.path.unlink()
        self.writers = {}
