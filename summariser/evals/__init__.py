"""The eval harness: gold files, matching and metrics, reports, and the PolNeAR adapter."""

from summariser.evals.gold import GoldFile, load_gold
from summariser.evals.run import Item, Report, check_gates, compare, evaluate, load_items

__all__ = ["GoldFile", "Item", "Report", "check_gates", "compare", "evaluate", "load_gold",
           "load_items"]  # fmt: skip
