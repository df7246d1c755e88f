"""Batch benchmarks: seed-sized articles, all three steps, scripted answers valid for them.

    python evals/bench_batch.py stages       # CPU ms per article by stage; HTTP client CPU
    python evals/bench_batch.py throughput   # achieved ÷ ideal, concurrency 8..256, both paths
    python evals/bench_batch.py memory       # RSS over 5,000 articles (async path)
    python evals/bench_batch.py cache        # warm rerun time ÷ cold run time
    python evals/bench_batch.py load         # 2,000 articles, -j 64, 5% of requests fail

Articles are the gold articles in evals/gold/articles/ (1.4-2 KB each), each given a unique
first line so no two texts are equal. Every request is answered like a model that knows the
schema: who said a quotation -> null (a valid "cannot tell"), events -> every candidate
happened, stances -> every candidate is support; that is 3 requests per article, every answer
valid (no re-asks). The server runs in its own process with a fixed latency. Prints numbers
(tokens and ratios beside seconds); asserts nothing. Other processes on the machine slow every
figure: the load average is printed, and
"cores used" (articles/s x CPU s per article) shows how much of the machine a run really got.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server import Reply, ScriptedServer, request_schema  # noqa: E402

SEEDS = sorted((ROOT / "evals" / "gold" / "articles").glob("*.txt"))


def valid_answer(schema: dict[str, Any]) -> str:
    """A valid answer to any step: the first list of candidate numbers holds them all."""
    out: dict[str, Any] = {}
    first = True
    for name, prop in schema.get("properties", {}).items():
        if prop.get("type") == "array":
            items = prop.get("items", {})
            if items.get("type") == "integer" and first:
                low = items.get("minimum", 1)
                high = min(items.get("maximum", 0), low + prop.get("maxItems", 10**6) - 1)
                out[name] = list(range(low, high + 1))
                first = False
            else:
                out[name] = []
        else:
            out[name] = None
    return json.dumps(out)


def articles(n: int) -> list[dict[str, str]]:
    texts = [p.read_text(encoding="utf-8") for p in SEEDS]
    return [{"id": f"a{i}", "text": f"Story {i}.\n\n{texts[i % len(texts)]}"} for i in range(n)]


def write_input(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for row in articles(n):
            f.write(json.dumps(row) + "\n")
    return path


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f}/{five:.1f}/{fifteen:.1f} on {os.cpu_count() or 1} cores"


# --- the server ---------------------------------------------------------------------------


def _serve(port_q: Any, latency: float, fail_rate: float) -> None:
    rng = random.Random(0)

    def answer(request: dict[str, Any]) -> Reply:
        if rng.random() < fail_rate:
            return Reply(status=500, body=b'{"error": {"message": "injected"}}', delay=latency)
        return Reply(valid_answer(request_schema(request)), delay=latency)

    with ScriptedServer(default=answer) as srv:
        srv.httpd.request_queue_size = 1024
        port_q.put(srv.url)
        while True:
            time.sleep(3600)


class Server:
    """A scripted server in a child process (its CPU is not ours); `url` once started."""

    def __init__(self, latency: float = 0.0, fail_rate: float = 0.0) -> None:
        q: Any = mp.Queue()
        self.proc = mp.Process(target=_serve, args=(q, latency, fail_rate), daemon=True)
        self.proc.start()
        self.url = q.get(timeout=60)

    def close(self) -> None:
        self.proc.kill()
        self.proc.join()


# --- stages -------------------------------------------------------------------------------


def stages(args: argparse.Namespace, tmp: Path) -> None:
    from summariser import batch
    from summariser.pipeline import extract
    from summariser.text.document import parse
    from tests.fakes import FakeBackend, completion

    class Scripted(FakeBackend):
        def _answer(self, **kwargs: Any) -> Any:
            self.calls.append(kwargs)
            return completion(valid_answer(kwargs["response_format"]["json_schema"]["schema"]))

    fake = Scripted()
    rows = articles(len(SEEDS) * args.rounds)
    extract(rows[0]["text"] + " warm", fake)  # loads spaCy
    sums: dict[str, float] = {}
    parse_cpu = extract_cpu = line_cpu = 0.0
    records = calls = prompt_chars = 0
    for row in rows:
        t = time.process_time()
        parse(row["text"])
        parse_cpu += time.process_time() - t
        t = time.process_time()
        summary = extract(row["text"], fake)
        extract_cpu += time.process_time() - t
        for k, v in summary.meta.timings.items():
            sums[k] = sums.get(k, 0.0) + v
        t = time.process_time()
        batch.result_line(batch.Article(row["id"], row["text"]),
                          {"summary": summary.model_dump(mode="json")})  # fmt: skip
        line_cpu += time.process_time() - t
        records += len(summary.quotes) + len(summary.events) + len(summary.stances)
        calls += summary.meta.usage.calls
    for c in fake.calls:
        prompt_chars += sum(len(m["content"]) for m in c["messages"])
    n = len(rows)
    ms = {k: v / n * 1000 for k, v in sums.items()}
    print(f"stages: {n} articles ({len(SEEDS)} seeds x {args.rounds}), all three steps, fake "
          f"backend answering like the server; {calls / n:.1f} model calls and "
          f"{prompt_chars / max(1, len(fake.calls)):.0f} prompt characters per call; "
          f"{records / n:.1f} records per article; {load_average()}")  # fmt: skip
    print("  CPU ms per article (wall ms inside the pipeline, where the fake answers at once):")
    print(f"    spaCy parse (document.parse)           {parse_cpu / n * 1000:7.1f}")
    for key, label in (("parse", "rules on the parse (quotations, speech)"),
                       ("candidates", "candidates (quotes, events, stances)"),
                       ("quotes", "quotes step (ask + validate + ground)"),
                       ("events", "events step"), ("stances", "stances step")):  # fmt: skip
        print(f"    {label:<38} {ms.get(key, 0.0):7.1f}")
    print(f"    batch line (model_dump + JSON)         {line_cpu / n * 1000:7.1f}")
    excl = extract_cpu / n * 1000 - parse_cpu / n * 1000
    print(f"    = pipeline CPU {extract_cpu / n * 1000:.1f} ms, of which {excl:.1f} ms is not the "
          f"spaCy parse (goal <= 2 ms); ceiling on {_cores()} cores: "
          f"{_cores() / ((extract_cpu + line_cpu) / n):.1f} articles/s")  # fmt: skip
    server = Server(0.0)
    try:
        http_client_cpu(server.url)
    finally:
        server.close()


def http_client_cpu(url: str, n: int = 300) -> None:
    """CPU per request of our HTTP transports (sync and async) with an instant server."""
    import asyncio

    from summariser.backends import openai_compat

    config = openai_compat.settings("bench", api_key="sk-bench-000000", base_url=url)
    schema = {"type": "object", "properties": {"events": {"type": "array"}}}
    request = {"messages": [{"role": "user", "content": articles(1)[0]["text"]}],
               "max_tokens": 64, "tools": [{"type": "function", "function": {
                   "name": "EventChoice", "parameters": schema}}]}  # fmt: skip
    create = openai_compat.sync_create(config)
    create(**request)
    t = time.process_time()
    for _ in range(n):
        create(**request)
    sync_ms = (time.process_time() - t) / n * 1000

    async def go() -> float:
        transport = openai_compat.AsyncTransport(config)
        await transport.create(**request)
        t = time.process_time()
        for _ in range(n // 30):
            await asyncio.gather(*(transport.create(**request) for _ in range(30)))
        cpu = time.process_time() - t
        await transport.aclose()
        return cpu / (n // 30 * 30) * 1000

    async_ms = asyncio.run(go())
    print(f"  HTTP client CPU per request (openai client, retries, deadline; instant server): "
          f"sync {sync_ms:.2f} ms, async {async_ms:.2f} ms")  # fmt: skip


def _cores() -> int:
    from summariser.machine import cores

    return cores()


# --- throughput ---------------------------------------------------------------------------


def one_run(
    path: str, concurrency: int, n: int, url: str, tmp: Path, workers: int | None = None
) -> dict[str, Any]:
    """Run one batch (in this process); the steady-state rate between 10% and 90% done.

    `workers`: the async path's worker processes (default: `batch.aio.default_workers`).
    """
    import psutil

    from summariser import batch
    from summariser.backends import resolve

    backend = resolve("openai:bench", api_key="sk-bench-000000", base_url=url)
    src = write_input(tmp / f"in-{n}.jsonl", n)
    out = tmp / f"out-{path}-{concurrency}-{time.time_ns()}.jsonl"
    me = psutil.Process()
    marks: dict[int, tuple[float, tuple[float, float]]] = {}
    lo, hi = max(1, n // 10), max(2, n * 9 // 10)
    done = 0

    def cpu() -> tuple[float, float]:
        """(this process, this process + its workers) CPU seconds so far."""
        own = me.cpu_times().user + me.cpu_times().system
        total = own
        for child in me.children(recursive=True):
            try:
                t = child.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                pass
        return own, total

    def on_done(article: Any, ok: bool) -> None:
        nonlocal done
        done += 1
        if done in (lo, hi):
            marks[done] = (time.perf_counter(), cpu())

    job = batch.Job(concurrency=concurrency, cache=False, on_done=on_done)
    t0 = time.perf_counter()
    if path == "async":
        tally = batch.aio.run(batch.read_articles(src), backend, out, job, workers)
    else:
        tally = batch.threads.run(batch.read_articles(src), backend, out, job)
    wall = time.perf_counter() - t0
    (t_lo, (own_lo, c_lo)), (t_hi, (own_hi, c_hi)) = marks[lo], marks[hi]
    with out.open(encoding="utf-8") as f:  # model requests per article, as the pipeline counted
        calls = [json.loads(x)["summary"]["meta"]["usage"]["calls"] for x in f if '"summary"' in x]
    return {"wall": wall, "rate": (hi - lo) / (t_hi - t_lo), "cpu": (c_hi - c_lo) / (hi - lo),
            "own_cpu": (own_hi - own_lo) / (hi - lo), "peak_mb": _peak_mb(me),
            "summaries": tally.summaries, "errors": tally.errors,
            "calls": sum(calls) / max(1, len(calls))}  # fmt: skip


def _peak_mb(me: Any) -> float:
    """Peak RSS in MB of this process plus its largest worker (both since they started)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


