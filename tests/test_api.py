"""The Python API: summarise()/asummarise() with a client, steps checking, public exports."""

from __future__ import annotations

import asyncio
import json

import instructor
import openai
import pytest

import summariser
from summariser import ChatBackend, SummariserError, Summary, asummarise, summarise
from summariser.errors import BackendError, ConfigError
from tests.server import Reply, ScriptedServer

KEY = "sk-api-test-SENTINEL-987654321"
ARTICLE = (
    "The council met on Tuesday to discuss the budget.\n\n"
    "“We cannot keep every library open,” council leader Margaret Hollis said after the "
    "meeting.\n\n"
    "Opposition members said they would vote against the plan."
)


def test_public_names_are_exported_and_typed():
    assert set(summariser.__all__) >= {"summarise", "asummarise", "Summary", "ChatBackend"}
    assert ChatBackend.__name__ == "ChatBackend" and Summary.__name__ == "Summary"
    assert issubclass(SummariserError, Exception)
    from importlib.resources import files

    assert files("summariser").joinpath("py.typed").is_file()  # PEP 561 marker ships


def test_a_string_for_steps_is_refused():
    with pytest.raises(TypeError, match="not a string"):
        summarise(ARTICLE, steps="quotes", cache=False)
    with pytest.raises(ValueError, match="choose from"):
        summarise(ARTICLE, steps=["quote"], cache=False)


def test_openai_client_carries_the_requests(seed):
    with ScriptedServer() as srv:
        client = openai.OpenAI(api_key=KEY, base_url=srv.url, default_headers={"X-Team": "desk"})
        s = summarise(seed, "gpt-test", client=client, steps=["events"], cache=False)
        assert isinstance(s, Summary) and s.meta.model == "openai:gpt-test"
        assert srv.requests and all(r["model"] == "gpt-test" for r in srv.requests)
        assert all(h.get("x-team") == "desk" for h in srv.headers)  # the user's own client


def test_instructor_client_is_unwrapped(seed):
    with ScriptedServer() as srv:
        inner = openai.OpenAI(api_key=KEY, base_url=srv.url)
        client = instructor.from_openai(inner)
        s = summarise(seed, "openai:gpt-test", client=client, steps=["events"], cache=False)
        assert s.meta.model == "openai:gpt-test" and srv.requests


def test_client_needs_a_model_name_and_a_real_client():
    with pytest.raises(ConfigError, match="model name"):
        summarise(ARTICLE, client=openai.OpenAI(api_key=KEY), cache=False)
    with pytest.raises(ConfigError, match="openai.OpenAI"):
        summarise(ARTICLE, "m", client=object(), cache=False)
    with pytest.raises(ConfigError, match="asummarise"):
        summarise(ARTICLE, "m", client=openai.AsyncOpenAI(api_key=KEY), cache=False)


def test_client_errors_become_backend_errors_without_the_key(seed):
    echo = json.dumps({"error": {"message": f"bad key {KEY}"}}).encode()
    with ScriptedServer([Reply(status=401, body=echo)]) as srv:
        client = openai.OpenAI(api_key=KEY, base_url=srv.url, max_retries=0)
        with pytest.raises(BackendError) as info:
            summarise(seed, "gpt-test", client=client, steps=["events"], cache=False)
    assert "401" in str(info.value) or "Authentication" in str(info.value)
    assert KEY not in str(info.value)


def test_asummarise_with_an_async_client(seed):
    with ScriptedServer() as srv:
        client = openai.AsyncOpenAI(api_key=KEY, base_url=srv.url)

        async def main() -> list[Summary]:
            return await asyncio.gather(
                asummarise(seed, "gpt-test", client=client, steps=["quotes"], cache=False),
                asummarise(ARTICLE, "gpt-test", client=client, steps=["quotes"], cache=False),
            )

        first, second = asyncio.run(main())
    assert first.meta.model == second.meta.model == "openai:gpt-test"
    # each call worked on its own article: whatever was found (kept or dropped) comes from it
    for text, s in ((seed, first), (ARTICLE, second)):
        found = [q.text for q in s.quotes] + [str(d.value) for d in s.meta.drops]
        assert found and all(f in text for f in found)
    assert any("every library open" in str(d.value) for d in second.meta.drops) or any(
        "every library open" in q.text for q in second.quotes
    )
    with pytest.raises(TypeError):
        asyncio.run(asummarise(ARTICLE, steps="events"))
