"""Events: candidates from the parse, ranked by a fitted scorer; the model only where it helps.

Code reads every clause (and event noun) of the Document with an actor who may act, and leaves
out what is not a happening the article states (see `candidates`). Each candidate gets parse
features (where it stands, who acts and how often they are named, what it is done to, whether it
is reported, planned or passive...) and a probability from a logistic scorer whose weights are
fitted on whole articles by `evals/fit_events.py` (held-out figures in evals/README.md). The
candidates at or above the fitted threshold, with mentions of one happening merged, are the
article's events, in its order. An API model may then pick among them by number (a bounded
answer); the embedded default does not ask (it made events worse on every dev set: see
evals/README.md). Evidence and offsets are always the clause's sentence.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from summariser import prompts
from summariser.schemas import Event, Quote, event_choice_model
from summariser.steps import scorer
from summariser.steps.context import Context, Piece
from summariser.text import lexicon
from summariser.text.clauses import EVENT_CLASSES, Clause, Phrase, head_of
from summariser.text.document import Document
from summariser.text.names import fold
from summariser.text.spans import content_stems, content_words

#: Candidates listed in one question; more go in further questions (same cached prefix).
#: The step's name (steps.Step); it needs no other step's records, so may run beside them.
name = "events"
beside = True
PER_CALL = 40
#: Modals that make a clause a possibility rather than an event ("could close").
_SPECULATIVE = lexicon.SPECULATIVE_MODALS | lexicon.HEDGES
#: The fitted scorer's file: summariser/steps/weights/events.json.
SCORER = "events"
#: Ask the embedded model to judge the selected events too (off: it made them worse on every
#: dev set; `evals/ablate_judges.py` turns it on to measure that again).
ASK_EMBEDDED = False


@dataclass(frozen=True)
class Candidate:
    """An event clause as code found it, ready to list or to return."""

    clause: Clause
    actor: str
    target: str | None
    victim: bool = False  # the victims of a death or injury told as its actor ("people | killed")
    wording: str | None = None  # the action as its record words it, when not as the clause does

    @property
    def action(self) -> str:
        """The action as the record gives it: what the actor did, or what happened to them."""
        return self.wording or self.clause.action

    def line(self, n: int, piece: Piece, text: str) -> str:
        """The candidate as the model sees it: `E3 [5] actor | action | target (flags)`."""
        c = self.clause
        flags = [f for f, on in (("not", c.negated), (c.modal or "", bool(c.modal))) if on]
        parts = [self.actor, self.action, self.target or "-"]
        tail = f" ({', '.join(flags)})" if flags else ""
        return f"E{n} [{piece.number(c.verb[0])}] " + " | ".join(parts) + tail


def candidates(ctx: Context) -> list[Candidate]:
    """Every clause that may be an event of the article, with an actor who may act.

    Left out: reporting verbs (quotes), states and cognition, words inside quotation marks,
    and what the article does not give as a fact: negated, conditional, questioned, possible
    ("could close") or governed by a plan that does not exist ("no plans to meet").
    """
    document = ctx.document
    out = []
    for c in ctx.clauses:
        if c.folded or c.naming or not _happening(c):
            continue
        if document.quoted(c.verb[0]):
            continue  # words inside quotation marks are what someone said
        if c.negated or c.nothing or c.conditional or c.question or c.planned:
            continue
        if c.modal in _SPECULATIVE and not (c.modal == "would" and c.reported):
            continue  # "said it would fight": a plan as reported, not a possibility
        victims = _victims(document, c)
        if victims is not None:
            out.append(victims)
        if c.enforcer is not None and c.subject is not None:
            # "was arrested" after "police found him": the police arrested him
            enforced = replace(c, subject=c.enforcer, object=c.subject, passive=False)
            did = document.text[c.verb[0] : c.verb[1]]  # "detained", not "were detained"
            out.append(Candidate(enforced, c.enforcer.who, c.subject.label, wording=did))
        if c.subject is None or not (c.subject.agent or _undergoes(c)):
            continue  # "the complaint follows", "it is understood": nobody acts
        present = c.tense in ("VBZ", "VBP") and c.modal is None and c.sentence > 0
        if present and not _dated_entry(document, c.verb[0]):
            continue  # "chairs the committee", "sells pastries": a role or a habit, not news
        target = c.object.label if c.object is not None else None
        if target is not None and fold(target) == fold(c.subject.who):
            continue  # "X, who chairs X": a relative clause read back onto its own noun
        out.append(Candidate(c, c.subject.who, target))
    return out


def _victims(document: Document, c: Clause) -> Candidate | None:
    """ "The blast killed three people", "..., injuring 30": the victims of a death or injury
    are the actor of an event of their own (three people died), whoever caused it. Only
    people are victims so: "hurt the party", "killed the bill" tell no death or injury."""
    victims = c.object
    if c.nominal or c.passive or victims is None or c.lemma not in lexicon.DEATH_INJURY_VERBS:
        return None
    head = head_of(document, victims)
    if head is None or not (
        head.like_num
        or head.ent_type_ == "PERSON"
        or (victims.pronoun and victims.name is not None and head.lower_ not in ("it", "its"))
        or head.lemma_.lower() in lexicon.AGENT_NOUNS - lexicon.ORG_NOUNS
    ):
        return None
    done = lexicon.DEATH_INJURY_VERBS[c.lemma]
    wording = f"{'were' if _plural(head) else 'was'} {done}"  # "four people | were killed"
    return Candidate(
        replace(c, subject=victims, object=None), victims.who, None, victim=True, wording=wording
    )


def _plural(head: Any) -> bool:
    """True for "people", "guards", "31": more than one."""
    if head.like_num:
        return head.lower_ not in ("1", "one")
    return head.tag_ in ("NNS", "NNPS") or head.lower_ in ("people", "they", "them")


def _dated_entry(document: Document, offset: int) -> bool:
    """True in a timeline's entry: the paragraph right after a line that gives only a date
    ("March 3, 2024" / "Ana Ruiz buys the van."), where the present tells what happened."""
    before = [p for p in document.paragraphs if p[1] <= offset]
    if not before or before[-1] is document.paragraphs[-1]:
        return False
    s, e = before[-1]
    if document.paragraphs[len(before)][0] > offset:
        return False  # not the first paragraph after that line
    words = list(document.text[s:e])
    for ent in document.entities_in(s, e):
        if ent.label in ("DATE", "TIME"):
            words[ent.start - s : ent.end - s] = " " * (ent.end - ent.start)
    return not any(ch.isalnum() for ch in words) and bool(document.entities_in(s, e))


def _counted(document: Document, who: Phrase | None) -> bool:
    """True for an actor given as a number ("more than 40 were hurt", "three killed")."""
    if who is None:
        return False
    head = head_of(document, who)
    return head is not None and bool(head.like_num)


def _undergoes(c: Clause) -> bool:
    """ "The bridge collapsed", "shares fell", "14 were killed": a change that happens to a
    subject that does not act (a thing, a number of victims), told as a fact."""
    subject = c.subject
    if subject is None or subject.pronoun or c.nominal:
        return False
    if fold(subject.head or subject.text) in lexicon.VAGUE_NOUNS:
        return False
    if c.passive or c.tense == "VBN":  # "14 were killed", "... and more than 40 injured"
        return c.lemma in lexicon.HARM_VERBS
    return c.lemma in lexicon.CHANGE_VERBS


def _happening(c: Clause) -> bool:
    """True for a predicate that can tell something happening (not "said", "is", "hoped")."""
    if c.nominal:
        return True
    if c.lemma in lexicon.REPORTING_VERBS and not c.phrasal:
        # "said" is a quote; "announced the closure", "told reporters" and "called off" are
        # events: what they take is a thing or an audience, not words
        return c.complement is None or (
            c.object is not None and c.complement.start == c.object.start
        )
    plan = c.modal is not None and c.modal.endswith(" to")  # "wants to open": a plan chain
    if c.lemma in lexicon.NON_EVENT_VERBS or c.lemma in lexicon.STATE_VERBS:
        return plan and c.lemma in lexicon.PLAN_VERBS
    return True


def features(ctx: Context, found: list[Candidate]) -> list[dict[str, float]]:
    """The parse features of each candidate that the fitted scorer weighs."""
    document = ctx.document
    n = max(1, len(document.sentences))
    lead = document.paragraphs[1][1] if len(document.paragraphs) > 1 else document.paragraphs[0][1]
    named: dict[str, int] = {}
    for m in ctx.resolver.cast.mentions:
        named[m.name] = named.get(m.name, 0) + 1
    most = max(named.values(), default=0)
    head_words = content_words(document.text[:lead])
    stems = Counter(content_stems(document.text))

    def recurs(phrase: str | None) -> float:
        """How often the article uses the phrase's most used content word (log)."""
        return math.log1p(max((stems[w] for w in content_words(phrase or "")), default=0))

    per_sentence: dict[int, int] = {}
    lemmas: dict[str, int] = {}
    for f in found:
        per_sentence[f.clause.sentence] = per_sentence.get(f.clause.sentence, 0) + 1
        lemmas[f.clause.lemma] = lemmas.get(f.clause.lemma, 0) + 1
    rows = []
    for f in found:
        c = f.clause
        subject, obj = c.subject, c.object
        s, e = document.sentences[c.sentence]
        rows.append({
            "lead": float(c.verb[0] < lead or c.sentence < 2),
            "position": c.sentence / n,
            "main": float(c.main),
            "relative": float(c.dep in ("relcl", "acl")),
            "adverbial": float(c.dep == "advcl"),
            "conjoined": float(c.dep == "conj"),
            "actor_named": float(subject is not None and subject.entity),
            "actor_mentions": math.log1p(named.get(f.actor, 0)),
            "actor_pronoun": float(subject is not None and subject.pronoun),
            "actor_undergoes": float(subject is not None and not subject.agent),
            "target": float(obj is not None),
            "target_named": float(obj is not None and obj.entity),
            "when": float(c.when is not None),
            "where": float(c.where is not None),
            "reported": float(c.reported),
            "modal": float(c.modal is not None),
            "passive": float(c.passive),
            "nominal": float(c.nominal),
            "past": float(c.tense == "VBD"),
            "participle": float(c.tense in ("VBG", "VBN") and not c.main),
            "in_sentence": math.log(per_sentence[c.sentence]),
            "repeated": float(lemmas[c.lemma] > 1),
            "target_mentions": recurs(f.target),
            "action_mentions": recurs(c.action),
            "quoted_sentence": float(bool(document.quotations_in(s, e))),
            "action_words": min(len(c.action.split()), 6) / 6,
            "first_sentences": 1 / (1 + c.sentence),
            "actor_most_named": float(most > 1 and named.get(f.actor, 0) == most),
            "victim": float(f.victim),
            "actor_number": float(_counted(document, subject)),
            **{f"class_{k}": float(c.lemma in words) for k, words in EVENT_CLASSES.items()},
            "in_headline": float(bool(
                content_words(f"{c.action} {f.target or ''}") & head_words
            ) and c.sentence > 0),
        })  # fmt: skip
    return rows


