"""OpenAI, or any OpenAI-compatible server (vLLM, Ollama, llama.cpp server), over HTTP.

Transport faults (connection errors, timeouts, 429, 5xx, a 200 that is not a JSON chat
completion) are retried here with tenacity and capped exponential backoff that honours
Retry-After; the openai client's own retries are off, and instructor only re-asks on invalid
output, so each fault is retried in exactly one layer. Each attempt has one overall deadline
($SUMMARISER_HTTP_TIMEOUT): a server that trickles its answer cannot hold a request open longer.

`sync_create()` is the synchronous transport (threads); `AsyncTransport` is the same transport on
asyncio (`summariser.batch.aio`), with the same settings, retries and errors.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import httpx2
import instructor
import openai
from openai.types.chat import ChatCompletion
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from summariser.backends import Options, Provider, register
from summariser.backends.base import Capabilities, ChatBackend
from summariser.errors import BackendError, ConfigError, clean_url, redact

MODES = {"tools": instructor.Mode.TOOLS, "json_schema": instructor.Mode.JSON_SCHEMA}
BACKOFF_CAP = 30.0


@dataclass(frozen=True)
class HttpSettings:
    """Everything that decides how we talk to one OpenAI-compatible server, checked once.

    Attributes:
        model: The model name the server knows (without "openai:").
        base_url: The server's /v1 URL, or None for api.openai.com.
        api_key: The key (never printed: excluded from repr).
        mode: "tools" or "json_schema" (how the schema is sent).
        max_retries: instructor re-asks after invalid output.
        attempts: Transport attempts per request.
        backoff: First backoff in seconds (full jitter, doubling, capped at 30 s).
        timeout: Seconds one attempt may take, from connecting to the last byte of the body.
    """

    model: str
    base_url: str | None
    api_key: str | None = field(repr=False)
    mode: str = "tools"
    max_retries: int = 2
    attempts: int = 5
    backoff: float = 1.0
    timeout: float = 120.0

    @property
    def where(self) -> str:
        """The server as messages name it."""
        return clean_url(self.base_url) if self.base_url else "api.openai.com"


def settings(
    model: str,
    *,
    api_key: str | None,
    base_url: str | None,
    max_retries: int = 2,
    attempts: int | None = None,
    backoff: float | None = None,
    timeout: float | None = None,
) -> HttpSettings:
    """Check the arguments and $SUMMARISER_* variables once; bad values are ConfigErrors.

    Args:
        attempts: Transport attempts per request (default $SUMMARISER_HTTP_ATTEMPTS or 5).
        backoff: First backoff in seconds (default $SUMMARISER_HTTP_BACKOFF or 1.0).
        timeout: Seconds per attempt, whole request (default $SUMMARISER_HTTP_TIMEOUT or 120).
    """
    if not api_key and not base_url:
        raise ConfigError("No API key: set OPENAI_API_KEY or pass --api-key")
    mode = os.environ.get("SUMMARISER_OPENAI_MODE", "tools")
    if mode not in MODES:
        raise ConfigError(f"SUMMARISER_OPENAI_MODE must be one of {', '.join(MODES)}")
    if base_url is not None:
        _check_url(base_url)
    if attempts is None:
        attempts = int(_env_number("SUMMARISER_HTTP_ATTEMPTS", "5", whole=True, low=1))
    if backoff is None:
        backoff = _env_number("SUMMARISER_HTTP_BACKOFF", "1", low=0)
    if timeout is None:
        timeout = _env_number("SUMMARISER_HTTP_TIMEOUT", "120", low=0, open_low=True)
    return HttpSettings(model, base_url, api_key, mode, max_retries, attempts, backoff, timeout)


def _env_number(name: str, default: str, *, low: float, open_low: bool = False,
                whole: bool = False) -> float:  # fmt: skip
    raw = os.environ.get(name, "").strip() or default
    kind = "a whole number" if whole else "a number of seconds"
    bound = f"> {low:g}" if open_low else f">= {low:g}"
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < low or (open_low and value == low):
        raise ConfigError(f"{name}={raw!r} is not valid: give {kind} {bound}, e.g. {default}")
    return value


def _check_url(url: str) -> None:
    hint = "give the server's address, e.g. --base-url http://127.0.0.1:8000/v1"
    shown = clean_url(url)
    try:
        parsed = httpx2.URL(url)
    except (httpx2.InvalidURL, ValueError, TypeError) as e:
        why = redact(str(e))
        raise ConfigError(f"--base-url {shown!r} is not a valid URL ({why}): {hint}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigError(f"--base-url {shown!r} is not an http(s) URL with a host: {hint}")


def chat_backend(
    config: HttpSettings, create: Callable[..., Any], *, own_transport: bool = True
) -> ChatBackend:
    """The ChatBackend for `config` with the transport `create` (sync here; a bridge in aio).

    `own_transport` False: `create` is the caller's own client, so nothing may reach the
    server around it (no `http_settings`, `caps.http` False: a batch runs it on threads).
    """
    b = ChatBackend(
        f"openai:{config.model}",
        create,
        mode=MODES[config.mode],
        max_retries=config.max_retries,
        max_article_chars=60_000,
        settings={
            "temperature": 0.0,
            "seed": 0,
            "base_url": config.base_url or "",
            "mode": config.mode,
        },  # fmt: skip
        request={"temperature": 0.0, "seed": 0},
        caps=Capabilities(
            "openai",
            config.model,
            parallel=0,
            needs_key=config.base_url is None,
            structured_output="tools" if config.mode == "tools" else "json_schema",
            embedded=False,
            http=own_transport,
        ),
        secrets=(config.api_key,) if config.api_key else (),
    )
    if own_transport:
        b.http = config  # type: ignore[attr-defined]  # read by summariser.batch.aio
    return b


def http_settings(b: ChatBackend) -> HttpSettings | None:
    """The HTTP settings behind a backend made here, else None (local, fake, none)."""
    config = getattr(b, "http", None)
    return config if isinstance(config, HttpSettings) else None


# --- the transport ------------------------------------------------------------------------


class _NotJson(Exception):
    """A 200 whose body is not a JSON chat completion (a proxy's error page, a wrong --base-url)."""


class _Deadline(Exception):
    """An attempt ran past its overall deadline (async path)."""


def _transient(e: BaseException) -> bool:
    if isinstance(e, (openai.APIConnectionError, _NotJson, _Deadline)):  # includes timeouts
        return True
    if isinstance(e, openai.APIStatusError):
        return e.status_code in (408, 409, 429) or e.status_code >= 500
    return False


def _retry_after(e: BaseException | None) -> float | None:
    if isinstance(e, openai.APIStatusError):
        value = e.response.headers.get("retry-after")
        try:
            hinted = float(value) if value is not None else None
        except ValueError:
            return None
        return max(0.0, hinted) if hinted is not None and math.isfinite(hinted) else None
    return None


class _Wait:
    """Retry-After when the server sends one (capped), else full-jitter exponential backoff."""

    def __init__(self, initial: float, cap: float) -> None:
        self.cap = cap
        self.backoff = wait_random_exponential(multiplier=initial, max=cap)

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = _retry_after(exc)
        return min(hinted, self.cap) if hinted is not None else self.backoff(state)


def _retry_policy(config: HttpSettings) -> dict[str, Any]:
    return {
        "retry": retry_if_exception(_transient),
        "stop": stop_after_attempt(config.attempts),
        "wait": _Wait(config.backoff, BACKOFF_CAP),
        "reraise": True,
    }


def _checked(result: Any) -> Any:
    # openai returns the body as a str when a 200 is not JSON (text/html error pages):
    # that is a transport fault, never an answer to re-ask
    if not isinstance(result, ChatCompletion):
        raise _NotJson(type(result).__name__)
    return result


def _backend_error(e: BaseException, config: HttpSettings) -> BackendError:
    """The one-line BackendError for a transport failure (keys redacted)."""
    where = config.where
    if isinstance(e, openai.APIStatusError):
        hint = {
            401: "check OPENAI_API_KEY / --api-key",
            403: "check the key's permissions",
            404: "check the model name and --base-url",
            429: "slow down (--concurrency) or wait",
        }.get(e.status_code, "see the server's log")
        message = f"{where} answered HTTP {e.status_code}: {_brief(e)}; {hint}"
    elif isinstance(e, _Deadline):
        message = (
            f"{where} sent no complete answer within {config.timeout:g} s "
            "(APITimeoutError): check the server or raise SUMMARISER_HTTP_TIMEOUT"
        )
    elif isinstance(e, openai.APIConnectionError):
        message = (f"cannot reach {where} ({type(e).__name__}): check --base-url and "
                   "that the server is running")  # fmt: skip
    else:  # APIResponseValidationError, _NotJson, JSONDecodeError
        message = (f"{where} sent a malformed response (not an OpenAI chat completion): check "
                   "that --base-url points at an OpenAI-compatible API")  # fmt: skip
    return BackendError(redact(message, config.api_key))


_FAILURES = (openai.APIError, _NotJson, _Deadline, json.JSONDecodeError)


def sync_create(config: HttpSettings) -> Callable[..., ChatCompletion]:
    """A thread-safe `create(**kwargs) -> ChatCompletion` with retries and a deadline."""
    client = openai.OpenAI(
        api_key=config.api_key or "no-key",  # local servers accept any key
        base_url=config.base_url,
        max_retries=0,
        timeout=config.timeout,
        http_client=httpx2.Client(
            transport=_DeadlineTransport(httpx2.HTTPTransport(), config.timeout),
            limits=httpx2.Limits(max_connections=1000, max_keepalive_connections=256),
            timeout=config.timeout,
        ),
    )

    def call(**kwargs: Any) -> ChatCompletion:
        try:
            return _checked(client.chat.completions.create(model=config.model, **kwargs))
        except json.JSONDecodeError as e:
            raise _NotJson(str(e)) from None

    def create(**kwargs: Any) -> ChatCompletion:
        try:
            result: ChatCompletion = Retrying(**_retry_policy(config))(call, **kwargs)
        except _FAILURES as e:
            raise _backend_error(e, config) from None
        return result

    return create


class AsyncTransport:
    """The same transport on asyncio: `await create(**kwargs)`; `await aclose()` when done.

    Each attempt is bounded by `asyncio.wait_for(timeout)`; retries use tenacity's
    AsyncRetrying with the sync path's policy, and failures become the same BackendErrors.
    """

    def __init__(self, config: HttpSettings) -> None:
        self.config = config
        self._client = openai.AsyncOpenAI(
            api_key=config.api_key or "no-key",
            base_url=config.base_url,
            max_retries=0,
            timeout=config.timeout,
            http_client=httpx2.AsyncClient(
                limits=httpx2.Limits(max_connections=1000, max_keepalive_connections=256),
                timeout=config.timeout,
            ),
        )

    async def _call(self, **kwargs: Any) -> ChatCompletion:
        request = self._client.chat.completions.create(model=self.config.model, **kwargs)
        try:
            return _checked(await asyncio.wait_for(request, self.config.timeout))
        except asyncio.TimeoutError:
            raise _Deadline() from None
        except json.JSONDecodeError as e:
            raise _NotJson(str(e)) from None

    async def create(self, **kwargs: Any) -> ChatCompletion:
        """One chat completion, retried on transport faults; BackendError when it fails."""
        try:
            result: ChatCompletion = await AsyncRetrying(**_retry_policy(self.config))(
                self._call, **kwargs
            )
        except _FAILURES as e:
            raise _backend_error(e, self.config) from None
        return result

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.close()


def public(config: HttpSettings) -> HttpSettings:
    """`config` without its key (for anything that is shown or stored)."""
    return replace(config, api_key=None)


class _DeadlineTransport(httpx2.BaseTransport):
    """Bounds a whole request, headers and body, by `timeout` seconds.

    Every phase (connect, send, wait for headers) gets at most the time left; the body is read
    chunk by chunk and abandoned once the deadline has passed, so a server that trickles bytes
    cannot keep a request open (a read that starts just before the deadline may still wait for
    its bytes up to the time that was left when the body began).
    """

    def __init__(self, inner: httpx2.BaseTransport, timeout: float) -> None:
        self._inner = inner
        self._timeout = timeout

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        deadline = time.monotonic() + self._timeout
        left = self._timeout
        request.extensions["timeout"] = {
            "connect": min(10.0, left), "read": left, "write": left, "pool": left,
        }  # fmt: skip
        response = self._inner.handle_request(request)
        # the body is read after this returns: its reads get only what is left
        left = max(0.001, deadline - time.monotonic())
        request.extensions["timeout"] = {**request.extensions["timeout"], "read": left}
        stream = response.stream
        assert isinstance(stream, httpx2.SyncByteStream)
        response.stream = _DeadlineStream(stream, deadline, self._timeout, request)
        return response

    def close(self) -> None:
        self._inner.close()


class _DeadlineStream(httpx2.SyncByteStream):
    def __init__(self, inner: httpx2.SyncByteStream, deadline: float, timeout: float,
                 request: httpx2.Request) -> None:  # fmt: skip
        self._inner = inner
        self._deadline = deadline
        self._timeout = timeout
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if time.monotonic() > self._deadline:
                raise httpx2.ReadTimeout(
                    f"no complete answer within {self._timeout:g} s", request=self._request
                )
            yield chunk

    def close(self) -> None:
        self._inner.close()


def _brief(e: openai.APIStatusError) -> str:
    body = e.body
    if isinstance(body, dict):
        msg = body.get("message") or (body.get("error") or {}).get("message")
        if msg:
            return str(msg).splitlines()[0][:200]
    return e.message.splitlines()[0][:200]


def _factory(model_id: str, o: Options) -> ChatBackend:
    retries = 2 if o.max_retries is None else o.max_retries
    config = settings(model_id, api_key=o.api_key, base_url=o.base_url, max_retries=retries)
    b = chat_backend(config, sync_create(config))
    b.caps = replace(b.caps, needs_key=not o.base_url)
    b.secrets = tuple(x for x in (*b.secrets, o.api_key) if x)
    return b


def _listing() -> list[dict[str, Any]]:
    return [{
        "model": "openai:<model>",
        "installed": bool(os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL")),
        "about": "OpenAI, or any OpenAI-compatible server with --base-url (vLLM, Ollama, "
        "llama.cpp server); needs OPENAI_API_KEY for api.openai.com",
    }]  # fmt: skip


register(Provider("openai", _factory, _listing))
