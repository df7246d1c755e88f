"""OpenAI Batch API (and `vllm run-batch`) files: export our requests, import the results.

Export runs the real pipeline against a recording backend: every request it would send becomes
one line {"custom_id": "<article id>::<n>", "method": "POST", "url": "/v1/chat/completions",
"body": {...}}. Beside the requests file goes `<name>.articles.jsonl` (ids, texts, extra
fields, prompt version), which import needs: the results file holds only answers. Import replays
the pipeline with each answer in place of a live call, so the same validation and grounding
apply; there is no re-ask offline, so what fails validation is dropped and counted.

Export cannot know the model's answers, so a later step is recorded as asked after empty earlier
answers. If a real earlier answer changes what a later step asks (a quote's speaker adding a
stance candidate), that step's batch answer is for another question: import compares a
fingerprint of each replayed request with the one recorded at export and gives the article an
error line instead of applying an answer to the wrong question.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from openai.types.chat import ChatCompletion

from summariser import prompts
from summariser.backends.base import ChatBackend
from summariser.backends.completions import completion, empty_answer, schema_of
from summariser.batch.articles import Article
from summariser.errors import BackendError, ConfigError, InputError, redact
from summariser.inputs import path_error
from summariser.paths import JsonlAppender
from summariser.pipeline import extract
from summariser.steps import STEPS, chosen

ENDPOINT = "/v1/chat/completions"


#: Stands in for an API key when none is needed (export and import never call the server).
NO_KEY = "sk-no-key-needed-for-batch-files"


def template(model: str | None, api_key: str | None, base_url: str | None) -> ChatBackend:
    """The openai: backend a batch runs as (default openai:gpt-4o-mini), for export/import.

    No key is needed to write or read batch files; a stand-in is used and never treated as a
    secret, so it is not redacted from the results.
    """
    from summariser.backends import resolve

    backend = resolve(model or "openai:gpt-4o-mini", api_key=api_key or NO_KEY, base_url=base_url)
    backend.secrets = tuple(s for s in backend.secrets if s != NO_KEY)
    return backend


def articles_path(requests: Path) -> Path:
    """Where export puts the articles that import needs: beside the requests file."""
    return requests.with_name(requests.stem + ".articles.jsonl")


def fingerprint(kwargs: dict[str, Any]) -> str:
    """A short hash of what a request asks (messages and answer schema), to match replays."""
    asked = {"messages": kwargs.get("messages"), "schema": schema_of(kwargs)}
    return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()[:16]


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
    on_skip: Callable[[Article, str], Any] | None = None,
) -> tuple[int, int]:
    """Write the batch requests for every article; returns (articles, requests) written.

    `template` is the openai: backend the batch will run as (its model name and request shape).
    An article that cannot be exported (unreadable, or an id that would share custom ids with
    another, such as 7 and "7") is skipped and reported through `on_skip(article, reason)`.
    """
    provider, _, model = template.name.partition(":")
    if provider != "openai":
        raise ConfigError("export needs --model openai:NAME (the model the batch will run on)")
    req_out = JsonlAppender(requests, fresh=True)
    art_out = JsonlAppender(articles_path(requests), fresh=True)
    n_articles = n_requests = 0
    labels: dict[str, str] = {}  # custom id prefix -> the article key that uses it
    try:
        for article in articles:
            reason = article.error
            if reason is None and labels.setdefault(article.label, article.key) != article.key:
                reason = f"id {article.key} would share custom ids with another: rename one"
            if reason is not None:
                if on_skip:
                    on_skip(article, reason)
                continue
            lines: list[dict[str, Any]] = []
            asked: list[str] = []

            def record(**kwargs: Any) -> ChatCompletion:
                custom_id = f"{article.label}::{len(lines)}"  # noqa: B023 - used at once
                asked.append(fingerprint(kwargs))  # noqa: B023 - used at once
                lines.append({"custom_id": custom_id, "method": "POST", "url": ENDPOINT,  # noqa: B023
                              "body": {"model": model, **kwargs}})  # fmt: skip
                empty = completion(kwargs, empty_answer(schema_of(kwargs)))
                return ChatCompletion.model_validate(empty)

            extract(article.text, _clone(template, template.name, record), steps)
            for line in lines:
                req_out.write(json.dumps(line, ensure_ascii=False))
            art_out.write(json.dumps({"id": article.id, "text": article.text, **article.extra,
                                      "_prompt_version": prompts.version(), "_requests": asked,
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
                except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
                    raise InputError(
                        f"{path} line {n} is not a batch output line (JSON with a custom_id): "
                        "give the output file the batch produced"
                    ) from None
    except OSError as e:
        raise path_error(path, e) from None
    return results


def replay_backend(
    article: Article, results: dict[str, dict[str, Any]], template: ChatBackend
) -> ChatBackend:
    """A backend that answers the article's n-th request with its batch result.

    Error bodies are redacted with the template's secrets (a server may echo the key).
    """
    calls = [0]

    def create(**kwargs: Any) -> ChatCompletion:
        custom_id = f"{article.label}::{calls[0]}"
        calls[0] += 1
        if article.requests and (
            calls[0] > len(article.requests)
            or article.requests[calls[0] - 1] != fingerprint(kwargs)
        ):
            raise BackendError(
                f"the batch answer {custom_id} was for another question (an earlier answer "
                "changed what this step asks): summarise this article live instead"
            )
        line = results.get(custom_id)
        if line is None:
            raise BackendError(f"no batch result for {custom_id}: was the batch complete?")
        response = line.get("response") or {}
        if not isinstance(response, dict):
            raise BackendError(f"batch result {custom_id} has no response object")
        if line.get("error") or response.get("status_code", 200) != 200:
            body = response.get("body")
            detail = line.get("error") or (body.get("error") if isinstance(body, dict) else body)
            text = redact(json.dumps(detail, ensure_ascii=False), *template.secrets)
            raise BackendError(f"batch request {custom_id} failed: {text[:200]}")
        try:
            return ChatCompletion.model_validate(response.get("body"))
        except ValueError:
            raise BackendError(f"batch result {custom_id} is not a chat completion") from None

    clone = _clone(template, template.name, create)
    clone.secrets = template.secrets
    return clone


def exported_steps(path: Path) -> tuple[str, ...]:
    """The steps the export was made with (from its first line)."""
    try:
        with path.open("rb") as f:
            first = f.readline()
    except OSError as e:
        raise path_error(path, e) from None
    obj = _exported_line(first, 1, path)
    steps = obj.get("_steps") or STEPS
    try:
        return chosen(steps if isinstance(steps, list | tuple) else [steps])
    except (InputError, TypeError):
        raise InputError(f"{path} line 1 has unknown steps {steps!r}: export again") from None


def exported_articles(path: Path) -> Iterator[Article]:
    """The articles file written by export, checked against the current prompts.

    Raises:
        InputError: a line is not what export writes (not JSON, no id or text), or was
            exported with other prompts: one line saying what to do.
    """
    try:
        f = path.open("rb")
    except OSError as e:
        raise path_error(path, e) from None
    with f:
        for n, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            obj = _exported_line(raw, n, path)
            if obj.pop("_prompt_version", None) != prompts.version():
                raise InputError(
                    f"{path} line {n} was exported with other prompts: export again and rerun "
                    "the batch"
                )
            obj.pop("_steps", None)
            asked = tuple(str(x) for x in obj.pop("_requests", None) or ())
            yield Article(obj.pop("id"), obj.pop("text"), obj, line=n, requests=asked)


def _exported_line(raw: bytes, n: int, path: Path) -> dict[str, Any]:
    """One line of an exported articles file, or an InputError naming what is wrong."""
    try:
        obj = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        obj = None
    what = "is not JSON" if obj is None else ""
    if not what and not isinstance(obj, dict):
        what = "is not a JSON object"
    elif not what and not isinstance(obj.get("text"), str):
        what = 'has no "text"'
    elif not what and not isinstance(obj.get("id"), str | int):
        what = 'has no "id"'
    if what:
        raise InputError(
            f"{path} line {n} {what}: give the articles file written at export "
            "(NAME.articles.jsonl beside the requests file)"
        )
    return dict(obj)
