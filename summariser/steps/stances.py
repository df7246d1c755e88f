"""Stances: who is for or against what, from stance predicates and from what speakers say.

Code finds two kinds of candidate, each with a holder who may hold a view (text/clauses.py):
(a) a stance predicate — a verb of support or opposition (lexicon.SUPPORT_VERBS, OPPOSE_VERBS,
the phrasal ones) with its object (or what its clause is about) as target, negation flipping
it; (b) speech — what a reporting verb reports, or an attributed quote, when its words take a
side by the polarity lexicon (text/polarity.py, VADER with negation scope); the target is what
the words are about (the subject of their main clause), never the quotation itself. Every
target is a short phrase (at most TARGET_WORDS words) naming the thing, not its amount. An
API model may give each candidate's polarity (or "none") by number; the embedded default keeps
code's polarity (its answers were worse on every dev set: evals/README.md). Evidence and
offsets are the candidate's sentence.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace

from summariser import prompts
from summariser.schemas import Polarity, Quote, Stance, stance_choice_model
from summariser.steps.context import Context, Piece
from summariser.text import lexicon
from summariser.text.clauses import (
    TARGET_WORDS,
    Clause,
    Phrase,
    head_of,
    topic,
    without_amount,
)
from summariser.text.document import Document
from summariser.text.names import fold
from summariser.text.polarity import evaluates, side_of
from summariser.text.spans import Span

#: The step's name (steps.Step); it reads the piece's quotes, so runs after quotes.
name = "stances"
beside = False
PER_CALL = 24
#: An answer putting this many candidates (or more), all of them, under one polarity is ignored.
UNIFORM_MIN = 4
log = logging.getLogger("summariser")
#: Ask the embedded model for polarities too (off: see `judged`; `evals/ablate_judges.py`
#: turns it on to measure that again).
ASK_EMBEDDED = False
_TARGET_WORDS = 12
#: The least salience (clauses.topic) for a phrase of what was said to be its target; below
#: it, speech is taken to be about what the whole article is about.
TOPIC_SCORE = 3


@dataclass(frozen=True)
class Candidate:
    """A holder, a target and what code reads of the polarity, at one offset of the article."""

    holder: str
    target: str
    at: int  # offset of the verb (or quote) that shows it
    cue: str  # the verb as written
    polarity: Polarity  # the lexical reading (parser-only mode's answer)
    sentence: int  # index into Document.sentences
    speech: bool = False  # what a reporting verb (or a quote) says, not a stance predicate

    def line(self, n: int, piece: Piece) -> str:
        words = self.target.split()
        target = " ".join(words[:_TARGET_WORDS]) + (" …" if len(words) > _TARGET_WORDS else "")
        return f"S{n} [{piece.number(self.at)}] {self.holder} -> {target} ({self.cue})"


def candidates(ctx: Context) -> list[Candidate]:
    """Every stance candidate the parse shows: stance predicates and what speakers say.

    A holder is someone who may hold a view (a person, organisation, group or polity). The
    target is a short phrase (at most TARGET_WORDS words): the object of the stance verb, or
    what the words said are about (the subject of their main clause) — never the quotation.
    Speech takes a side only when its words judge (the polarity lexicon, an adjective, adverb
    or noun with a valence); neutral words and reports of events are none.
    """
    document = ctx.document
    out: list[Candidate] = []
    for c in ctx.clauses:
        if c.nominal or c.subject is None or not c.subject.agent:
            continue
        if document.quoted(c.verb[0]) or c.question or c.conditional or c.nothing:
            continue  # ... or "blamed no country": no side taken on anything
        if c.dep == "pcomp":
            continue  # "accused of supporting", "thanked for backing": what others say of
            # the holder (the gerund's frame), not a position the holder takes
        if c.passive and _patient(document, c.subject):
            continue  # "was criticised": its subject is who the view is of, not who holds it
        holder = c.subject.who
        side = _side(c)
        if side is not None and c.modal in lexicon.MODALS:
            continue  # "would back", "could not defend": a possibility, not a position held
        if side is not None:
            target = _target(ctx, c)
            if target:
                target = without_amount(target)
                polarity: Polarity = side if not c.negated else _flip(side)
                out.append(Candidate(holder, target, c.verb[0], c.action, polarity, c.sentence))
        elif c.lemma in lexicon.QUESTION_VERBS:
            continue
        elif c.lemma in lexicon.REPORTING_VERBS or c.lemma == "accord":
            said = _said(ctx, c)
            if said is None:
                continue
            if c.lemma == "accord" and c.object is not None:
                holder = c.object.who
            found = _speech(ctx, holder, said, c.verb[0], c.action, c.sentence)
            if found is not None:
                out.append(found)
    out = [c for c in out if c.holder.lower() not in lexicon.PRONOUNS]
    return sorted(out, key=lambda c: c.at)


def _patient(document: Document, subject: Phrase) -> bool:
    """True when a passive's subject is its patient ("Lena Fox was criticised"): no agent."""
    head = head_of(document, subject)
    return head is not None and head.dep_ == "nsubjpass"


