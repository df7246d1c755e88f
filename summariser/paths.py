"""Where summariser keeps files of its own (assembled models, the result cache)."""

from __future__ import annotations

import contextlib
import fcntl
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


class OutputLock:
    """An exclusive lock on an output file for as long as one process writes it.

    `flock` on a hidden file beside it (`.NAME.lock`, left in place: removing it would let two
    processes lock two different files); the holder writes its pid there, so a second process
    can say who holds it. The kernel drops the lock when the holder exits, even on kill -9.
    (The `filelock` package truncates the lock file on every attempt, so it cannot carry the
    holder's pid; the lock itself is the same `flock`.)

    Raises:
        OutputBusy: another process holds it (its pid in the message).
        OSError: the lock file cannot be created.
    """

    def __init__(self, path: Path) -> None:
        self.path = path.parent / f".{path.name}.lock"
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode("ascii", "replace").strip()
            os.close(fd)
            raise OutputBusy(path, holder if holder.isdigit() else None) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd: int | None = fd

    def release(self) -> None:
        """Give the lock up (also done by the kernel when the process ends)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None


class OutputBusy(Exception):
    """Another process holds the lock on `path`; `pid` is its process id when recorded."""

    def __init__(self, path: Path, pid: str | None) -> None:
        super().__init__(path, pid)
        self.path = path
        self.pid = pid
