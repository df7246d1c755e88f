"""The flat tables' contract: every column of `articles`, `quotes`, `events` and `stances`.

The contract is data, `summariser/export/tables.json`: one Frictionless Table Schema per table
(what `summarise schema tables` prints; README.md lists the columns beside the JSON contract).
Each column has a name, a type (string, integer, number, boolean), whether it may be empty,
and a description. A breaking change bumps the file's `version`.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Column:
    """One column: its name, type, whether it may be empty (null / empty cell), what it holds."""

    name: str
    type: str  # string | integer | number | boolean
    description: str
    nullable: bool = False


_SCHEMAS: dict[str, Any] = json.loads(
    resources.files("summariser.export").joinpath("tables.json").read_text(encoding="utf-8")
)
TABLES_VERSION: str = _SCHEMAS["version"]
TABLES: dict[str, tuple[Column, ...]] = {
    name: tuple(
        Column(f["name"], f["type"], f["description"], not f["constraints"]["required"])
        for f in table["fields"]
    )
    for name, table in _SCHEMAS["tables"].items()
}


def table_schemas() -> dict[str, Any]:
    """Every table as a Frictionless Table Schema (what `summarise schema tables` prints)."""
    return copy.deepcopy(_SCHEMAS)
