"""Bad input, secrets, files on disk, and a small load run (see tests/README.md)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summariser import summarise
from summariser.cache import ResultCache, cache_key
from summariser.cli import app
from summariser.errors import redact
from summariser.paths import JsonlAppender
from summariser.pipeline import extract
from tests.fakes import FakeBackend
from tests.server import Reply, ScriptedServer, empty_reply, request_schema

SENTINEL = "sk-SENTINEL-5f3a9c-never-print-me"


def test_five_megabyte_article_is_refused(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("word " * 1_100_000)
    r = CliRunner().invoke(app, ["run", str(big), "-m", "openai:m", "--api-key", SENTINEL])
    assert r.exit_code == 1 and "MB" in r.stderr and "split it" in r.stderr


def test_one_huge_paragraph_is_chunked_not_cut():
    # each sentence its own happening (one told 450 times would be merged into one event)
    text = " ".join(
        f"Sentence number {i} is here: Mara Lind{i} opened depot {i} on Monday." for i in range(450)
    )
    assert len(text) > 20_000 and "\n" not in text
    fake = FakeBackend()
    fake.max_article_chars = 6_000
    s = extract(text, fake, steps=["events"])
    assert s.meta.chunks >= 4
    shown = "".join(c["messages"][1]["content"] for c in fake.calls)
    assert "Sentence number 0 " in shown and "Sentence number 449 " in shown  # nothing dropped


def test_windows_line_endings_keep_offsets_exact(tmp_path, seed):
    crlf = seed.replace("\n", "\r\n")
    path = tmp_path / "crlf.txt"
    path.write_bytes(crlf.encode())
    with ScriptedServer([Reply('{"Q1": "Sir Keir", "Q2": "Sir Keir"}')]) as srv:
        args = ["run", str(path), "-m", "openai:m", "--base-url", srv.url, "--api-key", SENTINEL,
                "--steps", "quotes", "--no-cache"]  # fmt: skip
        r = CliRunner().invoke(app, args)
    data = json.loads(r.stdout)
    assert len(data["quotes"]) == 8
    assert all(crlf[q["start"] : q["end"]] == q["text"] for q in data["quotes"])


def test_corrupt_cache_entry_is_ignored_and_rewritten(tmp_path, seed):
    store = ResultCache(tmp_path / "c")
    fake = FakeBackend()
    steps = ["quotes", "events"]  # the events question always goes to the model
    first = summarise(seed, backend=fake, steps=steps, cache=store)
    calls = len(fake.calls)
    key = cache_key(fake, seed, steps)
    entry = store._path(key)
    entry.write_text('{"quotes": [tru')  # torn
    again = summarise(seed, backend=fake, steps=steps, cache=store)
    assert calls > 0 and again.meta.cached is False and len(fake.calls) == 2 * calls
    assert json.loads(entry.read_text())["quotes"] == first.model_dump(mode="json")["quotes"]
    assert summarise(seed, backend=fake, steps=steps, cache=store).meta.cached is True
    assert len(fake.calls) == 2 * calls
    assert not list(entry.parent.glob("*.tmp"))  # atomic writes leave no temp files


def test_api_key_never_written_anywhere(tmp_path, seed, monkeypatch):
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("SUMMARISER_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("SUMMARISER_HTTP_ATTEMPTS", "2")
    art = tmp_path / "a.txt"
    art.write_text(seed)
    batch_in = tmp_path / "in.jsonl"
    batch_in.write_text(json.dumps({"id": "x", "text": seed}) + "\n")
    gold = tmp_path / "gold.json"
    gold.write_text(
        json.dumps({"article": seed, "quotes": [{"text": "No.", "speaker": "Sir Keir"}]})
    )
    echo = json.dumps({"error": {"message": f"bad key {SENTINEL}"}}).encode()
    outputs = []
    runner = CliRunner()
    with ScriptedServer([Reply(status=401, body=echo), Reply(status=500, body=echo),
                         Reply(status=500, body=echo)]) as srv:  # fmt: skip
        common = ["-m", "openai:m", "--base-url", srv.url, "--api-key", SENTINEL]
        for args in (
            ["-vv", "run", str(art), *common],
            ["-vv", "run", str(art), *common, "--steps", "quotes"],
            ["-vv", "batch", str(batch_in), "--out", str(tmp_path / "out.jsonl"), *common],
            ["-vv", "eval", str(gold), "--report", str(tmp_path / "rep"), *common],
        ):
            r = runner.invoke(app, args)
            outputs.append(r.stdout + r.stderr + repr(r.exception))
    assert any("HTTP 401" in o for o in outputs)  # the faults really happened
    assert any("DEBUG" in o for o in outputs)  # and verbose logging was on

    def echoing(request):
        """A 200 whose every string field echoes the key, whole and truncated (a leaky server)."""
        props = request_schema(request).get("properties", {})
        leak = f"{SENTINEL} or {SENTINEL[:9]}"
        return Reply(json.dumps({k: [] if v.get("type") == "array" else leak
                                 for k, v in props.items()}))  # fmt: skip

    with ScriptedServer(default=echoing) as srv:
        common = ["-m", "openai:m", "--base-url", srv.url, "--api-key", SENTINEL, "--no-cache"]
        for args in (
            ["run", str(art), *common],
            ["batch", str(batch_in), "--out", str(tmp_path / "echo.jsonl"), *common],
            ["eval", str(gold), "--report", str(tmp_path / "echo-rep"), *common],
        ):
            r = runner.invoke(app, args)
            outputs.append(r.stdout + r.stderr + repr(r.exception))
        assert len(srv.requests) >= 3  # the leaky answers really were given
    assert (tmp_path / "echo.jsonl").exists() and (tmp_path / "echo-rep").exists()
    written = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    assert all(SENTINEL[:8].encode() not in b for b in written)
    assert all(SENTINEL[:8] not in o for o in outputs)


def test_load_every_article_gets_exactly_one_line(tmp_path, monkeypatch):
    """A small version of evals/bench_batch.py load: 300 articles, 10% of requests fail."""
    monkeypatch.setenv("SUMMARISER_HTTP_ATTEMPTS", "1")
    rng = random.Random(7)
    src = tmp_path / "in.jsonl"
    rows = ({"id": f"a{i}", "text": f"Ana Lopez spoke. “Item {i},” she said."} for i in range(300))
    src.write_text("".join(json.dumps(row) + "\n" for row in rows))

    def answer(request):
        if rng.random() < 0.10:
            return Reply(status=500, body=b'{"error": {"message": "injected"}}')
        props = request_schema(request).get("properties", {})
        return (
            Reply(json.dumps({k: "Ana Lopez" for k in props}))
            if "Q1" in props
            else empty_reply(request)
        )

    out = tmp_path / "out.jsonl"
    with ScriptedServer(default=answer) as srv:
        r = CliRunner().invoke(app, ["batch", str(src), "--out", str(out), "-m", "openai:m",
                                     "--base-url", srv.url, "--api-key", SENTINEL, "-j", "32",
                                     "--steps", "quotes,events", "--no-cache"])  # fmt: skip
        requests = len(srv.requests)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    ids = [x["id"] for x in lines]
    errors = sum("error" in x for x in lines)
    assert len(ids) == len(set(ids)) == 300
    assert 0 < errors < 300 and requests == 300  # one request an article, none retried
    assert f"{300 - errors} summaries, {errors} errors" in r.stderr


@pytest.mark.parametrize("name", ["no-such-dir/x.json", "."])
def test_eval_bad_gold_path(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(app, ["eval", name, "-m", "openai:m", "--api-key", SENTINEL])
    assert r.exit_code == 1 and r.stderr.startswith("error: ")


def test_wheel_ships_the_prompts_and_finds_them_outside_the_checkout(tmp_path):
    """`pip install .` (non-editable): the prompts travel inside the wheel."""
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                    str(root)], check=True, capture_output=True, timeout=300)  # fmt: skip
    (wheel,) = tmp_path.glob("summariser-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        z.extractall(tmp_path / "site")
    assert "summariser/_prompts/system.md" in names and "summariser/_prompts/quotes.md" in names
    code = "from summariser import prompts; print(prompts.prompts_dir())"
    env = {"PYTHONPATH": str(tmp_path / "site")}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, env=env, check=True)  # fmt: skip
    assert out.stdout.strip() == str(tmp_path / "site" / "summariser" / "_prompts")


@pytest.mark.parametrize(
    ("echo", "shown"),
    [
        (f"bad key {SENTINEL}!", "bad key ***!"),
        ("key sk-SENTIN given", "key *** given"),  # truncated: its first 9 characters
        (
            "Incorrect API key provided: sk-SENTI*****t-me.",
            "Incorrect API key provided: ********t-me.",
        ),  # masked by the server: its first 8 characters  # fmt: skip
        ('{"value": "5f3a9c-never-print"}', '{"value": "***"}'),  # a piece from the middle
        ("sk-SENT and never-p stay", "sk-SENT and never-p stay"),  # 7 characters: not the key
    ],
)
def test_redact_catches_whole_truncated_and_partial_keys(echo, shown):
    assert redact(echo, SENTINEL, None) == shown


def test_redact_leaves_short_secrets_and_clean_text_alone():
    assert redact("abc secret1 x", "secret1") == "abc *** x"  # 7 characters: only whole
    assert redact("abc sec x", "sec") == "abc sec x"  # too short to be a key
    assert redact("nothing here", SENTINEL) == "nothing here"


def test_jsonl_appender_writes_a_lone_surrogate_as_its_json_escape(tmp_path):
    path = tmp_path / "p.jsonl"
    writer = JsonlAppender(path, fresh=True)
    writer.write(json.dumps({"speaker": "Ana \ud800"}, ensure_ascii=False))
    writer.close()
    assert path.read_bytes() == b'{"speaker": "Ana \\ud800"}\n'  # valid UTF-8 and valid JSON
