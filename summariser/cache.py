"""The on-disk result cache: one JSON file per (model, prompts, schema, settings, article).

Entries are written atomically (temp file + rename); an unreadable entry counts as a miss and is
overwritten. Keys never contain secrets: settings hold no API key.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

from summariser import prompts
from summariser.backends.base import ChatBackend
from summariser.paths import atomic_write, cache_dir
from summariser.schemas import SCHEMA_VERSION, Summary


@functools.cache
@functools.cache
def code_version() -> str:
    """A hash of the package's source: rules and schemas decide results as much as prompts do.

    Taken once per process, at first use: the code this process runs, even if the files on
    disk change while it runs."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


def cache_key(backend: ChatBackend, text: str, steps: Iterable[str]) -> str:
    """A hash of everything that determines a result."""
    ident = {
        "model": backend.name,
        "prompt_version": prompts.version(),
        "code_version": code_version(),
        "schema_version": SCHEMA_VERSION,
        "settings": backend.settings,
        "steps": sorted(steps),
        "article": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
    }
    return hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()


class ResultCache:
    """Summaries on disk under `root` (default: <cache dir>/results)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or cache_dir() / "results"

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Summary | None:
        try:
            return Summary.model_validate_json(self._path(key).read_bytes())
        except (OSError, ValueError, ValidationError):
            return None

    def put(self, key: str, summary: Summary) -> None:
        """Store `summary`; one that cannot be written as JSON (a lone surrogate) is not kept."""
        try:
            data = summary.model_dump_json()
        except PydanticSerializationError:
            return
        atomic_write(self._path(key), data)
