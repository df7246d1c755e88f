"""One way to get validated answers from any chat-completions `create` function: instructor.

Every backend (local llama.cpp, OpenAI-compatible HTTP, the test fake) supplies a transport-level
`create(**kwargs) -> ChatCompletion`; this class puts instructor on top for schema validation and
re-asks. Transport retries live inside `create` (tenacity, HTTP backends only) and instructor
re-asks only on validation errors, so no layer multiplies another's retries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import instructor
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from instructor.core.hooks import Hooks
from pydantic import BaseModel

from summariser.errors import ExtractionError, SummariserError, redact
from summariser.schemas import Usage

# instructor logs each failed attempt at ERROR; without a handler Python would print them.
logging.getLogger("instructor").addHandler(logging.NullHandler())

T = TypeVar("T", bound=BaseModel)
Create = Callable[..., Any]
#: Called once per model attempt with a record of it (see ChatBackend.observers).
Observer = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do; callers branch on these, never on the model's name.

    Attributes:
        provider: The registry provider ("local", "openai", "none", "fake", ...).
        model_id: The model within the provider; `f"{provider}:{model_id}"` is the backend name.
        parallel: Requests the backend serves at once (the embedded engine: its slots; HTTP: 0,
            meaning as many as the caller's --concurrency).
        needs_key: True when an API key is required.
        structured_output: How answers are constrained: "json_schema", "tools" or "none" (no
            model: parser-only).
        embedded: True when the model runs in this process (one engine per process).
        http: True when this package reaches the model over HTTP itself, with the settings
            `openai_compat.http_settings` returns: a batch runs it on asyncio. False for a
            backend around the caller's own client (its calls must go through that client).
    """

    provider: str
    model_id: str
    parallel: int = 0
    needs_key: bool = False
    structured_output: Literal["json_schema", "tools", "none"] = "json_schema"
    embedded: bool = False
    http: bool = False


class AttemptsFailed(ExtractionError):
    """The model answered but no answer was usable; `usage` counts every request made."""

    def __init__(self, message: str, usage: Usage) -> None:
        super().__init__(message)
        self.usage = usage


class ValidationExhausted(AttemptsFailed):
    """Every attempt failed validation; `raw` is the model's last answer."""

    def __init__(self, message: str, raw: str | None, usage: Usage) -> None:
        super().__init__(message, usage)
        self.raw = raw


