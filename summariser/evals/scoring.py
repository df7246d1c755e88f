"""Matching predicted records to gold and counting. Every rule here is in evals/README.md.

Scorers never raise on a bad prediction: an empty or odd prediction just matches nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any, Generic, TypeVar

import numpy as np
from rapidfuzz import fuzz
from scipy.optimize import linear_sum_assignment

from summariser.evals.gold import GoldEvent, GoldQuote, GoldStance
from summariser.schemas import Event, Quote, Stance
from summariser.text import names
from summariser.text.spans import content_words, normalise

QUOTE_THRESHOLDS = (0.3, 0.8)
#: Token-set ("loose") thresholds: reported beside the strict score, never gated on.
EVENT_THRESHOLD = 0.5
STANCE_THRESHOLD = 0.5
#: Dice of content words at or above which an event's action+target, or a stance's target,
#: is the gold's (the strict score, the one gated on).
STRICT_THRESHOLD = 0.4
FIELD_THRESHOLD = 0.8  # when/where: token-set similarity to count as the same


# --- similarity -----------------------------------------------------------------------------


def _norm(text: str) -> str:
    return normalise(text.strip().strip("\"'“”‘’«»").strip())[0]


def overlap(pred: str, gold: str) -> float:
    """Longest run of characters shared by both ÷ the gold's length (after normalising)."""
    return _overlap(_norm(pred), _norm(gold))


def _overlap(p: str, g: str) -> float:
    if not p or not g:
        return 0.0
    m = SequenceMatcher(None, p, g, autojunk=False).find_longest_match(0, len(p), 0, len(g))
    return m.size / len(g)


#: Lengths of the character runs by which pairs that can overlap are found (see overlaps).
_GRAMS = (32, 16, 8, 4)


def overlaps(preds: Sequence[str], golds: Sequence[str], t: float) -> np.ndarray:
    """The overlap matrix (pred × gold), exact wherever a pair can reach `t`; 0 elsewhere.

    A pair can reach t only if it shares a run of at least L = t·len(gold) characters, and such
    a run holds every run of n ≤ L characters inside it: so a gold is compared only with the
    predictions that share one of its runs of the longest n in _GRAMS not above L (found in an
    index). Scoring stays near-linear in the records, not quadratic. Golds shorter than
    4 / t characters are compared with every prediction.
    """
    p_norm, g_norm = [_norm(x) for x in preds], [_norm(x) for x in golds]
    indexes: dict[int, dict[str, set[int]]] = {}
    scores = np.zeros((len(preds), len(golds)), dtype=float)
    everyone = set(range(len(preds)))
    for j, g in enumerate(g_norm):
        n = next((n for n in _GRAMS if n <= len(g) * t), 0)
        if n == 0:
            near = everyone
        else:
            index = indexes.get(n)
            if index is None:
                index = indexes[n] = _gram_index(p_norm, n)
            near = set().union(*(index.get(g[k : k + n], ()) for k in range(len(g) - n + 1)))
        for i in near:
            scores[i, j] = _overlap(p_norm[i], g)
    return scores


def _gram_index(texts: list[str], n: int) -> dict[str, set[int]]:
    """{run of n characters: the texts holding it}."""
    index: dict[str, set[int]] = {}
    for i, text in enumerate(texts):
        for k in range(len(text) - n + 1):
            index.setdefault(text[k : k + n], set()).add(i)
    return index


def similarity(a: str | None, b: str | None) -> float:
    """Token-set similarity in [0, 1] (rapidfuzz); two blanks are identical, one blank is 0."""
    a = a.strip() if a else ""
    b = b.strip() if b else ""
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    return fuzz.token_set_ratio(names.fold(a), names.fold(b)) / 100


def dice(a: str | None, b: str | None) -> float:
    """Dice coefficient of the two phrases' content-word stems, in [0, 1]: length-aware.

    Unlike a token-set ratio it does not give full marks when one side's words are a subset of
    the other's: a target that copies a whole sentence scores low against a short gold phrase.
    Two blanks are identical; one blank is 0.
    """
    wa, wb = content_words(a or ""), content_words(b or "")
    if not wa and not wb:
        return 1.0 if not (a or "").strip() and not (b or "").strip() else 0.0
    return 2 * len(wa & wb) / (len(wa) + len(wb))


#: Generational suffixes: not the word that identifies someone ("Joseph R. Biden Jr.").
_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}


def _key(name: str) -> str:
    head = re.split(r",|\(", name, maxsplit=1)[0]  # "Scott Pruitt, the attorney general" -> name
    tokens = names.name_tokens(head)
    while len(tokens) > 1 and tokens[-1] in _SUFFIXES:
        tokens.pop()
    return " ".join(tokens) or names.fold(head)


def canonical(name: str, aliases: dict[str, list[str]]) -> str | None:
    """The canonical entity `name` refers to in the alias table, or None."""
    k = _key(name)
    for canon, others in aliases.items():
        if k in {_key(canon), *(_key(o) for o in others)}:
            return canon
    return None


