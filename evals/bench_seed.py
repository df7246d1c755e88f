"""The embedded default on the seed article: wall time, tokens, prompt cache, our overhead.

    python evals/bench_seed.py [MODEL] [--runs N] [--determinism]

For each run (one process, the model loaded once): wall seconds; prompt tokens evaluated and
served from the engine's prompt cache; output tokens; and our overhead = (wall - the engine's
own reported time for those requests) ÷ the engine's time — the cost of prompt rendering,
the parse, validation, grounding and instructor on top of llama.cpp. `--determinism` runs the
article in two fresh processes and compares the JSON (timings left out) byte for byte. Run it
alone: another busy process on 2 cores slows llama.cpp several-fold. Prints numbers only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "starmer-harris.txt"


def once(model: str, article: Path) -> str:
    """One cold run; the Summary as JSON without timings (they differ by nature)."""
    from summariser.backends import resolve
    from summariser.pipeline import extract

    s = extract(article.read_text(encoding="utf-8"), resolve(model))
    data = s.model_dump(mode="json")
    data["meta"].pop("timings", None)
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def main() -> None:
    from summariser.backends import DEFAULT_MODEL, resolve
    from summariser.pipeline import extract

    ap = argparse.ArgumentParser()
    ap.add_argument("model", nargs="?", default=DEFAULT_MODEL)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--article", type=Path, default=SEED)
    ap.add_argument("--determinism", action="store_true", help="compare two fresh processes")
    ap.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.once:
        print(once(args.model, args.article))
        return
    text = args.article.read_text(encoding="utf-8")
    t0 = time.perf_counter()
    backend = resolve(args.model)
    print(f"{args.model} on {args.article.name} ({len(text)} chars); "
          f"locate/assemble model {time.perf_counter() - t0:.1f}s")  # fmt: skip
    wall = 0.0
    for run in range(1, args.runs + 1):
        before = dict(backend.stats)
        t = time.perf_counter()
        s = extract(text, backend)
        wall = time.perf_counter() - t
        load = backend.stats.get("load_seconds", 0.0) if run == 1 else 0.0
        engine_s = sum(backend.stats.get(k, 0.0) - before.get(k, 0.0)
                       for k in ("prompt_ms", "predicted_ms")) / 1000  # fmt: skip
        ours = wall - load - engine_s
        u = s.meta.usage
        share = 100 * u.cached_tokens / max(u.prompt_tokens, 1)
        print(f"run {run}: wall {wall:.1f}s incl. load {load:.1f}s; engine {engine_s:.1f}s; "
              f"ours {ours:.2f}s = "
              + (f"{100 * ours / engine_s:.1f}% overhead; " if engine_s else "no model call; ")
              + f"{u.calls} calls; prompt {u.prompt_tokens} tokens of which "
              f"{u.cached_tokens} from cache ({share:.0f}%), "
              f"{u.prompt_tokens - u.cached_tokens} evaluated; {u.completion_tokens} output; "
              f"{len(s.quotes)} quotes, {len(s.events)} events, {len(s.stances)} stances, "
              f"{sum(s.meta.dropped.values())} dropped, {len(s.meta.failures)} failed steps; "
              + ", ".join(f"{k} {v:.1f}s" for k, v in s.meta.timings.items()))  # fmt: skip
    print(f"articles per minute (warm model): {60 / wall:.2f}")
    if args.determinism:
        cmd = [sys.executable, __file__, args.model, "--article", str(args.article), "--once"]
        outs = [subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
                for _ in range(2)]  # fmt: skip
        same = outs[0] == outs[1]
        print(f"determinism: two fresh processes gave {'byte-identical' if same else 'DIFFERENT'} "
              f"JSON ({len(outs[0])} bytes)")  # fmt: skip


if __name__ == "__main__":
    main()
