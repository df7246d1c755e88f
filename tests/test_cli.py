"""The `summarise` command through Typer's CliRunner: exact JSON, exit codes, one-line errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from summariser.cli import app
from tests.server import Reply, ScriptedServer

runner = CliRunner()
KEY = "sk-test-SENTINEL-0123456789"
SPEAKERS = json.dumps({"Q1": "Sir Keir"})  # the seed's "he told reporters" quotation, if asked


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
        "text": "No.", "speaker": "Keir Starmer", "kind": "direct", "cue": "replied",
        "start": 1522, "end": 1525, "spans": [[1522, 1525]],
    }  # fmt: skip
    assert data["meta"]["model"] == "openai:test-model"
    assert KEY not in r.output


def test_run_from_stdin_as_markdown(server, seed):
    r = invoke("run", "-", *openai_args(server), "--steps", "quotes", "-f", "md", "--no-cache",
               input=seed)  # fmt: skip
    assert r.exit_code == 0
    assert "## Quotes (8)" in r.stdout and "| Keir Starmer | direct | replied | No. |" in r.stdout


def test_env_vars_select_the_model(server, seed, tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(seed, encoding="utf-8")
    env = {"SUMMARISER_MODEL": "openai:env-model", "OPENAI_BASE_URL": server.url,
           "OPENAI_API_KEY": KEY}  # fmt: skip
    r = invoke("run", str(path), "--steps", "events", "--no-cache", env=env)
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


# --- conventions: version, help, exit codes, -v/-q, formats (issue 11) ------------------------


@pytest.fixture(autouse=True)
def _logs_db(tmp_path, monkeypatch):
    monkeypatch.setenv("SUMMARISER_LOGS_DB", str(tmp_path / "logs.db"))


COMMANDS = [["run"], ["models"], ["schema"], ["view"], ["batch"], ["eval"], ["eval-polnear"],
            ["logs"], ["logs", "show"], ["logs", "path"]]  # fmt: skip


def test_version_and_exit_codes_in_help():
    r = invoke("--version")
    assert r.exit_code == 0 and r.stdout.startswith("summarise ")
    r = invoke("--help")
    assert r.exit_code == 0
    assert "3 finished with failed steps" in " ".join(r.stdout.split())
    assert "--install-completion" in r.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_takes_verbose_and_quiet(command):
    r = invoke(*command, "--help")
    assert r.exit_code == 0 and "--verbose" in r.stdout and "--quiet" in r.stdout
    if command[0] in ("run", "batch", "eval", "eval-polnear"):  # those that can exit 3
        assert "3 finished with failed steps" in " ".join(r.stdout.split())


def test_help_imports_no_heavy_module():
    import subprocess
    import sys

    code = (
        "import sys; from summariser.cli import app; "
        "print([m for m in ('openai', 'instructor', 'scipy', 'spacy', 'summariser.pipeline') "
        "if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_usage_errors_exit_2(tmp_path):
    r = invoke("run", "x.txt", "--steps", "quote")
    assert r.exit_code == 2 and "choose from" in r.stderr
    r = invoke("run", "x.txt", "--format", "yaml")
    assert r.exit_code == 2


def test_a_failed_step_still_prints_and_exits_3(tmp_path, seed):
    path = tmp_path / "a.txt"
    path.write_text(seed)
    cut_off = lambda request: Reply('{"events": [1,', finish_reason="length")  # noqa: E731
    with ScriptedServer(default=cut_off) as srv:
        r = invoke("run", str(path), *openai_args(srv), "--steps", "events", "--no-cache")
    assert r.exit_code == 3
    data = json.loads(r.stdout)  # the output is still written
    assert data["meta"]["failures"] and "exit code 3" in r.stderr


def test_non_english_article_warns(server, tmp_path):
    path = tmp_path / "fr.txt"
    path.write_text(
        "Le conseil municipal a voté mardi la fermeture de deux bibliothèques du quartier du "
        "port. « Nous ne pouvons pas garder tous les bâtiments ouverts », a déclaré la maire "
        "Margaux Hollis. L'opposition promet de saisir la justice dans les prochaines semaines "
        "et dénonce une décision prise sans la moindre concertation avec les habitants.",
        encoding="utf-8",
    )
    r = invoke("run", str(path), *openai_args(server), "--steps", "quotes", "--no-cache")
    assert "does not look like English" in r.stderr
    r = invoke("run", str(path), *openai_args(server), "--steps", "quotes", "--no-cache", "-q")
    assert "English" not in r.stderr  # -q: data and errors only


def test_english_article_does_not_warn(server, tmp_path, seed):
    path = tmp_path / "a.txt"
    path.write_text(seed)
    r = invoke("run", str(path), *openai_args(server), "--steps", "quotes", "--no-cache")
    assert r.exit_code == 0 and "English" not in r.stderr


def test_table_shows_only_the_steps_run_and_offsets_on_request(server, tmp_path, seed):
    path = tmp_path / "a.txt"
    path.write_text(seed)
    args = ["run", str(path), *openai_args(server), "--steps", "quotes", "-f", "table"]
    r = invoke(*args, env={"COLUMNS": "80"})
    assert r.exit_code == 0
    assert "Quotes (" in r.stdout and "Events" not in r.stdout and "Stances" not in r.stdout
    assert "1522" not in r.stdout  # offsets only with --offsets
    r = invoke(*args, "--offsets", env={"COLUMNS": "80"})
    assert "1522-1525" in r.stdout
    r = invoke(*args, env={"COLUMNS": "140"})
    assert "quotes (" in r.stdout and "┃" in r.stdout  # wide: a table


def test_verbose_shows_model_answers_not_library_noise(tmp_path, seed):
    path = tmp_path / "a.txt"
    path.write_text(seed)
    with ScriptedServer([Reply('{"events": "none"}')]) as srv:  # invalid: a re-ask follows
        r = invoke("run", str(path), *openai_args(srv), "--steps", "events", "--no-cache", "-v")
    assert r.exit_code == 0
    assert "attempt 1" in r.stderr and 'answer: {"events": "none"}' in r.stderr
    assert "attempt 2" in r.stderr and "error:" in r.stderr
    assert "DEBUG" not in r.stderr
    with ScriptedServer() as srv:
        r = invoke("run", str(path), *openai_args(srv), "--steps", "events", "--no-cache", "-vv")
    assert "DEBUG" in r.stderr and KEY not in r.stderr


def test_schema_command_prints_json_schemas():
    r = invoke("schema")
    schema = json.loads(r.stdout)
    assert schema["title"] == "Summary" and {"quotes", "meta"} <= set(schema["properties"])
    r = invoke("schema", "batch-line")
    line = json.loads(r.stdout)
    assert {"id", "summary", "error"} <= set(line["properties"])


def test_models_format_json_is_the_same_as_json_flag():
    assert json.loads(invoke("models", "-f", "json").stdout) == json.loads(
        invoke("models", "--json").stdout
    )


# --- terminal output: per-record layout, evidence, control characters (issues 11, 12) ---------

HOSTILE = (
    "The council voted to close the \x1b[2J\x1b]0;pwned\x07 library on Tuesday. "
    "“Keep it \x1b[31mopen\u202e,” said Ana Lopez."
)


def hostile_summary():
    from summariser.schemas import Event, Meta, Quote, Summary

    ev_end = HOSTILE.index("Tuesday.") + len("Tuesday.")
    q_start = HOSTILE.index("Keep")
    q_end = HOSTILE.index(",”")
    return Summary(
        quotes=[Quote(text=HOSTILE[q_start:q_end], speaker="Ana Lopez", kind="direct",
                      cue="said", start=q_start, end=q_end, spans=[(q_start, q_end)])],
        events=[Event(actor="The council", action="voted to close", target="the library",
                      when="on Tuesday", where=None, evidence=HOSTILE[:ev_end], start=0,
                      end=ev_end)],
        meta=Meta(model="fake:scripted", prompt_version="t"),
    )  # fmt: skip


@pytest.mark.parametrize("width", [60, 140])
def test_terminal_output_never_carries_control_characters(width):
    from rich.console import Console

    from summariser import render

    console = Console(width=width, record=True, force_terminal=False, color_system=None)
    for block in render.terminal(
        hostile_summary(), width, offsets=True, steps=("quotes", "events")
    ):
        console.print(block)
    text = console.export_text()
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b[31mopen\\u202e" in text.replace("\n", "").replace(" ", "")  # shown, escaped
    assert "evidence" in text  # events show their evidence sentence
    assert "Stances" not in text and "stances" not in text  # not run: not printed


def test_markdown_escapes_controls_pipes_and_tags():
    from summariser import render

    s = hostile_summary()
    s.quotes[0].speaker = "Ana | <b>Lopez</b>"
    md = render.markdown(s)
    assert "\x1b" not in md and "\x07" not in md and "\u202e" not in md
    assert "Ana \\| &lt;b>Lopez&lt;/b>" in md
    assert "## Events (1)" in md and "| actor | action | target | when | where | evidence |" in md


def test_narrow_terminals_get_one_block_per_record():
    from rich.console import Console

    from summariser import render

    console = Console(width=70, record=True, color_system=None)
    for block in render.terminal(hostile_summary(), 70):
        console.print(block)
    lines = console.export_text().splitlines()
    assert lines[0] == "Quotes (1)" and lines[1].startswith("1. Ana Lopez (direct, said)")
    assert not any("┃" in line or "│" in line for line in lines)  # no table borders


# --- batch: stdin and stdout, exit 3 on error lines, opt-in call log -------------------------


def test_batch_reads_stdin_and_writes_stdout(tmp_path):
    """A real process: `-` is the process's own stdin and stdout (pipes)."""
    import subprocess
    import sys

    rows = [{"id": "a1", "text": "Ana Lopez spoke. “It is done,” she said."},
            {"id": "a2", "text": "Tom Reyes spoke. “Not yet,” he said."}]  # fmt: skip
    stdin = "".join(json.dumps(r) + "\n" for r in rows)
    with ScriptedServer() as srv:
        done = subprocess.run(
            [sys.executable, "-m", "summariser", "batch", "-", "--out", "-", "-q",
             *openai_args(srv), "--steps", "quotes", "--no-cache"],
            input=stdin, capture_output=True, text=True, cwd=tmp_path, timeout=120,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [json.loads(x) for x in done.stdout.splitlines()]
    assert sorted(x["id"] for x in lines) == ["a1", "a2"] and all("summary" in x for x in lines)
    assert not (tmp_path / "-").exists() and not (tmp_path / "results.jsonl").exists()
    assert "stdout: 2 summaries" in done.stderr


def test_batch_with_error_lines_exits_3_and_logs_each_article_on_request(tmp_path, monkeypatch):
    db = tmp_path / "logs.db"
    monkeypatch.setenv("SUMMARISER_HTTP_ATTEMPTS", "1")
    src = tmp_path / "in.jsonl"
    french = (
        "Le conseil municipal a voté mardi la fermeture de deux bibliothèques du quartier du "
        "port, et l'opposition promet de saisir la justice dans les prochaines semaines contre "
        "une décision prise sans la moindre concertation avec les habitants."
    )
    ok = json.dumps({"id": "ok", "text": "The council closed the harbour library on Tuesday. "
                     "Ana Lopez opened a new school in March."})  # fmt: skip
    src.write_text(ok + "\n{not json\n" + json.dumps({"id": "fr", "text": french}) + "\n")
    out = tmp_path / "out.jsonl"
    with ScriptedServer() as srv:
        r = invoke("batch", str(src), "--out", str(out), *openai_args(srv), "--steps", "events",
                   "--no-cache", "--log", env={"SUMMARISER_LOGS_DB": str(db)})  # fmt: skip
    assert r.exit_code == 3, r.output
    assert len(out.read_text().splitlines()) == 3 and "exit code 3" in r.stderr
    assert "1 article(s) do not look like English (fr)" in r.stderr
    from summariser.batch import BatchLine  # `summarise schema batch-line` fits real lines

    lines = [BatchLine.model_validate_json(x) for x in out.read_text().splitlines()]
    assert sorted(str(x.id) for x in lines) == ["None", "fr", "ok"]
    from summariser.logs import recent

    runs = {x["source"]: x for x in recent(10, db)}
    assert set(runs) == {"ok", "fr"} and runs["ok"]["command"] == "batch"
    assert runs["ok"]["attempts"] >= 1 and runs["ok"]["status"] == "ok"
    with ScriptedServer() as srv:  # without --log nothing more is logged
        invoke("batch", str(src), "--out", str(tmp_path / "o2.jsonl"), *openai_args(srv),
               "--steps", "events", "--no-cache", env={"SUMMARISER_LOGS_DB": str(db)})  # fmt: skip
    assert len(recent(10, db)) == 2
