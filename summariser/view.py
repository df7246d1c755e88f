"""Self-contained HTML pages: records against their article, and a batch's overview
(`summarise view`).

Pure: builds a string, reads and writes nothing. The page has no network access at all (inline
CSS and JS, and a Content-Security-Policy that forbids loading anything), and every piece of
article or model text goes through `html.escape`, so any article is safe to open.

The article is cut at every record boundary into segments; each segment lists the records that
cover it (`data-r`), quotes are coloured by speaker, event evidence is underlined and stance
evidence dotted. An empty `span.anchor` with the record's id stands before its first
segment; the record panel scrolls to it on click and outlines the record's segments. For
evals, gold quotes are matched to predictions (the scorer's overlap and one-to-one
assignment) and misses and wrong speakers are marked.

A batch's overview (`overview`) draws the aggregates of `summariser.export.overview` as
tables and inline SVG bars; its links go to records on article pages, which highlight the
record named in the address (`#a0-q3`).
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from summariser.schemas import Summary

if TYPE_CHECKING:
    from summariser.evals.gold import GoldFile
    from summariser.export.overview import ArticleRow, Overview, Ref

KINDS = ("quotes", "events", "stances")
PALETTE = ("#ffd6a5", "#bde0fe", "#caffbf", "#ffc6ff", "#fdffb6", "#9bf6ff", "#ffadad",
           "#d0bfff", "#e9c46a", "#a8dadc", "#f4acb7", "#b5e48c")  # fmt: skip


@dataclass
class Entry:
    """One article on the page: its text (if known), its summary or error, and gold (evals)."""

    id: str
    text: str | None = None
    summary: Summary | None = None
    error: str | None = None
    gold: GoldFile | None = None


def esc(value: object) -> str:
    """`value` as HTML text (None as nothing), quotes escaped too."""
    return html.escape("" if value is None else str(value), quote=True)


_e = esc


def _speaker_colours(entries: Iterable[Entry]) -> dict[str, str]:
    colours: dict[str, str] = {}
    for entry in entries:
        for q in entry.summary.quotes if entry.summary else []:
            key = q.speaker or ""
            if key not in colours:
                colours[key] = PALETTE[len(colours) % len(PALETTE)]
    return colours


def _spans(record: Any) -> list[tuple[int, int]]:
    spans = getattr(record, "spans", None) or [(record.start, record.end)]
    return [(int(a), int(b)) for a, b in spans]


@dataclass
class _Mark:
    rid: str  # anchor id of the record
    kind: str  # quote | event | stance | miss
    start: int
    end: int
    colour: str | None = None
    flag: str = ""  # an extra class: "wrong-speaker", "extra" (evals)


def _gold_matches(summary: Summary, gold: GoldFile) -> tuple[dict[int, str], dict[int, str]]:
    """Status of each gold quote (by index) and each predicted quote, as the scorer matches them.

    "ok", "wrong speaker", "missed" (gold only) or "extra" (prediction only).
    """
    import numpy as np

    from summariser.evals.scoring import (
        QUOTE_THRESHOLDS,
        assign,
        judged_speaker,
        overlap,
        same_entity,
    )

    preds, golds = summary.quotes, gold.quotes
    scores = np.array([[overlap(p.text, g.text) for g in golds] for p in preds], dtype=float)
    pairs = assign(scores.reshape(len(preds), len(golds)), QUOTE_THRESHOLDS[0])
    gold_status = {j: "missed" for j in range(len(golds))}
    pred_status = {i: "extra" for i in range(len(preds))}
    for i, j in pairs:
        g = golds[j]
        wrong = judged_speaker(g.speaker, gold.aliases) and not same_entity(
            preds[i].speaker, g.speaker, gold.aliases
        )
        gold_status[j] = pred_status[i] = "wrong speaker" if wrong else "ok"
    return gold_status, pred_status


def _marks(n: int, entry: Entry, colours: dict[str, str]) -> list[_Mark]:
    marks: list[_Mark] = []
    s = entry.summary
    text = entry.text or ""
    pred_status: dict[int, str] = {}
    if entry.gold is not None and s is not None:
        gold_status, pred_status = _gold_matches(s, entry.gold)
        for j, g in enumerate(entry.gold.quotes):
            at = text.find(g.text)
            if gold_status[j] == "missed" and at >= 0:
                marks.append(_Mark(f"a{n}-g{j + 1}", "miss", at, at + len(g.text)))
    if s is not None:
        for i, q in enumerate(s.quotes, 1):
            flag = pred_status.get(i - 1, "ok").replace(" ", "-")
            for a, b in _spans(q):
                marks.append(_Mark(f"a{n}-q{i}", "quote", a, b, colours.get(q.speaker or ""),
                                   "" if flag == "ok" else flag))  # fmt: skip
        for kind, letter in (("events", "e"), ("stances", "s")):
            for i, r in enumerate(getattr(s, kind), 1):
                marks.append(_Mark(f"a{n}-{letter}{i}", kind[:-1], r.start, r.end))
    return [m for m in marks if 0 <= m.start < m.end <= len(text)]


def _article_html(text: str, marks: Sequence[_Mark]) -> str:
    """The article cut into segments at every mark boundary; covered segments become <mark>."""
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    first_seen: set[str] = set()
    parts = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        over = [m for m in marks if m.start <= a and b <= m.end]
        piece = _e(text[a:b])
        if not over:
            parts.append(piece)
            continue
        kinds = sorted({m.kind for m in over} | {m.flag for m in over if m.flag})
        rids = list(dict.fromkeys(m.rid for m in over))
        parts += [f'<span class="anchor" id="{r}"></span>' for r in rids if r not in first_seen]
        first_seen.update(rids)
        colour = next((m.colour for m in over if m.kind == "quote" and m.colour), None)
        attrs = f' class="{" ".join(kinds)}" data-r="{" ".join(rids)}"'
        if colour:
            attrs += f' style="background:{colour}"'
        parts.append(f"<mark{attrs}>{piece}</mark>")
    return "".join(parts)


def _record_items(n: int, s: Summary, colours: dict[str, str], pred_status: dict[int, str]) -> str:
    """The record panel: one numbered list per record type."""
    quotes = []
    for i, q in enumerate(s.quotes, 1):
        status = pred_status.get(i - 1)
        badge = f' <span class="badge {_e(status.replace(" ", "-"))}">{_e(status)}</span>' if (
            status and status != "ok") else ""  # fmt: skip
        sw = colours.get(q.speaker or "", "#eee")
        quotes.append(
            f'<li class="rec quote" data-target="a{n}-q{i}" tabindex="0">'
            f'<span class="sw" style="background:{sw}"></span><b>{_e(q.speaker)}</b> '
            f"<small>{_e(q.kind)}{', ' + _e(q.cue) if q.cue else ''}</small>{badge}"
            f"<div>“{_e(q.text)}”</div></li>"
        )
    events = []
    for e_i, ev in enumerate(s.events, 1):
        details = "; ".join(f"{k}: {_e(v)}" for k in ("when", "where") if (v := getattr(ev, k)))
        events.append(
            f'<li class="rec event" data-target="a{n}-e{e_i}" tabindex="0"><b>{_e(ev.actor)}</b> '
            f"{_e(ev.action)} {_e(ev.target)}"
            + (f"<div><small>{details}</small></div>" if details else "")
            + "</li>"
        )
    stances = [
        f'<li class="rec stance" data-target="a{n}-s{i}" tabindex="0"><b>{_e(st.holder)}</b>'
        f' <span class="pol {_e(st.polarity)}">{_e(st.polarity)}</span> {_e(st.target)}</li>'
        for i, st in enumerate(s.stances, 1)
    ]
    shown = getattr(s.meta, "steps", None) or KINDS
    return "".join(
        f'<h4>{kind.capitalize()} ({len(items)})</h4><ol class="records">{"".join(items)}</ol>'
        for kind, items in (("quotes", quotes), ("events", events), ("stances", stances))
        if kind in shown
    )


def _gold_list(n: int, gold: GoldFile, gold_status: dict[int, str]) -> str:
    """The gold records, quotes with their match status (events and stances listed)."""
    quotes = []
    for j, g in enumerate(gold.quotes):
        status = gold_status[j]
        target = f' data-target="a{n}-g{j + 1}"' if status == "missed" else ""
        quotes.append(
            f'<li class="gold {_e(status.replace(" ", "-"))}"{target}><b>{_e(g.speaker)}</b> '
            f'<small>{_e(g.kind)}</small> <span class="badge {_e(status.replace(" ", "-"))}">'
            f"{_e(status)}</span><div>“{_e(g.text)}”</div></li>"
        )
    parts = [f'<h4>Quotes ({len(quotes)})</h4><ol class="goldlist">{"".join(quotes)}</ol>']
    for kind in ("events", "stances"):
        items = [
            f'<li class="gold other">{_e(" · ".join(str(v) for v in g.model_dump().values() if v))}'
            "</li>"
            for g in getattr(gold, kind)
        ]
        if items:
            parts.append(f'<h4>{kind.capitalize()} ({len(items)})</h4><ol class="goldlist">'
                         f"{''.join(items)}</ol>")  # fmt: skip
    return "".join(parts)


def _meta_html(s: Summary) -> str:
    m = s.meta
    rows = [
        ("model", m.model),
        ("prompts", m.prompt_version),
        ("steps", ", ".join(getattr(m, "steps", None) or KINDS)),
        ("seconds", ", ".join(f"{k} {v:.2f}" for k, v in m.timings.items())),
        ("tokens", f"{m.usage.prompt_tokens} prompt + {m.usage.completion_tokens} output, "
                   f"{m.usage.calls} calls"),
        ("dropped", ", ".join(f"{k}: {v}" for k, v in m.dropped.items()) or "none"),
        ("failed steps", ", ".join(m.failures) or "none"),
        ("cached", "yes" if m.cached else "no"),
    ]  # fmt: skip
    table = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    drops = "".join(
        f"<tr><td>{_e(d.record)}</td><td>{_e(d.reason)}</td><td>{_e(d.value)}</td></tr>"
        for d in m.drops
    )
    drops_html = (
        f'<details class="drops"><summary>{len(m.drops)} dropped proposal(s)</summary>'
        f"<table><tr><th>record</th><th>reason</th><th>value</th></tr>{drops}</table></details>"
        if m.drops
        else ""
    )
    return f'<table class="meta">{table}</table>{drops_html}'


def _section(n: int, entry: Entry, colours: dict[str, str]) -> str:
    s = entry.summary
    head = f'<h2 id="a{n}">{_e(entry.id)}</h2>'
    if entry.error:
        error = f'<p class="error">error: {_e(entry.error)}</p>'
        return f'<section class="article">{head}{error}</section>'
    assert s is not None
    gold_status: dict[int, str] = {}
    pred_status: dict[int, str] = {}
    if entry.gold is not None:
        gold_status, pred_status = _gold_matches(s, entry.gold)
    if entry.text is None:
        body = '<p class="note">The article text was not given: records are listed without ' \
               "highlights (give --article, --articles or --gold).</p>"  # fmt: skip
    else:
        body = f'<div class="text">{_article_html(entry.text, _marks(n, entry, colours))}</div>'
    panel = f"<h3>Records</h3>{_record_items(n, s, colours, pred_status)}"
    if entry.gold is not None:
        panel = (
            '<div class="side"><div><h3>Gold</h3>'
            f"{_gold_list(n, entry.gold, gold_status)}</div><div>{panel}</div></div>"
        )
    if s.meta.failures:
        failed = "".join(f"<li>{_e(f)}</li>" for f in s.meta.failures)
        body = (f'<div class="error"><b>{len(s.meta.failures)} step(s) failed: their records '
                f"are missing.</b><ul>{failed}</ul></div>{body}")  # fmt: skip
    return (
        f'<section class="article">{head}<div class="cols"><div class="left">{body}</div>'
        f'<div class="right">{panel}{_meta_html(s)}</div></div></section>'
    )


_CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:.6em 1.2em;background:#263238;color:#fff}
header h1{font-size:1.1em;margin:0}
nav{padding:.4em 1.2em;font-size:.9em}
section.article{padding:.5em 1.2em;border-bottom:1px solid #ddd}
.cols{display:flex;gap:1.5em;align-items:flex-start}
.left{flex:3;min-width:0}.right{flex:2;min-width:0;position:sticky;top:0;max-height:100vh;overflow:auto}
.text{white-space:pre-wrap;background:#fff;padding:1em;border:1px solid #e0e0e0;border-radius:4px}
mark{background:none;color:inherit;padding:0}
mark.quote{border-radius:2px}
mark.event{text-decoration:underline 2px #1565c0;text-underline-offset:3px}
mark.stance{text-decoration:underline dotted 2px #6a1b9a;text-underline-offset:5px}
mark.event.stance{text-decoration:underline double 2px #1565c0}
mark.miss{outline:2px dashed #c62828;outline-offset:1px}
mark.wrong-speaker{outline:2px solid #ef6c00}mark.extra{outline:2px dotted #c62828}
mark.focus{box-shadow:0 0 0 3px #ff6f00;transition:box-shadow .2s}
ol.records,ol.goldlist{padding-left:1.4em;margin:.2em 0}
h4{margin:.6em 0 .1em;font-size:.95em;color:#455a64}
li.rec{cursor:pointer;margin:.25em 0;padding:.15em .3em;border-radius:3px}
li.rec:hover,li.rec.active{background:#eceff1}
li.event{border-left:3px solid #1565c0}li.stance{border-left:3px dotted #6a1b9a}
.sw{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.3em;
  border:1px solid #999}
.badge{font-size:.75em;padding:0 .4em;border-radius:8px;background:#eee}
.badge.missed,.badge.extra{background:#ffcdd2}.badge.wrong-speaker{background:#ffe0b2}
.badge.ok{background:#c8e6c9}
.pol{font-size:.8em;padding:0 .3em;border-radius:3px;background:#eee}
.pol.support{background:#c8e6c9}.pol.oppose{background:#ffcdd2}.pol.mixed{background:#ffe0b2}
.side{display:flex;gap:1em}.side>div{flex:1;min-width:0}
table.meta{font-size:.85em;border-collapse:collapse}table.meta th{text-align:left;padding-right:1em}
.drops table{font-size:.8em;border-collapse:collapse}
.drops td,.drops th{border:1px solid #ddd;padding:2px 4px}
.error{color:#b71c1c}.note{color:#555;font-style:italic}
.legend span{margin-right:1em}
"""

