"""Ways of reaching a model: a registry of providers, and `resolve()`, where a name is read.

A model name is `provider:model` (`local:qwen2.5-coder-1.5b`, `openai:gpt-4o-mini`) or `none`
(no model: what code alone finds). Each provider's module registers a factory and a listing
(`local.py`, `openai_compat.py`, `parser_only.py`, loaded on first use); a backend
declares what it can do in `backend.caps` (parallel slots, key, structured-output mode), so
callers branch on capabilities, never on names.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from summariser.backends.base import Capabilities, ChatBackend, ValidationExhausted
from summariser.errors import ConfigError

DEFAULT_MODEL = "local:qwen2.5-coder-1.5b"

__all__ = [
    "DEFAULT_MODEL",
    "Capabilities",
    "ChatBackend",
    "Provider",
    "ValidationExhausted",
    "available",
    "register",
    "resolve",
]


@dataclass(frozen=True)
class Options:
    """Settings a factory may use; flags already merged with the environment."""

    api_key: str | None = None
    base_url: str | None = None
    max_retries: int | None = None
    parallel: int = 1
    progress: Callable[[int, int], None] | None = None


@dataclass(frozen=True)
class Provider:
    """A registered way to reach models.

    Attributes:
        name: The prefix of model names (`local` in `local:qwen2.5-coder-1.5b`).
        factory: (model id, options) -> backend.
        listing: Rows for `summarise models`: {"model", "installed", "about"}.
        bare: True when the provider's name alone is a model name (`none`).
    """

    name: str
    factory: Callable[[str, Options], ChatBackend]
    listing: Callable[[], list[dict[str, Any]]]
    bare: bool = False


_PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    """Add (or replace) a provider; the registry is read by resolve() and available()."""
    _PROVIDERS[provider.name] = provider


def available() -> list[dict[str, Any]]:
    """Every model name we know, whether it can run here, and which is the default."""
    rows = [row for p in _providers().values() for row in p.listing()]
    return [{**row, "default": row["model"] == DEFAULT_MODEL} for row in rows]


def resolve(
    model: str | None = None,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    max_retries: int | None = None,
    parallel: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> ChatBackend:
    """Turn a model name into a backend. Flags win over environment variables.

    Args:
        model: e.g. "local:qwen2.5-coder-1.5b", "openai:gpt-4o-mini" or "none"; default
            $SUMMARISER_MODEL, else DEFAULT_MODEL.
        api_key: For openai:, default $OPENAI_API_KEY.
        base_url: For openai:, default $OPENAI_BASE_URL (any OpenAI-compatible server).
        max_retries: Re-asks after invalid output (default: 1 local, 2 openai).
        parallel: Requests served at once by an embedded engine (its slots; -j).
        progress: Called with (done, total) bytes while a local model is first assembled.
    """
    name = model or os.environ.get("SUMMARISER_MODEL") or DEFAULT_MODEL
    provider_name, _, model_id = name.partition(":")
    provider = _providers(provider_name).get(provider_name)
    if provider is None:
        raise ConfigError(f"unknown provider {provider_name!r} in {name!r}; try one of: {_known()}")
    if not model_id and not provider.bare:
        raise ConfigError(f"model {name!r} is not provider:model; try one of: {_known()}")
    options = Options(
        api_key=api_key or os.environ.get("OPENAI_API_KEY"),
        base_url=base_url or os.environ.get("OPENAI_BASE_URL"),
        max_retries=max_retries,
        parallel=parallel,
        progress=progress,
    )
    return provider.factory(model_id, options)


#: The built-in providers, by name, and the module that registers each when first imported.
BUILTIN = {
    "local": "summariser.backends.local",
    "openai": "summariser.backends.openai_compat",
    "none": "summariser.backends.parser_only",
}


def _known() -> str:
    return ", ".join(str(r["model"]) for r in available())


def _providers(*names: str) -> dict[str, Provider]:
    """The registry, with the built-in providers `names` (default all) loaded, built-ins first.

    Loading on first use keeps `import summariser.backends` cheap.
    """
    for name in names or tuple(BUILTIN):
        if name in BUILTIN:
            importlib.import_module(BUILTIN[name])
    return {n: _PROVIDERS[n] for n in BUILTIN if n in _PROVIDERS} | _PROVIDERS
