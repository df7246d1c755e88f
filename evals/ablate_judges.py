"""Does a model call earn its place? Events and stances with and without the model's judgement.

    python evals/ablate_judges.py evals/gold [--model local:qwen2.5-coder-1.5b] [--steps ...]

Runs `summarise eval` twice over the whole folder with the same model, uncached: once as the
product runs (the embedded model is not asked to judge events or stances), once with the
judgement turned on (steps.events.ASK_EMBEDDED, steps.stances.ASK_EMBEDDED). Prints the strict
and token-set figures of both, the calls and tokens each spent, and the wall time.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from summariser.backends import resolve
from summariser.evals.run import evaluate, load_items
from summariser.steps import events, stances


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("gold", type=Path)
    ap.add_argument("--model", default="local:qwen2.5-coder-1.5b")
    ap.add_argument("--steps", default="events,stances")
    args = ap.parse_args()
    items = load_items(args.gold)
    steps = args.steps.split(",")
    backend = resolve(args.model)
    for judged in (False, True):
        events.ASK_EMBEDDED = stances.ASK_EMBEDDED = judged
        t0 = time.perf_counter()
        report = evaluate(items, backend, source=str(args.gold), steps=steps, cache=False)
        seconds = time.perf_counter() - t0
        m = report.metrics
        label = "with the judge" if judged else "as shipped (no judge)"
        print(f"{args.gold} · {args.model} · {label}: {seconds:.0f} s, "
              f"{m['tokens_in']:.0f} prompt + {m['tokens_out']:.0f} output tokens")  # fmt: skip
        for step in steps:
            for suffix in ("", "@loose"):
                k = f"{step}{suffix}"
                if f"f1.{k}" in m:
                    acc = (
                        m.get("polarity_acc.stances") if step == "stances" and not suffix else None
                    )
                    print(
                        f"  {k:14s} P {m[f'precision.{k}']:.3f} R {m[f'recall.{k}']:.3f} "
                        f"F1 {m[f'f1.{k}']:.3f}" + (f" polarity {acc:.3f}" if acc else "")
                    )


if __name__ == "__main__":
    main()
