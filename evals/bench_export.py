"""Export and overview at batch scale: time, output sizes and peak memory.

    python evals/bench_export.py                 # 10,000 results lines (and 2,000 for memory)
    python evals/bench_export.py --n 1000 --keep /tmp/bench   # keep the files to look at

The results are written by `tests/batchdata.py` (no model, no server): template news articles
with exact offsets and the lines `summarise batch` would write for them — 6-20 records per
article, people named in full, by title and by surname, some sharing a surname, a third of
event dates on the calendar, 2% error lines, 1% failed steps. One truncated and one foreign line
are appended, as a killed batch or a wrong file would leave them. Each command runs in its own
process; peak RSS is that process's maximum resident set. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.batchdata import write_batch  # noqa: E402

MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
      p.returncode)
sys.stderr.write(p.stderr)
"""


def measure(*args: str) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB, exit code, stderr) of `summarise ARGS` in a fresh process."""
    cmd = [sys.executable, "-c", MEASURE, sys.executable, "-m", "summariser", *args]
    p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    seconds, rss_kb, code = p.stdout.split()
    return float(seconds), int(rss_kb) / 1024, int(code), p.stderr


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run(n: int, folder: Path) -> None:
    started = time.perf_counter()
    articles, results = write_batch(folder, n)
    with results.open("a", encoding="utf-8") as f:
        f.write('{"title": "a line from another file"}\n{"id": "cut-short", "summary": {"quo')
    lines = results.read_text(encoding="utf-8").count("\n") + 1
    print(f"\n== {n:,} articles: {lines:,} results lines, {results.stat().st_size / 1e6:.1f} MB "
          f"(articles {articles.stat().st_size / 1e6:.1f} MB), written in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip
    records = {"quotes": 0, "events": 0, "stances": 0}
    for line in results.read_text(encoding="utf-8").splitlines()[:-2]:
        summary = json.loads(line).get("summary") or {}
        for k in records:
            records[k] += len(summary.get(k, []))
    print("records in the JSONL: " + ", ".join(f"{k} {v:,}" for k, v in records.items()))

    tables = folder / "tables"
    s, rss, code, err = measure("export", str(results), "--to", str(tables), "-q")
    warnings = sum(x.startswith("warning:") for x in err.splitlines())
    print(f"export (CSV + Parquet): {s:.1f} s, peak RSS {rss:.0f} MB, exit {code}, "
          f"{warnings} bad line(s) reported")  # fmt: skip
    for p in sorted(tables.iterdir()):
        print(f"  {p.name:18} {p.stat().st_size / 1e6:6.2f} MB")
    s, rss, code, _ = measure("export", str(results), "--to", str(folder / "csv"), "--no-parquet",
                              "-q")  # fmt: skip
    print(f"export (CSV only):      {s:.1f} s, peak RSS {rss:.0f} MB, exit {code}")

    site = folder / "site"
    s, rss, code, _ = measure("view", str(results), "--articles", str(articles), "-o", str(site),
                              "-q")  # fmt: skip
    index = (site / "index.html").stat().st_size
    pages = list((site / "articles").iterdir())
    print(f"view -o DIR --articles: {s:.1f} s, peak RSS {rss:.0f} MB, exit {code}; index.html "
          f"{index / 1e6:.2f} MB, {len(pages):,} article pages (mean "
          f"{sum(p.stat().st_size for p in pages) / len(pages) / 1e3:.1f} KB), "
          f"site {size(site) / 1e6:.0f} MB")  # fmt: skip
    bare = folder / "bare"
    s, rss, code, _ = measure("view", str(results), "-o", str(bare), "-q")
    print(f"view -o DIR (no texts): {s:.1f} s, peak RSS {rss:.0f} MB, exit {code}; index.html "
          f"{(bare / 'index.html').stat().st_size / 1e6:.2f} MB")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, nargs="*", default=[2_000, 10_000])
    ap.add_argument("--keep", type=Path, help="write here and keep the files")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for n in args.n:
        if args.keep:
            folder = args.keep / str(n)
            folder.mkdir(parents=True, exist_ok=True)
            run(n, folder)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                run(n, Path(tmp))


if __name__ == "__main__":
    main()
