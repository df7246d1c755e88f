"""The quotes step: quotations and reported speech found by code, speakers read off the parse.

Candidates are every quotation of the Document that is speech (not a term or a title) and every
reported clause (`X said (that) ...`, `according to X, ...`). The speaker is the subject of the
reporting verb by the dependency parse: a name is taken as the article writes it at its fullest;
a pronoun goes to the nearest compatible person or organisation the article mentioned; a
descriptor ("the minister", "the company") goes to the entity the article ties it to (an
appositive, a title before a name, the organisation just named). Where code cannot decide (two
people who fit, an untied descriptor, a quotation with no cue), the model picks one of a few
numbered options built from the article's own mentions; in parser-only mode the code's best
guess is kept when it has one, and the quote is dropped (and counted) when it has none.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from summariser import prompts
from summariser.schemas import Quote
from summariser.steps.context import Context, Piece
from summariser.text import lexicon, names
from summariser.text.document import Document
from summariser.text.mentions import (
    MAX_OPTIONS,
    Resolution,
    Resolver,
    subject_of,
)
from summariser.text.quotations import (
    REPORTING_FORMS,
    Quoted,
    is_reporting_verb,
    is_term,
    looks_like_title,
)
from summariser.text.spans import Span, SpanIndex, Spanned

Token = Any  # a spaCy Token
Kind = Literal["direct", "indirect"]

#: Quotations this short with no cue and no speaker nearby are terms, not speech.
#: The step's name (steps.Step).
name = "quotes"
beside = False
SHORT_QUOTE_WORDS = 4
#: Undecided quotes asked in one call.
QUOTES_PER_CALL = 12


# --- candidates -----------------------------------------------------------------------------


@dataclass
class Candidate(Spanned):
    """A quotation or a reported clause, its cue, and what code knows of its speaker."""

    spans: tuple[Span, ...]
    kind: Kind
    cue: str | None
    who: Resolution = field(default_factory=Resolution)
    follows: Candidate | None = None  # the quote this one carries on ("A," she said. "B.")
    final: str | None = None


def _governing(tokens: Any, q: Quoted, verbs: list[Token]) -> Token:
    """The reporting verb a quotation hangs from in the parse, else the nearest one."""
    inside = [t for t in tokens if q.start <= t.idx < q.end]
    for t in inside[:1]:
        for up in t.ancestors:
            if up in verbs:
                return up
    return min(verbs, key=lambda t: _distance(t.idx, q))


def _fronted_cue(tokens: Any, q: Quoted) -> tuple[Token, Token] | None:
    """`Said Ellis: "..."`, `Added the mayor, "..."`: a sentence that opens with a reporting
    verb, then who spoke, then the quotation after a colon or comma (the parser often misreads
    the verb as a name). Returns the verb and the speaker's head word."""
    words = [t for t in tokens if not t.is_punct and t.idx < q.start]
    if len(words) < 2 or words[0].text[:1].islower():
        return None
    if words[0].lower_ not in REPORTING_FORMS or words[0].lower_.endswith("ing"):
        return None
    gap = "".join(t.text_with_ws for t in tokens if words[-1].idx < t.idx < q.start)
    if not re.fullmatch(r"\s*[:,]\s*[\"“‘']?\s*", gap):
        return None
    head = words[1]
    while (
        head.dep_ in ("compound", "det", "amod")
        and head.head.i > head.i
        and head.head.idx < q.start
    ):
        head = head.head
    return words[0], head


def _according_to(tokens: Any, quoted: SpanIndex) -> Token | None:
    """The object of "according to" in `tokens`, if any (outside quotations)."""
    for t in tokens:
        if t.lower_ == "according" and not quoted.holds(t.idx):
            to = next((c for c in t.children if c.lower_ == "to"), None)
            obj = next((c for c in (to.children if to is not None else []) if c.dep_ == "pobj"),
                       None)  # fmt: skip
            if obj is not None:
                return obj
    return None