class ChatBackend:
    """A model reached through a chat-completions function, with instructor validation.

    Args:
        name: The `provider:model` id, recorded in every Summary's meta.
        create: Transport call returning an OpenAI-style ChatCompletion.
        mode: instructor mode (how the schema is sent and the answer parsed).
        max_retries: Re-asks after a validation failure (0 = one attempt only).
        max_article_chars: Longest article piece sent in one request (longer ones are chunked).
        settings: Everything else that changes the output, for cache keys.
        request: Extra keyword arguments for every `create` call (temperature, seed).
        caps: What it can do (default: derived from `name` and `mode`).
        secrets: Strings (API keys) redacted from every answer before anything else sees it.
    """

    def __init__(
        self,
        name: str,
        create: Create,
        *,
        mode: instructor.Mode = instructor.Mode.JSON_SCHEMA,
        max_retries: int = 1,
        max_article_chars: int = 12_000,
        settings: dict[str, Any] | None = None,
        request: dict[str, Any] | None = None,
        caps: Capabilities | None = None,
        secrets: tuple[str, ...] = (),
    ) -> None:
        provider, _, model_id = name.partition(":")
        self.caps = caps or Capabilities(
            provider, model_id, structured_output="tools" if mode == instructor.Mode.TOOLS
            else "json_schema"
        )  # fmt: skip
        self.name = name
        self.mode = mode
        self.max_retries = max_retries
        self.max_article_chars = max_article_chars
        self.settings = {"mode": mode.value, "max_retries": max_retries, **(settings or {})}
        self._request = request or {}
        self._create = create
        #: Strings (API keys) redacted from every answer and call record.
        self.secrets = tuple(x for x in secrets if x)
        #: Figures a backend reports about itself (the local one: "load_seconds").
        self.stats: dict[str, float] = {}
        #: Called after every model attempt with {"schema", "attempt", "messages", "answer",
        #: "error", "usage", "seconds"} (secrets already redacted): call logs, -v output.
        self.observers: list[Observer] = []

    def _notify(self, record: dict[str, Any]) -> None:
        for observer in list(self.observers):
            observer(record)

    def extract(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        context: dict[str, Any],
        max_tokens: int,
    ) -> tuple[T, Usage]:
        """Ask for `response_model`; return it validated, with the tokens all attempts used.

        Raises:
            ValidationExhausted: every attempt failed validation (carries the last answer).
            ExtractionError: the answer was cut off at `max_tokens`.
            BackendError: the transport failed (raised by `create`).
        """
        usage = Usage()
        schema = response_model.__name__
        pending: list[dict[str, Any]] = []  # the attempt whose validation is being judged

        def flush(error: str | None = None) -> None:
            if pending:
                record = pending.pop()
                record["error"] = error
                self._notify(record)

        def counted(**kwargs: Any) -> Any:
            flush()  # the previous attempt was not rejected by a parse error: report it
            t0 = time.perf_counter()
            record: dict[str, Any] = {
                "schema": schema,
                "attempt": usage.calls + 1,
                "messages": [
                    {"role": m.get("role"), "content": self._redact(str(m.get("content")))}
                    for m in kwargs.get("messages", [])
                ],
                "answer": None,
                "error": None,
                "usage": {},
            }
            usage.calls += 1
            try:
                completion = self._create(**kwargs)
            except Exception as e:
                record.update(seconds=time.perf_counter() - t0, error=self._redact(str(e)))
                self._notify(record)
                raise
            self._scrub(completion)
            u = getattr(completion, "usage", None)
            if u is not None:
                usage.prompt_tokens += u.prompt_tokens or 0
                usage.completion_tokens += u.completion_tokens or 0
                details = getattr(u, "prompt_tokens_details", None)
                cached = getattr(details, "cached_tokens", None) or 0
                usage.cached_tokens += cached
                record["usage"] = {"prompt_tokens": u.prompt_tokens,
                                   "completion_tokens": u.completion_tokens,
                                   "cached_tokens": cached}  # fmt: skip
            record.update(seconds=time.perf_counter() - t0, answer=_content(completion))
            pending.append(record)
            return completion

        hooks = Hooks()
        hooks.on("parse:error", lambda e: flush(self._redact(str(e))))
        client = instructor.patch(create=counted, mode=self.mode)
        # instructor renders every message as a Jinja template with the validation context: an
        # article holding "{{" or "{%" would be executed or fail. Each message becomes a bare
        # placeholder whose value (the real text) Jinja inserts verbatim.
        slots = {f"_message_{i}": m["content"] for i, m in enumerate(messages)}
        templated = [{**m, "content": f"{{{{ _message_{i} }}}}"} for i, m in enumerate(messages)]
        try:
            result = client(
                response_model=response_model,
                messages=templated,
                context={**context, **slots},
                hooks=hooks,
                max_retries=self.max_retries,
                max_tokens=max_tokens,
                **self._request,
            )
        except IncompleteOutputException as e:
            flush("cut off at max_tokens")
            raise AttemptsFailed(
                f"the model's answer was cut off at {max_tokens} tokens; "
                "try a larger model or a shorter article",
                usage,
            ) from e
        except InstructorRetryException as e:
            flush(self._redact(str(e.__cause__ or "invalid output")))
            cause = e.__cause__
            if isinstance(cause, SummariserError):
                raise cause from None
            if isinstance(cause, IncompleteOutputException):
                raise AttemptsFailed(
                    f"the model's answer was cut off at {max_tokens} tokens", usage
                ) from e
            if not e.failed_attempts:
                raise AttemptsFailed(f"model call failed: {type(cause).__name__}", usage) from e
            raw = _content(e.last_completion)
            first = str(cause).splitlines()[0] if cause else "invalid output"
            raise ValidationExhausted(
                f"no valid answer after {e.n_attempts} attempts: {first}", raw, usage
            ) from None
        flush()
        return result, usage

    def _redact(self, text: str) -> str:
        return redact(text, *self.secrets) if self.secrets else text

    def _scrub(self, completion: Any) -> None:
        """Remove our secrets from an answer in place (a server may echo the key back)."""
        if not self.secrets:
            return
        for choice in getattr(completion, "choices", None) or []:
            message = choice.message
            if message.content:
                message.content = self._redact(message.content)
            for call in getattr(message, "tool_calls", None) or []:
                call.function.arguments = self._redact(call.function.arguments)


def _content(completion: Any) -> str | None:
    """The text (or first tool call's arguments) of a ChatCompletion."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError):
        return None
    if getattr(message, "tool_calls", None):
        return str(message.tool_calls[0].function.arguments)
    return message.content
