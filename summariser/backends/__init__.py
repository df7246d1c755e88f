"""Ways of reaching a model, and `resolve()`, the one place a `provider:model` name is read."""

from __future__ import annotations

import os
from collections.abc import Callable

from summariser.backends.base import ChatBackend, ValidationExhausted
from summariser.errors import ConfigError

DEFAULT_MODEL = "local:qwen2.5-coder-1.5b"

__all__ = ["DEFAULT_MODEL", "ChatBackend", "ValidationExhausted", "available", "resolve"]


def available() -> list[dict[str, str | bool]]:
    """Every model name we know, whether it can run here, and which is the default."""
    from summariser.backends import local

    rows: list[dict[str, str | bool]] = [
        {
            "model": f"local:{name}",
            "installed": local.is_installed(spec),
            "default": f"local:{name}" == DEFAULT_MODEL,
            "about": spec.about,
        }
        for name, spec in local.MODELS.items()
    ]
    rows.append({
        "model": "openai:<model>",
        "installed": bool(os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL")),
        "default": False,
        "about": "OpenAI, or any OpenAI-compatible server with --base-url (vLLM, Ollama, "
        "llama.cpp server); needs OPENAI_API_KEY for api.openai.com",
    })  # fmt: skip
    return rows


def resolve(
    model: str | None = None,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    max_retries: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ChatBackend:
    """Turn a `provider:model` name into a backend. Flags win over environment variables.

    Args:
        model: e.g. "local:qwen2.5-coder-1.5b" or "openai:gpt-4o-mini"; default
            $SUMMARISER_MODEL, else DEFAULT_MODEL.
        api_key: For openai:, default $OPENAI_API_KEY.
        base_url: For openai:, default $OPENAI_BASE_URL (any OpenAI-compatible server).
        max_retries: Re-asks after invalid output (default: 1 local, 2 openai).
        progress: Called with (done, total) bytes while a local model is first assembled.
    """
    name = model or os.environ.get("SUMMARISER_MODEL") or DEFAULT_MODEL
    provider, _, model_name = name.partition(":")
    known = ", ".join(str(r["model"]) for r in available())
    if not model_name:
        raise ConfigError(f"model {name!r} is not provider:model; try one of: {known}")
    if provider == "local":
        from summariser.backends import local

        retries = 1 if max_retries is None else max_retries
        return local.backend(model_name, max_retries=retries, progress=progress)
    if provider == "openai":
        from summariser.backends import openai_compat

        return openai_compat.backend(
            model_name,
            api_key=api_key or os.environ.get("OPENAI_API_KEY"),
            base_url=base_url or os.environ.get("OPENAI_BASE_URL"),
            max_retries=2 if max_retries is None else max_retries,
        )
    raise ConfigError(f"unknown provider {provider!r} in {name!r}; try one of: {known}")