def _speech(
    ctx: Context, holder: str, said: Span, at: int, cue: str, sentence: int
) -> Candidate | None:
    """A stance from words someone said: what they are about, and the side the words take."""
    words = ctx.text[said[0] : said[1]]
    polarity = side_of(words)
    if polarity is None or not evaluates(ctx.document.tokens_in(*said) or ()):
        return None
    # what the words dwell on, if the article dwells on it too; else what the article is
    # about; else (no headline names a thing) what the words are about, however briefly
    about = (
        topic(ctx.document, *said, at_least=TOPIC_SCORE) or ctx.main_topic
        or topic(ctx.document, *said)
    )  # fmt: skip
    if about is None:
        return None
    return Candidate(holder, without_amount(about), at, cue, polarity, sentence, True)


def from_quotes(ctx: Context, found: list[Candidate], quotes: list[Quote]) -> list[Candidate]:
    """Candidates for attributed quotes that no speech clause covers (a pronoun speaker)."""
    covered = {c.sentence for c in found if c.speech}
    out = []
    for q in quotes:
        i = ctx.document.sentence_index(q.start)
        if i is not None and i not in covered:  # its speech clause is a candidate already
            c = _speech(ctx, q.speaker, (q.start, q.end), q.start, q.cue or "quote", i)
            if c is not None:
                out.append(c)
    return out


def merged(found: list[Candidate]) -> list[Candidate]:
    """One candidate per holder and target, at its first mention, with the side most of the
    mentions take (the first on a tie): a speaker quoted three times on one topic holds one
    view of it. A holder is never its own target."""
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for c in sorted(found, key=lambda c: c.at):
        if fold(c.holder) == fold(c.target):
            continue  # "Halden said Halden ...": a holder is not its own target
        groups.setdefault((fold(c.holder), fold(c.target)), []).append(c)
    out = []
    for group in groups.values():
        sides = Counter(c.polarity for c in group).most_common()
        top = [p for p, n in sides if n == sides[0][1]]
        side = next(c.polarity for c in group if c.polarity in top)
        out.append(replace(group[0], polarity=side))
    return sorted(out, key=lambda c: c.at)


def _side(c: Clause) -> Polarity | None:
    """The side a stance predicate takes, or None for other verbs."""
    if (c.lemma, c.particle) in lexicon.SUPPORT_PHRASES:
        return "support"
    if (c.lemma, c.particle) in lexicon.OPPOSE_PHRASES:
        return "oppose"
    if c.lemma in lexicon.SUPPORT_VERBS:
        return "support"
    if c.lemma in lexicon.OPPOSE_VERBS:
        return "oppose"
    if c.complement is not None and c.lemma in lexicon.FOR_VERBS:
        return "support"
    if c.complement is not None and c.lemma in lexicon.AGAINST_VERBS:
        return "oppose"
    return None


def _flip(p: Polarity) -> Polarity:
    return "oppose" if p == "support" else "support" if p == "oppose" else p


