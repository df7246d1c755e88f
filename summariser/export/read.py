"""Reading a results file line by line: each good line a `Result`, each bad one reported once.

A results file is what `summarise batch` writes (or an eval's predictions.jsonl): one JSON
object per line with the article's `id` and its `summary` or `error`. A truncated line (a
batch killed mid-write, a copy cut short) or a foreign one (JSON that is not a results line)
is named through `warn` and skipped; nothing else stops the reading.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from summariser.schemas import Summary


class _Line(BaseModel):
    """The part of a results line we read; other keys are ignored."""

    model_config = ConfigDict(extra="ignore")

    id: str | int | float | bool | None
    line: int | None = None
    summary: Summary | None = None
    error: dict[str, Any] | str | None = None
    extra: dict[str, Any] | None = None


@dataclass
class Result:
    """One article of a results file.

    Attributes:
        result_line: Its line number in the results file (1-based): the key joining the tables.
        id: The article's id as the batch wrote it (JSON type kept; None for an unreadable input).
        label: The id as people name it: the id as text, or "line:N" for an input line with none.
        summary: The records, or None when the article failed.
        error_type: The error's type when it failed ("BackendError", ...).
        error: The error message when it failed.
        extra: The input line's other fields (title, date, ...), if any.
    """

    result_line: int
    id: str | int | float | bool | None
    label: str
    summary: Summary | None = None
    error_type: str | None = None
    error: str | None = None
    extra: dict[str, Any] | None = None


def label(art_id: object, line: object = None) -> str:
    """An article as people name it: its id as text, or "line:N" (an input line without id)."""
    return str(art_id) if art_id is not None else f"line:{line}"


def to_result(n: int, value: str | bytes | dict[str, Any]) -> Result:
    """Line `n` of a results file as a `Result`; ValueError (saying why) when it is not one."""
    try:
        if isinstance(value, dict):
            parsed = _Line.model_validate(value)
        else:
            parsed = _Line.model_validate_json(value)
    except ValidationError as e:
        first = e.errors()[0]
        if first["type"] == "json_invalid":
            raise ValueError("not JSON (a truncated line?)") from None
        if first["type"] == "model_type" and not first["loc"]:
            raise ValueError("not a JSON object: not a results line") from None
        where = ".".join(str(x) for x in first["loc"]) or "the line"
        raise ValueError(f"not a results line ({where}: {first['msg'].lower()})") from None
    error_type = message = None
    if parsed.summary is None:
        err = parsed.error
        error_type = err.get("type") if isinstance(err, dict) else None
        message = err.get("message") if isinstance(err, dict) else err
        message = str(message) if message else "no summary"
    return Result(
        result_line=n,
        id=parsed.id,
        label=label(parsed.id, parsed.line),
        summary=parsed.summary,
        error_type=str(error_type) if error_type else None,
        error=message,
        extra=parsed.extra,
    )


def read_results(
    path: Path, warn: Callable[[str], None] | None = None, until: int | None = None
) -> Iterator[Result]:
    """The results in `path`, streamed; bad lines are named through `warn` and skipped.

    Args:
        path: A results JSONL file.
        warn: Called once per bad line with one line saying which and why.
        until: Read only the first `until` bytes (a second pass reads what the first read,
            even if a running batch appended since).
    """
    with path.open("rb") as f:
        read = 0
        for n, raw in enumerate(f, 1):
            read += len(raw)
            if until is not None and read > until:
                return
            if not raw.strip():
                continue
            try:
                yield to_result(n, raw)
            except ValueError as e:
                if warn is not None:
                    warn(f"{path.name} line {n}: {e}: skipped")


def results_of(values: Iterable[Any], warn: Callable[[str], None] | None = None) -> list[Result]:
    """Results from Python values: dicts, JSON strings, BatchLine-like models or `Result`s."""
    out = []
    for n, value in enumerate(values, 1):
        if isinstance(value, Result):
            out.append(value)
            continue
        if isinstance(value, BaseModel):
            value = json.loads(value.model_dump_json())
        try:
            out.append(to_result(n, value))
        except ValueError as e:
            if warn is not None:
                warn(f"item {n}: {e}: skipped")
    return out
