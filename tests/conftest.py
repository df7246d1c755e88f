from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "seeds" / "starmer-harris.txt").read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Models, results and call logs go to a per-session directory, never the user's."""
    monkeypatch.setenv("SUMMARISER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.setenv("SUMMARISER_LOGS_DB", str(tmp_path_factory.getbasetemp() / "logs.db"))
    for var in ("SUMMARISER_MODEL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "SUMMARISER_OPENAI_MODE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SUMMARISER_HTTP_BACKOFF", "0.01")


@pytest.fixture
def seed() -> str:
    return SEED