def find_candidates(document: Document, speakers: Resolver) -> tuple[list[Candidate], list[str]]:
    """Every quote candidate with its speaker resolution; and the quotations left out as terms."""
    text = document.text
    quoted = SpanIndex([s for q in document.quotations for s in q.spans])
    out: list[Candidate] = _reported(document, speakers, quoted)
    absorbed = sorted(c.spans[0] for c in out)  # partial quotes inside a reported clause: theirs
    starts = [a for a, _ in absorbed]
    terms: list[str] = []
    for q in document.quotations:
        k = bisect.bisect_right(starts, q.start)
        if any(q.end <= e + 2 for _, e in absorbed[max(0, k - 3) : k]):  # e: before a final "."
            continue
        c = _direct(document, speakers, q, quoted)
        if c is None:
            terms.append(q.text(text))
            continue
        out.append(c)
    out.sort(key=lambda c: c.start)
    _carry_on(document, out)
    for c in out:
        if not c.who.decided and not c.who.options and c.follows is None:
            c.who.options = [n for n, _ in speakers.nearby(c.start)][:MAX_OPTIONS]
            c.who.guess = speakers.previous_subject(c.start) if c.kind == "direct" else None
    kept = []
    for c in out:
        if c.kind == "direct" and c.cue is None and c.follows is None and not c.who.decided:
            words = len(" ".join(text[s:e] for s, e in c.spans).split())
            if words <= SHORT_QUOTE_WORDS or embedded(document, c):
                terms.append(" ".join(text[s:e] for s, e in c.spans))
                continue  # no one is said to have said it: a term or a scare quote
        kept.append(c)
    return kept, terms


def _direct(
    document: Document, speakers: Resolver, q: Quoted, quoted: SpanIndex
) -> Candidate | None:
    """A quotation as a candidate: the nearest reporting verb of its sentence and its subject."""
    if is_term(document, q):
        return None
    if looks_like_title(document.text, q) and not _has_cue(document, q, quoted):
        return None
    text = document.text
    span = document.sentence_at(q.start) or (q.start, q.end)
    tokens = document.tokens_in(*span) or []
    verbs = [t for t in tokens if is_reporting_verb(t) and not quoted.holds(t.idx)]
    dash = _DASH_NAME.match(text, q.end, q.end + 80)
    if dash:  # '"...” ― Pamela Padilla': an attribution line names the speaker outright
        m = speakers.cast.after(dash.start(1), dash.start(1) + 1)
        return Candidate(q.spans, "direct", None, Resolution(m[0].name if m else dash.group(1)))
    fronted = _fronted_cue(tokens, q)
    if fronted is not None:  # 'Said Ellis: "..."'
        return Candidate(q.spans, "direct", fronted[0].text, speakers.subject(fronted[1]))
    according = _according_to(tokens, quoted)
    if according is not None:
        return Candidate(q.spans, "direct", "according to", speakers.subject(according))
    if verbs:
        verb = _governing(tokens, q, verbs)
        subj = subject_of(verb, quoted)
        who = speakers.subject(subj) if subj is not None else Resolution()
        return Candidate(q.spans, "direct", verb.text, who)
    for t in tokens:  # "Her message was simple: '...'"
        if t.lemma_.lower() in lexicon.SPEECH_NOUNS and not quoted.holds(t.idx):
            poss = next((c for c in t.children if c.dep_ == "poss"), None)
            if poss is not None:
                return Candidate(q.spans, "direct", None, speakers.subject(poss))
    return Candidate(q.spans, "direct", None)


#: An attribution line after a quotation: '”― Pamela Padilla', '" — Ana Lopez'.
_DASH_NAME = re.compile(r"[\s”\"]*[―—–-]+[ \t\xa0]*(" + names.NAME_RUN.pattern + ")")


def _has_cue(document: Document, q: Quoted, quoted: SpanIndex) -> bool:
    span = document.sentence_at(q.start) or (q.start, q.end)
    tokens = document.tokens_in(*span) or []
    words = re.findall(r"[\w-]+", document.text[max(0, q.start - 30) : q.start].lower())
    if words and words[-1] in lexicon.TERM_MARKERS:
        return False
    return any(is_reporting_verb(t) and not quoted.holds(t.idx) for t in tokens)


def _distance(offset: int, q: Quoted) -> int:
    if offset >= q.end:
        return offset - q.end
    if offset < q.start:
        return q.start - offset
    return 0


def _reported(document: Document, speakers: Resolver, quoted: SpanIndex) -> list[Candidate]:
    """Reported speech: a reporting verb's clausal complement, or "according to X, ..."."""
    text = document.text
    out: list[Candidate] = []
    for s, e in document.sentences:
        tokens = document.tokens_in(s, e)
        if tokens is None:
            continue
        according = _according_to(tokens, SpanIndex([]))
        if according is not None:
            if quoted.overlapping(s, e):
                continue
            prep = according.head.head  # according <- to <- obj
            lo, hi = prep.left_edge.idx, according.right_edge.idx + len(according.right_edge)
            before, after = (s, lo), (hi, e)
            content = _clean(text, *(before if lo - s > e - hi else after))
            if content[1] - content[0] >= 12:
                out.append(Candidate((content,), "indirect", "according to",
                                     speakers.subject(according)))  # fmt: skip
            continue
        for t in tokens:
            if not is_reporting_verb(t) or t.lemma_.lower() in lexicon.NOT_REPORTED_SPEECH:
                continue
            if t.dep_ in ("acl", "amod") or quoted.holds(t.idx):
                continue  # "a label explaining how ...": describes a thing, reports no one
            comp = next((c for c in t.children if c.dep_ == "ccomp"), None)
            if comp is None:
                continue
            clause = _content(text, comp, quoted)
            if clause is None or any(
                qs - clause[0] < 3 or qe > clause[1] + 2 for qs, qe in quoted.overlapping(*clause)
            ):
                continue  # the clause is a quotation itself (or runs into one): a direct quote
            if len(text[clause[0] : clause[1]].split()) < 3:
                continue
            content = clause
            subj = subject_of(t, quoted)
            who = speakers.subject(subj) if subj is not None else Resolution()
            out.append(Candidate((content,), "indirect", t.text, who))
            break  # one reported clause per sentence: the first verb governs it
        for c in _naming(document, speakers, tokens, quoted):
            if not any(o.start <= c.start and c.end <= o.end for o in out[-3:]):
                out.append(c)  # not already inside a reported clause of this sentence
    return out


