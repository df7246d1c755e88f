"""Events: candidates from the parse, the model picks which ones the article reports.

Code finds every clause with a named (or resolved) subject and an event verb, with its object,
time and place; a reporting verb is a quote, not an event. The model sees short numbered
candidates and answers only with the numbers of real events (not negated, not hypothetical),
a bounded answer. Without a model (parser-only mode) every candidate that is neither negated
nor a mere possibility is returned. Evidence and offsets are always the clause's sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from summariser import prompts
from summariser.schemas import Event, event_choice_model
from summariser.steps import Context, Piece
from summariser.text import lexicon
from summariser.text.clauses import Clause

#: Candidates listed in one question; more go in further questions (same cached prefix).
PER_CALL = 40
#: Modals that make a clause a possibility rather than an event ("could close").
_SPECULATIVE = frozenset({"could", "might", "may", "should", "must", "ought"})


@dataclass(frozen=True)
class Candidate:
    """An event clause as code found it, ready to list or to return."""

    clause: Clause
    actor: str
    target: str | None

    def line(self, n: int, piece: Piece, text: str) -> str:
        """The candidate as the model sees it: `E3 [5] actor | action | target (flags)`."""
        c = self.clause
        flags = [f for f, on in (("not", c.negated), (c.modal or "", bool(c.modal))) if on]
        parts = [self.actor, c.action, self.target or "-"]
        tail = f" ({', '.join(flags)})" if flags else ""
        return f"E{n} [{piece.number(c.verb[0])}] " + " | ".join(parts) + tail


def candidates(ctx: Context) -> list[Candidate]:
    """Every event clause of the document with a named or resolved actor."""
    document = ctx.document
    out = []
    for c in ctx.clauses:
        if (c.lemma in lexicon.REPORTING_VERBS and not c.phrasal) or (
            c.lemma in lexicon.NON_EVENT_VERBS
        ):
            continue  # "said" is a quote, "is" no event; "called off" is one
        if c.subject is None or (c.subject.pronoun and c.subject.name is None):
            continue
        if document.quoted(c.verb[0]):
            continue  # words inside quotation marks are what someone said
        target = c.object.label if c.object is not None else None
        out.append(Candidate(c, c.subject.who, target))
    return out


def extract(ctx: Context, piece: Piece, found: list[Candidate]) -> list[Event]:
    """The piece's events: its candidates judged by the model (or by code alone)."""
    text = ctx.text
    mine = [
        c for c in found
        if piece.span[0] <= c.clause.verb[0] < piece.span[1]
        and piece.number(c.clause.verb[0])
    ]  # fmt: skip
    trusted = []
    for c in mine:
        if piece.in_untrusted(c.clause.verb[0]):
            ctx.drop("event", "inside instruction-like text", c.line(0, piece, text))
        else:
            trusted.append(c)
    if ctx.model_free:
        chosen = [c for c in trusted if not c.clause.negated and c.clause.modal not in _SPECULATIVE]
    else:
        chosen = []
        for at in range(0, len(trusted), PER_CALL):
            chosen += _judge(ctx, piece, trusted[at : at + PER_CALL])
    return [_event(ctx, c) for c in chosen]


def _judge(ctx: Context, piece: Piece, batch: list[Candidate]) -> list[Candidate]:
    """Ask which numbered candidates are events; the rest are counted as not chosen."""
    text = ctx.text
    listing = "\n".join(c.line(n, piece, text) for n, c in enumerate(batch, 1))
    model = event_choice_model(len(batch))
    task = prompts.render(
        "events", count=len(batch), candidates=listing, shape='{"events": [<numbers>]}'
    )
    answer, _ = ctx.ask(piece, task, model, max_tokens=8 + 4 * len(batch))
    if answer is None:
        return []  # counted in meta.failures by ctx.ask
    picked = set(answer.model_dump()["events"])
    return [c for n, c in enumerate(batch, 1) if n in picked]


def _event(ctx: Context, c: Candidate) -> Event:
    s, e = ctx.document.sentences[c.clause.sentence]
    return Event(
        actor=c.actor,
        action=c.clause.action,
        target=c.target,
        when=c.clause.when,
        where=c.clause.where,
        evidence=ctx.text[s:e],
        start=s,
        end=e,
    )