def select(
    ctx: Context,
    found: list[Candidate],
    weights: scorer.Scorer | None = None,
    rows: list[dict[str, float]] | None = None,
) -> list[Candidate]:
    """The candidates the fitted scorer keeps, one per happening, in the article's order (at
    least the likeliest one, when there is any). `rows` are their features, if already made."""
    weights = weights or scorer.load(SCORER)
    rows = features(ctx, found) if rows is None else rows
    scored = [(weights.probability(row), c) for row, c in zip(rows, found, strict=True)]
    kept: list[Candidate] = []
    for p, c in sorted(scored, key=lambda pc: -pc[0]):
        if p < weights.threshold and kept:
            break  # the likeliest stands even below the threshold: news tells of something
        if any(_same_happening(c, k) for k in kept):
            ctx.drop("event", "another mention of a kept event", c.clause.action)
            continue  # told twice: the likelier mention stands for both
        kept.append(c)
    return sorted(kept, key=lambda c: c.clause.verb[0])


def _same_happening(a: Candidate, b: Candidate) -> bool:
    """Two mentions of one happening: one actor, and the same target, or the same predicate
    done to things that are not told apart ("issued a photo" and "issued an appeal" are two)."""
    if fold(a.actor) != fold(b.actor):
        return False
    if a.target and b.target and fold(a.target) == fold(b.target):
        return True
    if a.clause.lemma != b.clause.lemma:
        return False
    if not (a.target and b.target):
        return True
    return bool(set(content_stems(a.target)) & set(content_stems(b.target)))


