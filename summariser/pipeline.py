"""Article text + backend -> grounded Summary. No printing, no files, no exits.

The article is parsed once into a Document (sentences, quotations, entities, the dependency
parse). Each step finds its candidates by code in it (steps/quotes.py, events.py, stances.py)
and asks the model only what code cannot settle, in small bounded questions that share the
article as a prefix (so llama.cpp reuses its KV cache). Every record is grounded in the
article; what fails is dropped and counted in `meta`, never returned. With the parser-only
backend (`--model none`) no question is asked and code's own answers are returned.
"""

from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from functools import partial
from typing import Any, TypeVar

from pydantic import BaseModel

from summariser import prompts
from summariser.backends.base import ChatBackend
from summariser.errors import InputError
from summariser.inputs import check_text
from summariser.schemas import Event, Meta, Quote, Stance, Summary
from summariser.steps import Context, make_piece
from summariser.steps import events as event_step
from summariser.steps import quotes as quote_step
from summariser.steps import stances as stance_step
from summariser.text.document import parse
from summariser.text.names import fold
from summariser.text.spans import chunks

T = TypeVar("T", bound=BaseModel)
log = logging.getLogger("summariser")

#: The record types a run can extract; `steps` selects a subset.
STEPS = ("quotes", "events", "stances")


def extract(text: str, backend: ChatBackend, steps: Iterable[str] = STEPS) -> Summary:
    """Extract grounded quotes, events and stances from `text` with `backend`.

    Args:
        text: The article, plain text. Offsets in the result index into this string.
        backend: A ChatBackend (see summariser.backends.resolve).
        steps: Which record types to extract (default all of STEPS).

    Returns:
        A Summary whose every record is located in `text`.

    Raises:
        InputError: the text is empty or not text.
        BackendError: the model could not be reached.
    """
    check_text(text)
    wanted = set(steps)
    if unknown := wanted - set(STEPS):
        raise InputError(f"unknown steps {sorted(unknown)}; choose from {', '.join(STEPS)}")
    started = time.perf_counter()
    run = Context(parse(text), backend)
    document = run.document
    pieces = [make_piece(document, span) for span in chunks(text, backend.max_article_chars)]
    run.add_time("parse", time.perf_counter() - started)
    quotes: list[Quote] = []
    events: list[Event] = []
    stances: list[Stance] = []
    t0 = time.perf_counter()
    quote_found = quote_step.candidates(run) if "quotes" in wanted else []
    event_found = event_step.candidates(run) if "events" in wanted else []
    stance_found = stance_step.candidates(run) if "stances" in wanted else []
    run.add_time("candidates", time.perf_counter() - t0)
    starts = [p.span[0] for p in pieces]
    by_piece: dict[int, list[Any]] = {}
    for c in quote_found:
        by_piece.setdefault(max(0, bisect.bisect_right(starts, c.start) - 1), []).append(c)
    slots = getattr(getattr(backend, "caps", None), "parallel", 1) or 1
    with ThreadPoolExecutor(max_workers=2) if slots > 1 else nullcontext() as pool:
        for k, piece in enumerate(pieces):
            # With two or more slots the events question runs beside quotes and stances.
            pending = None
            if "events" in wanted:
                job = partial(
                    _timed, run, "events", partial(event_step.extract, run, piece, event_found)
                )
                pending = pool.submit(job) if pool is not None else None
                if pending is None:
                    events += job()
            mine: list[Quote] = []
            if "quotes" in wanted:
                found = by_piece.get(k, [])
                mine = _timed(run, "quotes", partial(quote_step.records, run, piece, found))
                quotes += mine
            if "stances" in wanted:
                here = stance_found + stance_step.from_quotes(run, stance_found, mine)
                stances += _timed(run, "stances", partial(stance_step.extract, run, piece, here))
            if pending is not None:
                events += pending.result()
    run.timings["total"] = time.perf_counter() - started
    return Summary(
        quotes=sorted(_unique(quotes, lambda q: (q.start, q.end)), key=lambda q: q.start),
        events=sorted(
            _unique(events, lambda e: (fold(e.actor), fold(e.action), e.start)),
            key=lambda e: e.start,
        ),
        stances=sorted(
            _unique(stances, lambda s: (fold(s.holder), fold(s.target))),
            key=lambda s: s.start,
        ),
        meta=Meta(
            model=backend.name,
            prompt_version=prompts.version(),
            chunks=len(pieces),
            timings={k: round(v, 3) for k, v in run.timings.items()},
            usage=run.usage,
            dropped=dict(run.dropped),
            drops=run.drops,
            failures=run.failures,
            untrusted=sorted({p.sentences[n - 1] for p in pieces for n in p.untrusted}),
            steps=[step for step in STEPS if step in wanted],
        ),
    )


def _timed(run: Context, step: str, fn: Callable[[], list[T]]) -> list[T]:
    t0 = time.perf_counter()
    try:
        return fn()
    finally:
        run.add_time(step, time.perf_counter() - t0)


def _unique(items: list[T], key: Callable[[T], Any]) -> list[T]:
    seen: set[Any] = set()
    out = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out