OVERVIEW_CSS = """
section.overview{padding:.5em 1.2em;border-bottom:1px solid #ddd}
.panes{display:flex;flex-wrap:wrap;gap:0 2.5em}.panes>div{flex:1 1 560px;min-width:0}
dl.totals{display:flex;flex-wrap:wrap;gap:.3em 1.4em;margin:.3em 0}
dl.totals div{display:flex;gap:.3em}dl.totals dt{color:#555}dl.totals dd{margin:0;font-weight:600}
table.chart,table.grid,table.list{border-collapse:collapse;font-size:.9em;margin:.3em 0}
table.chart td,table.chart th,table.list td,table.list th{padding:2px 6px;text-align:left;
  vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
table.grid th,table.grid td{border:1px solid #ddd;padding:3px 6px;font-size:.9em}
table.grid th.t{max-width:9em;font-weight:normal;vertical-align:bottom}
td.pol-support{background:#a5d6a7}td.pol-oppose{background:#ef9a9a}
td.pol-mixed{background:#ffcc80}td.pol-neutral{background:#e0e0e0}
td.pol-support a,td.pol-oppose a,td.pol-mixed a,td.pol-neutral a{color:#111}
.key span{display:inline-block;padding:0 .5em;margin-right:.4em;border-radius:3px}
details ol{margin:.2em 0;padding-left:1.6em;font-size:.9em}
svg text{font:11px system-ui,sans-serif;fill:#444}
.bar-direct{fill:#1565c0}.bar-indirect{fill:#90caf9}.bar-month{fill:#546e7a}
.bar-month:hover{fill:#ff6f00}
"""