def records(
    ctx: Context, piece: Piece, found: list[Candidate], quotes: list[Quote] | None = None
) -> list[Event]:
    """The piece's events: the selected candidates, judged by an API model where one is used."""
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
    chosen = select(ctx, trusted)
    if not ctx.model_free and judged(ctx):
        picked: list[Candidate] = []
        for at in range(0, len(chosen), PER_CALL):
            picked += _judge(ctx, piece, chosen[at : at + PER_CALL])
        chosen = picked
    return [event(ctx, c) for c in chosen]


def judged(ctx: Context) -> bool:
    """True when the model is asked to pick among the selected events: API models only (the
    embedded model's picks were worse than the scorer's on every dev set)."""
    caps = getattr(ctx.backend, "caps", None)
    return ASK_EMBEDDED or not getattr(caps, "embedded", False)


def _judge(ctx: Context, piece: Piece, batch: list[Candidate]) -> list[Candidate]:
    """Ask which numbered candidates are events; the rest are counted as not chosen."""
    text = ctx.text
    listing = "\n".join(c.line(n, piece, text) for n, c in enumerate(batch, 1))
    model = event_choice_model(len(batch))
    task = prompts.render(
        "events", count=len(batch), candidates=listing, shape='{"events": [<numbers>]}'
    )
    answer = ctx.ask(piece, task, model, max_tokens=8 + 4 * len(batch))
    if answer is None:
        return []  # counted in meta.failures by ctx.ask
    picked = set(answer.model_dump()["events"])
    return [c for n, c in enumerate(batch, 1) if n in picked]


def event(ctx: Context, c: Candidate) -> Event:
    """The record of a candidate: its sentence is the evidence."""
    s, e = ctx.document.sentences[c.clause.sentence]
    return Event(
        actor=c.actor,
        action=c.action,
        target=c.target,
        when=c.clause.when,
        where=c.clause.where,
        evidence=ctx.text[s:e],
        start=s,
        end=e,
    )
