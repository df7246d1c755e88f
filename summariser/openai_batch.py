"""OpenAI Batch API (and `vllm run-batch`) files: export our requests, import the results.

Export runs the real pipeline against a recording backend: every request it would send becomes
one line {"custom_id": "<article id>::<n>", "method": "POST", "url": "/v1/chat/completions",
"body": {...}}. Beside the requests file goes `<name>.articles.jsonl` (ids, texts, extra
fields, prompt version), which import needs: the results file holds only answers. Import replays
the pipeline with each answer in place of a live call, so the same validation and grounding
apply; there is no re-ask offline, so what fails validation is dropped and counted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion

from summariser import prompts
from summariser.backends.base import ChatBackend, empty_answer
from summariser.backends.fake import completion
from summariser.batch import Article
from summariser.errors import BackendError, ConfigError, InputError
from summariser.paths import JsonlAppender
from summariser.pipeline import STEPS, extract

ENDPOINT = "/v1/chat/completions"


def articles_path(requests: Path) -> Path:
    """Where export puts the articles that import needs: beside the requests file."""
    return requests.with_name(requests.stem + ".articles.jsonl")


def _schema(kwargs: dict[str, Any]) -> dict[str, Any]:
    if kwargs.get("tools"):
        return dict(kwargs["tools"][0]["function"]["parameters"])
    return dict(kwargs["response_format"]["json_schema"]["schema"])


def _as_answer(kwargs: dict[str, Any], content: str) -> ChatCompletion:
    """A completion carrying `content` the way the request asked (tool call or text)."""
    c = completion(content)
    if kwargs.get("tools"):
        name = kwargs["tools"][0]["function"]["name"]
        c = ChatCompletion.model_validate(
            c.model_dump()
            | {"choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant", "content": None, "tool_calls": [{
                    "id": "call_0", "type": "function",
                    "function": {"name": name, "arguments": content}}]}}]}
        )  # fmt: skip
    return c


def _clone(template: ChatBackend, name: str, create: Any) -> ChatBackend:
    return ChatBackend(
        name,
        create,
        mode=template.mode,
        max_retries=0,
        max_article_chars=template.max_article_chars,
        request=dict(template._request),
    )


def export(
    articles: Iterator[Article],
    template: ChatBackend,
    requests: Path,
    steps: tuple[str, ...] = STEPS,
) -> tuple[int, int]:
    """Write the batch requests for every article; returns (articles, requests) written.

    `template` is the openai: backend the batch will run as (its model name and request shape).
    """
    provider, _, model = template.name.partition(":")
    if provider != "openai":
        raise ConfigError("export needs --model openai:NAME (the model the batch will run on)")
    req_out = JsonlAppender(requests, fresh=True)
    art_out = JsonlAppender(articles_path(requests), fresh=True)
    n_articles = n_requests = 0
    try:
        for article in articles:
            if article.error:
                continue
            lines: list[dict[str, Any]] = []

            def record(**kwargs: Any) -> ChatCompletion:
                custom_id = f"{article.id}::{len(lines)}"  # noqa: B023 - used at once
                lines.append({"custom_id": custom_id, "method": "POST", "url": ENDPOINT,  # noqa: B023
                              "body": {"model": model, **kwargs}})  # fmt: skip
                return _as_answer(kwargs, empty_answer(_schema(kwargs)))

            extract(article.text, _clone(template, template.name, record), steps)
            for line in lines:
                req_out.write(json.dumps(line, ensure_ascii=False))
            art_out.write(json.dumps({"id": article.id, "text": article.text, **article.extra,
                                      "_prompt_version": prompts.version(),
                                      "_steps": list(steps)}, ensure_ascii=False))  # fmt: skip
            n_articles += 1
            n_requests += len(lines)
    finally:
        req_out.close()
        art_out.close()
    return n_articles, n_requests


def load_results(path: Path) -> dict[str, dict[str, Any]]:
    """custom_id -> the batch output line (streamed; one dict per request)."""
    results: dict[str, dict[str, Any]] = {}
    try:
        with path.open("rb") as f:
            for n, raw in enumerate(f, 1):
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                    results[str(obj["custom_id"])] = obj
                except (json.JSONDecodeError, KeyError, TypeError):
                    raise InputError(f"{path} line {n} is not a batch output line") from None
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    return results


def replay_backend(
    article: Article, results: dict[str, dict[str, Any]], template: ChatBackend
) -> ChatBackend:
    """A backend that answers the article's n-th request with its batch result."""
    calls = [0]

    def create(**kwargs: Any) -> ChatCompletion:
        custom_id = f"{article.id}::{calls[0]}"
        calls[0] += 1
        line = results.get(custom_id)
        if line is None:
            raise BackendError(f"no batch result for {custom_id}: was the batch complete?")
        response = line.get("response") or {}
        if line.get("error") or response.get("status_code", 200) != 200:
            detail = line.get("error") or response.get("body", {}).get("error", {})
            raise BackendError(f"batch request {custom_id} failed: {json.dumps(detail)[:200]}")
        return ChatCompletion.model_validate(response["body"])

    return _clone(template, template.name, create)


def exported_steps(path: Path) -> tuple[str, ...]:
    """The steps the export was made with (from its first line)."""
    with path.open("rb") as f:
        first = f.readline()
    try:
        return tuple(json.loads(first).get("_steps") or STEPS)
    except json.JSONDecodeError:
        raise InputError(f"{path} is not an exported articles file") from None


def exported_articles(path: Path) -> Iterator[Article]:
    """The articles file written by export, checked against the current prompts."""
    with path.open("rb") as f:
        for n, raw in enumerate(f, 1):
            obj = json.loads(raw)
            if obj.pop("_prompt_version", None) != prompts.version():
                raise InputError(
                    f"{path} line {n} was exported with other prompts: export again and rerun "
                    "the batch"
                )
            obj.pop("_steps", None)
            yield Article(str(obj.pop("id")), obj.pop("text"), obj)