def judged_speaker(gold: str, aliases: dict[str, list[str]]) -> bool:
    """True when speaker accuracy judges this gold speaker: it is in the alias table or looks
    like a name. Pronouns, "(none)" and unnamed descriptors ("officials") are not judged."""
    return canonical(gold, aliases) is not None or names.looks_named(gold)


def same_entity(pred: str | None, gold: str | None, aliases: dict[str, list[str]]) -> bool:
    """Alias-aware name match.

    Names are compared up to a first comma or parenthesis (appositives: "Scott Pruitt, the
    attorney general"), and by the name after a title or body that comes first (`_keys`:
    "Minister of Mines, Eshaq Jahangiri"). Names match when equal without honorifics, or when
    one's identifying words are all in the other's and they share the last one ("Trump" ~
    "Donald Trump"). When the alias table knows a name, it stands for its canonical entity: two
    names of the table match only when they are one entity (so two Smiths stay apart), and a
    name outside the table matches an entity of the table when it matches one of that entity's
    names and no other entity's ("Liberal Democrat councillors" ~ "Two Liberal Democrat
    councillors").
    """
    if not pred or not gold:
        return False
    cp, cg = canonical(pred, aliases), canonical(gold, aliases)
    if cp and cg:
        return cp == cg
    if cp or cg:
        known, other = (cp, gold) if cp else (cg, pred)
        fits = {c for c, names in aliases.items() if any(_loose(other, n) for n in (c, *names))}
        return fits == {known}
    return _loose(pred, gold)


def _keys(name: str) -> list[str]:
    """Each way a name string identifies its entity: the name before a first comma or bracket
    ("Scott Pruitt, the attorney general"); and when a title or body comes first, the whole
    without bracketed asides ("Council for Economic Planning and Development (CEPD) Chairman
    Chen Po-chih") or the name that starts its last comma-part ("Minister of Mines, Eshaq
    Jahangiri"; a description there, "X, head of the council", names X, not the council)."""
    plain = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", name)
    later = plain.rsplit(",", 1)[-1].strip() if "," in plain else plain
    if "," in plain and not later[:1].isupper():  # "X, head of the council": X, not the council
        return [_key(name)]
    return list(dict.fromkeys(k for k in (_key(name), _key(later)) if k))


def _loose(a: str, b: str) -> bool:
    """Equal without honorifics, or one's words all in the other's with the same last word,
    for any way each of the two names identifies its entity (`_keys`)."""
    return any(_loose_key(p, g) for p in _keys(a) for g in _keys(b))


def _loose_key(pk: str, gk: str) -> bool:
    p, g = pk.split(), gk.split()
    if not p or not g:
        return False
    if p == g:
        return True
    short, long_ = sorted((p, g), key=len)
    return short[-1] == long_[-1] and set(short) <= set(long_)


# --- assignment -----------------------------------------------------------------------------


def assign(scores: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """One-to-one pairs (pred i, gold j) maximising total score, each scoring >= threshold."""
    if scores.size == 0:
        return []
    eligible = np.where(scores >= threshold, scores, 0.0)
    rows, cols = linear_sum_assignment(eligible, maximize=True)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if eligible[i, j] > 0]


def _matrix(preds: Sequence[Any], golds: Sequence[Any], fn: Callable[[Any, Any], float]) -> Any:
    return np.array([[fn(p, g) for g in golds] for p in preds], dtype=float).reshape(
        len(preds), len(golds)
    )


