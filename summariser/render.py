"""Summaries as rich tables (terminal) and Markdown (files). Pure: builds, never prints."""

from __future__ import annotations

from rich.table import Table

from summariser.schemas import Summary

_COLUMNS = {
    "quotes": ("speaker", "kind", "cue", "text", "start", "end"),
    "events": ("actor", "action", "target", "when", "where", "start", "end"),
    "stances": ("holder", "target", "polarity", "evidence", "start", "end"),
}


def _rows(summary: Summary, kind: str) -> list[list[str]]:
    return [
        ["" if (v := getattr(r, c)) is None else str(v) for c in _COLUMNS[kind]]
        for r in getattr(summary, kind)
    ]


def tables(summary: Summary) -> list[Table]:
    """One rich Table per record type, and a footer line of meta."""
    out = []
    for kind, cols in _COLUMNS.items():
        t = Table(title=f"{kind} ({len(getattr(summary, kind))})", show_lines=False)
        for c in cols:
            t.add_column(c, overflow="fold", max_width=60 if c in ("text", "evidence") else 24)
        for row in _rows(summary, kind):
            t.add_row(*row)
        out.append(t)
    return out


def meta_line(summary: Summary) -> str:
    m = summary.meta
    dropped = sum(m.dropped.values())
    return (
        f"{m.model} · prompts {m.prompt_version} · {m.timings.get('total', 0):.1f}s · "
        f"{m.usage.prompt_tokens}+{m.usage.completion_tokens} tokens · {dropped} dropped"
        + (" · cached" if m.cached else "")
        + (f" · {len(m.failures)} step(s) failed" if m.failures else "")
    )


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def markdown(summary: Summary) -> str:
    """The summary as Markdown tables."""
    parts = []
    for kind, cols in _COLUMNS.items():
        parts.append(f"## {kind.capitalize()} ({len(getattr(summary, kind))})\n")
        parts.append("| " + " | ".join(cols) + " |")
        parts.append("|" + "---|" * len(cols))
        parts += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in _rows(summary, kind)]
        parts.append("")
    parts.append(f"_{meta_line(summary)}_\n")
    return "\n".join(parts)
