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
    """Summaries on disk under `root` (default: <cache dir>/results).

    A cache that cannot be written never costs a result: `put` then keeps nothing and records
    why in `broken` (call `check()` first to find out before any model call).
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or cache_dir() / "results"
        self.broken: str | None = None

    def check(self) -> str | None:
        """Create the cache folder and write a probe file in it: None if usable, else why not
        (one line naming the folder and the reason)."""
        probe = self.root / ".probe"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            atomic_write(probe, "ok")
            probe.unlink()
        except OSError as e:
            self.broken = f"cannot use the cache folder {self.root}: {e.strerror or e}"
        return self.broken

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
        try:
            atomic_write(self._path(key), data)
        except OSError as e:  # full, read-only, not a folder: the result is still returned
            self.broken = f"cannot use the cache folder {self.root}: {e.strerror or e}"
