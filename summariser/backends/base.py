"""One way to get validated drafts from any chat-completions `create` function: instructor.

Every backend (local llama.cpp, OpenAI-compatible HTTP, the fake) supplies a transport-level
`create(**kwargs) -> ChatCompletion`; this class puts instructor on top for schema validation and
re-asks. Transport retries live inside `create` (tenacity, HTTP backends only) and instructor
re-asks only on validation errors, so no layer multiplies another's retries.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import instructor
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel

from summariser.errors import ExtractionError, SummariserError
from summariser.schemas import Usage

# instructor logs each failed attempt at ERROR; without a handler Python would print them.
logging.getLogger("instructor").addHandler(logging.NullHandler())

T = TypeVar("T", bound=BaseModel)
Create = Callable[..., Any]


class ValidationExhausted(ExtractionError):
    """Every attempt failed validation; `raw` is the model's last answer, for salvaging."""

    def __init__(self, message: str, raw: str | None, usage: Usage) -> None:
        super().__init__(message)
        self.raw = raw
        self.usage = usage


class ChatBackend:
    """A model reached through a chat-completions function, with instructor validation.

    Args:
        name: The `provider:model` id, recorded in every Summary's meta.
        create: Transport call returning an OpenAI-style ChatCompletion.
        mode: instructor mode (how the schema is sent and the answer parsed).
        max_retries: Re-asks after a validation failure (0 = one attempt only).
        max_article_chars: Longest article piece sent in one request (longer ones are chunked).
        settings: Everything else that changes the output, for cache keys.
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
    ) -> None:
        self.name = name
        self.mode = mode
        self.max_retries = max_retries
        self.max_article_chars = max_article_chars
        self.settings = {"mode": mode.value, "max_retries": max_retries, **(settings or {})}
        self._request = request or {}
        self._create = create
        #: Figures a backend reports about itself (the local one: "load_seconds").
        self.stats: dict[str, float] = {}

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

        def counted(**kwargs: Any) -> Any:
            completion = self._create(**kwargs)
            u = getattr(completion, "usage", None)
            usage.calls += 1
            if u is not None:
                usage.prompt_tokens += u.prompt_tokens or 0
                usage.completion_tokens += u.completion_tokens or 0
            return completion

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
                max_retries=self.max_retries,
                max_tokens=max_tokens,
                **self._request,
            )
        except IncompleteOutputException as e:
            raise ExtractionError(
                f"the model's answer was cut off at {max_tokens} tokens; "
                "try a larger model or a shorter article"
            ) from e
        except InstructorRetryException as e:
            cause = e.__cause__
            if isinstance(cause, SummariserError):
                raise cause from None
            if isinstance(cause, IncompleteOutputException):
                raise ExtractionError(
                    f"the model's answer was cut off at {max_tokens} tokens"
                ) from e
            if not e.failed_attempts:
                raise ExtractionError(f"model call failed: {type(cause).__name__}") from e
            raw = _content(e.last_completion)
            first = str(cause).splitlines()[0] if cause else "invalid output"
            raise ValidationExhausted(
                f"no valid answer after {e.n_attempts} attempts: {first}", raw, usage
            ) from None
        return result, usage


def _content(completion: Any) -> str | None:
    """The text (or first tool call's arguments) of a ChatCompletion."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError):
        return None
    if getattr(message, "tool_calls", None):
        return str(message.tool_calls[0].function.arguments)
    return message.content


def empty_answer(schema: dict[str, Any]) -> str:
    """The emptiest JSON a schema accepts: [] for arrays, null for everything else."""
    props = schema.get("properties", {})
    return json.dumps({k: [] if v.get("type") == "array" else None for k, v in props.items()})