_JS = """
function focusRecord(li) {
  var rid = li.getAttribute('data-target');
  document.querySelectorAll('mark.focus').forEach(function (m) { m.classList.remove('focus'); });
  document.querySelectorAll('li.active').forEach(function (m) { m.classList.remove('active'); });
  document.querySelectorAll('mark[data-r]').forEach(function (m) {
    if (m.getAttribute('data-r').split(' ').indexOf(rid) >= 0) m.classList.add('focus');
  });
  li.classList.add('active');
  var target = document.getElementById(rid);
  (target || li).scrollIntoView({block: 'center'});
}
document.addEventListener('click', function (ev) {
  var li = ev.target.closest('li[data-target]');
  if (li) focusRecord(li);
});
document.addEventListener('keydown', function (ev) {
  if (ev.key === 'Enter' && ev.target.matches('[data-target]')) ev.target.click();
});
function focusHash() {  // a link from the overview names a record: show it
  var rid = decodeURIComponent(location.hash.slice(1));
  if (!/^a[0-9]+-[qes][0-9]+$/.test(rid)) return;
  var li = document.querySelector('li[data-target="' + rid + '"]');
  if (li) focusRecord(li);
}
window.addEventListener('hashchange', focusHash);
focusHash();
"""


CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src data:")  # fmt: skip


