"""summariser: news articles to grounded, validated event, stance and quote records.

The public API. Names are imported on first use, so that `import summariser.cli` (and
`summarise --help`) does not pay for pydantic models, instructor and openai.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from summariser.api import asummarise, summarise
    from summariser.backends import ChatBackend
    from summariser.errors import SummariserError
    from summariser.export import tables
    from summariser.schemas import Event, Meta, Quote, Stance, Summary

__all__ = [
    "ChatBackend",
    "Event",
    "Meta",
    "Quote",
    "Stance",
    "Summary",
    "SummariserError",
    "asummarise",
    "summarise",
    "tables",
]
__version__ = "0.1.0"

_HOME = {
    "summarise": "summariser.api",
    "asummarise": "summariser.api",
    "ChatBackend": "summariser.backends",
    "SummariserError": "summariser.errors",
    "Event": "summariser.schemas",
    "Meta": "summariser.schemas",
    "Quote": "summariser.schemas",
    "Stance": "summariser.schemas",
    "Summary": "summariser.schemas",
    "tables": "summariser.export",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        import importlib

        value = getattr(importlib.import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'summariser' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
