"""What every step reads and adds up for one article: the Document, the backend, the tally.

A step (quotes, events, stances) finds candidates by code in `ctx.document`, asks the model
only what code cannot settle through `ctx.ask` (the article is the shared prefix of every call,
so a local model reuses its KV cache), grounds the answers and reports what it left out with
`ctx.drop`. Steps may run in threads at once: the tally is guarded by a lock.
"""

from __future__ import annotations

import bisect
import functools
import logging
import threading
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from pydantic import BaseModel

from summariser import prompts
from summariser.backends.base import AttemptsFailed, ChatBackend, ValidationExhausted
from summariser.errors import ExtractionError
from summariser.schemas import Drop, DropReason, Usage
from summariser.text import injection
from summariser.text.clauses import Clause, clauses, main_topic
from summariser.text.document import Document
from summariser.text.mentions import Resolver
from summariser.text.spans import Span

T = TypeVar("T", bound=BaseModel)
RecordKind = Literal["quote", "event", "stance"]
log = logging.getLogger("summariser")

#: At most this many dropped records are kept as examples in `meta.drops`; all are counted.
DROP_SAMPLE = 50


@dataclass
class Piece:
    """One chunk of the article as the model sees it: numbered sentences, the shared prefix.

    Sentence numbers in prompts and answers are 1-based within the piece.
    """

    span: Span
    sentences: list[Span]
    prefix: list[dict[str, str]]
    untrusted: frozenset[int]  # numbers of instruction-like sentences (prompt injection)
    hidden: tuple[str, ...] = ()  # their text: never shown to the model (injection.withhold)
    home: Span = (0, 0)  # candidates starting here are asked with this piece (pieces overlap)

    def number(self, offset: int) -> int:
        """The number [n] of the piece's sentence holding `offset`, or 0."""
        i = bisect.bisect_right(self._starts, offset) - 1
        return i + 1 if i >= 0 and offset < self.sentences[i][1] else 0

    @functools.cached_property
    def _starts(self) -> list[int]:
        return [s for s, _ in self.sentences]

    def in_untrusted(self, start: int) -> bool:
        """True when offset `start` falls in an instruction-like sentence."""
        return self.number(start) in self.untrusted


def make_piece(document: Document, span: Span, home: Span | None = None) -> Piece:
    """The piece of `document` within `span`, with its prompt prefix.

    `home` (default `span`): where the candidates it answers for start.
    """
    text = document.text
    sentences = [s for s in document.sentences if span[0] <= s[0] and s[1] <= span[1]]
    untrusted = injection.untrusted_sentences(text, sentences, document.paragraphs)
    prefix = [
        {"role": "system", "content": prompts.render("system")},
        {"role": "user", "content": prompts.article_block(text, sentences, untrusted)},
    ]
    hidden = tuple(text[s:e] for n, (s, e) in enumerate(sentences, 1) if n in untrusted)
    return Piece(span, sentences, prefix, untrusted, hidden, home or span)


def parser_only(backend: ChatBackend) -> bool:
    """True for the backend that must never be called: code alone gives the records."""
    caps = getattr(backend, "caps", None)
    return caps is not None and getattr(caps, "provider", None) == "none"


@dataclass
class Context:
    """One article's extraction: what steps read (document, backend) and what they add up."""

    document: Document
    backend: ChatBackend
    usage: Usage = field(default_factory=Usage)
    drops: list[Drop] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def text(self) -> str:
        return self.document.text

    @functools.cached_property
    def resolver(self) -> Resolver:
        """Who each mention is: one resolver for speakers, actors and holders."""
        return Resolver(self.document)

    @functools.cached_property
    def clauses(self) -> list[Clause]:
        """Every clause of the document (parsed once, read by events and stances)."""
        return clauses(self.document, self.resolver)

    @functools.cached_property
    def main_topic(self) -> str | None:
        """What the article is about, as its headline names it (a stance's fallback target)."""
        return main_topic(self.document)

    @property
    def model_free(self) -> bool:
        """True when no model may be asked (parser-only mode)."""
        return parser_only(self.backend)

    def drop(self, record: RecordKind, reason: DropReason, value: object) -> None:
        """Count a record left out; keep the first DROP_SAMPLE as examples."""
        with self._lock:
            self.dropped[reason] = self.dropped.get(reason, 0) + 1
            if len(self.drops) < DROP_SAMPLE:
                self.drops.append(Drop(record=record, reason=reason, value=str(value)[:120]))

    def fail(self, message: str) -> None:
        with self._lock:
            self.failures.append(message)

    def add_time(self, step: str, seconds: float) -> None:
        with self._lock:
            self.timings[step] = self.timings.get(step, 0.0) + seconds

    def ask(self, piece: Piece, task: str, model: type[T], max_tokens: int) -> T | None:
        """One model call: the piece's shared prefix plus `task`; None when it failed.

        The article and the task go in one user message so that every call's prompt starts with
        the same tokens (system + article) and the local model's KV cache is reused. A failure
        is counted in `failures` (and its tokens in `usage`).
        """
        if self.model_free:
            raise RuntimeError("parser-only mode: a step asked the model")  # a bug in a step
        messages = [dict(m) for m in piece.prefix]
        messages[-1]["content"] += "\n\n" + injection.withhold(task, piece.hidden)
        try:
            answer, usage = self.backend.extract(messages, model, {}, max_tokens)
        except ValidationExhausted as e:
            self._add_usage(e.usage)
            self.fail(f"{model.__name__}: {e}")
            return None
        except ExtractionError as e:
            if isinstance(e, AttemptsFailed):  # a cut-off answer still cost its requests
                self._add_usage(e.usage)
            self.fail(f"{model.__name__}: {e}")
            return None
        self._add_usage(usage)
        log.debug("%s: %d call(s), %d+%d tokens", model.__name__, usage.calls,
                  usage.prompt_tokens, usage.completion_tokens)  # fmt: skip
        return answer

    def _add_usage(self, usage: Usage) -> None:
        with self._lock:
            self.usage.add(usage)
