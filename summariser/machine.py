"""What this machine lets a process use (read by the batch runners and the embedded engine)."""

from __future__ import annotations

import os


def cores() -> int:
    """CPU cores this process may use (its affinity mask on Linux, else the CPU count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
