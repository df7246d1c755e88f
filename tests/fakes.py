"""A scripted backend for tests: canned answers per schema, real instructor validation."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from openai.types.chat import ChatCompletion

from summariser.backends.base import ChatBackend
from summariser.backends.completions import completion as built
from summariser.backends.completions import empty_answer


def completion(content: str, finish_reason: str = "stop", tokens: int = 10) -> ChatCompletion:
    """An OpenAI ChatCompletion carrying `content` as text."""
    return ChatCompletion.model_validate(
        built({}, content, finish_reason=finish_reason, tokens=(100, tokens))
    )


class FakeBackend(ChatBackend):
    """Answers from `script[SchemaName]` in order, else the emptiest valid answer.

    `calls` records every request's keyword arguments (messages, response_format, ...).
    An Exception in a script is raised instead of answering.
    """

    def __init__(self, script: dict[str, list[str | Exception]] | None = None, **kw: Any) -> None:
        self.script: dict[str, list[str | Exception]] = defaultdict(list, script or {})
        self.calls: list[dict[str, Any]] = []
        kw.setdefault("max_retries", 1)
        super().__init__("fake:scripted", self._answer, **kw)

    def _answer(self, **kwargs: Any) -> ChatCompletion:
        self.calls.append(kwargs)
        spec = kwargs["response_format"]["json_schema"]
        queue = self.script[spec["name"]]
        item = queue.pop(0) if queue else empty_answer(spec["schema"])
        if isinstance(item, Exception):
            raise item
        return completion(item)
