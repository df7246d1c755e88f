"""Where summariser keeps files of its own (assembled models, the result cache)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    """$SUMMARISER_CACHE_DIR, else the platform's user cache directory for summariser."""
    return Path(os.environ.get("SUMMARISER_CACHE_DIR") or platformdirs.user_cache_dir("summariser"))