def document(title: str, body: str, *, header: str = "", script: bool = True) -> str:
    """A whole self-contained HTML document: our CSS (and JS), the CSP that forbids loading."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_CSS}{OVERVIEW_CSS}</style></head><body>"
        f"<header><h1>{esc(title)}</h1>{header}</header>\n{body}\n"
        + (f"<script>{_JS}</script>" if script else "")
        + "</body></html>\n"
    )


def page(
    entries: Sequence[Entry], title: str = "summariser", *, top: str = "", back: str | None = None
) -> str:
    """The whole HTML page for `entries` (one article for `run`, many for batch and eval).

    Args:
        entries: The articles, in page order (record anchors are `a{n}-q{i}`, n its index).
        title: The page title.
        top: HTML placed above the articles (the overview of a batch).
        back: A link to the overview (the article pages of `view -o DIR`).
    """
    colours = _speaker_colours(entries)
    legend = "".join(
        f'<span><span class="sw" style="background:{c}"></span>{_e(name or "(unknown)")}</span>'
        for name, c in colours.items()
    )
    nav = f'<nav><a href="{_e(back)}">← overview</a></nav>' if back else ""
    if len(entries) > 1:
        links = " · ".join(f'<a href="#a{n}">{_e(e.id)}</a>' for n, e in enumerate(entries))
        nav += f"<nav>{len(entries)} articles: {links}</nav>"
    sections = "\n".join(_section(n, e, colours) for n, e in enumerate(entries))
    header = (
        f'<div class="legend">speakers: {legend} '
        "<span><u>event evidence</u></span> <span>stance evidence (dotted)</span>"
        + (
            " <span>evals: missed (dashed), wrong speaker (solid), extra (dotted)</span>"
            if any(e.gold is not None for e in entries)
            else ""
        )
        + "</div>"
    )
    return document(title, f"{top}{nav}\n{sections}", header=header)


# --- the overview of a batch ----------------------------------------------------------------

TOP_SPEAKERS = 25
TOP_HOLDERS, TOP_TARGETS = 15, 10
LIST_PAGE = 500  # articles per list page of `view -o DIR`
_POLARITIES = ("support", "oppose", "neutral", "mixed")


def _short(text: str, n: int = 110) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _ref_item(ref: Ref, link: Callable[[Ref], str]) -> str:
    return (f'<li><a href="{_e(link(ref))}">{_e(ref.label)}</a>: '
            f"{_e(_short(ref.text))}</li>")  # fmt: skip


def _totals(ov: Overview, skipped: int) -> str:
    t = ov.totals
    items = [
        ("articles", t["articles"]), ("errors", t["errors"]),
        ("failed steps", t["failed_steps"]), ("quotes", ov.quotes),
        ("direct", t["quotes_direct"]), ("indirect", t["quotes_indirect"]),
        ("speakers", len(ov.speakers)), ("events", t["events"]),
        ("dated events", t["events_dated"]), ("stances", t["stances"]),
        ("skipped lines", skipped),
    ]  # fmt: skip
    return '<dl class="totals">' + "".join(
        f'<div><dt>{_e(k)}</dt><dd data-count="{_e(k.replace(" ", "-"))}">{v:,}</dd></div>'
        for k, v in items
    ) + "</dl>"  # fmt: skip


def _speakers(ov: Overview, link: Callable[[Ref], str]) -> str:
    top = sorted(ov.speakers.items(), key=lambda kv: (-kv[1].quotes, kv[1].name))[:TOP_SPEAKERS]
    if not top:
        return '<h2>Most-quoted speakers</h2><p class="note">No quotes.</p>'
    most = max(sp.quotes for _, sp in top)
    rows = []
    for rank, (key, sp) in enumerate(top, 1):
        w_direct = round(175 * sp.direct / most)
        w_indirect = round(175 * sp.indirect / most)
        share = f"{100 * sp.direct / sp.quotes:.0f}%"
        bar = (f'<svg width="180" height="14" role="img" aria-label="{sp.direct} direct, '
               f'{sp.indirect} indirect"><rect class="bar-direct" x="0" y="1" height="12" '
               f'width="{w_direct}"/><rect class="bar-indirect" x="{w_direct}" y="1" height="12" '
               f'width="{w_indirect}"/></svg>')  # fmt: skip
        examples = "".join(_ref_item(r, link) for r in sp.refs)
        rows.append(
            f'<tr class="speaker" data-key="{_e(key)}" data-quotes="{sp.quotes}" '
            f'data-direct="{sp.direct}" data-indirect="{sp.indirect}" '
            f'data-articles="{sp.articles}"><td class="num">{rank}</td>'
            f'<td><a class="who" href="{_e(link(sp.refs[0]))}">{_e(sp.name)}</a></td>'
            f'<td>{bar}</td><td class="num">{sp.quotes:,}</td><td class="num">{share}</td>'
            f'<td class="num">{sp.articles:,}</td><td><details><summary>quotes</summary>'
            f"<ol>{examples}</ol></details></td></tr>"
        )
    shown = sum(sp.quotes for _, sp in top)
    return (
        f"<h2>Most-quoted speakers</h2><p>The top {len(top)} of {len(ov.speakers):,} speakers "
        f"({shown:,} of {ov.quotes:,} quotes; one row per person across articles). "
        '<span class="key"><span style="background:#1565c0;color:#fff">direct</span>'
        '<span style="background:#90caf9">indirect</span></span></p>'
        '<table class="chart"><tr><th class="num">#</th><th>speaker</th><th>quotes</th>'
        '<th class="num">count</th><th class="num">direct</th><th class="num">articles</th>'
        f"<th>examples</th></tr>{''.join(rows)}</table>"
    )


def _dominant(polarity: Counter[str]) -> str:
    """The polarity of two thirds or more of a cell's stances, else "mixed"."""
    top, n = polarity.most_common(1)[0]
    return top if 3 * n >= 2 * sum(polarity.values()) else "mixed"


