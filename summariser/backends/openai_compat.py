"""OpenAI, or any OpenAI-compatible server (vLLM, Ollama, llama.cpp server), over HTTP.

Transport faults (connection errors, timeouts, 429, 5xx) are retried here with tenacity and
capped exponential backoff that honours Retry-After; the openai client's own retries are off,
and instructor only re-asks on invalid output, so each fault is retried in exactly one layer.
"""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
import instructor
import openai
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from summariser.backends.base import ChatBackend
from summariser.errors import BackendError, ConfigError, redact

MODES = {"tools": instructor.Mode.TOOLS, "json_schema": instructor.Mode.JSON_SCHEMA}


class _NotJson(Exception):
    """A 200 whose body is not JSON (a proxy's error page, a wrong --base-url)."""


def _transient(e: BaseException) -> bool:
    if isinstance(e, (openai.APIConnectionError, _NotJson)):  # includes timeouts
        return True
    if isinstance(e, openai.APIStatusError):
        return e.status_code in (408, 409, 429) or e.status_code >= 500
    return False


def _retry_after(e: BaseException | None) -> float | None:
    if isinstance(e, openai.APIStatusError):
        value = e.response.headers.get("retry-after")
        try:
            return max(0.0, float(value)) if value is not None else None
        except ValueError:
            return None
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


def backend(
    model: str,
    *,
    api_key: str | None,
    base_url: str | None,
    max_retries: int = 2,
    attempts: int | None = None,
    backoff: float | None = None,
    timeout: float | None = None,
) -> ChatBackend:
    """A ChatBackend for `model` on OpenAI or the server at `base_url`.

    Args:
        attempts: Transport attempts per request (default $SUMMARISER_HTTP_ATTEMPTS or 5).
        backoff: First backoff in seconds (default $SUMMARISER_HTTP_BACKOFF or 1.0); the cap
            is 30 s.
        timeout: Seconds per request (default $SUMMARISER_HTTP_TIMEOUT or 120).
    """
    if not api_key and not base_url:
        raise ConfigError("No API key: set OPENAI_API_KEY or pass --api-key")
    mode_name = os.environ.get("SUMMARISER_OPENAI_MODE", "tools")
    if mode_name not in MODES:
        raise ConfigError(f"SUMMARISER_OPENAI_MODE must be one of {', '.join(MODES)}")
    attempts = attempts or int(os.environ.get("SUMMARISER_HTTP_ATTEMPTS", "5"))
    backoff = (
        backoff if backoff is not None else float(os.environ.get("SUMMARISER_HTTP_BACKOFF", "1"))
    )
    timeout = timeout or float(os.environ.get("SUMMARISER_HTTP_TIMEOUT", "120"))
    client = openai.OpenAI(
        api_key=api_key or "no-key",  # local servers accept any key
        base_url=base_url,
        max_retries=0,
        timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),  # type: ignore[arg-type]
    )
    where = base_url or "api.openai.com"

    def call(**kwargs: Any) -> Any:
        try:
            return client.chat.completions.create(model=model, **kwargs)
        except json.JSONDecodeError as e:
            raise _NotJson(str(e)) from None

    def create(**kwargs: Any) -> Any:
        retrying = Retrying(
            retry=retry_if_exception(_transient),
            stop=stop_after_attempt(attempts),
            wait=_Wait(backoff, 30.0),
            reraise=True,
        )
        try:
            return retrying(call, **kwargs)
        except openai.APIStatusError as e:
            hint = {
                401: "check OPENAI_API_KEY / --api-key",
                403: "check the key's permissions",
                404: "check the model name and --base-url",
                429: "slow down (--concurrency) or wait",
            }.get(e.status_code, "see the server's log")
            raise BackendError(
                redact(f"{where} answered HTTP {e.status_code}: {_brief(e)}; {hint}", api_key)
            ) from None
        except openai.APIConnectionError as e:
            raise BackendError(
                redact(f"cannot reach {where} ({type(e).__name__}): check --base-url and "
                       "that the server is running", api_key)
            ) from None  # fmt: skip
        except (openai.APIResponseValidationError, _NotJson):
            raise BackendError(
                f"{where} sent a malformed response (not an OpenAI chat completion): check that "
                "--base-url points at an OpenAI-compatible API"
            ) from None

    return ChatBackend(
        f"openai:{model}",
        create,
        mode=MODES[mode_name],
        max_retries=max_retries,
        max_article_chars=60_000,
        settings={"temperature": 0.0, "seed": 0, "base_url": base_url or "", "mode": mode_name},
        request={"temperature": 0.0, "seed": 0},
    )


def _brief(e: openai.APIStatusError) -> str:
    body = e.body
    if isinstance(body, dict):
        msg = body.get("message") or (body.get("error") or {}).get("message")
        if msg:
            return str(msg).splitlines()[0][:200]
    return e.message.splitlines()[0][:200]
