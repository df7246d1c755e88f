"""Where summariser keeps files of its own (assembled models, the result cache)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """$SUMMARISER_CACHE_DIR, else the platform's user cache directory for summariser."""
    return Path(os.environ.get("SUMMARISER_CACHE_DIR") or platformdirs.user_cache_dir("summariser"))


def atomic_write(path: Path, text: str) -> None:
    """Write `text` to `path` via a temp file and rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class JsonlAppender:
    """Appends one JSON line at a time, flushed, so a crash leaves only whole lines."""

    def __init__(self, path: Path, fresh: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("w" if fresh else "a", encoding="utf-8")

    def write(self, line: str) -> None:
        self._file.write(line.rstrip("\n") + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()