def throughput(args: argparse.Namespace, tmp: Path) -> None:
    from summariser.batch import aio

    server = Server(args.latency)
    print(f"throughput: server latency {args.latency * 1000:.0f} ms; an article's requests go "
          f"one after another (ideal/s = concurrency / (requests per article x latency)); all "
          f"three steps, no cache; steady state (10%..90% of the articles); "
          f"{load_average()}")  # fmt: skip
    print(
        "  path    conc  articles  req/art  wall s  achieved/s  ideal/s  ratio  "
        "CPU ms/art (loop)  ceiling/s  ÷ceiling  cores used  peak MB  load (1 min)"
    )
    try:
        for path in args.paths.split(","):
            for concurrency in [int(c) for c in args.concurrency.split(",")]:
                n = max(args.min_articles, 2 * concurrency)
                p = subprocess.run(
                    [sys.executable, __file__, "_one", path, str(concurrency), str(n), server.url],
                    capture_output=True, text=True, cwd=ROOT,
                )  # fmt: skip
                if p.returncode:
                    print(f"  {path} {concurrency}: failed: {p.stderr[-500:]}")
                    continue
                r = json.loads(p.stdout.strip().splitlines()[-1])
                ideal = concurrency / (r["calls"] * args.latency)
                # threads, or the async path without worker processes: one core (the GIL)
                single = path == "thread" or aio.default_workers(concurrency) == 0
                cores = 1 if single else _cores()
                ceiling = cores / r["cpu"]
                note = f" ({r['errors']} errors)" if r["errors"] else ""
                print(f"  {path:<7} {concurrency:>4}  {n:>8}  {r['calls']:7.2f}  {r['wall']:6.1f}  "
                      f"{r['rate']:10.1f}  "
                      f"{ideal:7.1f}  {r['rate'] / ideal:5.2f}  {r['cpu'] * 1000:10.1f} "
                      f"({r['own_cpu'] * 1000:4.1f})  {ceiling:9.1f}  "
                      f"{r['rate'] / min(ideal, ceiling):8.2f}  {r['rate'] * r['cpu']:10.2f}  "
                      f"{r['peak_mb']:7.0f}  {os.getloadavg()[0]:4.1f}"
                      f"{note}")  # fmt: skip
    finally:
        server.close()


