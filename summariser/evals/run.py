"""Running a model over gold articles and turning the scores into a Report."""

from __future__ import annotations

import datetime as dt
import functools
import json
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from summariser import batch, prompts
from summariser.backends.base import ChatBackend, Observer
from summariser.cache import ResultCache
from summariser.errors import InputError
from summariser.evals.gold import GoldFile, gold_files, load_gold
from summariser.evals.scoring import (
    QUOTE_THRESHOLDS,
    Counts,
    score_events,
    score_quotes,
    score_stances,
)
from summariser.schemas import SCHEMA_VERSION, Summary
from summariser.steps import STEPS

REPORT_VERSION = 1
#: Suffix of the token-set ("loose") event and stance scores, reported beside the strict ones.
LOOSE = "loose"

#: USD per million tokens (input, output), for API models whose prices are known.
PRICES = {
    "openai:gpt-4o-mini": (0.15, 0.60),
    "openai:gpt-4o": (2.50, 10.00),
    "openai:gpt-4.1-mini": (0.40, 1.60),
    "openai:gpt-4.1-nano": (0.10, 0.40),
    "openai:gpt-4.1": (2.00, 8.00),
}


@dataclass
class Item:
    """One article to evaluate: its id, text and gold records."""

    id: str
    text: str
    gold: GoldFile


def load_items(
    target: Path, allow_outside: bool = False, warn: Callable[[str], None] | None = None
) -> list[Item]:
    """Items from a gold folder (every *.json) or one gold file.

    Args:
        target: A folder of gold files, or one file.
        allow_outside: Let `article_path` point outside the gold folder (see load_gold).
        warn: Told about entries skipped because they are not regular files (FIFOs).

    Raises:
        InputError: a malformed gold file, an article outside the folder, or two files
            with the same id (both would be reported under one id).
    """
    root = target if target.is_dir() else target.parent
    items: list[Item] = []
    seen: dict[str, Path] = {}
    for path in gold_files(target, warn):
        gold, text = load_gold(path, root, allow_outside)
        if gold.id in seen:
            raise InputError(
                f"{path}: id {gold.id!r} is also the id of {seen[gold.id]}: give each gold "
                "file its own id"
            )
        seen[gold.id] = path
        items.append(Item(gold.id, text, gold))
    return items


class Problem(BaseModel):
    """One thing to fix: a gold record missed, a prediction extra, or matched but wrong."""

    type: str = Field(description="quotes, events or stances")
    status: str = Field(description="missed, extra, wrong speaker, wrong kind, wrong polarity")
    gold: str | None = None
    predicted: str | None = None


class ArticleResult(BaseModel):
    """One article's outcome: scores, or the error that stopped it (scored as zero)."""

    id: str
    error: str | None = None
    seconds: float = 0.0
    f1: dict[str, float] = Field(default_factory=dict)
    counts: dict[str, dict[str, int]] = Field(default_factory=dict)
    problems: list[Problem] = Field(
        default_factory=list, description="Each missed gold record and wrong or extra prediction"
    )


class Report(BaseModel):
    """The whole evaluation. `metrics` is flat: names like "f1.quotes" (see evals/README.md)."""

    report_version: int = REPORT_VERSION
    model: str
    prompt_version: str
    schema_version: str = SCHEMA_VERSION
    code_version: str = ""
    command: str = ""
    created: str
    source: str
    steps: list[str]
    quote_kinds: list[str] | None = None
    articles: int
    failed: int
    metrics: dict[str, float | None]
    counts: dict[str, dict[str, int]]
    per_article: list[ArticleResult]

    def failed_ids(self) -> list[str]:
        """Ids of the articles whose run failed (scored as all misses)."""
        return [a.id for a in self.per_article if a.error]


@functools.cache
def code_version() -> str:
    """What code made the report: `git describe` of the checkout (if any) and a source hash,
    taken once per process (`evaluate` takes it before the first article runs)."""
    from summariser import cache

    source = f"source {cache.code_version()}"
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=10,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return source
    described = out.stdout.strip()
    return f"git {described} · {source}" if out.returncode == 0 and described else source


def this_command() -> str:
    """The command line of this process, as it can be pasted into a shell."""
    return shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])


