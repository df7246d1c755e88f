"""The Python entry points: summarise(text) -> Summary and its async twin, with caching."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, ParamSpec

from summariser.backends import ChatBackend, resolve
from summariser.cache import ResultCache, cache_key
from summariser.errors import BackendError, ConfigError, redact
from summariser.inputs import check_text
from summariser.pipeline import extract
from summariser.schemas import Summary
from summariser.steps import STEPS, chosen

P = ParamSpec("P")


def summarise(
    text: str,
    model: str | None = None,
    *,
    client: Any = None,
    backend: ChatBackend | None = None,
    api_key: str | None = None,
    base_url: str | None = None,
    steps: Iterable[str] = STEPS,
    cache: ResultCache | bool = True,
) -> Summary:
    """Extract grounded events, stances and quotes from an article.

    Args:
        text: The article as plain text (English); record offsets index into it.
        model: "provider:model", e.g. "local:qwen2.5-coder-1.5b" (the default, embedded) or
            "openai:gpt-4o-mini". With `client`, the model name on that client's server
            ("gpt-4o-mini" or "openai:gpt-4o-mini"). Ignored when `backend` is given.
        client: An `openai.OpenAI` client (or an instructor client wrapping one): requests go
            through it, with its key, base URL, headers and retries.
        backend: An already-resolved backend (reuse one across many articles).
        api_key: For openai: models (default $OPENAI_API_KEY).
        base_url: Any OpenAI-compatible server (default $OPENAI_BASE_URL).
        steps: Which record types to extract: a list of "quotes", "events", "stances".
        cache: True (default) reads and writes the on-disk result cache: one JSON file per
            article, model and settings in $SUMMARISER_CACHE_DIR, else the platform's user
            cache directory (`summariser.paths.cache_dir()`), which also holds the assembled
            local model. False reads and writes nothing; or pass a ResultCache. Nothing is
            logged: call logs are kept by the `summarise` command only.

    Returns:
        A Summary; `meta.cached` tells whether it came from the cache.

    Raises:
        TypeError: `steps` is a string (give a list: ["quotes"]).
        ValueError: an unknown step name.
        SummariserError: bad input (InputError), settings (ConfigError), transport
            (BackendError).
    """
    wanted = chosen(steps)
    check_text(text)
    if backend is None:
        backend = from_client(client, model) if client is not None else None
    backend = backend or resolve(model, api_key=api_key, base_url=base_url)
    store = ResultCache() if cache is True else cache or None
    key = cache_key(backend, text, wanted) if store else ""
    if store and (hit := store.get(key)):
        hit.meta.cached = True
        return hit
    summary = extract(text, backend, wanted)
    if store and not summary.meta.failures:
        store.put(key, summary)
    return summary


def _same_arguments(
    sync: Callable[P, Summary],
) -> Callable[[Callable[..., Awaitable[Summary]]], Callable[P, Awaitable[Summary]]]:
    """Gives the decorated coroutine function `sync`'s signature, for type checkers and help()."""

    def give(f: Callable[..., Awaitable[Summary]]) -> Callable[P, Awaitable[Summary]]:
        f.__signature__ = inspect.signature(sync)  # type: ignore[attr-defined]
        return f

    return give


@_same_arguments(summarise)
async def asummarise(text: str, model: str | None = None, **options: Any) -> Summary:
    """`summarise()` for async callers: the same arguments, result and cache.

    The work runs in a worker thread, so the event loop stays free. `client` may also be an
    `openai.AsyncOpenAI` (or an async instructor client): its key, base URL, headers and
    timeout are used through a synchronous twin of it in that thread.
    """
    options["steps"] = chosen(options.get("steps", STEPS))
    client = options.pop("client", None)
    if options.get("backend") is None and client is not None:
        options["backend"] = from_client(_sync_twin(client), model)
    return await asyncio.to_thread(summarise, text, model, **options)


def _unwrap(client: Any) -> Any:
    """The openai client inside an instructor client (or the client itself)."""
    inner = getattr(client, "client", None)
    return inner if inner is not None and hasattr(inner, "chat") else client


def _sync_twin(client: Any) -> Any:
    """An `openai.OpenAI` with the settings of an `AsyncOpenAI` (a sync client: as it is)."""
    import openai

    client = _unwrap(client)
    if not isinstance(client, openai.AsyncOpenAI):
        return client
    return openai.OpenAI(
        api_key=client.api_key, organization=client.organization, project=client.project,
        base_url=client.base_url, timeout=client.timeout, max_retries=client.max_retries,
        default_headers=client._custom_headers, default_query=client._custom_query,
    )  # fmt: skip


def from_client(client: Any, model: str | None) -> ChatBackend:
    """A backend whose requests go through an existing `openai.OpenAI` (or instructor) client.

    Raises:
        ConfigError: not an openai client, an async one (use asummarise), or no model name.
    """
    import openai

    from summariser.backends import openai_compat

    client = _unwrap(client)
    if isinstance(client, openai.AsyncOpenAI):
        raise ConfigError("an AsyncOpenAI client needs `await asummarise(...)`")
    if not isinstance(client, openai.OpenAI):
        raise ConfigError(
            f"client must be an openai.OpenAI or instructor client, not {type(client).__name__}"
        )
    if not model:
        raise ConfigError("with client=, give the model name too, e.g. model='gpt-4o-mini'")
    name = model.removeprefix("openai:")
    key = client.api_key
    config = openai_compat.settings(name, api_key=key, base_url=str(client.base_url))
    where = str(client.base_url)

    def create(**kwargs: Any) -> Any:
        try:
            return client.chat.completions.create(model=name, **kwargs)
        except openai.OpenAIError as e:
            message = redact(str(e), key)
            raise BackendError(f"{where}: {type(e).__name__}: {message}") from None

    return openai_compat.chat_backend(config, create, own_transport=False)
