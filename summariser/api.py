"""The Python entry point: summarise(text) -> Summary, with backend resolution and caching."""

from __future__ import annotations

from collections.abc import Iterable

from summariser.backends import ChatBackend, resolve
from summariser.cache import ResultCache, cache_key
from summariser.pipeline import STEPS, check_text, extract
from summariser.schemas import Summary


def summarise(
    text: str,
    model: str | None = None,
    *,
    backend: ChatBackend | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    steps: Iterable[str] = STEPS,
    cache: ResultCache | bool = True,
) -> Summary:
    """Extract grounded events, stances and quotes from an article.

    Args:
        text: The article as plain text; record offsets index into it.
        model: "provider:model", e.g. "local:qwen2.5-coder-1.5b" (the default, embedded) or
            "openai:gpt-4o-mini". Ignored when `backend` is given.
        backend: An already-resolved backend (reuse one across many articles).
        api_key: For openai: models (default $OPENAI_API_KEY).
        base_url: Any OpenAI-compatible server (default $OPENAI_BASE_URL).
        steps: Which record types to extract: any of "quotes", "events", "stances".
        cache: True for the default on-disk cache, False for none, or a ResultCache.

    Returns:
        A Summary; `meta.cached` tells whether it came from the cache.

    Raises:
        SummariserError: bad input (InputError), settings (ConfigError), transport
            (BackendError).
    """
    check_text(text)
    steps = tuple(steps)
    backend = backend or resolve(model, api_key=api_key, base_url=base_url)
    store = ResultCache() if cache is True else cache or None
    key = cache_key(backend, text, steps) if store else ""
    if store and (hit := store.get(key)):
        hit.meta.cached = True
        return hit
    summary = extract(text, backend, steps)
    if store and not summary.meta.failures:
        store.put(key, summary)
    return summary