@dataclass
class Counts:
    """True/false positives and negatives, plus accuracy tallies on matched pairs."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    correct: dict[str, int] = field(default_factory=dict)
    judged: dict[str, int] = field(default_factory=dict)
    #: What a reader needs to improve the system: (status, gold, predicted) per problem.
    notes: list[tuple[str, str | None, str | None]] = field(default_factory=list)

    def note(self, status: str, gold: str | None, predicted: str | None) -> None:
        """Record one missed gold record, extra prediction or wrong attribute (per article)."""
        self.notes.append((status, gold, predicted))

    def tally(self, name: str, ok: bool | None) -> None:
        """Count one matched pair for attribute `name` (None: not judged)."""
        if ok is None:
            return
        self.judged[name] = self.judged.get(name, 0) + 1
        self.correct[name] = self.correct.get(name, 0) + int(ok)

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn
        for k, v in other.judged.items():
            self.judged[k] = self.judged.get(k, 0) + v
            self.correct[k] = self.correct.get(k, 0) + other.correct.get(k, 0)

    def prf(self) -> dict[str, float]:
        """Precision, recall, F1 (0 when undefined; 1 when nothing was expected or found)."""
        if self.tp + self.fp + self.fn == 0:
            return {"precision": 1.0, "recall": 1.0, "f1": 1.0}
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": p, "recall": r, "f1": f1}

    def accuracy(self) -> dict[str, float | None]:
        return {k: (self.correct[k] / v if v else None) for k, v in self.judged.items()}


def _counts(pairs: list[tuple[int, int]], n_pred: int, n_gold: int) -> Counts:
    return Counts(tp=len(pairs), fp=n_pred - len(pairs), fn=n_gold - len(pairs))


# --- per record type ------------------------------------------------------------------------


def score_quotes(
    preds: Sequence[Quote], golds: Sequence[GoldQuote], aliases: dict[str, list[str]], t: float
) -> Counts:
    """Quotes matched by text overlap >= t; speaker and kind accuracy on matched pairs."""
    scores = overlaps([p.text for p in preds], [g.text for g in golds], t)
    pairs = assign(scores, t)
    c = _counts(pairs, len(preds), len(golds))
    for i, j in pairs:
        p, g = preds[i], golds[j]
        judged = judged_speaker(g.speaker, aliases)
        right = same_entity(p.speaker, g.speaker, aliases)
        c.tally("speaker", right if judged else None)
        c.tally("kind", p.kind == g.kind)
        if (judged and not right) or p.kind != g.kind:
            status = "wrong speaker" if judged and not right else "wrong kind"
            c.note(status, _quote(g.text, g.speaker, g.kind), _quote(p.text, p.speaker, p.kind))
    _note_unmatched(c, pairs, [_quote(p.text, p.speaker, p.kind) for p in preds],
                    [_quote(g.text, g.speaker, g.kind) for g in golds])  # fmt: skip
    return c


def _quote(text: str, speaker: str, kind: str) -> str:
    return f"{speaker}: “{_short(text)}” ({kind})"


def _short(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def event_score(
    p: Event, g: GoldEvent, aliases: dict[str, list[str]], strict: bool = True
) -> float:
    """0 unless actors match. Strict: Dice of the content words of action + target (a target
    naming the gold's entity counts as the gold's words). Loose: action token-set similarity,
    averaged with the target's if the gold has one."""
    if not same_entity(p.actor, g.actor, aliases):
        return 0.0
    if strict:
        named = g.target if same_entity(p.target, g.target, aliases) else p.target
        return dice(f"{p.action} {named or ''}", f"{g.action} {g.target or ''}")
    action = similarity(p.action, g.action)
    if g.target is None:
        return action
    target = 1.0 if same_entity(p.target, g.target, aliases) else similarity(p.target, g.target)
    return (action + target) / 2


#: Aliases: {canonical name: other names}, as gold files give them.
Aliases = dict[str, list[str]]
P = TypeVar("P")
G = TypeVar("G")


@dataclass(frozen=True)
class RecordScorer(Generic[P, G]):
    """Scores one record type: predictions matched one-to-one to gold on `pair` (the strict score
    at STRICT_THRESHOLD, or the token-set one at `loose`), unmatched ones noted, and `on_match`
    judging the fields of each matched pair. Called as `score(preds, golds, aliases, strict)`."""

    pair: Callable[[P, G, Aliases, bool], float]
    loose: float
    show: Callable[[P | G], str]
    on_match: Callable[[Counts, P, G], None]

    def __call__(
        self, preds: Sequence[P], golds: Sequence[G], aliases: Aliases, strict: bool = True
    ) -> Counts:
        def score(p: P, g: G) -> float:
            return self.pair(p, g, aliases, strict)

        pairs = assign(_matrix(preds, golds, score), STRICT_THRESHOLD if strict else self.loose)
        c = _counts(pairs, len(preds), len(golds))
        _note_unmatched(c, pairs, [self.show(p) for p in preds], [self.show(g) for g in golds])
        for i, j in pairs:
            self.on_match(c, preds[i], golds[j])
        return c


def _note_unmatched(
    c: Counts, pairs: list[tuple[int, int]], preds: list[str], golds: list[str]
) -> None:
    matched_p, matched_g = {i for i, _ in pairs}, {j for _, j in pairs}
    c.notes += [("missed", g, None) for j, g in enumerate(golds) if j not in matched_g]
    c.notes += [("extra", None, p) for i, p in enumerate(preds) if i not in matched_p]


def _event(e: Event | GoldEvent) -> str:
    return " · ".join(x for x in (e.actor, e.action, e.target, e.when, e.where) if x)


def _event_fields(c: Counts, p: Event, g: GoldEvent) -> None:
    c.tally("when", similarity(p.when, g.when) >= FIELD_THRESHOLD)
    c.tally("where", similarity(p.where, g.where) >= FIELD_THRESHOLD)


#: Events matched on actor + action/target similarity; when/where accuracy on matches.
score_events = RecordScorer(event_score, EVENT_THRESHOLD, _event, _event_fields)


def stance_score(
    p: Stance, g: GoldStance, aliases: dict[str, list[str]], strict: bool = True
) -> float:
    """0 unless holders match; else the targets' Dice (strict) or token-set similarity."""
    if not same_entity(p.holder, g.holder, aliases):
        return 0.0
    return dice(p.target, g.target) if strict else similarity(p.target, g.target)


def _stance(s: Stance | GoldStance) -> str:
    return f"{s.holder} · {s.polarity} · {s.target}"


def _stance_fields(c: Counts, p: Stance, g: GoldStance) -> None:
    c.tally("polarity", p.polarity == g.polarity)
    if p.polarity != g.polarity:
        c.note("wrong polarity", _stance(g), _stance(p))


#: Stances matched on holder + target similarity; polarity accuracy on matches.
score_stances = RecordScorer(stance_score, STANCE_THRESHOLD, _stance, _stance_fields)
