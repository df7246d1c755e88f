"""A fitted logistic scorer: weights over named features, shipped as a small JSON file.

The weights are fitted by a script under `evals/` (e.g. `evals/fit_events.py`) on whole articles
with cross-validation; this module only applies them, with no machine-learning library at run
time. A feature missing from a row counts as 0.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class Scorer:
    """P(keep) = sigmoid(bias + sum(weight * (value - mean) / scale)) over named features."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    bias: float
    threshold: float  # keep a candidate whose probability is at least this

    def probability(self, row: dict[str, float]) -> float:
        z = self.bias
        for name, w, m, s in zip(self.features, self.weights, self.means, self.scales, strict=True):
            z += w * (row.get(name, 0.0) - m) / s
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, object]:
        return {
            "features": list(self.features), "weights": list(self.weights),
            "means": list(self.means), "scales": list(self.scales),
            "bias": self.bias, "threshold": self.threshold,
        }  # fmt: skip


@functools.cache
def load(name: str) -> Scorer:
    """The shipped scorer `name` (summariser/steps/weights/NAME.json)."""
    path = resources.files("summariser.steps").joinpath(f"weights/{name}.json")
    raw = json.loads(path.read_text(encoding="utf-8"))
    return Scorer(
        features=tuple(raw["features"]),
        weights=tuple(float(w) for w in raw["weights"]),
        means=tuple(float(m) for m in raw["means"]),
        scales=tuple(float(s) for s in raw["scales"]),
        bias=float(raw["bias"]),
        threshold=float(raw["threshold"]),
    )
