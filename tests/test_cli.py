"""The `summarise` command through Typer's CliRunner: exact JSON, exit codes, one-line errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from summariser.cli import app
from tests.server import Reply, ScriptedServer
from tests.test_openai_http import KEY, SPEAKERS

runner = CliRunner()


def invoke(*args: str, input: str | bytes | None = None, env: dict | None = None):
    return runner.invoke(app, list(args), input=input, env=env)


@pytest.fixture
def server():
    with ScriptedServer([Reply(SPEAKERS)]) as srv:
        yield srv


def openai_args(srv) -> list[str]:
    return ["-m", "openai:test-model", "--base-url", srv.url, "--api-key", KEY]


def test_run_prints_exact_json_records(server, tmp_path, seed):
    path = tmp_path / "a.txt"
    path.write_text(seed, encoding="utf-8")
    r = invoke("run", str(path), *openai_args(server), "--steps", "quotes", "--no-cache")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert set(data) == {"events", "stances", "quotes", "meta"}
    assert data["quotes"][4] == {
        "text": "No.", "speaker": "Sir Keir Starmer", "kind": "direct", "cue": "replied",
        "start": 1522, "end": 1525, "spans": [[1522, 1525]],
    }  # fmt: skip
    assert data["meta"]["model"] == "openai:test-model"
    assert KEY not in r.output


def test_run_from_stdin_as_markdown(server, seed):
    r = invoke("run", "-", *openai_args(server), "--steps", "quotes", "-f", "md", "--no-cache",
               input=seed)  # fmt: skip
    assert r.exit_code == 0
    assert (
        "## Quotes (8)" in r.stdout and "| Sir Keir Starmer | direct | replied | No. |" in r.stdout
    )


def test_env_vars_select_the_model(server, seed, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(seed, encoding="utf-8")
    env = {"SUMMARISER_MODEL": "openai:env-model", "OPENAI_BASE_URL": server.url,
           "OPENAI_API_KEY": KEY}  # fmt: skip
    r = invoke("run", str(path), "--steps", "quotes", "--no-cache", env=env)
    assert r.exit_code == 0 and server.requests[0]["model"] == "env-model"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"  \n\t ", "is empty"),
        (b"caf\xe9 au lait", "not UTF-8"),
        (b"\x7fELF\x00\x01\x02", "NUL bytes"),
        (b"<html><body><p>Hi</p><p>there</p></body></html>", "looks like HTML"),
    ],
)
def test_bad_files_give_one_line_and_exit_1(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    r = invoke("run", str(path), "-m", "openai:x", "--api-key", KEY)
    assert r.exit_code == 1
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert r.stdout == ""


def test_missing_path_and_directory(tmp_path):
    r = invoke("run", str(tmp_path / "nope.txt"))
    assert r.exit_code == 1 and "no such file" in r.stderr
    r = invoke("run", str(tmp_path))
    assert r.exit_code == 1 and "is a directory" in r.stderr


def test_missing_key_says_what_to_do(tmp_path, seed):
    path = tmp_path / "a.txt"
    path.write_text(seed)
    r = invoke("run", str(path), "-m", "openai:gpt-4o-mini")
    assert r.exit_code == 1
    assert r.stderr.strip() == "error: No API key: set OPENAI_API_KEY or pass --api-key"


def test_unknown_model_lists_available(tmp_path, seed):
    path = tmp_path / "a.txt"
    path.write_text(seed)
    r = invoke("run", str(path), "-m", "local:gpt-5")
    assert r.exit_code == 1 and "local:qwen2.5-coder-1.5b" in r.stderr


def test_models_json_marks_the_default():
    r = invoke("models", "--json")
    rows = json.loads(r.stdout)
    assert [x["model"] for x in rows if x["default"]] == ["local:qwen2.5-coder-1.5b"]
    assert all(x["installed"] for x in rows if x["model"].startswith("local:"))