def score_article(
    item: Item, summary: Summary | None, steps: Iterable[str], kinds: set[str] | None = None
) -> dict[str, Counts]:
    """Counts per record type for one article; a missing summary scores as all misses.

    `kinds` restricts quotes (predicted and gold) to those kinds, e.g. {"direct"}.
    """
    s = summary or Summary.model_validate({"meta": {"model": "", "prompt_version": ""}})
    g, aliases = item.gold, item.gold.aliases
    out: dict[str, Counts] = {}
    if "quotes" in steps:
        preds = [q for q in s.quotes if kinds is None or q.kind in kinds]
        golds = [q for q in g.quotes if kinds is None or q.kind in kinds]
        for t in QUOTE_THRESHOLDS:
            out[f"quotes@{t}"] = score_quotes(preds, golds, aliases, t)
    if "events" in steps:
        out["events"] = score_events(s.events, g.events, aliases)
        out[f"events@{LOOSE}"] = score_events(s.events, g.events, aliases, strict=False)
    if "stances" in steps:
        out["stances"] = score_stances(s.stances, g.stances, aliases)
        out[f"stances@{LOOSE}"] = score_stances(s.stances, g.stances, aliases, strict=False)
    return out


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def build_report(
    model: str,
    source: str,
    steps: list[str],
    results: list[tuple[Item, Summary | None, str | None, float]],
    kinds: set[str] | None = None,
    command: str | None = None,
) -> Report:
    """Aggregate per-article scores: micro P/R/F1 per type, macro F1, system figures.

    `command` is recorded as given (default: this process's command line).
    """
    totals: dict[str, Counts] = {}
    per_f1: dict[str, list[float]] = {}
    per_article = []
    for item, summary, error, seconds in results:
        scored = score_article(item, summary, steps, kinds)
        problems = [
            Problem(type=kind.partition("@")[0], status=status, gold=gold, predicted=pred)
            for kind, c in scored.items()
            if "@" not in kind or kind == f"quotes@{QUOTE_THRESHOLDS[0]}"  # one list per type
            for status, gold, pred in c.notes
        ]
        for kind, c in scored.items():
            totals.setdefault(kind, Counts()).add(c)
            per_f1.setdefault(kind, []).append(c.prf()["f1"])
        per_article.append(
            ArticleResult(
                id=item.id,
                error=error,
                seconds=round(seconds, 3),
                f1={k: round(c.prf()["f1"], 4) for k, c in scored.items()},
                counts={k: {"tp": c.tp, "fp": c.fp, "fn": c.fn} for k, c in scored.items()},
                problems=problems,
            )
        )
    metrics: dict[str, float | None] = {}
    for kind, c in totals.items():
        base, _, at = kind.partition("@")
        suffix = base if not at or at == str(QUOTE_THRESHOLDS[0]) else f"{base}@{at}"
        for name, value in c.prf().items():
            metrics[f"{name}.{suffix}"] = value
        metrics[f"macro_f1.{suffix}"] = sum(per_f1[kind]) / len(per_f1[kind])
        if suffix == base:
            for attr, acc in c.accuracy().items():
                metrics[f"{attr}_acc.{base}"] = acc
    summaries = [s for _, s, _, _ in results if s is not None]
    kept = sum(len(s.quotes) + len(s.events) + len(s.stances) for s in summaries)
    dropped = sum(n for s in summaries for n in s.meta.dropped.values())
    live = [sec for _, s, _, sec in results if s is not None and not s.meta.cached]
    tokens_in = sum(s.meta.usage.prompt_tokens for s in summaries)
    tokens_out = sum(s.meta.usage.completion_tokens for s in summaries)
    price = PRICES.get(model)
    metrics |= {
        "schema_valid_rate": (
            sum(not s.meta.failures for s in summaries) / len(results) if results else None
        ),
        "grounding_rate": kept / (kept + dropped) if kept + dropped else None,
        "records_dropped": float(dropped),
        "latency_p50": _percentile(live, 0.5),
        "latency_p95": _percentile(live, 0.95),
        "tokens_in": float(tokens_in),
        "tokens_out": float(tokens_out),
        "cost_usd": (tokens_in * price[0] + tokens_out * price[1]) / 1e6 if price else None,
    }
    return Report(
        model=model,
        prompt_version=prompts.version(),
        code_version=code_version(),
        command=this_command() if command is None else command,
        created=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        source=source,
        steps=list(steps),
        quote_kinds=sorted(kinds) if kinds else None,
        articles=len(results),
        failed=sum(1 for _, s, _, _ in results if s is None),
        metrics={k: (round(v, 4) if isinstance(v, float) else v) for k, v in metrics.items()},
        counts={k: {"tp": c.tp, "fp": c.fp, "fn": c.fn} for k, c in totals.items()},
        per_article=per_article,
    )