def _naming(
    document: Document, speakers: Resolver, tokens: Any, quoted: SpanIndex
) -> list[Candidate]:
    """`X called the figures "an outlier"`, `X promised lower taxes and "jobs, jobs, jobs"`:
    a naming verb with its object and the quoted words it puts on it, or a reporting verb whose
    object holds a quotation after other words, is one reported claim (the quotation is part of
    it, not a record alone)."""
    out = []
    for t in tokens:
        naming = t.lemma_.lower() in lexicon.NAMING_VERBS and t.pos_ == "VERB"
        if not naming and not is_reporting_verb(t):
            continue
        obj = next((c for c in t.children if c.dep_ == "dobj"), None)
        if obj is None:
            continue
        lo = obj.left_edge.idx
        edge = t.right_edge if naming else obj.right_edge
        hi = edge.idx + len(edge) + 2
        inside = [(qs, qe) for qs, qe in quoted.overlapping(lo, hi) if lo < qs]
        if not inside:
            continue
        subj = subject_of(t, quoted)
        who = speakers.subject(subj) if subj is not None else Resolution()
        span = _clean(document.text, lo, inside[-1][1])
        out.append(Candidate((span,), "indirect", t.text, who))
    return out


def _content(text: str, comp: Token, quoted: SpanIndex) -> Span | None:
    """The words of a reported clause: its subtree without a leading "that", up to a nested
    report ("..., adding that ...") that starts a record of its own (a reporting verb inside
    quotation marks is the speaker's own word, not a nested report)."""
    words = []
    for w in comp.subtree:
        if w.i == comp.left_edge.i and w.dep_ == "mark":
            continue
        nested = w is not comp and is_reporting_verb(w) and w.dep_ in ("advcl", "conj")
        if nested and not quoted.holds(w.idx):
            break
        words.append(w)
    if not words:
        return None
    stop = next((k for k, w in enumerate(words[1:], 1) if w.i != words[k - 1].i + 1), len(words))
    words = words[:stop]
    while len(words) > 1 and (words[-1].dep_ in ("cc", "punct") and not _closes(words[-1])):
        words.pop()  # 'the mayor was "a fraud" and [urged ...]': no dangling "and"
    return _clean(text, words[0].idx, words[-1].idx + len(words[-1]))


def _closes(token: Token) -> bool:
    """True for a closing quotation mark (kept at the end of a reported clause)."""
    return token.text in ("”", '"', "’", "'")


def _clean(text: str, s: int, e: int) -> Span:
    """Trim spaces and edge punctuation; take in the closing mark of a quotation that the
    content opens (`the depot was “a mess”`)."""
    while s < e and (text[s].isspace() or text[s] in ",;:"):
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in ".,;:!?"):
        e -= 1
    piece = text[s:e]
    opened = piece.count("“") > piece.count("”") or piece.count('"') % 2 == 1
    close = re.match(r"[.,!?]?[”\"]", text[e : e + 2])
    return (s, e + close.end()) if opened and close else (s, e)


def embedded(document: Document, c: Candidate) -> bool:
    """True for a quotation inside the writer's own clause ('his "magic" pills', 'is "true"'):
    words of the sentence come before it, not ending in a colon or comma."""
    span = document.sentence_at(c.start)
    if span is None:
        return False
    before = document.text[span[0] : c.start].rstrip(" \t\"“‘'`")
    return bool(re.search(r"[A-Za-z]", before)) and not before.endswith((":", ",", "—", "–"))


