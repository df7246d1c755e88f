"""Eval scoring time for many quotes: the indexed overlap matrix against the full one.

    python evals/bench_scoring.py [--quotes 1000] [--full]

Builds an article of about 400 KB holding N quotations (sentences drawn from a fixed vocabulary,
seeded), N gold quotes and N predictions (most equal to a gold quote, some cut short, some
shifted, some unrelated), then times `score_quotes` at both thresholds. `--full` also times the
pair-by-pair matrix the scorer used before (every prediction against every gold) and checks that
both give the same counts. Prints numbers only.
"""

from __future__ import annotations

import argparse
import random
import time

import numpy as np

from summariser.evals.gold import GoldQuote
from summariser.evals.scoring import QUOTE_THRESHOLDS, assign, overlap, score_quotes
from summariser.schemas import Quote

WORDS = (
    "council budget harbour bridge minister union strike ferry school hospital vote plan road "
    "library museum court judge police farmer water river storm price rate bank market trade "
    "deal talks summit border port tram station nurse doctor patient staff pay job cut"
).split()


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 30))).capitalize() + "."


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quotes", type=int, default=1000)
    ap.add_argument("--full", action="store_true", help="also time the old full matrix")
    args = ap.parse_args()
    rng = random.Random(0)
    texts = [sentence(rng) for _ in range(args.quotes)]
    filler = " ".join(sentence(rng) for _ in range(2200))
    article = filler + " " + " ".join(f"“{t}” she said." for t in texts)
    golds = [GoldQuote(text=t, speaker="Ana Ruiz") for t in texts]
    preds = []
    for t in texts:
        kind = rng.random()
        words = t.split()
        text = (
            t if kind < 0.7
            else " ".join(words[: max(1, len(words) // 2)]) if kind < 0.85
            else sentence(rng)
        )  # fmt: skip
        preds.append(Quote(text=text, speaker="Ana Ruiz", kind="direct", cue="said", start=0,
                           end=len(text), spans=[[0, len(text)]]))  # fmt: skip
    print(
        f"article {len(article) / 1000:.0f} KB, {len(golds)} gold quotes, {len(preds)} predictions"
    )
    for t in QUOTE_THRESHOLDS:
        t0 = time.perf_counter()
        c = score_quotes(preds, golds, {}, t)
        print(f"indexed @{t}: {time.perf_counter() - t0:.2f} s, tp {c.tp} fp {c.fp} fn {c.fn}")
        if args.full:
            t0 = time.perf_counter()
            full = np.array([[overlap(p.text, g.text) for g in golds] for p in preds])
            pairs = assign(full, t)
            same = len(pairs) == c.tp
            print(f"full matrix @{t}: {time.perf_counter() - t0:.2f} s, tp {len(pairs)}"
                  f" ({'same' if same else 'DIFFERENT'})")  # fmt: skip


if __name__ == "__main__":
    main()
