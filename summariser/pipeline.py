"""Article text + backend -> grounded Summary. No printing, no files, no exits.

Design (for small local models and cheap for large ones): our code finds the quotation-mark
spans, sentences and cue verbs; the model is asked only what code cannot find, in small calls
that share the article as a prefix (so llama.cpp reuses its KV cache): who said each numbered
quotation, which sentences report speech without marks, events, stances. Every answer is
validated against the article (instructor re-asks on failure); what still fails is dropped and
counted in `meta`, never returned.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from summariser import attribution, grounding, prompts
from summariser.backends.base import ChatBackend
from summariser.errors import InputError
from summariser.grounding import Quotation, Span
from summariser.schemas import (
    Event,
    Meta,
    OptionalSpeaker,
    Quote,
    Stance,
    Summary,
    attribution_model,
)
from summariser.steps import Context, Piece, make_piece, reason
from summariser.steps import events as event_step
from summariser.steps import stances as stance_step
from summariser.text.document import parse
from summariser.text.spans import chunks

T = TypeVar("T", bound=BaseModel)
log = logging.getLogger("summariser")

#: The record types a run can extract; `steps` selects a subset.
STEPS = ("quotes", "events", "stances")
_QUOTES_PER_CALL = 16


def check_text(text: str) -> str:
    """Reject what cannot be an article; return the text unchanged otherwise."""
    if not isinstance(text, str):
        raise InputError(f"the article must be text (str), not {type(text).__name__}")
    if not text.strip():
        raise InputError("the article is empty: give a file or text with the article's words")
    if "\x00" in text:
        raise InputError("the article contains NUL bytes: it looks binary, not text")
    letters = sum(c.isalpha() for c in text)
    if letters < 0.3 * len(text.strip()):
        raise InputError("the article is mostly not letters: it looks like binary or data")
    return text


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
    run = Context(parse(text), backend)
    started = time.perf_counter()
    document = run.document
    quotations = document.quotations
    reported = attribution.reported_speech(
        text, document.sentences, [s for q in quotations for s in q.spans]
    )
    pieces = [make_piece(document, span) for span in chunks(text, backend.max_article_chars)]
    run.add_time("parse", time.perf_counter() - started)
    quotes: list[Quote] = []
    events: list[Event] = []
    stances: list[Stance] = []
    candidates = _candidates(run, quotations, reported) if "quotes" in wanted else []
    event_found = event_step.candidates(run) if "events" in wanted else []
    stance_found = stance_step.candidates(run) if "stances" in wanted else []
    run.add_time("candidates", time.perf_counter() - started - run.timings["parse"])
    assigned: set[int] = set()
    for piece in pieces:
        mine: list[Quote] = []
        if "quotes" in wanted:
            found = [
                c for i, c in enumerate(candidates)
                if i not in assigned and piece.span[0] <= c.start < piece.span[1]
            ]  # fmt: skip
            assigned |= {candidates.index(c) for c in found}
            mine = _timed(run, "quotes", partial(_quotes, run, piece, found))
            quotes += mine
        if "events" in wanted:
            events += _timed(run, "events", partial(event_step.extract, run, piece, event_found))
        if "stances" in wanted:
            found_here = stance_found + stance_step.from_quotes(run, stance_found, mine)
            stances += _timed(run, "stances", partial(stance_step.extract, run, piece, found_here))
    run.timings["total"] = time.perf_counter() - started
    return Summary(
        quotes=sorted(_unique(quotes, lambda q: (q.start, q.end)), key=lambda q: q.start),
        events=sorted(
            _unique(events, lambda e: (grounding.fold(e.actor), grounding.fold(e.action), e.start)),
            key=lambda e: e.start,
        ),
        stances=sorted(
            _unique(stances, lambda s: (grounding.fold(s.holder), grounding.fold(s.target))),
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


def _sentence(piece: Piece, n: int) -> Span:
    return piece.sentences[n - 1]


# --- steps ----------------------------------------------------------------------------------


def _abridge(text: str, words: int = 14) -> str:
    parts = text.split()
    if len(parts) <= words + 4:
        return text
    return " ".join(parts[:words]) + " … " + " ".join(parts[-4:])


@dataclass
class _Candidate:
    """A quotation or a piece of reported speech, and what code knows of its speaker."""

    spans: tuple[Span, ...]
    kind: Literal["direct", "indirect"]
    cue: str | None
    speaker: str | None = None  # named next to the verb: no need to ask the model
    follows: _Candidate | None = None  # the quote this one continues ("A," she said. "B.")
    final: Any = None  # the speaker it ended with (None: nobody; False: dropped)

    @property
    def start(self) -> int:
        return self.spans[0][0]


#: A quotation this short with no reporting verb near it is a term or title, not speech.
_SCARE_QUOTE_WORDS = 4


def _candidates(
    run: Context, quotations: list[Quotation], reported: list[attribution.Reported]
) -> list[_Candidate]:
    text = run.text
    out: list[_Candidate] = []
    for i, q in enumerate(quotations):
        c = _Candidate(q.spans, "direct", grounding.find_cue(text, q))
        c.speaker = attribution.named_speaker(text, q)
        if c.speaker is None and i and attribution.continues(text, quotations[i - 1], q):
            c.follows = next((x for x in reversed(out) if x.spans == quotations[i - 1].spans), None)
        words = len(q.text(text).split())
        if (
            c.cue is None
            and c.speaker is None
            and c.follows is None
            and words <= _SCARE_QUOTE_WORDS
        ):
            run.drop("quote", "short quotation without a reporting verb", q.text(text))
            continue
        out.append(c)
    for r in reported:
        out.append(_Candidate((r.span,), "indirect", r.cue, attribution.subject_name(r.subject)))
    out.sort(key=lambda c: c.start)
    for prev, c in zip(out, out[1:], strict=False):
        unattributed = c.kind == "direct" and c.speaker is None and c.follows is None
        if unattributed and attribution.adds_to_previous(text, Quotation(c.spans)):
            c.follows = prev  # "He added: ..." goes on with whoever spoke last
    return out


def _quotes(run: Context, piece: Piece, candidates: list[_Candidate]) -> list[Quote]:
    """Attribute every candidate: by code where it can, else by asking the model in batches."""
    for c in candidates:
        if piece.in_untrusted(c.start):
            run.drop("quote", "inside instruction-like text", _joined(run.text, c.spans))
            c.final = False
    candidates = [c for c in candidates if c.final is not False]
    ask = [c for c in candidates if c.speaker is None and c.follows is None]
    if run.model_free:
        ask = []  # parser-only: what code cannot attribute is left out (and counted)
    answers: dict[int, Any] = {}
    for at in range(0, len(ask), _QUOTES_PER_CALL):
        batch = ask[at : at + _QUOTES_PER_CALL]
        for c, speaker in zip(batch, _attribute(run, piece, batch), strict=True):
            answers[id(c)] = speaker
    out: list[Quote] = []
    for c in candidates:
        speaker = c.speaker if c.speaker is not None else answers.get(id(c))
        if c.follows is not None:
            speaker = c.follows.final
        c.final = speaker
        text = _joined(run.text, c.spans)
        if speaker is False:  # dropped by validation and already counted
            continue
        if not speaker:
            run.drop("quote", "no speaker", text)
            continue
        out.append(
            Quote(
                text=text,
                speaker=grounding.fullest_name(speaker, run.text),
                kind=c.kind,
                cue=c.cue,
                start=c.spans[0][0],
                end=c.spans[-1][1],
                spans=list(c.spans),
            )
        )
    return out


def _joined(text: str, spans: tuple[Span, ...]) -> str:
    return " ".join(text[s:e] for s, e in spans)


def _attribute(run: Context, piece: Piece, batch: list[_Candidate]) -> list[Any]:
    """Ask the model who said each candidate; a speaker, None (nobody) or False (dropped)."""
    text = run.text
    listing = "\n".join(
        f"Q{i} (sentence [{piece.number(c.start)}]"
        + (", reported speech" if c.kind == "indirect" else "")
        + f"): “{_abridge(_joined(text, c.spans))}”"
        for i, c in enumerate(batch, 1)
    )
    model = attribution_model(len(batch))
    example = {f"Q{i}": "Name" for i in range(1, min(len(batch), 2) + 1)}
    task = prompts.render(
        "quotes", count=len(batch), quotations=listing, shape=prompts.shape(example)
    )
    answer, raw = run.ask(piece, task, model, max_tokens=24 * len(batch) + 24)
    speakers = (
        answer.model_dump() if answer is not None else _salvage_speakers(run, raw, len(batch))
    )
    return [speakers.get(f"Q{i}") for i in range(1, len(batch) + 1)]


def _salvage_speakers(run: Context, raw: str | None, n: int) -> dict[str, Any]:
    try:
        data = json.loads(raw or "")
    except json.JSONDecodeError:
        return {}
    if not isinstance(data, dict):
        return {}
    adapter: TypeAdapter[Any] = TypeAdapter(OptionalSpeaker)
    out: dict[str, Any] = {}
    for i in range(1, n + 1):
        try:
            out[f"Q{i}"] = adapter.validate_python(data.get(f"Q{i}"), context={"article": run.text})
        except ValidationError as e:
            run.drop("quote", f"speaker: {reason(e).split(': ', 1)[-1]}", data.get(f"Q{i}"))
            out[f"Q{i}"] = False  # dropped and counted already
    return out
