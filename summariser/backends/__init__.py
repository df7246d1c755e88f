"""Ways of reaching a model: a registry of providers, and `resolve()`, where a name is read.

A model name is `provider:model` (`local:qwen2.5-coder-1.5b`, `openai:gpt-4o-mini`) or `none`
(no model: what code alone finds). Each provider registers a factory and a listing; a backend
declares what it can do in `backend.caps` (parallel slots, key, structured-output mode), so
callers branch on capabilities, never on names.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
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
    rows = [row for p in _PROVIDERS.values() for row in p.listing()]
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
    known = ", ".join(str(r["model"]) for r in available())
    provider = _PROVIDERS.get(provider_name)
    if provider is None:
        raise ConfigError(f"unknown provider {provider_name!r} in {name!r}; try one of: {known}")
    if not model_id and not provider.bare:
        raise ConfigError(f"model {name!r} is not provider:model; try one of: {known}")
    options = Options(
        api_key=api_key or os.environ.get("OPENAI_API_KEY"),
        base_url=base_url or os.environ.get("OPENAI_BASE_URL"),
        max_retries=max_retries,
        parallel=parallel,
        progress=progress,
    )
    return provider.factory(model_id, options)


# --- the providers --------------------------------------------------------------------------


def _local(model_id: str, o: Options) -> ChatBackend:
    from summariser.backends import local

    retries = 1 if o.max_retries is None else o.max_retries
    return local.backend(model_id, max_retries=retries, progress=o.progress, parallel=o.parallel)


def _local_listing() -> list[dict[str, Any]]:
    from summariser.backends import local

    return [
        {"model": f"local:{n}", "installed": local.is_installed(s), "about": s.about}
        for n, s in local.MODELS.items()
    ]


def _openai(model_id: str, o: Options) -> ChatBackend:
    from summariser.backends import openai_compat

    retries = 2 if o.max_retries is None else o.max_retries
    b = openai_compat.backend(model_id, api_key=o.api_key, base_url=o.base_url, max_retries=retries)
    b.caps = replace(b.caps, needs_key=not o.base_url)
    b.secrets = tuple(x for x in (*b.secrets, o.api_key) if x)
    return b


def _openai_listing() -> list[dict[str, Any]]:
    return [{
        "model": "openai:<model>",
        "installed": bool(os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL")),
        "about": "OpenAI, or any OpenAI-compatible server with --base-url (vLLM, Ollama, "
        "llama.cpp server); needs OPENAI_API_KEY for api.openai.com",
    }]  # fmt: skip


def _none(model_id: str, o: Options) -> ChatBackend:
    def refuse(**_: Any) -> Any:
        raise ConfigError("the parser-only backend ('none') cannot answer model questions")

    return ChatBackend(
        "none",
        refuse,
        max_retries=0,
        max_article_chars=60_000,
        caps=Capabilities("none", "", parallel=0, structured_output="none"),
    )


def _none_listing() -> list[dict[str, Any]]:
    return [{
        "model": "none",
        "installed": True,
        "about": "no model: only what the parser and rules find (fast baseline, no key)",
    }]  # fmt: skip


register(Provider("local", _local, _local_listing))
register(Provider("openai", _openai, _openai_listing))
register(Provider("none", _none, _none_listing, bare=True))