def _stances(ov: Overview, link: Callable[[Ref], str]) -> str:
    by_holder: Counter[str] = Counter()
    by_target: Counter[str] = Counter()
    for (holder, target), pair in ov.cells.items():
        n = sum(pair.polarity.values())
        by_holder[holder] += n
        by_target[target] += n
    if not by_holder:
        return '<h2>Who stands where</h2><p class="note">No stances.</p>'
    holders = [h for h, _ in sorted(by_holder.items(), key=lambda kv: (-kv[1], kv[0]))]
    targets = [t for t, _ in sorted(by_target.items(), key=lambda kv: (-kv[1], kv[0]))]
    holders, targets = holders[:TOP_HOLDERS], targets[:TOP_TARGETS]
    head = "".join(f'<th class="t">{_e(_short(ov.targets[t], 40))}</th>' for t in targets)
    rows, shown = [], 0
    for h in holders:
        cells = []
        for t in targets:
            cell = ov.cells.get((h, t))
            if cell is None:
                cells.append("<td></td>")
                continue
            n = sum(cell.polarity.values())
            shown += n
            counts = ", ".join(f"{cell.polarity[p]} {p}" for p in _POLARITIES if cell.polarity[p])
            data = " ".join(f'data-{p}="{cell.polarity[p]}"' for p in _POLARITIES)
            cells.append(f'<td class="pol-{_dominant(cell.polarity)}" data-target="{_e(t)}" '
                         f'{data} title="{_e(counts)}">'
                         f'<a href="{_e(link(cell.refs[0]))}">{n}</a></td>')  # fmt: skip
        name = ov.holders[h] or "(no one)"
        rows.append(f'<tr data-holder="{_e(h)}"><th>{_e(name)}</th>{"".join(cells)}</tr>')
    key = "".join(f'<span class="pol {p}">{p}</span>' for p in _POLARITIES)
    return (
        f"<h2>Who stands where</h2><p>Stances of the {len(holders)} most frequent holders on the "
        f"{len(targets)} most frequent targets ({shown:,} of {ov.totals['stances']:,} stances); "
        f"a cell counts the stances and takes the colour of the polarity of two thirds or more of "
        "them (else mixed; hover for the counts). "
        f'<span class="key">{key}</span></p>'
        f'<table class="grid"><tr><th></th>{head}</tr>{"".join(rows)}</table>'
    )


