"""`none`: no model. Only what the parser and rules find; a step that asks a model is a bug."""

from __future__ import annotations

from typing import Any

from summariser.backends import Options, Provider, register
from summariser.backends.base import Capabilities, ChatBackend
from summariser.errors import ConfigError


def _factory(model_id: str, o: Options) -> ChatBackend:
    def refuse(**_: Any) -> Any:
        raise ConfigError("the parser-only backend ('none') cannot answer model questions")

    return ChatBackend(
        "none",
        refuse,
        max_retries=0,
        max_article_chars=60_000,
        caps=Capabilities("none", "", parallel=0, structured_output="none"),
    )


def _listing() -> list[dict[str, Any]]:
    return [{
        "model": "none",
        "installed": True,
        "about": "no model: only what the parser and rules find (fast baseline, no key)",
    }]  # fmt: skip


register(Provider("none", _factory, _listing, bare=True))