# --- memory -------------------------------------------------------------------------------


def memory(args: argparse.Namespace, tmp: Path) -> None:
    server = Server(0.0)
    n = args.memory_articles
    print(
        f"memory: {n} articles through the async path (-j 32, all three steps, instant server); "
        f"RSS of the loop process and of each worker as the batch goes; {load_average()}"
    )
    try:
        p = subprocess.run([sys.executable, __file__, "_memory", str(n), server.url],
                           capture_output=True, text=True, cwd=ROOT)  # fmt: skip
        print(p.stdout.rstrip() or p.stderr[-800:])
    finally:
        server.close()


def _memory_run(n: int, url: str, tmp: Path) -> None:
    import psutil

    from summariser import batch
    from summariser.backends import resolve

    backend = resolve("openai:bench", api_key="sk-bench-000000", base_url=url)
    src = write_input(tmp / "mem.jsonl", n)
    out = tmp / "mem-out.jsonl"
    me = psutil.Process()
    done = 0
    checkpoints = {n // 10, n // 2, n - 1}

    def on_done(article: Any, ok: bool) -> None:
        nonlocal done
        done += 1
        if done in checkpoints:
            workers = [c.memory_info().rss / 2**20 for c in me.children()]
            print(
                f"  after {done:>5} articles: loop {me.memory_info().rss / 2**20:5.0f} MB, "
                f"workers {', '.join(f'{w:.0f}' for w in workers)} MB; "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )

    t0 = time.perf_counter()
    tally = batch.run(batch.read_articles(src), backend, out, concurrency=32, cache=False,
                      on_done=on_done)  # fmt: skip
    print(f"  {tally.line()}; {n / (time.perf_counter() - t0):.1f} articles/s overall")


# --- cache and load (CLI, thread path) ----------------------------------------------------


def run_cli(args: list[str], url: str, tmp: Path) -> tuple[float, str]:
    env = {**os.environ, "OPENAI_API_KEY": "sk-bench-000000", "OPENAI_BASE_URL": url,
           "SUMMARISER_CACHE_DIR": str(tmp / "cache"),
           "SUMMARISER_HTTP_BACKOFF": "0.05"}  # fmt: skip
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "summariser", "batch", *args], env=env,
                       capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    if p.returncode not in (0, 1):
        raise SystemExit(p.stderr[-800:])
    return time.perf_counter() - t0, p.stderr.strip().splitlines()[-1] if p.stderr else ""


