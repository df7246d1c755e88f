"""`summarise export` and `summariser.tables()`: flat tables that agree with the JSONL."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

import summariser
from summariser.cli import app
from summariser.export.columns import TABLES
from tests.batchdata import write_batch

ARTICLE = "“We will build the bridge,” said Sir Keir Starmer. Starmer backs the bridge plan."


def quote(text: str, speaker: str, kind: str = "direct") -> dict:
    a = ARTICLE.index(text)
    return {"text": text, "speaker": speaker, "kind": kind, "cue": "said", "start": a,
            "end": a + len(text), "spans": [[a, a + len(text)]]}  # fmt: skip


def stance(sentence: str, holder: str, target: str, polarity: str) -> dict:
    a = ARTICLE.index(sentence)
    return {"holder": holder, "target": target, "polarity": polarity, "evidence": sentence,
            "start": a, "end": a + len(sentence)}  # fmt: skip


META = {"model": "openai:m", "prompt_version": "p1", "timings": {"total": 1.5, "quotes": 0.5},
        "usage": {"prompt_tokens": 900, "completion_tokens": 40, "calls": 3},
        "dropped": {"pronoun": 2, "not_named": 1},
        "steps": ["quotes", "events", "stances"]}  # fmt: skip
LINES = [
    {"id": "bridge-1", "extra": {"title": "Bridge plan"}, "summary": {
        "quotes": [quote("We will build the bridge", "Sir Keir Starmer")],
        "stances": [stance("Starmer backs the bridge plan.", "Starmer", "the bridge plan",
                           "support")],
        "meta": META}},
    {"id": 7, "summary": {"quotes": [quote("We will build the bridge", "Keir Starmer", "indirect")],
                          "meta": {**META, "failures": ["events"]}}},
    {"id": None, "line": 3,
     "error": {"type": "InputError", "message": "in.jsonl line 3 is not JSON"}},
]  # fmt: skip


def write(path: Path, lines: list, tail: str = "") -> Path:
    path.write_text("".join(json.dumps(x) + "\n" for x in lines) + tail, encoding="utf-8")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_export_writes_one_row_per_record_with_canonical_names(tmp_path):
    results = write(tmp_path / "results.jsonl", LINES)
    r = CliRunner().invoke(
        app, ["export", str(results), "--to", str(tmp_path / "t"), "--no-parquet"]
    )
    assert r.exit_code == 0, r.output
    assert r.stdout == "" and "articles 3, quotes 2, events 0, stances 1 rows" in r.stderr
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "articles.csv", "events.csv", "quotes.csv", "stances.csv"]  # fmt: skip
    quotes = read_csv(tmp_path / "t" / "quotes.csv")
    assert quotes == [
        {"result_line": "1", "article_id": "bridge-1", "n": "1", "speaker": "Sir Keir Starmer",
         "speaker_canonical": "Keir Starmer", "speaker_key": "keir starmer", "kind": "direct",
         "cue": "said", "text": "We will build the bridge", "start": "1", "end": "25",
         "spans": "[[1, 25]]"},
        {"result_line": "2", "article_id": "7", "n": "1", "speaker": "Keir Starmer",
         "speaker_canonical": "Keir Starmer", "speaker_key": "keir starmer", "kind": "indirect",
         "cue": "said", "text": "We will build the bridge", "start": "1", "end": "25",
         "spans": "[[1, 25]]"},
    ]  # fmt: skip
    (st,) = read_csv(tmp_path / "t" / "stances.csv")
    assert (st["holder"], st["holder_key"], st["holder_canonical"]) == (
        "Starmer", "keir starmer", "Keir Starmer")  # fmt: skip
    arts = read_csv(tmp_path / "t" / "articles.csv")
    assert [a["article_id"] for a in arts] == ["bridge-1", "7", "line:3"]
    assert arts[0]["title"] == "Bridge plan" and arts[0]["status"] == "ok"
    assert (arts[0]["quotes"], arts[0]["stances"], arts[0]["dropped"]) == ("1", "1", "3")
    assert (arts[0]["seconds"], arts[0]["calls"], arts[0]["cached"]) == ("1.5", "3", "false")
    assert arts[1]["failures"] == "events"
    assert (arts[2]["status"], arts[2]["error_type"], arts[2]["model"]) == (
        "error", "InputError", "")  # fmt: skip
    assert arts[2]["error"] == "in.jsonl line 3 is not JSON"


def test_parquet_has_the_documented_types_and_the_same_rows(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    results = write(tmp_path / "results.jsonl", LINES)
    r = CliRunner().invoke(app, ["export", str(results), "--to", str(tmp_path / "t")])
    assert r.exit_code == 0, r.output
    arrow = {"string": "string", "integer": "int64", "number": "double", "boolean": "bool"}
    for name, cols in TABLES.items():
        table = pq.read_table(tmp_path / "t" / f"{name}.parquet")
        assert [(f.name, str(f.type)) for f in table.schema] == [
            (c.name, arrow[c.type]) for c in cols
        ]
        assert table.num_rows == len(read_csv(tmp_path / "t" / f"{name}.csv"))
    arts = pq.read_table(tmp_path / "t" / "articles.parquet").to_pylist()
    assert arts[2]["model"] is None and arts[0]["cached"] is False and arts[0]["seconds"] == 1.5


def test_parquet_without_pyarrow_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    results = write(tmp_path / "results.jsonl", LINES)
    r = CliRunner().invoke(app, ["export", str(results), "--to", str(tmp_path / "t"), "--parquet"])
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert 'pip install "summariser[parquet]"' in r.stderr
    assert not list((tmp_path / "t").glob("*"))  # nothing half written
    r = CliRunner().invoke(app, ["export", str(results), "--to", str(tmp_path / "t")])
    assert r.exit_code == 0 and "(CSV)" in r.stderr  # by default: CSV only, no error


def test_a_truncated_and_a_foreign_line_are_reported_once_and_skipped(tmp_path):
    tail = '["a list"]\n{"title": "not ours"}\n{"id": "cut", "summary": {"quotes": [{"te'
    results = write(tmp_path / "results.jsonl", LINES, tail)
    r = CliRunner().invoke(app, ["export", str(results), "--to", str(tmp_path / "t")])
    assert r.exit_code == 3, r.output
    warnings = [x for x in r.stderr.splitlines() if x.startswith("warning:")]
    assert warnings == [
        "warning: results.jsonl line 4: not a JSON object: not a results line: skipped",
        "warning: results.jsonl line 5: not a results line (id: field required): skipped",
        "warning: results.jsonl line 6: not JSON (a truncated line?): skipped",
    ]
    assert "3 line(s) of results.jsonl skipped" in r.stderr
    assert len(read_csv(tmp_path / "t" / "articles.csv")) == 3


def test_a_failed_write_leaves_the_old_tables_whole_and_no_temporary_files(tmp_path):
    """A file-size limit makes a write fail midway, as a full disk would."""
    _, results = write_batch(tmp_path, 60)
    out = tmp_path / "t"
    r = CliRunner().invoke(app, ["export", str(results), "--to", str(out), "--no-parquet"])
    assert r.exit_code == 0, r.output
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert len(before["quotes.csv"]) > 40_000

    def limit():
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    more = write(tmp_path / "more.jsonl", [json.loads(x) for x in results.read_text().splitlines()])
    p = subprocess.run([sys.executable, "-m", "summariser", "export", str(more), "--to", str(out),
                        "--no-parquet"], capture_output=True, text=True, timeout=120,
                       preexec_fn=limit, env=os.environ)  # fmt: skip
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.startswith("error: ") and p.stderr.count("\n") == 1, p.stderr
    assert "cannot write the tables" in p.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # old tables, no temp files


def counts_from_jsonl(path: Path) -> dict[str, Counter]:
    """Records per article straight from the JSONL (json, no summariser code)."""
    out: dict[str, Counter] = {k: Counter() for k in ("quotes", "events", "stances")}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        summary = json.loads(line).get("summary") or {}
        for kind in out:
            out[kind][n] = len(summary.get(kind, []))
    return out


def test_every_count_in_the_tables_agrees_with_the_jsonl(tmp_path):
    _, results = write_batch(tmp_path, 250, seed=3)
    r = CliRunner().invoke(app, ["export", str(results), "--to", str(tmp_path / "t")])
    assert r.exit_code == 0, r.output
    expected = counts_from_jsonl(results)
    articles = read_csv(tmp_path / "t" / "articles.csv")
    assert len(articles) == len(results.read_text().splitlines()) == 250
    for kind, per_line in expected.items():
        rows = read_csv(tmp_path / "t" / f"{kind}.csv")
        assert Counter(int(x["result_line"]) for x in rows) == +per_line
        assert {int(a["result_line"]): int(a[kind]) for a in articles} == dict(per_line)
    errors = sum(1 for x in results.read_text().splitlines() if '"error"' in x[:40])
    assert sum(a["status"] == "error" for a in articles) == errors > 0


def test_tables_in_python_lists_without_pandas_and_dataframes_with_it(tmp_path, monkeypatch):
    results = write(tmp_path / "results.jsonl", LINES)
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if pandas were not installed
    plain = summariser.tables(results)
    assert isinstance(plain["quotes"], list) and len(plain["quotes"]) == 2
    assert plain["quotes"][0]["speaker_key"] == "keir starmer"
    assert plain["articles"][2]["model"] is None and plain["articles"][0]["cached"] is False
    assert summariser.tables(LINES) == plain  # lines given as Python values: the same tables
    monkeypatch.undo()
    pd = pytest.importorskip("pandas")
    frames = summariser.tables(str(results))
    assert isinstance(frames["quotes"], pd.DataFrame)
    assert list(frames["stances"].columns) == [c.name for c in TABLES["stances"]]
    assert str(frames["articles"]["quotes"].dtype) == "Int64"
    assert frames["quotes"].to_dict("records")[1]["article_id"] == "7"


def test_schema_tables_lists_exactly_the_columns_written(tmp_path):
    results = write(tmp_path / "results.jsonl", LINES)
    runner = CliRunner()
    assert runner.invoke(app, ["export", str(results), "--to", str(tmp_path / "t")]).exit_code == 0
    r = runner.invoke(app, ["schema", "tables"])
    assert r.exit_code == 0
    schema = json.loads(r.stdout)["tables"]
    for name in ("articles", "quotes", "events", "stances"):
        with (tmp_path / "t" / f"{name}.csv").open() as f:
            header = next(csv.reader(f))
        assert [c["name"] for c in schema[name]["fields"]] == header
        assert all(c["description"] and c["type"] for c in schema[name]["fields"])


def test_missing_results_file_and_a_file_as_folder_are_one_line(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["export", str(tmp_path / "nope.jsonl"), "--to", str(tmp_path / "t")])
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "no such results file" in r.stderr
    results = write(tmp_path / "results.jsonl", LINES)
    r = runner.invoke(app, ["export", str(results), "--to", str(results)])
    assert r.exit_code == 1 and "is a file: give a folder" in r.stderr
