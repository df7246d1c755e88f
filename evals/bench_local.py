"""Throughput of the embedded engine with K parallel slots over every article of a gold folder.

    python evals/bench_local.py [--model M] [--slots 1,2,4] [--gold evals/gold]

Each K runs in a fresh process (so peak RSS is its own): one engine with K slots, K threads,
every article of the folder once (no result cache). Prints, per K: articles per minute, wall
seconds, tokens (prompt, from cache, output), peak RSS, failed steps, and how many articles
gave the same JSON as with K = 1 (continuous batching may change float rounding). Run it alone:
another busy process on 2 cores slows llama.cpp several-fold. Prints numbers only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child(model: str, slots: int, gold: Path) -> dict:
    """One K: run every article, return the figures (and a digest per article)."""
    from summariser.backends import resolve
    from summariser.evals.run import load_items
    from summariser.pipeline import extract

    items = load_items(gold)
    backend = resolve(model, parallel=slots)

    def one(item):  # type: ignore[no-untyped-def]
        s = extract(item.text, backend)
        data = s.model_dump(mode="json")
        data["meta"].pop("timings", None)
        digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]
        return item.id, s.meta.usage, len(s.meta.failures), digest

    extract(items[0].text[:400], backend)  # load the model outside the timed part
    t = time.perf_counter()
    with ThreadPoolExecutor(slots) as pool:
        results = list(pool.map(one, items))
    wall = time.perf_counter() - t
    return {
        "slots": slots,
        "articles": len(items),
        "wall": wall,
        "per_minute": 60 * len(items) / wall,
        "prompt": sum(r[1].prompt_tokens for r in results),
        "cached": sum(r[1].cached_tokens for r in results),
        "output": sum(r[1].completion_tokens for r in results),
        "failed_steps": sum(r[2] for r in results),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "digests": {r[0]: r[3] for r in results},
    }


def main() -> None:
    from summariser.backends import DEFAULT_MODEL

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--slots", default="1,2,4")
    ap.add_argument("--gold", type=Path, default=ROOT / "evals" / "gold")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.model, args.child, args.gold)))
        return
    rows = []
    for k in [int(x) for x in args.slots.split(",")]:
        cmd = [sys.executable, __file__, "--model", args.model, "--gold", str(args.gold),
               "--child", str(k)]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
        r = rows[-1]
        same = sum(r["digests"][i] == d for i, d in rows[0]["digests"].items())
        print(f"K={k}: {r['articles']} articles in {r['wall']:.0f}s = {r['per_minute']:.2f}/min "
              f"({r['per_minute'] / rows[0]['per_minute']:.2f}x K=1); prompt {r['prompt']} "
              f"({r['cached']} from cache), output {r['output']} tokens; peak RSS "
              f"{r['rss_mb']:.0f} MB; failed steps {r['failed_steps']}; "
              f"same JSON as K=1: {same}/{r['articles']}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
