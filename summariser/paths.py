"""Where summariser keeps files of its own (assembled models, the result cache)."""

from __future__ import annotations

import contextlib
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
    """Appends one JSON line at a time, written through at once, so a crash leaves only whole
    lines; a write that fails part-way (disk full) is cut back off before the error is raised.
    """

    def __init__(self, path: Path, fresh: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("wb" if fresh else "ab", buffering=0)

    def write(self, line: str) -> None:
        """Append `line` and a newline.

        Raises:
            OSError: the write failed (the file is left as it was before the call).
        """
        # a lone surrogate (invalid Unicode) becomes its JSON escape: the line stays valid JSON
        data = (line.rstrip("\n") + "\n").encode("utf-8", "backslashreplace")
        start = self._file.seek(0, os.SEEK_END)
        try:
            view = memoryview(data)
            while view:
                written = self._file.write(view)
                view = view[written or 0 :]
        except OSError:
            with contextlib.suppress(OSError):
                self._file.truncate(start)
            raise

    def close(self) -> None:
        self._file.close()