def _target(ctx: Context, c: Clause) -> str | None:
    """What a stance verb is for or against, briefly: what it wants done ("agreed to *buy
    Greenway*"), its object, or what its clause is about."""
    chain = c.action.split(" to ", 1)
    if c.modal is not None and c.modal.endswith(" to") and len(chain) == 2:
        done = f"{chain[1]} {c.object.text if c.object is not None else ''}".strip()
        if len(done.split()) <= TARGET_WORDS:
            return done
    if c.object is not None and not (c.object.pronoun and c.object.name is None):
        return c.object.label
    if c.complement is not None:
        if len(c.complement.text.split()) <= TARGET_WORDS:
            return c.complement.text
        return topic(ctx.document, c.complement.start, c.complement.end)
    return None


def _said(ctx: Context, c: Clause) -> Span | None:
    """What a reporting verb reports: the sentence's quotation, else its complement clause."""
    s, e = ctx.document.sentences[c.sentence]
    for q in ctx.document.quotations_in(s, e):
        if not (q.start <= c.verb[0] < q.end):
            return (q.start, q.end)
    if c.complement is not None and len(c.complement.text.split()) >= 2:
        return (c.complement.start, c.complement.end)
    return None


def records(
    ctx: Context, piece: Piece, found: list[Candidate], quotes: list[Quote] | None = None
) -> list[Stance]:
    """The piece's stances: its candidates (and those of its `quotes` that no speech clause
    covers) with the model's polarity (or the lexical one)."""
    found = merged(found + from_quotes(ctx, found, quotes or []))
    mine = [c for c in found if piece.span[0] <= c.at < piece.span[1] and piece.number(c.at)]
    trusted = []
    for c in mine:
        if piece.in_untrusted(c.at):
            ctx.drop("stance", "inside instruction-like text", c.line(0, piece))
        else:
            trusted.append(c)
    if ctx.model_free or not judged(ctx):
        return [_stance(ctx, c, c.polarity) for c in trusted]
    out = []
    for at in range(0, len(trusted), PER_CALL):
        batch = trusted[at : at + PER_CALL]
        for c, verdict in zip(batch, _judge(ctx, piece, batch), strict=True):
            if verdict is not None and verdict != "none":  # "none": the judge saw no position
                out.append(_stance(ctx, c, verdict))
    return out


def judged(ctx: Context) -> bool:
    """True when the model gives each candidate's polarity: API models only (the embedded
    model's answers were worse than the lexicon's on every dev set)."""
    caps = getattr(ctx.backend, "caps", None)
    return ASK_EMBEDDED or not getattr(caps, "embedded", False)


def _judge(ctx: Context, piece: Piece, batch: list[Candidate]) -> list[str | None]:
    """Each candidate's polarity from the model; "none" when it listed it under none."""
    listing = "\n".join(c.line(n, piece) for n, c in enumerate(batch, 1))
    model = stance_choice_model(len(batch))
    shape = '{"support": [<numbers>], "oppose": [<numbers>], "neutral": [], "mixed": []}'
    task = prompts.render("stances", count=len(batch), candidates=listing, shape=shape)
    answer = ctx.ask(piece, task, model, max_tokens=40 + 3 * len(batch))
    if answer is None:
        return [None] * len(batch)
    verdict: dict[int, str] = {}
    for side, numbers in answer.model_dump().items():
        for n in numbers:
            verdict.setdefault(n, side)  # listed twice: the first list wins
    if len(batch) >= UNIFORM_MIN and len(verdict) == len(batch) and len(set(verdict.values())) == 1:
        # Every candidate under one polarity tells nothing (small models do this): keep the
        # candidates with code's lexical polarity instead.
        log.debug("StanceChoice: one polarity for all %d candidates; lexical kept", len(batch))
        return [c.polarity for c in batch]
    return [verdict.get(n, "none") for n in range(1, len(batch) + 1)]


def _stance(ctx: Context, c: Candidate, polarity: str) -> Stance:
    s, e = ctx.document.sentences[c.sentence]
    return Stance(
        holder=c.holder,
        target=c.target,
        polarity=polarity,  # type: ignore[arg-type]  # a Verdict other than "none"
        evidence=ctx.text[s:e],
        start=s,
        end=e,
    )
