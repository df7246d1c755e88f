"""Chat completions built by hand: the one builder, schema reader and empty answer.

Used where no model answers: batch export (each recorded request gets the emptiest answer) and
the test fake and test server. A built completion is an OpenAI `chat.completion` as a dict;
`ChatCompletion.model_validate` turns it into the client's object.
"""

from __future__ import annotations

import json
import time
from typing import Any


def schema_of(request: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema a request asks its answer to follow (tools or response_format)."""
    if request.get("tools"):
        return dict(request["tools"][0]["function"]["parameters"])
    return dict(request.get("response_format", {}).get("json_schema", {}).get("schema", {}))


def empty_answer(schema: dict[str, Any]) -> str:
    """The emptiest JSON a schema accepts: [] for arrays, null for everything else."""
    props = schema.get("properties", {})
    return json.dumps({k: [] if v.get("type") == "array" else None for k, v in props.items()})


def completion(
    request: dict[str, Any],
    content: str,
    *,
    finish_reason: str = "stop",
    tokens: tuple[int, int] = (100, 10),
    model: str = "fake",
    call_id: str = "call_0",
) -> dict[str, Any]:
    """A chat.completion answering `request` with `content` (as a tool call if it asked for one).

    `tokens` is the usage reported: (prompt tokens, completion tokens).
    """
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if request.get("tools"):
        name = request["tools"][0]["function"]["name"]
        message = {"role": "assistant", "content": None, "tool_calls": [{
            "id": call_id, "type": "function",
            "function": {"name": name, "arguments": content}}]}  # fmt: skip
    prompt, answer = tokens
    return {
        "id": f"cmpl-{model}", "object": "chat.completion", "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "finish_reason": finish_reason, "message": message}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": answer,
                  "total_tokens": prompt + answer},
    }  # fmt: skip