def cache(args: argparse.Namespace, tmp: Path) -> None:
    server = Server(0.2)
    n = 300
    src = write_input(tmp / "cache.jsonl", n)
    try:
        cold, _ = run_cli([str(src), "--out", str(tmp / "c1.jsonl"), "-m", "openai:bench",
                           "-j", "32"], server.url, tmp)  # fmt: skip
        warm, line = run_cli([str(src), "--out", str(tmp / "c2.jsonl"), "-m", "openai:bench",
                              "-j", "32"], server.url, tmp)  # fmt: skip
        print(f"cache: {n} articles cold {cold:.1f}s, warm rerun {warm:.1f}s, ratio "
              f"{warm / cold:.3f} (process start included); {line}")  # fmt: skip
    finally:
        server.close()


def load(args: argparse.Namespace, tmp: Path) -> None:
    server = Server(0.05, fail_rate=0.05)
    n = 2000
    src = write_input(tmp / "load.jsonl", n)
    os.environ["SUMMARISER_HTTP_ATTEMPTS"] = "1"  # injected failures become error lines
    try:
        out = tmp / "load-out.jsonl"
        wall, line = run_cli([str(src), "--out", str(out), "-m", "openai:bench", "-j", "64",
                              "--no-cache"], server.url, tmp)  # fmt: skip
        lines = (tmp / "load-out.jsonl").read_text().splitlines()
        ids = {json.loads(x)["id"] for x in lines}
        print(f"load: {n} articles, -j 64, 5% of requests fail, no retries: {wall:.1f}s, "
              f"{len(lines)} lines, {len(ids)} distinct ids, "
              f"{sum('error' in x for x in lines)} error lines (3 requests each: ~14% expected); "
              f"{line}")  # fmt: skip
    finally:
        server.close()


def main() -> None:
    if sys.argv[1:2] == ["_one"]:
        path, concurrency, n, url = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        workers = int(sys.argv[6]) if sys.argv[6:] and sys.argv[6] != "-" else None
        with tempfile.TemporaryDirectory() as d:
            os.environ["SUMMARISER_CACHE_DIR"] = str(Path(d) / "cache")
            print(json.dumps(one_run(path, concurrency, n, url, Path(d), workers)))
        return
    if sys.argv[1:2] == ["_memory"]:
        with tempfile.TemporaryDirectory() as d:
            os.environ["SUMMARISER_CACHE_DIR"] = str(Path(d) / "cache")
            _memory_run(int(sys.argv[2]), sys.argv[3], Path(d))
        return
    modes = {"stages": stages, "throughput": throughput, "memory": memory, "cache": cache,
             "load": load}  # fmt: skip
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modes", nargs="*", choices=[*modes, []], default=[])
    parser.add_argument("--paths", default="thread,async")
    parser.add_argument("--concurrency", default="8,32,64,128,256")
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--min-articles", type=int, default=80)
    parser.add_argument("--memory-articles", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=4, help="passes over the seeds (stages)")
    args = parser.parse_args()
    os.environ.setdefault("SUMMARISER_HTTP_ATTEMPTS", "2")
    with tempfile.TemporaryDirectory() as d:
        os.environ["SUMMARISER_CACHE_DIR"] = str(Path(d) / "cache")
        for mode in args.modes or list(modes):
            modes[mode](args, Path(d))


if __name__ == "__main__":
    main()
