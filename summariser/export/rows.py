"""A `Result` as rows of the flat tables (columns as in `columns.TABLES`)."""

from __future__ import annotations

import json
from typing import Any

from summariser.export.columns import TABLES
from summariser.export.read import Result

Row = dict[str, Any]
KINDS = ("quotes", "events", "stances")


def title_of(extra: dict[str, Any] | None) -> str | None:
    """The input's `title` (or `headline`) field, if it had one."""
    for key in ("title", "headline"):
        value = (extra or {}).get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def article_row(r: Result) -> Row:
    """The `articles` row of one result."""
    base: Row = dict.fromkeys(c.name for c in TABLES["articles"])
    base.update(result_line=r.result_line, article_id=r.label, title=title_of(r.extra))
    s = r.summary
    if s is None:
        base.update(status="error", error_type=r.error_type, error=r.error,
                    quotes=0, events=0, stances=0, dropped=0)  # fmt: skip
        return base
    m = s.meta
    base.update(
        status="ok",
        model=m.model,
        prompt_version=m.prompt_version,
        schema_version=m.schema_version,
        steps=",".join(m.steps) if m.steps else None,
        quotes=len(s.quotes),
        events=len(s.events),
        stances=len(s.stances),
        failures=",".join(m.failures) or None,
        dropped=sum(m.dropped.values()),
        cached=m.cached,
        chunks=m.chunks,
        seconds=m.timings.get("total"),
        timings=json.dumps(m.timings, sort_keys=True) if m.timings else None,
        prompt_tokens=m.usage.prompt_tokens,
        completion_tokens=m.usage.completion_tokens,
        calls=m.usage.calls,
        cached_tokens=m.usage.cached_tokens,
    )
    return base


def record_rows(r: Result, names: dict[str, tuple[str, str]]) -> dict[str, list[Row]]:
    """The `quotes`, `events` and `stances` rows of one result.

    Args:
        r: The result.
        names: {name as the records give it: (key, canonical name)} for this article.
    """
    out: dict[str, list[Row]] = {k: [] for k in KINDS}
    s = r.summary
    if s is None:
        return out
    key = {"result_line": r.result_line, "article_id": r.label}

    def who(role: str, name: str) -> Row:
        k, canonical = names.get(name, ("", ""))
        return {role: name, f"{role}_canonical": canonical, f"{role}_key": k}

    for n, q in enumerate(s.quotes, 1):
        spans = q.spans or [(q.start, q.end)]
        out["quotes"].append({**key, "n": n, **who("speaker", q.speaker), "kind": q.kind,
                              "cue": q.cue, "text": q.text, "start": q.start, "end": q.end,
                              "spans": json.dumps([list(p) for p in spans])})  # fmt: skip
    for n, e in enumerate(s.events, 1):
        out["events"].append({**key, "n": n, **who("actor", e.actor), "action": e.action,
                              "target": e.target, "when": e.when, "where": e.where,
                              "evidence": e.evidence, "start": e.start, "end": e.end})  # fmt: skip
    for n, st in enumerate(s.stances, 1):
        out["stances"].append({**key, "n": n, **who("holder", st.holder), "target": st.target,
                               "polarity": st.polarity, "evidence": st.evidence,
                               "start": st.start, "end": st.end})  # fmt: skip
    return out
