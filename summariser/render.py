"""Summaries for people: rich tables or per-record lines (terminal) and Markdown (files).

Pure: builds renderables and strings, never prints. Article text reaches a terminal here, so
every value is passed through `clean()` (control characters and ESC sequences made visible) and
handed to rich as `Text`, never as markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from summariser.schemas import Summary

KINDS = ("quotes", "events", "stances")
WIDE = 100  # columns from which records are shown as tables

_COLUMNS = {
    "quotes": ("speaker", "kind", "cue", "text"),
    "events": ("actor", "action", "target", "when", "where", "evidence"),
    "stances": ("holder", "target", "polarity", "evidence"),
}
_LONG = {"text", "evidence"}
# C0 and C1 controls, DEL, and the bidi overrides/isolates that can disguise text on a terminal.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(value: object, *, keep_newlines: bool = False) -> str:
    """`value` as text safe for a terminal: controls shown as `\\x1b`, `\\u202e`, ...

    Args:
        value: Anything; None becomes "".
        keep_newlines: Keep line breaks (else they become spaces).
    """
    if value is None:
        return ""
    s = str(value)

    def show(m: re.Match[str]) -> str:
        c = m.group()
        if c == "\n":
            return "\n" if keep_newlines else " "
        if c in "\t\r":
            return " "
        return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"

    return _CONTROL.sub(show, s)


def steps_shown(summary: Summary, steps: Iterable[str] | None = None) -> tuple[str, ...]:
    """The record types that were extracted: meta.steps if recorded, else `steps`, else all."""
    recorded = getattr(summary.meta, "steps", None)
    chosen = tuple(recorded or steps or KINDS)
    return tuple(k for k in KINDS if k in chosen)


def _offsets(record: object) -> str:
    spans = getattr(record, "spans", None)
    if spans and len(spans) > 1:
        return " ".join(f"{a}-{b}" for a, b in spans)
    start, end = getattr(record, "start", ""), getattr(record, "end", "")
    return f"{start}-{end}"


def _rows(summary: Summary, kind: str, offsets: bool) -> list[list[str]]:
    return [
        [clean(getattr(r, c)) for c in _COLUMNS[kind]] + ([_offsets(r)] if offsets else [])
        for r in getattr(summary, kind)
    ]


def tables(
    summary: Summary, *, offsets: bool = False, steps: Iterable[str] | None = None
) -> list[Table]:
    """One rich Table per record type that was extracted (wide terminals)."""
    out = []
    for kind in steps_shown(summary, steps):
        cols = _COLUMNS[kind] + (("offsets",) if offsets else ())
        t = Table(title=f"{kind} ({len(getattr(summary, kind))})", show_lines=True)
        for c in cols:
            t.add_column(c, overflow="fold", ratio=3 if c in _LONG else 1)
        for row in _rows(summary, kind, offsets):
            t.add_row(*(Text(v) for v in row))
        out.append(t)
    return out


def _record_lines(kind: str, record: object, n: int, offsets: bool) -> Group:
    """One record as a few short lines: who and what, then the words (indented when wrapped)."""
    g = lambda name: clean(getattr(record, name, None))  # noqa: E731
    head = Text()
    body: list[Text] = []
    if kind == "quotes":
        extra = ", ".join(x for x in (g("kind"), g("cue")) if x)
        head.append(f"{n}. {g('speaker') or '(unknown)'}", style="bold")
        head.append(f" ({extra})" if extra else "")
        body.append(Text(f"“{g('text')}”"))
    elif kind == "events":
        head.append(f"{n}. {g('actor')}", style="bold").append(f" {g('action')}")
        if g("target"):
            head.append(f" {g('target')}")
        details = [f"{k}: {g(k)}" for k in ("when", "where") if g(k)]
        if details:
            body.append(Text("; ".join(details)))
        body.append(Text("evidence: ", style="dim").append(g("evidence"), style=""))
    else:
        head.append(f"{n}. {g('holder')}", style="bold").append(f" {g('polarity')} ")
        head.append(g("target"))
        body.append(Text("evidence: ", style="dim").append(g("evidence"), style=""))
    if offsets:
        body.append(Text(f"offsets {_offsets(record)}", style="dim"))
    return Group(head, *(Padding(line, (0, 0, 0, 3), expand=False) for line in body))


def records(
    summary: Summary, *, offsets: bool = False, steps: Iterable[str] | None = None
) -> list[RenderableType]:
    """Per-record layout for narrow terminals: a heading per record type, a block per record."""
    out: list[RenderableType] = []
    for kind in steps_shown(summary, steps):
        items = getattr(summary, kind)
        out.append(Text(f"{kind.capitalize()} ({len(items)})", style="bold underline"))
        out.append(Group(*(_record_lines(kind, r, i, offsets) for i, r in enumerate(items, 1))))
        out.append(Text(""))
    return out


def terminal(
    summary: Summary, width: int, *, offsets: bool = False, steps: Iterable[str] | None = None
) -> list[RenderableType]:
    """Tables from WIDE columns up, per-record blocks below."""
    if width >= WIDE:
        return list(tables(summary, offsets=offsets, steps=steps))
    return records(summary, offsets=offsets, steps=steps)


def meta_line(summary: Summary) -> str:
    """One line: model, prompts, seconds, tokens, drops, cache, failures."""
    m = summary.meta
    dropped = sum(m.dropped.values())
    return clean(
        f"{m.model} · prompts {m.prompt_version} · {m.timings.get('total', 0):.1f}s · "
        f"{m.usage.prompt_tokens}+{m.usage.completion_tokens} tokens · {dropped} dropped"
        + (" · cached" if m.cached else "")
        + (
            f" · text addressed to AI systems: {len(m.untrusted)} sentence(s) not used"
            if m.untrusted
            else ""
        )  # fmt: skip
        + (f" · {len(m.failures)} step(s) failed: {', '.join(m.failures)}" if m.failures else "")
    )


def _cell(s: str) -> str:
    return clean(s).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")


def markdown(summary: Summary, *, offsets: bool = False, steps: Iterable[str] | None = None) -> str:
    """The summary as Markdown tables (one per record type that was extracted)."""
    parts = []
    for kind in steps_shown(summary, steps):
        cols = _COLUMNS[kind] + (("offsets",) if offsets else ())
        parts.append(f"## {kind.capitalize()} ({len(getattr(summary, kind))})\n")
        parts.append("| " + " | ".join(cols) + " |")
        parts.append("|" + "---|" * len(cols))
        rows = _rows(summary, kind, offsets)
        parts += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
        parts.append("")
    parts.append(f"_{_cell(meta_line(summary))}_\n")
    return "\n".join(parts)
