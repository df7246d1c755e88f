"""Batch benchmarks against a local OpenAI-compatible server with injected latency and faults.

    python evals/bench_batch.py throughput   # articles/s ÷ ideal at concurrency 1, 8, 32, 64
    python evals/bench_batch.py overhead     # our cost per article: fake backend, instant server
    python evals/bench_batch.py cache        # warm rerun time ÷ cold run time
    python evals/bench_batch.py memory       # peak RSS of `summarise batch`: 500 and 5,000 articles
    python evals/bench_batch.py load         # 2,000 articles, concurrency 64, 5% failures

The server runs in its own process (so its work does not share our GIL) and answers every
request with the emptiest valid answer, except the quote-speaker request, which names the
speaker in the article. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server import Reply, ScriptedServer, empty_reply, request_schema  # noqa: E402

# One model request per article with steps=("quotes",): the two speakers code cannot name.
ARTICLE = (
    "Ana Lopez, the council leader, spoke on Monday about the budget. “We will not raise taxes "
    "this year,” she said. Opposition members said the plan was unrealistic.\n"
    "“The numbers do not add up,” said Tom Reyes."
)


def _serve(port_q: mp.Queue, latency: float, fail_rate: float) -> None:
    rng = random.Random(0)

    def answer(request: dict) -> Reply:
        if rng.random() < fail_rate:
            return Reply(status=500, body=b'{"error": {"message": "injected failure"}}',
                         delay=latency)  # fmt: skip
        props = request_schema(request).get("properties", {})
        if "Q1" in props:
            reply = Reply(json.dumps({k: "Ana Lopez" for k in props}))
        else:
            reply = empty_reply(request)
        reply.delay = latency
        return reply

    with ScriptedServer(default=answer) as srv:
        srv.httpd.request_queue_size = 1024
        port_q.put(srv.url)
        while True:
            time.sleep(3600)


class Server:
    """A ScriptedServer in a child process; `url` once started."""

    def __init__(self, latency: float = 0.0, fail_rate: float = 0.0) -> None:
        q: mp.Queue = mp.Queue()
        self.proc = mp.Process(target=_serve, args=(q, latency, fail_rate), daemon=True)
        self.proc.start()
        self.url = q.get(timeout=30)

    def close(self) -> None:
        self.proc.kill()
        self.proc.join()


def write_input(path: Path, n: int) -> Path:
    with path.open("w") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"a{i}", "text": f"Story {i}. {ARTICLE}"}) + "\n")
    return path


def run_cli(args: list[str], url: str, env_extra: dict | None = None) -> tuple[float, str]:
    """Run `summarise batch ...` in a subprocess; (wall seconds, stderr)."""
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": url,
           "SUMMARISER_HTTP_BACKOFF": "0.05", **(env_extra or {})}  # fmt: skip
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "summariser", "batch", *args], env=env,
                       capture_output=True, text=True)  # fmt: skip
    if p.returncode:
        raise SystemExit(p.stderr)
    return time.perf_counter() - t0, p.stderr


def in_process_batch(n: int, url: str, concurrency: int, cache: bool, tmp: Path) -> float:
    """Seconds for an in-process batch of n articles (the CLI's code path without the process)."""
    from summariser.backends import resolve
    from summariser.batch import read_articles, run_batch
    from summariser.cache import ResultCache

    backend = resolve("openai:bench", api_key="sk-bench", base_url=url)
    src = write_input(tmp / f"in-{n}.jsonl", n)
    out = tmp / f"out-{n}-{concurrency}-{time.time_ns()}.jsonl"
    store = ResultCache(tmp / "cache") if cache else False
    t0 = time.perf_counter()
    tally = run_batch(read_articles(src), backend, out, concurrency=concurrency,
                      steps=("quotes",), cache=store)  # fmt: skip
    wall = time.perf_counter() - t0
    assert tally.summaries == n, tally
    return wall


def throughput(tmp: Path) -> None:
    latency = 0.2
    server = Server(latency)
    print(f"throughput: server latency {latency * 1000:.0f} ms, 1 request per article "
          "(the speakers code cannot name), no cache")  # fmt: skip
    try:
        for concurrency, n in ((1, 50), (8, 500), (32, 500), (64, 500)):
            wall = in_process_batch(n, server.url, concurrency, False, tmp)
            ideal = concurrency / latency
            achieved = n / wall
            print(f"  concurrency {concurrency:>2}: {n} articles in {wall:6.2f}s = "
                  f"{achieved:6.1f}/s; ideal {ideal:6.1f}/s; "
                  f"ratio {achieved / ideal:.2f}")  # fmt: skip
    finally:
        server.close()


def overhead(tmp: Path) -> None:
    from summariser.backends.fake import FakeBackend
    from summariser.pipeline import extract

    fake = FakeBackend({"Speakers": ['{"Q1": "Ana Lopez", "Q2": "Tom Reyes"}'] * 1000})
    assert len(extract(ARTICLE, fake, ("quotes",)).quotes) == 3
    n = 300
    t0 = time.perf_counter()
    for _ in range(n):
        extract(ARTICLE, fake)
    per = (time.perf_counter() - t0) / n
    print(f"overhead: pipeline with the fake backend (3 validated calls, grounding, no HTTP): "
          f"{per * 1000:.2f} ms/article")  # fmt: skip
    server = Server(0.0)
    try:
        n = 300
        wall = in_process_batch(n, server.url, 1, False, tmp)
        print(f"overhead: batch against an instant local server (1 HTTP call, writing JSONL): "
              f"{wall / n * 1000:.2f} ms/article")  # fmt: skip
    finally:
        server.close()


def cache(tmp: Path) -> None:
    server = Server(0.2)
    try:
        n = 500
        cold = in_process_batch(n, server.url, 8, True, tmp)
        warm = in_process_batch(n, server.url, 8, True, tmp)
        print(f"cache: {n} articles cold {cold:.2f}s, warm {warm:.3f}s, ratio {warm / cold:.4f}")
    finally:
        server.close()


def _peak_rss_of_batch(n: int, url: str, tmp: Path, extra: list[str] = ()) -> tuple[float, str]:
    src = write_input(tmp / f"mem-{n}.jsonl", n)
    out = tmp / f"mem-out-{n}-{time.time_ns()}.jsonl"
    code = ("import resource, runpy, sys; sys.argv = ['summarise'] + sys.argv[1:]\n"
            "try:\n    runpy.run_module('summariser', run_name='__main__')\n"
            "finally:\n    print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
            " file=sys.stderr)")  # fmt: skip
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench", "OPENAI_BASE_URL": url,
           "SUMMARISER_CACHE_DIR": str(tmp / "memcache"),
           "SUMMARISER_HTTP_BACKOFF": "0.05"}  # fmt: skip
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code, "batch", str(src), "--out", str(out),
                        "-m", "openai:bench", "--steps", "quotes", "--no-cache", *extra],
                       env=env, capture_output=True, text=True)  # fmt: skip
    wall = time.perf_counter() - t0
    peak = next(int(x.split()[1]) for x in p.stderr.splitlines() if x.startswith("PEAK_KB"))
    summary = next((x for x in p.stderr.splitlines() if "summaries" in x), p.stderr[-300:])
    lines = out.read_text().splitlines()
    ids = [json.loads(x)["id"] for x in lines]
    print(f"  {n} articles: peak RSS {peak / 1024:.0f} MB, {wall:.1f}s, {len(lines)} lines, "
          f"{len(set(ids))} distinct ids, {sum('error' in x for x in lines)} error lines; "
          f"{summary}")  # fmt: skip
    return peak / 1024, summary


