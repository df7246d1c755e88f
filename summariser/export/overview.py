"""The batch's aggregates for the overview page, gathered in one streamed pass.

Memory holds counts per speaker, per holder × target pair, per month of events, one short row
per article, and a few example records each (`EXAMPLES`): never the records of the batch.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from summariser.export.canonical import Names, record_names
from summariser.export.read import Result
from summariser.export.rows import title_of
from summariser.text.names import fold

EXAMPLES = 8  # example records kept per speaker, stance cell and month

_MONTHS = (
    {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
    | {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
    | {"sept": 9}
)
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})\b"
_DATES = (
    re.compile(r"\b(?P<year>\d{4})-(?P<mnum>\d{2})-(?P<day>\d{2})\b"),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\s*,?\s+{_YEAR}", re.I),
    re.compile(rf"\b{_MONTH}\s+{_DAY}\s*,?\s+{_YEAR}", re.I),
    re.compile(rf"\b{_MONTH}\s+(?:of\s+)?{_YEAR}", re.I),
)


def known_date(when: str | None) -> date | None:
    """The calendar date an event's `when` states, or None ("on Tuesday", "last year").

    A full date ("12 March 2024", "March 12, 2024", "2024-03-12") or a month and year ("March
    2024", taken as its first day). Relative dates are not guessed.
    """
    if not when:
        return None
    for pattern in _DATES:
        m = pattern.search(when)
        if not m:
            continue
        groups = m.groupdict()
        month = int(groups["mnum"]) if groups.get("mnum") else _MONTHS[groups["month"].lower()]
        try:
            return date(int(groups["year"]), month, int(groups.get("day") or 1))
        except ValueError:
            return None
    return None


@dataclass
class Ref:
    """A record on an article page: the article (result line, order on the page) and anchor."""

    result_line: int
    seq: int
    label: str
    rid: str  # "q3", "e1", "s2": the record's anchor within its article
    text: str


@dataclass
class Speaker:
    name: str
    direct: int = 0
    indirect: int = 0
    articles: int = 0
    last_line: int = -1
    refs: list[Ref] = field(default_factory=list)

    @property
    def quotes(self) -> int:
        return self.direct + self.indirect


@dataclass
class Cell:
    polarity: Counter[str] = field(default_factory=Counter)
    refs: list[Ref] = field(default_factory=list)


@dataclass
class ArticleRow:
    result_line: int
    seq: int
    label: str
    title: str | None
    status: str
    quotes: int
    events: int
    stances: int


@dataclass
class Overview:
    """Everything the overview page shows; `add` one result at a time."""

    names: Names
    articles: list[ArticleRow] = field(default_factory=list)
    totals: Counter[str] = field(default_factory=Counter)
    speakers: dict[str, Speaker] = field(default_factory=dict)
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    holders: dict[str, str] = field(default_factory=dict)  # key -> canonical name
    targets: dict[str, str] = field(default_factory=dict)  # folded -> first spelling
    months: dict[date, list[Ref]] = field(default_factory=dict)
    month_counts: Counter[date] = field(default_factory=Counter)

    def add(self, r: Result) -> None:
        """Count one result (called in results order)."""
        seq = len(self.articles)
        s = r.summary
        row = ArticleRow(r.result_line, seq, r.label, title_of(r.extra), "ok" if s else "error",
                         len(s.quotes) if s else 0, len(s.events) if s else 0,
                         len(s.stances) if s else 0)  # fmt: skip
        self.articles.append(row)
        self.totals["articles"] += 1
        if s is None:
            self.totals["errors"] += 1
            return
        if s.meta.failures:
            self.totals["failed_steps"] += 1
        resolved = self.names.resolve(record_names(s))
        for i, q in enumerate(s.quotes, 1):
            self.totals[f"quotes_{q.kind}"] += 1
            key, name = resolved[q.speaker]
            if not key:
                self.totals["quotes_no_one"] += 1
                continue
            sp = self.speakers.setdefault(key, Speaker(name))
            setattr(sp, q.kind, getattr(sp, q.kind) + 1)
            if sp.last_line != r.result_line:
                sp.articles, sp.last_line = sp.articles + 1, r.result_line
            if len(sp.refs) < EXAMPLES:
                sp.refs.append(Ref(r.result_line, seq, r.label, f"q{i}", q.text))
        for i, st in enumerate(s.stances, 1):
            self.totals["stances"] += 1
            key, name = resolved[st.holder]
            target = " ".join(w for w in fold(st.target).split() if w != "the") or "(none)"
            self.holders.setdefault(key, name or st.holder)
            self.targets.setdefault(target, st.target)
            cell = self.cells.setdefault((key, target), Cell())
            cell.polarity[st.polarity] += 1
            if len(cell.refs) < EXAMPLES:
                cell.refs.append(Ref(r.result_line, seq, r.label, f"s{i}", st.evidence))
        for i, ev in enumerate(s.events, 1):
            self.totals["events"] += 1
            day = known_date(ev.when)
            if day is None:
                continue
            self.totals["events_dated"] += 1
            month = day.replace(day=1)
            self.month_counts[month] += 1
            refs = self.months.setdefault(month, [])
            if len(refs) < EXAMPLES:
                label = f"{day.isoformat()} {resolved[ev.actor][1] or ev.actor} {ev.action}"
                refs.append(Ref(r.result_line, seq, r.label, f"e{i}",
                                label + (f" {ev.target}" if ev.target else "")))  # fmt: skip

    @property
    def quotes(self) -> int:
        return self.totals["quotes_direct"] + self.totals["quotes_indirect"]
