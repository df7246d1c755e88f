"""Fit the event scorer (summariser/steps/weights/events.json) on whole gold articles.

    python evals/fit_events.py evals/gold ../shared/data/wikievents-dev [--write]

Every event candidate code finds (parser only, no model) is a row of parse features; its label
is whether it matches a gold event of its article under the strict score (the one `summarise
eval` gates on). A logistic regression with an L2 penalty is fitted, and the keep-threshold is
the one that gives the best strict F1 of the selected events (after merging mentions of one
happening) on the articles it was fitted on. Figures are printed for held-out folds only: the
articles are split into K folds, whole articles at a time, and each fold is scored by a model
fitted on the others (three such splits, pooled, to steady the figure). `--write` then fits
on every article and writes the weights file.
"""

from __future__ import annotations

import argparse
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from summariser.backends import resolve
from summariser.evals.run import load_items
from summariser.evals.scoring import STRICT_THRESHOLD, Counts, event_score, score_events
from summariser.inputs import check_text
from summariser.steps import events as step
from summariser.steps.context import Context
from summariser.steps.scorer import Scorer
from summariser.text.document import parse

FOLDS = 5
#: Fold assignments tried (whole articles each time); the held-out counts are pooled over all.
REPEATS = 3
L2 = 1.0
#: Thresholds whose F1 on the fitted articles is within this of the best are equally good.
NEAR = 0.01
WEIGHTS = Path(__file__).resolve().parent.parent / "summariser/steps/weights/events.json"


@dataclass
class Article:
    id: str
    source: str
    ctx: Context
    found: list[step.Candidate]
    rows: list[dict[str, float]]
    labels: list[int]
    gold: list
    aliases: dict[str, list[str]]


def load(folders: list[Path]) -> list[Article]:
    backend = resolve("none")
    out = []
    for folder in folders:
        for item in load_items(folder):
            if not item.gold.events:
                continue
            ctx = Context(parse(check_text(item.text)), backend)
            found = step.candidates(ctx)
            rows = step.features(ctx, found)
            labels = [
                int(any(
                    event_score(step.event(ctx, c), g, item.gold.aliases) >= STRICT_THRESHOLD
                    for g in item.gold.events
                ))
                for c in found
            ]  # fmt: skip
            out.append(Article(item.id, folder.name, ctx, found, rows, labels,
                               item.gold.events, item.gold.aliases))  # fmt: skip
    return out


def fit(articles: list[Article], names: list[str]) -> Scorer:
    x = np.array([[r[n] for n in names] for a in articles for r in a.rows], dtype=float)
    y = np.array([lab for a in articles for lab in a.labels], dtype=float)
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    z = (x - means) / scales

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        logits = z @ w[1:] + w[0]
        p = 1 / (1 + np.exp(-logits))
        eps = 1e-9
        value = -np.sum(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
        value += L2 * np.sum(w[1:] ** 2)
        grad = np.concatenate([[np.sum(p - y)], z.T @ (p - y) + 2 * L2 * w[1:]])
        return float(value), grad

    w = minimize(loss, np.zeros(len(names) + 1), jac=True, method="L-BFGS-B").x
    fitted = Scorer(tuple(names), tuple(map(float, w[1:])), tuple(map(float, means)),
                    tuple(map(float, scales)), float(w[0]), 0.5)  # fmt: skip
    grid = np.arange(0.05, 0.95, 0.025)
    scores = np.array([f1(counts(articles, with_threshold(fitted, t))) for t in grid])
    # F1 is flat and ragged near its peak: the middle of the thresholds within NEAR of the
    # best steadies the choice (the single best one swings from fold to fold)
    near = grid[scores >= scores.max() - NEAR]
    return with_threshold(fitted, float(round(float(np.median(near)), 3)))


def with_threshold(s: Scorer, t: float) -> Scorer:
    return Scorer(s.features, s.weights, s.means, s.scales, s.bias, t)


def counts(articles: list[Article], weights: Scorer) -> Counts:
    total = Counts()
    for a in articles:
        kept = step.select(a.ctx, a.found, weights, a.rows)
        total.add(score_events([step.event(a.ctx, c) for c in kept], a.gold, a.aliases))
    return total


def f1(c: Counts) -> float:
    return c.prf()["f1"]


def fold_of(article_id: str, repeat: int) -> int:
    return zlib.crc32(f"{repeat}:{article_id}".encode()) % FOLDS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--write", action="store_true", help="fit on all and write the weights")
    ap.add_argument("--subset", action="append", default=[], metavar="NAME=ID,ID",
                    help="also report these articles' held-out figures apart")  # fmt: skip
    args = ap.parse_args()
    articles = load(args.folders)
    subsets = {n: set(ids.split(",")) for n, _, ids in (x.partition("=") for x in args.subset)}
    names = list(articles[0].rows[0]) if articles[0].rows else []
    print(f"{len(articles)} articles, {sum(len(a.rows) for a in articles)} candidates, "
          f"{sum(sum(a.labels) for a in articles)} matching a gold event")  # fmt: skip
    held: dict[str, Counts] = {}
    everything: dict[str, Counts] = {}
    for r, k in [(r, k) for r in range(REPEATS) for k in range(FOLDS)]:
        train = [a for a in articles if fold_of(a.id, r) != k]
        test = [a for a in articles if fold_of(a.id, r) == k]
        if not test or not train:
            continue
        model = fit(train, names)
        for a in test:
            for group in [a.source, *(n for n, ids in subsets.items() if a.id in ids)]:
                held.setdefault(group, Counts()).add(counts([a], model))
            for group in [a.source, *(n for n, ids in subsets.items() if a.id in ids)]:
                everything.setdefault(group, Counts()).add(counts([a], with_threshold(model, 0)))
    print(f"held-out folds ({FOLDS} folds of whole articles, {REPEATS} assignments pooled), "
          "strict score:")  # fmt: skip
    for source, c in held.items():
        m = c.prf()
        a = everything[source].prf()
        print(f"  {source:20s} P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f}"
              f"   (every candidate: P {a['precision']:.3f} R {a['recall']:.3f})")  # fmt: skip
    if args.write:
        model = fit(articles, names)
        WEIGHTS.parent.mkdir(parents=True, exist_ok=True)
        WEIGHTS.write_text(json.dumps(model.to_json(), indent=1) + "\n")
        print(f"wrote {WEIGHTS} (threshold {model.threshold})")
        for n, w in sorted(zip(model.features, model.weights, strict=True), key=lambda p: -p[1]):
            print(f"  {n:16s} {w:+.3f}")


if __name__ == "__main__":
    main()
