"""The real instructor + openai client path against a scripted server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from summariser.backends import resolve
from summariser.errors import BackendError, ConfigError
from summariser.pipeline import extract
from tests.server import Reply, ScriptedServer

# The events step always asks the model to judge the seed's event candidates (one request);
# the answer names candidate 1, which becomes one grounded event.
STEP = ["events"]
ANSWER = json.dumps({"events": [1]})
KEY = "sk-test-SENTINEL-0123456789"


def backend(url: str, **kw):
    return resolve("openai:test-model", api_key=KEY, base_url=url, **kw)


def asked(server: ScriptedServer) -> list[dict]:
    """The requests that reached the step (faults included)."""
    return server.requests


def test_good_answer_uses_tools_and_sends_the_key(seed):
    with ScriptedServer([Reply(ANSWER)]) as srv:
        s = extract(seed, backend(srv.url), steps=STEP)
    assert len(s.events) == 1 and s.meta.model == "openai:test-model"
    first = srv.requests[0]
    assert first["model"] == "test-model" and first["temperature"] == 0
    assert first["tool_choice"]["function"]["name"] == first["tools"][0]["function"]["name"]
    assert {k.lower(): v for k, v in srv.headers[0].items()}["authorization"] == f"Bearer {KEY}"
    assert s.meta.usage.prompt_tokens == 50 and s.meta.usage.calls == 1


def test_answer_outside_the_options_is_reasked(seed):
    bad = json.dumps({"events": [999]})
    with ScriptedServer([Reply(bad), Reply(ANSWER)]) as srv:
        s = extract(seed, backend(srv.url), steps=STEP)
    assert len(asked(srv)) == 2
    assert "999" in json.dumps(asked(srv)[1]["messages"][-1])
    assert len(s.events) == 1


def test_invalid_json_is_reasked_then_recorded_as_failure(seed):
    with ScriptedServer([Reply("{not json"), Reply("{still not")]) as srv:
        s = extract(seed, backend(srv.url, max_retries=1), steps=STEP)
    assert len(asked(srv)) == 2
    assert s.events == [] and "no valid answer after 2 attempts" in s.meta.failures[0]


def test_429_with_retry_after_then_success(seed):
    replies = [
        Reply(status=429, headers={"retry-after": "0"}, body=b'{"error": {"message": "slow"}}'),
        Reply(status=429, body=b'{"error": {"message": "slow"}}'),
        Reply(ANSWER),
    ]
    with ScriptedServer(replies) as srv:
        s = extract(seed, backend(srv.url), steps=STEP)
    assert len(asked(srv)) == 3 and len(s.events) == 1


def test_500s_until_failure_retry_in_one_layer_only(seed, monkeypatch):
    monkeypatch.setenv("SUMMARISER_HTTP_ATTEMPTS", "3")
    err = Reply(status=500, body=b'{"error": {"message": "boom"}}')
    with ScriptedServer([err] * 10) as srv, pytest.raises(BackendError) as e:
        extract(seed, backend(srv.url, max_retries=2), steps=STEP)
    assert len(srv.requests) == 3  # tenacity's 3 attempts; no openai or instructor retries on top
    assert "HTTP 500: boom" in str(e.value)


def test_401_is_not_retried_and_key_not_leaked(seed):
    body = json.dumps({"error": {"message": f"Incorrect API key provided: {KEY}"}}).encode()
    with (
        ScriptedServer([Reply(status=401, body=body)] * 3) as srv,
        pytest.raises(BackendError) as e,
    ):
        extract(seed, backend(srv.url), steps=STEP)
    assert len(srv.requests) == 1
    assert "HTTP 401" in str(e.value) and "OPENAI_API_KEY" in str(e.value)
    assert KEY not in str(e.value)


def test_finish_reason_length_fails_fast_without_reask(seed):
    with ScriptedServer([Reply('{"events": [1', finish_reason="length")] * 3) as srv:
        s = extract(seed, backend(srv.url, max_retries=2), steps=STEP)
    assert len(asked(srv)) == 1
    assert "cut off" in s.meta.failures[0]
    assert s.meta.usage.calls == 1 and s.meta.usage.completion_tokens == 7  # counted (issue 19)


def test_unreachable_server_is_a_backend_error(seed, monkeypatch):
    monkeypatch.setenv("SUMMARISER_HTTP_ATTEMPTS", "2")
    with ScriptedServer() as srv:
        url = srv.url
    with pytest.raises(BackendError, match="cannot reach"):
        extract(seed, backend(url), steps=STEP)


def test_missing_key_is_a_config_error():
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        resolve("openai:gpt-4o-mini")


def test_json_schema_mode_sends_response_format(seed, monkeypatch):
    monkeypatch.setenv("SUMMARISER_OPENAI_MODE", "json_schema")
    with ScriptedServer([Reply(ANSWER)]) as srv:
        s = extract(seed, backend(srv.url), steps=STEP)
    fmt = srv.requests[0]["response_format"]
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"]["properties"]
    assert len(s.events) == 1


# --- the fault matrix (tests/README.md) -----------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_then_success_is_retried(seed, status):
    with ScriptedServer([Reply(status=status, body=b'{"error": {"message": "x"}}'),
                         Reply(ANSWER)]) as srv:  # fmt: skip
        s = extract(seed, backend(srv.url), steps=STEP)
    assert len(srv.requests) == 2 and len(s.events) == 1


def test_400_is_not_retried(seed):
    body = b'{"error": {"message": "bad request: unknown parameter"}}'
    with (
        ScriptedServer([Reply(status=400, body=body)] * 3) as srv,
        pytest.raises(BackendError) as e,
    ):
        extract(seed, backend(srv.url), steps=STEP)
    assert len(srv.requests) == 1 and "HTTP 400: bad request" in str(e.value)


def test_timeout_is_retried(seed, monkeypatch):
    monkeypatch.setenv("SUMMARISER_HTTP_TIMEOUT", "0.3")
    with ScriptedServer([Reply(ANSWER, delay=1.0), Reply(ANSWER)]) as srv:
        s = extract(seed, backend(srv.url), steps=STEP)
    assert len(srv.requests) == 2 and len(s.events) == 1


def test_timeouts_until_failure_say_so(seed, monkeypatch):
    monkeypatch.setenv("SUMMARISER_HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("SUMMARISER_HTTP_ATTEMPTS", "2")
    with ScriptedServer([Reply(ANSWER, delay=0.6)] * 2) as srv, pytest.raises(BackendError) as e:
        extract(seed, backend(srv.url), steps=STEP)
    assert len(srv.requests) == 2 and "APITimeoutError" in str(e.value)


@pytest.mark.parametrize("fault", [Reply(drop=True), Reply(ANSWER, truncate=True)])
def test_dropped_connection_and_truncated_body_are_retried(seed, fault):
    with ScriptedServer([fault, Reply(ANSWER)]) as srv:
        s = extract(seed, backend(srv.url), steps=STEP)
    assert len(srv.requests) == 2 and len(s.events) == 1


def test_200_with_non_json_body_is_a_backend_error(seed, monkeypatch):
    monkeypatch.setenv("SUMMARISER_HTTP_ATTEMPTS", "2")
    page = Reply(body=b"<html>gateway says hi</html>")
    with ScriptedServer([page] * 3) as srv, pytest.raises(BackendError, match="malformed"):
        extract(seed, backend(srv.url), steps=STEP)
    assert len(srv.requests) == 2  # retried in the transport layer only, never re-asked


def test_200_json_ignoring_the_schema_is_reasked_then_recorded(seed):
    with ScriptedServer([Reply('{"foo": 1}')] * 5) as srv:
        s = extract(seed, backend(srv.url, max_retries=2), steps=STEP)
    assert len(asked(srv)) == 3  # first try + 2 re-asks, no more
    assert "no valid answer after 3 attempts" in s.meta.failures[0]


# --- issue 12: items 8, 9 and settings that used to end in tracebacks ------------------------


@pytest.mark.parametrize("ctype", ["text/html", "text/html; charset=utf-8", "text/plain"])
def test_200_html_page_is_a_backend_error_never_reasked(seed, monkeypatch, ctype):
    monkeypatch.setenv("SUMMARISER_HTTP_ATTEMPTS", "2")
    page = Reply(body=b"<html><body>Bad gateway</body></html>", content_type=ctype)
    with ScriptedServer([page] * 6) as srv, pytest.raises(BackendError, match="malformed"):
        extract(seed, backend(srv.url, max_retries=2), steps=STEP)
    assert len(srv.requests) == 2  # the transport's 2 attempts; no re-ask on top


def test_200_html_page_in_a_batch_is_an_error_line_and_retried(seed, monkeypatch, tmp_path):
    from summariser.batch import Job, read_articles, threads

    monkeypatch.setenv("SUMMARISER_HTTP_ATTEMPTS", "1")
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": seed}) + "\n")
    out = tmp_path / "out.jsonl"
    page = Reply(body=b"<html>proxy error</html>", content_type="text/html")
    with ScriptedServer([page]) as srv:
        b = backend(srv.url)
        tally = threads.run(read_articles(src), b, out, Job(steps=tuple(STEP), cache=False))
        assert tally.errors == 1 and tally.summaries == 0
        assert json.loads(out.read_text())["error"]["type"] == "BackendError"
        tally = threads.run(read_articles(src), b, out,
                            Job(steps=tuple(STEP), cache=False, retry_errors=True))  # fmt: skip
    assert tally.summaries == 1 and "summary" in json.loads(out.read_text())


def test_trickled_body_cannot_outlive_the_timeout(seed, monkeypatch):
    import time

    monkeypatch.setenv("SUMMARISER_HTTP_TIMEOUT", "1")
    monkeypatch.setenv("SUMMARISER_HTTP_ATTEMPTS", "1")
    # ~400 bytes at 20 ms each: 8 s of body, every read well inside the 1 s read timeout
    with ScriptedServer([Reply(ANSWER, trickle=0.02)]) as srv:
        t0 = time.monotonic()
        with pytest.raises(BackendError, match="APITimeoutError"):
            extract(seed, backend(srv.url), steps=STEP)
        took = time.monotonic() - t0
    assert took < 1.6, took


def test_trickled_body_within_the_timeout_is_an_answer(seed, monkeypatch):
    monkeypatch.setenv("SUMMARISER_HTTP_TIMEOUT", "5")
    with ScriptedServer([Reply(ANSWER, trickle=0.001)]) as srv:
        s = extract(seed, backend(srv.url), steps=STEP)
    assert len(s.events) == 1 and len(srv.requests) == 1


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("SUMMARISER_HTTP_ATTEMPTS", "five"),
        ("SUMMARISER_HTTP_ATTEMPTS", "0"),
        ("SUMMARISER_HTTP_ATTEMPTS", "2.5"),
        ("SUMMARISER_HTTP_TIMEOUT", "1s"),
        ("SUMMARISER_HTTP_TIMEOUT", "0"),
        ("SUMMARISER_HTTP_TIMEOUT", "nan"),
        ("SUMMARISER_HTTP_BACKOFF", "x"),
        ("SUMMARISER_HTTP_BACKOFF", "-1"),
        ("SUMMARISER_HTTP_BACKOFF", "inf"),
    ],
)
def test_bad_http_settings_are_config_errors_naming_the_variable(monkeypatch, var, value):
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as e:
        backend("http://127.0.0.1:9/v1")
    assert var in str(e.value) and repr(value) in str(e.value)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("url", ["http://[::1", "ftp://host/v1", "127.0.0.1:8000/v1", "http://"])
def test_bad_base_url_is_a_config_error(url):
    with pytest.raises(ConfigError, match="--base-url"):
        backend(url)


def test_bad_settings_are_one_line_at_the_command_line(tmp_path):
    import os
    import subprocess
    import sys

    article = tmp_path / "a.txt"
    article.write_text("Ana Lopez said the plan works.\n")
    env = {**os.environ, "OPENAI_API_KEY": KEY, "SUMMARISER_HTTP_TIMEOUT": "1s"}
    for extra_env, args in [
        ({"SUMMARISER_HTTP_TIMEOUT": "1s"}, []),
        ({}, ["--base-url", "http://[::1"]),
    ]:
        p = subprocess.run(
            [sys.executable, "-m", "summariser", "run", str(article), "-m", "openai:x",
             "--no-cache", *args],
            env={**env, "SUMMARISER_HTTP_TIMEOUT": "120", **extra_env},
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert p.returncode != 0 and p.stdout == ""
        assert len(p.stderr.strip().splitlines()) == 1, p.stderr
        assert "Traceback" not in p.stderr and KEY not in p.stderr


def test_async_transport_retries_and_deadline(seed, monkeypatch):
    import asyncio
    import time

    from summariser.backends import openai_compat

    monkeypatch.setenv("SUMMARISER_HTTP_ATTEMPTS", "3")
    monkeypatch.setenv("SUMMARISER_HTTP_TIMEOUT", "0.5")
    request = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}

    async def go(url: str) -> tuple[object, float]:
        t = openai_compat.AsyncTransport(openai_compat.settings("m", api_key=KEY, base_url=url))
        t0 = time.monotonic()
        try:
            return await t.create(**request), time.monotonic() - t0
        except BackendError as e:
            return e, time.monotonic() - t0
        finally:
            await t.aclose()

    replies = [Reply(status=503, body=b'{"error": {"message": "busy"}}'),
               Reply(status=429, headers={"retry-after": "0.2"}, body=b"{}"),
               Reply('{"ok": 1}')]  # fmt: skip
    with ScriptedServer(replies) as srv:
        answer, took = asyncio.run(go(srv.url))
    assert len(srv.requests) == 3 and answer.choices[0].message.content == '{"ok": 1}'
    assert took >= 0.2  # Retry-After honoured

    with ScriptedServer([Reply('{"ok": 1}', trickle=0.02)] * 3) as srv:
        err, took = asyncio.run(go(srv.url))
    assert isinstance(err, BackendError) and "APITimeoutError" in str(err)
    assert len(srv.requests) == 3 and took < 3 * 0.5 + 1.0

    page = Reply(body=b"<html>hi</html>", content_type="text/html")
    with ScriptedServer([page] * 3) as srv:
        err, _ = asyncio.run(go(srv.url))
    assert isinstance(err, BackendError) and "malformed" in str(err) and KEY not in str(err)
