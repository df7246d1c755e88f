"""The flat tables' contract: every column of `articles`, `quotes`, `events` and `stances`.

Each column has a name, a type (string, integer, number, boolean), whether it may be empty,
and a description; `summarise schema tables` prints them as Frictionless Table Schemas and
README.md lists them beside the JSON contract. A breaking change bumps `TABLES_VERSION`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TABLES_VERSION = "1"


@dataclass(frozen=True)
class Column:
    """One column: its name, type, whether it may be empty (null / empty cell), what it holds."""

    name: str
    type: str  # string | integer | number | boolean
    description: str
    nullable: bool = False


def _c(name: str, type_: str, description: str, nullable: bool = False) -> Column:
    return Column(name, type_, description, nullable)


_KEY = (
    _c("result_line", "integer", "Line number in the results file: the key joining the tables"),
    _c("article_id", "string", "The article's id as text (`line:N` for an input line without id)"),
)
_RECORD = (*_KEY, _c("n", "integer", "The record's number within its article (1-based)"))


def _name(role: str) -> tuple[Column, ...]:
    return (
        _c(role, "string", f"The {role} as the record gives it"),
        _c(
            f"{role}_canonical",
            "string",
            f"The {role}'s name as the batch most often writes it"
            " (one per person across articles; empty for no one)",
        ),  # fmt: skip
        _c(
            f"{role}_key",
            "string",
            f"The {role}'s canonical key: folded identifying words, "
            "e.g. `keir starmer` (empty for no one)",
        ),  # fmt: skip
    )


_OFFSETS = (
    _c("start", "integer", "Offset of the first character in the article (code points)"),
    _c("end", "integer", "Offset just past the last character"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "articles": (
        *_KEY,
        _c("title", "string", "The input's `title` (or `headline`) field, if it had one", True),
        _c("status", "string", "`ok` (a summary) or `error` (the article failed)"),
        _c("error_type", "string", "The error's type when it failed (`BackendError`, ...)", True),
        _c("error", "string", "The error message when it failed", True),
        _c("model", "string", "meta.model", True),
        _c("prompt_version", "string", "meta.prompt_version", True),
        _c("schema_version", "string", "meta.schema_version", True),
        _c("steps", "string", "Record types extracted, comma-separated (meta.steps)", True),
        _c("quotes", "integer", "Number of quotes (rows in `quotes`)"),
        _c("events", "integer", "Number of events (rows in `events`)"),
        _c("stances", "integer", "Number of stances (rows in `stances`)"),
        _c("failures", "string", "Steps whose answer was unusable, comma-separated", True),
        _c("dropped", "integer", "Proposals dropped by grounding (sum of meta.dropped)"),
        _c("cached", "boolean", "Served from the result cache", True),
        _c("chunks", "integer", "Parts the article was split into", True),
        _c("seconds", "number", "meta.timings.total", True),
        _c("timings", "string", "meta.timings as JSON (seconds per step)", True),
        _c("prompt_tokens", "integer", "meta.usage.prompt_tokens", True),
        _c("completion_tokens", "integer", "meta.usage.completion_tokens", True),
        _c("calls", "integer", "meta.usage.calls (model calls, re-asks included)", True),
        _c("cached_tokens", "integer", "meta.usage.cached_tokens", True),
    ),
    "quotes": (
        *_RECORD,
        *_name("speaker"),
        _c("kind", "string", "`direct` or `indirect`"),
        _c("cue", "string", "The reporting verb, e.g. `said`", True),
        _c("text", "string", "The quoted words (pieces joined by one space)"),
        *_OFFSETS,
        _c("spans", "string", "Every [start, end) piece as JSON, e.g. `[[10, 42], [55, 80]]`"),
    ),
    "events": (
        *_RECORD,
        *_name("actor"),
        _c("action", "string", "What they did, a short verb phrase"),
        _c("target", "string", "Who or what it is done to", True),
        _c("when", "string", "When, as written in the article", True),
        _c("where", "string", "Where, as written in the article", True),
        _c("evidence", "string", "The sentence that states the event, verbatim"),
        *_OFFSETS,
    ),
    "stances": (
        *_RECORD,
        *_name("holder"),
        _c("target", "string", "What the position is about"),
        _c("polarity", "string", "`support`, `oppose`, `neutral` or `mixed`"),
        _c("evidence", "string", "The sentence that shows it, verbatim"),
        *_OFFSETS,
    ),
}


def table_schemas() -> dict[str, Any]:
    """Every table as a Frictionless Table Schema (what `summarise schema tables` prints)."""
    return {
        "version": TABLES_VERSION,
        "tables": {
            name: {
                "fields": [
                    {
                        "name": c.name,
                        "type": c.type,
                        "description": c.description,
                        "constraints": {"required": not c.nullable},
                    }
                    for c in cols
                ],  # fmt: skip
                "primaryKey": ["result_line"] if name == "articles" else ["result_line", "n"],
            }
            for name, cols in TABLES.items()
        },
    }