def _timeline(ov: Overview, link: Callable[[Ref], str]) -> str:
    if not ov.month_counts:
        return '<h2>Events over time</h2><p class="note">No event states a calendar date.</p>'
    first, last = min(ov.month_counts), max(ov.month_counts)
    months = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    most = max(ov.month_counts.values())
    width = max(6, min(40, 880 // len(months)))
    bars, labels = [], []
    for i, month in enumerate(months):
        n = ov.month_counts.get(month, 0)
        x, h = 30 + i * width, round(120 * n / most)
        name = month.strftime("%B %Y")
        if n:
            bars.append(f'<a href="#t-{month:%Y-%m}"><rect class="bar-month" x="{x}" '
                        f'y="{130 - h}" width="{width - 2}" height="{max(h, 1)}">'
                        f"<title>{name}: {n} events</title></rect></a>")  # fmt: skip
        if month.month == 1 or i == 0:
            labels.append(f'<text x="{x}" y="146">{month:%Y}</text>')
    svg = (f'<svg width="{40 + len(months) * width}" height="150" role="img" '
           f'aria-label="dated events per month"><text x="0" y="12">{most}</text>'
           f'<line x1="28" y1="130" x2="{30 + len(months) * width}" y2="130" stroke="#999"/>'
           f'{"".join(bars)}{"".join(labels)}</svg>')  # fmt: skip
    lists = "".join(
        f'<details id="t-{month:%Y-%m}" data-events="{ov.month_counts[month]}"><summary>'
        f"{month:%B %Y}: {ov.month_counts[month]} event(s)</summary><ol>"
        f"{''.join(_ref_item(r, link) for r in ov.months[month])}</ol></details>"
        for month in months
        if month in ov.month_counts
    )
    undated = ov.totals["events"] - ov.totals["events_dated"]
    return (
        f"<h2>Events over time</h2><p>{ov.totals['events_dated']:,} events state a calendar date "
        f"(day, or month and year; {undated:,} others such as “on Tuesday” are not placed). "
        f"Click a month for examples.</p>{svg}{lists}"
    )


def overview(ov: Overview, link: Callable[[Ref], str], *, skipped: int = 0, more: str = "") -> str:
    """The overview of a batch as an HTML section: totals, speakers, stances, timeline.

    Args:
        ov: The aggregates (`summariser.export.overview.Overview`).
        link: The address of a record on its article's page.
        skipped: Lines of the results file that were skipped (unreadable).
        more: HTML added at the end (links to the article lists).
    """
    return (
        f'<section class="overview">{_totals(ov, skipped)}<div class="panes">'
        f"<div>{_speakers(ov, link)}</div><div>{_stances(ov, link)}</div></div>"
        f"{_timeline(ov, link)}{more}</section>"
    )


def article_list(rows: Sequence[ArticleRow], href: Callable[[ArticleRow], str]) -> str:
    """A table of articles with their counts, each linking to its page."""
    body = "".join(
        f'<tr class="{_e(r.status)}"><td class="num">{r.result_line}</td>'
        f'<td><a href="{_e(href(r))}">{_e(r.label)}</a></td><td>{_e(r.title or "")}</td>'
        f'<td>{_e(r.status)}</td><td class="num">{r.quotes}</td><td class="num">{r.events}</td>'
        f'<td class="num">{r.stances}</td></tr>'
        for r in rows
    )
    return (
        '<table class="list"><tr><th class="num">line</th><th>article</th><th>title</th>'
        '<th>status</th><th class="num">quotes</th><th class="num">events</th>'
        f'<th class="num">stances</th></tr>{body}</table>'
    )