def _carry_on(document: Document, out: list[Candidate]) -> None:
    """A quotation with no cue of its own carries on the last speaker of its paragraph (or of
    the paragraph before, when it opens its own): `"A," she said. "B."`."""
    paras = [s for s, _ in document.paragraphs]
    for prev, c in zip(out, out[1:], strict=False):
        if c.kind != "direct" or c.cue is not None or c.who.decided or embedded(document, c):
            continue
        p_prev = bisect.bisect_right(paras, prev.start) - 1
        p_this = bisect.bisect_right(paras, c.start) - 1
        opens_para = document.text[paras[p_this] : c.start].strip(" \"“‘'") == ""
        if p_prev == p_this or (p_prev == p_this - 1 and opens_para):
            c.follows = prev


# --- the step -------------------------------------------------------------------------------


def candidates(ctx: Context) -> list[Candidate]:
    """Every quote candidate of the article, speakers resolved where code can (no model call).

    Quotations that are terms or titles are dropped here and counted in `ctx`.
    """
    found, terms = find_candidates(ctx.document, ctx.resolver)
    for t in terms:
        ctx.drop("quote", "term or title in quotation marks", t)
    return found


def records(
    ctx: Context, piece: Piece, found: list[Candidate], quotes: list[Quote] | None = None
) -> list[Quote]:
    """The quotes of the candidates that start in `piece.home`: undecided speakers are asked in
    batches with the piece's shared prefix (parser-only mode keeps code's best guess)."""
    kept = []
    for c in (c for c in found if piece.home[0] <= c.start < piece.home[1]):
        if piece.in_untrusted(c.start):
            ctx.drop("quote", "inside instruction-like text", _joined(ctx.text, c.spans))
        else:
            kept.append(c)
    undecided = [c for c in kept if not c.who.decided and c.follows is None and c.who.options]
    if ctx.model_free:
        for c in undecided:
            c.who = Resolution(c.who.guess)
    else:
        for at in range(0, len(undecided), QUOTES_PER_CALL):
            _ask(ctx, piece, undecided[at : at + QUOTES_PER_CALL])
    return _records(ctx, kept)


def _records(ctx: Context, candidates: list[Candidate]) -> list[Quote]:
    text = ctx.text
    out = []
    for c in candidates:
        speaker = c.follows.final if c.follows is not None else c.who.name
        c.final = speaker
        words = _joined(text, c.spans)
        if not speaker:
            ctx.drop("quote", "no speaker", words)
            continue
        out.append(
            Quote(
                text=words,
                speaker=speaker,
                kind=c.kind,
                cue=c.cue,
                start=c.start,
                end=c.end,
                spans=list(c.spans),
            )
        )
    return out


def _joined(text: str, spans: tuple[Span, ...]) -> str:
    return " ".join(text[s:e] for s, e in spans)


def _abridge(text: str, words: int = 14) -> str:
    parts = text.split()
    if len(parts) <= words + 4:
        return text
    return " ".join(parts[:words]) + " … " + " ".join(parts[-4:])


@functools.cache
def choice_model(sizes: tuple[int, ...]) -> type[BaseModel]:
    """Fields Q1..Qn: the number of the option that names Qi's speaker."""
    fields: dict[str, Any] = {
        f"Q{i}": (int, Field(ge=1, le=n, description=f"Option number 1-{n} for Q{i}"))
        for i, n in enumerate(sizes, 1)
    }
    return create_model("SpeakerChoices", __doc__="Who is quoted in each Q.", **fields)


def _ask(ctx: Context, piece: Piece, batch: list[Candidate]) -> None:
    """One call: the model picks an option number for each undecided candidate."""
    text = ctx.text
    lines = []
    for i, c in enumerate(batch, 1):
        options = "  ".join(f"{n}) {o}" for n, o in enumerate(c.who.options, 1))
        kind = ", reported speech" if c.kind == "indirect" else ""
        n = piece.number(c.start)
        previous = text[slice(*piece.sentences[n - 2])]
        shown = prompts.OMITTED if n - 1 in piece.untrusted else f"“{_abridge(previous)}”"
        before = f"\n   after [{n - 1}]: {shown}"
        lines.append(
            f"Q{i} (sentence [{n}]{kind}): “{_abridge(_joined(text, c.spans))}”"
            + (before if n > 1 else "")
            + f"\n   options: {options}"
        )
    model = choice_model(tuple(len(c.who.options) for c in batch))
    example = {f"Q{i}": 1 for i in range(1, min(len(batch), 2) + 1)}
    task = prompts.render(
        "quotes", count=len(batch), quotations="\n".join(lines), shape=prompts.shape(example)
    )
    answer = ctx.ask(piece, task, model, max_tokens=8 * len(batch) + 16)
    picks = answer.model_dump() if answer is not None else {}
    for i, c in enumerate(batch, 1):
        pick = picks.get(f"Q{i}")  # None: the answer failed (counted): the quote is dropped
        c.who = Resolution(c.who.options[pick - 1]) if pick is not None else Resolution()