OnResult = Callable[[Item, Summary | None, str | None], Any]


def evaluate(
    items: list[Item],
    backend: ChatBackend,
    *,
    source: str = "",
    steps: Iterable[str] = STEPS,
    concurrency: int = 1,
    cache: ResultCache | bool = True,
    on_result: OnResult | None = None,
    quote_kinds: set[str] | None = None,
    command: str | None = None,
    predictions: Path | None = None,
    watch: batch.Watch | None = None,
) -> Report:
    """Summarise every item with `backend`, score it against its gold, and build a Report.

    The articles run through `summariser.batch.run`, as a batch does (the same runners).

    Args:
        items: Articles with gold (see load_items, or the PolNeAR adapter).
        backend: The model to evaluate.
        concurrency: Articles in flight at once (an embedded model: at most its slots).
        cache: As in summarise(): a warm rerun makes no model calls.
        on_result: Called as each article finishes (e.g. to advance a progress bar).
        quote_kinds: Score only these quote kinds (e.g. {"direct"}), both sides.
        command: The command recorded in the report (default: this process's command line).
        predictions: A new file for each article's batch line, written as it finishes.
        watch: Called as each article starts; returns observers of its model calls.

    A failed article is scored as zero and listed with its error; it never stops the others.
    """
    steps = list(steps)
    code_version()  # the code that runs, not what the checkout holds when the report is built
    by_id = {item.id: item for item in items}
    started: dict[str, float] = {}
    results: dict[str, tuple[Item, Summary | None, str | None, float]] = {}

    def timed(article: batch.Article) -> list[Observer]:
        started[article.key] = time.perf_counter()
        return watch(article) if watch else []

    def line(article: batch.Article, text: str) -> None:
        item, obj = by_id[str(article.id)], json.loads(text)
        summary = Summary.model_validate(obj["summary"]) if "summary" in obj else None
        error = None if summary else str(obj["error"]["message"])
        seconds = time.perf_counter() - started.pop(article.key, time.perf_counter())
        results[item.id] = (item, summary, error, seconds)
        if on_result:
            on_result(item, summary, error)

    articles = (batch.Article(item.id, item.text) for item in items)
    batch.run(articles, backend, predictions, concurrency=concurrency, steps=tuple(steps),
              cache=cache, on_line=line, watch=timed)  # fmt: skip
    ordered = [results[item.id] for item in items if item.id in results]
    return build_report(backend.name, source, steps, ordered, quote_kinds, command)


# --- gates and baselines --------------------------------------------------------------------

LOWER_IS_BETTER = {"records_dropped", "latency_p50", "latency_p95", "tokens_in", "tokens_out",
                   "cost_usd"}  # fmt: skip
#: A quality metric regresses when it drops by more than this (absolute).
QUALITY_TOLERANCE = 0.01
#: A cost metric (latency, tokens, cost, drops) regresses when it grows by more than this share.
COST_TOLERANCE = 0.10


def check_gates(report: Report, gates: dict[str, float]) -> list[str]:
    """Messages for every `metric >= bar` gate the report fails (empty: all passed)."""
    failed = []
    for name, bar in gates.items():
        value = report.metrics.get(name)
        if value is None or value < bar:
            failed.append(f"{name} = {value} is below {bar}")
    return failed


def article_failures(report: Report) -> list[str]:
    """A gate message when any article failed (its run raised): such a report is no pass.

    The CLI adds it to the gate failures unless --allow-failures is given.
    """
    ids = report.failed_ids()
    if not ids:
        return []
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
    return [f"{len(ids)} of {report.articles} articles failed ({shown})"]


def compare(report: Report, baseline: Report) -> list[dict[str, Any]]:
    """Per-metric deltas against a baseline report, with a `regressed` flag."""
    rows = []
    for name, now in report.metrics.items():
        before = baseline.metrics.get(name)
        if now is None or before is None:
            rows.append({"metric": name, "now": now, "before": before, "delta": None,
                         "regressed": False})  # fmt: skip
            continue
        delta = now - before
        if name in LOWER_IS_BETTER:
            regressed = delta > COST_TOLERANCE * max(abs(before), 1e-9)
        else:
            regressed = delta < -QUALITY_TOLERANCE
        rows.append({"metric": name, "now": now, "before": before, "delta": round(delta, 4),
                     "regressed": regressed})  # fmt: skip
    return rows
