"""Stances: candidates from the parse and the quotes, the model gives each one's polarity.

Code finds two kinds of candidate: (a) speech — a reporting verb with its subject as holder and
what is said (the quotation, or the clause) as target, and every attributed quote; (b) a stance
predicate — a verb of support or opposition (lexicon.SUPPORT_VERBS, OPPOSE_VERBS, the phrasal
ones) with its subject as holder and its object or complement as target, negation flipping it.
The model answers one polarity word (or "none") per numbered candidate; without a model the
polarity is lexical. Evidence and offsets are always the candidate's sentence.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from summariser import prompts
from summariser.schemas import Polarity, Quote, Stance, stance_choice_model
from summariser.steps import Context, Piece
from summariser.text import lexicon
from summariser.text.clauses import Clause

PER_CALL = 24
#: An answer putting this many candidates (or more), all of them, under one polarity is ignored.
UNIFORM_MIN = 4
log = logging.getLogger("summariser")
_TARGET_WORDS = 12


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
    """Every stance candidate the parse shows: stance predicates and reported speech."""
    document = ctx.document
    out: list[Candidate] = []
    for c in ctx.clauses:
        if c.subject is None or (c.subject.pronoun and c.subject.name is None):
            continue
        if document.quoted(c.verb[0]):
            continue
        side = _side(c)
        if side is not None:
            target = _target(c)
            if target:
                polarity: Polarity = side if not c.negated else _flip(side)
                out.append(
                    Candidate(c.subject.label, target, c.verb[0], c.action, polarity, c.sentence)
                )
        elif c.lemma in lexicon.QUESTION_VERBS:
            continue
        elif c.lemma in lexicon.REPORTING_VERBS or c.lemma == "accord":
            said = _said(ctx, c)
            if said:
                holder = c.object.label if c.lemma == "accord" and c.object else c.subject.label
                polarity = lexical(said)
                out.append(Candidate(holder, said, c.verb[0], c.action, polarity, c.sentence, True))
    out = [c for c in out if c.holder.lower() not in lexicon.PRONOUNS]
    return sorted(out, key=lambda c: c.at)


def from_quotes(ctx: Context, found: list[Candidate], quotes: list[Quote]) -> list[Candidate]:
    """Candidates for attributed quotes that no speech clause covers (a pronoun speaker)."""
    covered = {c.sentence for c in found if c.speech}
    out = []
    for q in quotes:
        i = ctx.document.sentence_index(q.start)
        if i is not None and i not in covered:  # its speech clause is a candidate already
            cue = q.cue or "quote"
            out.append(Candidate(q.speaker, q.text, q.start, cue, lexical(q.text), i, True))
    return out


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


def _target(c: Clause) -> str | None:
    if c.passive and c.object is not None:
        return c.object.text
    if c.complement is not None:
        return c.complement.text
    return c.object.text if c.object is not None else None


def _said(ctx: Context, c: Clause) -> str | None:
    """What a reporting verb reports: the sentence's quotation, else its complement clause."""
    s, e = ctx.document.sentences[c.sentence]
    text = ctx.text
    for q in ctx.document.quotations_in(s, e):
        if not (q.start <= c.verb[0] < q.end):
            return q.text(text)
    if c.complement is not None and len(c.complement.text.split()) >= 2:
        return c.complement.text
    return None


_WORD = re.compile(r"[\w’'-]+")


def lexical(target: str) -> Polarity:
    """Polarity from the words: evaluative and stance words counted, a negation flips them.

    The article says "mixed"/"neutral" only through words like "divided" or "undecided";
    a statement with no evaluative word is taken as arguing for what it says.
    """
    words = [w.lower() for w in _WORD.findall(target)]
    if any(w in lexicon.MIXED_WORDS for w in words):
        return "mixed"
    if any(w in lexicon.NEUTRAL_WORDS for w in words):
        return "neutral"
    score = 0
    for w in words:
        if w in lexicon.POSITIVE_WORDS or w in lexicon.SUPPORT_VERBS:
            score += 1
        elif w in lexicon.NEGATIVE_WORDS or w in lexicon.OPPOSE_VERBS:
            score -= 1
    if any(w in lexicon.NEGATIONS or w.endswith("n't") for w in words):
        score = -score if score else -1
    return "oppose" if score < 0 else "support"


def extract(ctx: Context, piece: Piece, found: list[Candidate]) -> list[Stance]:
    """The piece's stances: its candidates with the model's polarity (or the lexical one)."""
    mine = [c for c in found if piece.span[0] <= c.at < piece.span[1] and piece.number(c.at)]
    trusted = []
    for c in mine:
        if piece.in_untrusted(c.at):
            ctx.drop("stance", "inside instruction-like text", c.line(0, piece))
        else:
            trusted.append(c)
    if ctx.model_free:
        return [_stance(ctx, c, c.polarity) for c in trusted]
    out = []
    for at in range(0, len(trusted), PER_CALL):
        batch = trusted[at : at + PER_CALL]
        for c, verdict in zip(batch, _judge(ctx, piece, batch), strict=True):
            if verdict is not None and verdict != "none":  # "none": the judge saw no position
                out.append(_stance(ctx, c, verdict))
    return out


def _judge(ctx: Context, piece: Piece, batch: list[Candidate]) -> list[str | None]:
    """Each candidate's polarity from the model; "none" when it listed it under none."""
    listing = "\n".join(c.line(n, piece) for n, c in enumerate(batch, 1))
    model = stance_choice_model(len(batch))
    shape = '{"support": [<numbers>], "oppose": [<numbers>], "neutral": [], "mixed": []}'
    task = prompts.render("stances", count=len(batch), candidates=listing, shape=shape)
    answer, _ = ctx.ask(piece, task, model, max_tokens=40 + 3 * len(batch))
    if answer is None:
        return [None] * len(batch)
    verdict: dict[int, str] = {}
    for polarity, numbers in answer.model_dump().items():
        for n in numbers:
            verdict.setdefault(n, polarity)  # listed twice: the first list wins
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
