"""The embedded default model on the seed article: wall time, load, tokens, our overhead.

    python evals/bench_seed.py [MODEL] [--runs N]

Overhead = (wall - model load - time inside llama.cpp calls) ÷ time inside llama.cpp calls:
the cost of our prompts rendering, validation, grounding and instructor on top of the raw
llama.cpp generation of the same tokens. Run it alone: two llama.cpp processes on 2 cores slow
each other down about tenfold. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from summariser.backends import DEFAULT_MODEL, resolve
    from summariser.pipeline import extract

    ap = argparse.ArgumentParser()
    ap.add_argument("model", nargs="?", default=DEFAULT_MODEL)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--article", default=str(ROOT / "seeds" / "starmer-harris.txt"))
    args = ap.parse_args()
    text = Path(args.article).read_text(encoding="utf-8")

    t0 = time.perf_counter()
    backend = resolve(args.model)
    resolve_s = time.perf_counter() - t0
    inner = backend._create
    spent = {"llama": 0.0}

    def timed(**kw):  # the raw llama.cpp call, nothing of ours
        t = time.perf_counter()
        try:
            return inner(**kw)
        finally:
            spent["llama"] += time.perf_counter() - t

    backend._create = timed
    print(f"{args.model} on {Path(args.article).name} ({len(text)} chars); "
          f"locate/assemble model {resolve_s:.1f}s")  # fmt: skip
    for run in range(1, args.runs + 1):
        spent["llama"] = 0.0
        t = time.perf_counter()
        s = extract(text, backend)
        wall = time.perf_counter() - t
        load = backend.stats.get("load_seconds", 0.0) if run == 1 else 0.0
        llama = spent["llama"] - load
        ours = wall - spent["llama"]
        u = s.meta.usage
        print(f"run {run}: wall {wall:.1f}s (+{resolve_s:.1f}s locate) incl. load {load:.1f}s; "
              f"llama.cpp {llama:.1f}s; ours {ours:.2f}s = {100 * ours / llama:.1f}% overhead; "
              f"{u.calls} calls, {u.prompt_tokens} prompt + {u.completion_tokens} output tokens; "
              f"{len(s.quotes)} quotes, {len(s.events)} events, {len(s.stances)} stances, "
              f"{sum(s.meta.dropped.values())} dropped; steps "
              + ", ".join(f"{k} {v:.1f}s" for k, v in s.meta.timings.items()))  # fmt: skip
        resolve_s = 0.0
    print(f"articles per minute (warm model): {60 / wall:.2f}")


if __name__ == "__main__":
    main()