def memory(tmp: Path) -> None:
    server = Server(0.0)
    print("memory: `summarise batch` in a subprocess, JSONL streamed, concurrency 16")
    try:
        for n in (500, 5000):
            _peak_rss_of_batch(n, server.url, tmp, ["-j", "16"])
    finally:
        server.close()


def load(tmp: Path) -> None:
    server = Server(0.05, fail_rate=0.05)
    os.environ["SUMMARISER_HTTP_ATTEMPTS"] = "1"  # no retries: injected failures become errors
    print("load: 2,000 articles, concurrency 64, 5% of requests fail with HTTP 500, no retries "
          "(1 request an article: ~5% of articles should end as error lines)")  # fmt: skip
    try:
        _peak_rss_of_batch(2000, server.url, tmp, ["-j", "64"])
    finally:
        server.close()


if __name__ == "__main__":
    os.environ.setdefault("SUMMARISER_HTTP_ATTEMPTS", "2")
    modes = {"throughput": throughput, "overhead": overhead, "cache": cache, "memory": memory,
             "load": load}  # fmt: skip
    chosen = sys.argv[1:] or list(modes)
    with tempfile.TemporaryDirectory() as d:
        os.environ["SUMMARISER_CACHE_DIR"] = str(Path(d) / "cache")
        for mode in chosen:
            modes[mode](Path(d))
