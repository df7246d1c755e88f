"""Article text + backend -> grounded Summary. No printing, no files, no exits.

The article is parsed once into a Document (sentences, quotations, entities, the dependency
parse). Each step finds its candidates by code in it (steps/quotes.py, events.py, stances.py)
and asks the model only what code cannot settle, in small bounded questions that share the
article as a prefix (so llama.cpp reuses its KV cache). Every record is grounded in the
article; what fails is dropped and counted in `meta`, never returned. With the parser-only
backend (`--model none`) no question is asked and code's own answers are returned.
"""

from __future__ import annotations

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
from summariser.inputs import check_text
from summariser.schemas import Meta, Quote, Summary
from summariser.steps import STEPS, chosen, load
from summariser.steps.context import Context, make_piece
from summariser.text.document import parse
from summariser.text.names import fold
from summariser.text.spans import chunks

T = TypeVar("T", bound=BaseModel)
log = logging.getLogger("summariser")


def extract(text: str, backend: ChatBackend, steps: Iterable[str] = STEPS) -> Summary:
    """Extract grounded quotes, events and stances from `text` with `backend`.

    Args:
        text: The article, plain text. Offsets in the result index into this string.
        backend: A ChatBackend (see summariser.backends.resolve).
        steps: Which record types to extract (default all of STEPS).

    Returns:
        A Summary whose every record is located in `text`.

    Raises:
        InputError: the text is empty or not text, or a step is unknown.
        BackendError: the model could not be reached.
    """
    check_text(text)
    wanted = chosen(steps)
    run_steps = [load(name) for name in STEPS if name in wanted]
    started = time.perf_counter()
    run = Context(parse(text), backend)
    document = run.document
    spans = chunks(text, backend.max_article_chars)
    bounds = [0, *(s for s, _ in spans[1:]), len(text) + 1]
    pieces = [make_piece(document, span, (bounds[k], bounds[k + 1]))
              for k, span in enumerate(spans)]  # fmt: skip
    run.add_time("parse", time.perf_counter() - started)
    t0 = time.perf_counter()
    found = {step.name: step.candidates(run) for step in run_steps}
    run.add_time("candidates", time.perf_counter() - t0)
    records: dict[str, list[Any]] = {step.name: [] for step in run_steps}
    # With two or more slots a step that needs no other (events) runs beside the rest.
    slots = getattr(getattr(backend, "caps", None), "parallel", 1) or 1
    first = sorted(run_steps, key=lambda step: not step.beside)
    with ThreadPoolExecutor(max_workers=2) if slots > 1 else nullcontext() as pool:
        for piece in pieces:
            pending = []
            quotes: list[Quote] = []
            for step in first:
                ask = partial(step.records, run, piece, found[step.name], quotes)
                job = partial(_timed, run, step.name, ask)
                if step.beside and pool is not None:
                    pending.append((step.name, pool.submit(job)))
                    continue
                got = job()
                records[step.name] += got
                if step.name == "quotes":
                    quotes = got
            for name, future in pending:
                records[name] += future.result()
    run.timings["total"] = time.perf_counter() - started
    return Summary(
        quotes=sorted(
            _unique(records.get("quotes", []), lambda q: (q.start, q.end)), key=lambda q: q.start
        ),
        events=sorted(
            _unique(records.get("events", []), lambda e: (fold(e.actor), fold(e.action), e.start)),
            key=lambda e: e.start,
        ),
        stances=sorted(
            _unique(records.get("stances", []), lambda s: (fold(s.holder), fold(s.target))),
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
            steps=[step.name for step in run_steps],
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
