"""Eval reports on disk (report.json, report.md) and on the terminal (rich tables)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table

from summariser.errors import InputError
from summariser.evals.run import Report
from summariser.paths import atomic_write

_TYPES = ("quotes", "quotes@0.8", "events", "events@loose", "stances", "stances@loose")
_ACCURACY = {"quotes": ("speaker", "kind"), "events": ("when", "where"), "stances": ("polarity",)}
_SYSTEM = ("schema_valid_rate", "grounding_rate", "records_dropped", "latency_p50",
           "latency_p95", "tokens_in", "tokens_out", "cost_usd")  # fmt: skip


def _fmt(v: float | None) -> str:
    if v is None:
        return "–"
    return f"{v:.3f}" if abs(v) < 100 else f"{v:,.0f}"


def _type_rows(report: Report) -> list[list[str]]:
    rows = []
    for kind in _TYPES:
        m = report.metrics
        if f"f1.{kind}" not in m:
            continue
        c = report.counts.get(kind if "@" in kind else f"{kind}@0.3") or report.counts.get(kind, {})
        acc = ", ".join(f"{a} {_fmt(m.get(f'{a}_acc.{kind}'))}" for a in _ACCURACY.get(kind, ()))
        rows.append([kind, _fmt(m[f"precision.{kind}"]), _fmt(m[f"recall.{kind}"]),
                     _fmt(m[f"f1.{kind}"]), _fmt(m.get(f"macro_f1.{kind}")),
                     f"{c.get('tp', 0)}/{c.get('fp', 0)}/{c.get('fn', 0)}", acc])  # fmt: skip
    return rows


_HEAD = ["type", "P", "R", "F1", "macro F1", "tp/fp/fn", "accuracy on matches"]


def verdict(report: Report, gate_failures: list[str], regressions: list[str]) -> str:
    """The one-line verdict."""
    m = report.metrics
    head = (
        f"{report.model}: {report.articles} articles ({report.failed} failed), "
        + ", ".join(
            f"F1 {k} {_fmt(m.get('f1.' + k))}"
            for k in ("quotes", "events", "stances")
            if f"f1.{k}" in m
        )  # fmt: skip
    )
    if gate_failures:
        return f"FAIL {head}; " + "; ".join(gate_failures)
    if regressions:
        return f"REGRESSED {head}; worse: " + ", ".join(regressions)
    return f"PASS {head}"


def tables(report: Report, deltas: list[dict[str, Any]] | None = None) -> list[Table]:
    """Rich tables: scores per record type, system figures, and deltas if a baseline was given."""
    scores = Table(title=f"scores · {report.model} · prompts {report.prompt_version}")
    for h in _HEAD:
        scores.add_column(h)
    for row in _type_rows(report):
        scores.add_row(*row)
    system = Table("metric", "value", title="system")
    for name in _SYSTEM:
        system.add_row(name, _fmt(report.metrics.get(name)))
    out = [scores, system]
    if deltas:
        diff = Table("metric", "before", "now", "delta", "", title="against baseline")
        for d in deltas:
            flag = "[red]worse[/red]" if d["regressed"] else ""
            diff.add_row(d["metric"], _fmt(d["before"]), _fmt(d["now"]), _fmt(d["delta"]), flag)
        out.append(diff)
    failed = [a for a in report.per_article if a.error]
    if failed:
        errors = Table("article", "error", title="failed articles (scored as zero)")
        for a in failed:
            errors.add_row(a.id, a.error or "")
        out.append(errors)
    return out


def markdown(report: Report, deltas: list[dict[str, Any]] | None = None) -> str:
    """The report for people: the same tables as the terminal, in Markdown."""
    lines = [
        f"# Eval report: {report.model}",
        "",
        f"{report.articles} articles from `{report.source}` ({report.failed} failed) · prompts "
        f"`{report.prompt_version}` · schema {report.schema_version} · {report.created}",
        "",
        f"Code: {report.code_version or 'unknown'}",
        "",
        f"Command: `{report.command}`" if report.command else "Command: not recorded",
        "",
        "| " + " | ".join(_HEAD) + " |",
        "|" + "---|" * len(_HEAD),
        *("| " + " | ".join(r) + " |" for r in _type_rows(report)),
        "",
        "| metric | value |",
        "|---|---|",
        *(f"| {n} | {_fmt(report.metrics.get(n))} |" for n in _SYSTEM),
        "",
    ]
    if deltas:
        lines += [
            "## Against baseline",
            "",
            "| metric | before | now | delta | |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {d['metric']} | {_fmt(d['before'])} | {_fmt(d['now'])} | {_fmt(d['delta'])} | "
            f"{'**worse**' if d['regressed'] else ''} |"
            for d in deltas
        ]
        lines.append("")
    lines += ["## Per article", "", "| article | seconds | F1 | error |", "|---|---|---|---|"]
    for a in report.per_article:
        f1 = ", ".join(f"{k} {v:.2f}" for k, v in a.f1.items())
        lines.append(f"| {a.id} | {a.seconds:.1f} | {f1} | {_cell(a.error or '')} |")
    lines += ["", "## What to fix, per article", ""]
    lines += ["Missed gold records, extra predictions, and matched pairs with a wrong attribute."]
    for a in report.per_article:
        if not a.problems:
            continue
        lines += ["", f"### {a.id}", "", "| type | problem | gold | predicted |"]
        lines.append("|---|---|---|---|")
        lines += [
            f"| {p.type} | {p.status} | {_cell(p.gold or '')} | {_cell(p.predicted or '')} |"
            for p in a.problems
        ]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def check_folder(folder: Path) -> None:
    """Raise an InputError (one line) unless `folder` can take a report: checked before any
    model call, so a bad --report never costs a run."""
    if folder.exists() and not folder.is_dir():
        raise InputError(
            f"--report {folder} is a file: give a folder (report.json, report.md and "
            "predictions.jsonl are written into it)"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / ".probe", "")
        (folder / ".probe").unlink()
    except OSError as e:
        raise InputError(
            f"cannot write --report {folder}: {e.strerror or e}; choose another folder"
        ) from None


def write(report: Report, folder: Path, deltas: list[dict[str, Any]] | None = None) -> None:
    """report.json and report.md into `folder` (atomically; predictions.jsonl is separate)."""
    atomic_write(folder / "report.json", report.model_dump_json(indent=2))
    atomic_write(folder / "report.md", markdown(report, deltas))
