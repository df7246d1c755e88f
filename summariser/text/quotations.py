"""Quotations and their cues: spans in quotation marks, the reporting verb, terms and titles.

`find_quotations` works on the text alone (it runs before the parse, which keeps every
quotation inside one sentence); the rest reads the Document's parse, so a word is a reporting
verb because the parser says it is a verb with that lemma ("The Washington Post" has none).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from summariser.text import lexicon
from summariser.text.spans import Span, Spanned, paragraphs, trim

Token = Any  # a spaCy Token


@dataclass(frozen=True)
class Quotation(Spanned):
    """A stretch of text inside quotation marks; several spans when split or over paragraphs."""

    spans: tuple[Span, ...]

    def text(self, article: str) -> str:
        return " ".join(article[s:e] for s, e in self.spans)


class Quoted(Protocol):
    """What steps read of a quotation (Quotation, or an equal type from elsewhere)."""

    @property
    def spans(self) -> tuple[Span, ...]: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    def text(self, article: str) -> str: ...


_OPEN = {"“": "”", "„": "”", "«": "»", '"': '"', "‘": "’", "'": "'"}
_SINGLE = "‘'"
_CLOSE_ALL = set("”»\"'’")
_JSON_LIKE = re.compile(r'[{\[]\s*"|"\s*:')


def find_quotations(text: str) -> list[Quotation]:
    """Every span the article puts in double quotation marks (straight, curly or guillemets).

    Single marks (curly or straight) open a quotation only outside double ones and only before
    a letter (nested single quotes stay part of their outer quotation; apostrophes are skipped).
    Straight double marks in a paragraph that looks like JSON are not quotations. A quotation
    left open at a paragraph end continues when the next paragraph opens with a mark (news
    style for long quotes); otherwise it ends with its paragraph. A quotation split by its
    attribution (`"A," she said, "b."`) is one Quotation with two spans. Two apostrophes
    (`''`) and two backticks are double marks (typewriter style); a closing curly mark that
    opens a paragraph before a letter opens a quotation (a common typo), and a double mark of
    the other style closes a quotation whose own closing mark never comes (`“A," she said`).
    """
    text = _typewriter_marks(text)
    raw: list[tuple[Span, bool, int]] = []  # (span, continues into next paragraph, paragraph no.)
    paras = paragraphs(text)
    for pno, (ps, pe) in enumerate(paras):
        opener: str | None = None
        open_at = -1
        json_like = _JSON_LIKE.search(text, ps, pe) is not None
        for i in range(ps, pe):
            ch = text[i]
            if opener is None:
                if ch in _OPEN and _can_open(text, i, ps, pe) and not (json_like and ch == '"'):
                    opener, open_at = ch, i
            elif (ch == _OPEN[opener] and (opener not in _SINGLE or _can_close_single(text, i, pe))
                  or _mixed_close(text, opener, open_at, i, pe)):  # fmt: skip
                raw.append(((open_at + 1, i), False, pno))
                opener = None
            elif ch in "“„«" and opener in "“„«":
                opener, open_at = ch, i  # an unclosed stray mark earlier: restart here
        if opener is not None and opener not in _SINGLE:
            nxt = paras[pno + 1] if pno + 1 < len(paras) else None
            carry = bool(nxt and text[nxt[0]] in '“„«"')
            raw.append(((open_at + 1, pe), carry, pno))
    quotes: list[Quotation] = []
    pending: list[Span] = []
    for k, (span, continues, pno) in enumerate(raw):
        s, e = _clean(text, *span)
        if e > s:
            pending.append((s, e))
        following = raw[k + 1] if k + 1 < len(raw) else None
        if continues and following and following[2] == pno + 1:
            continue
        if following and following[2] == pno and _is_split(text, span[1], following[0][0] - 1):
            continue
        if pending:
            quotes.append(Quotation(tuple(pending)))
        pending = []
    if pending:
        quotes.append(Quotation(tuple(pending)))
    return quotes


def _typewriter_marks(text: str) -> str:
    """The text with `''` and two backticks as ` "`, and a paragraph-opening `”X` as `“X`:
    the same length, so offsets still index the original. Three or more backticks are a code
    fence, not a quotation mark: blanked."""
    text = _FENCE.sub(lambda m: " " * len(m.group()), text)
    text = text.replace("''", ' "').replace("``", ' "')
    return re.sub(r"(?m)^([ \t]*)”(?=\w)", "\\1“", text)


_FENCE = re.compile(r"`{3,}")
#: Double marks of the other style that close a quotation when its own closing mark never comes.
_MIXED = {"“": '"', "„": '"', '"': "”"}


def _mixed_close(text: str, opener: str, open_at: int, i: int, pe: int) -> bool:
    """True when `text[i]` closes a quotation opened with a double mark of the other style
    (`“Taxes must fall," she said`): the mark is followed by no letter or digit, the
    paragraph holds no proper closing mark from here on, and the marks of this one's style
    around it leave it unpaired (one of a pair of its own is not a close)."""
    mark = text[i]
    if _MIXED.get(opener) != mark or text.find(_OPEN[opener], i + 1, pe) >= 0:
        return False
    if mark == '"' and text.count('"', i, pe) % 2 == 0:
        return False  # '“A," she said of "B"': the straight marks after this one pair up
    if mark == "”" and ("“" in text[open_at + 1 : i] or text.find('"', i + 1, pe) >= 0):
        return False
    return i + 1 >= pe or not text[i + 1].isalnum()


def _can_open(text: str, i: int, ps: int, pe: int) -> bool:
    before = text[i - 1] if i > ps else " "
    after = text[i + 1] if i + 1 < pe else " "
    if text[i] in _SINGLE and not after.isalpha():
        return False  # ‘90s and the like are elisions, not quotations
    if text[i] in _SINGLE + '"':
        return (before.isspace() or before in "([{—–-:;,/" or i == ps) and not after.isspace()
    return True


def _can_close_single(text: str, i: int, pe: int) -> bool:
    after = text[i + 1] if i + 1 < pe else " "
    return not after.isalnum()


def _clean(text: str, s: int, e: int) -> Span:
    s, e = trim(text, s, e)
    while e > s and text[e - 1] in ",;:" or (e > s and text[e - 1] in _CLOSE_ALL and e - 1 > s):
        e -= 1
        s, e = trim(text, s, e)
    return s, e


#: A bare attribution between the two halves of a split quote: `," she said, "`: a few words,
#: no sentence end, ending with a comma, holding a lower-case word (the verb).
_SPLIT_GAP = re.compile(r"[^.!?\n]{1,80},\s*$")


def _is_split(text: str, close_at: int, next_open: int) -> bool:
    """True when the text between two quotations is a bare attribution: `," she said, "`."""
    before = text[max(0, close_at - 2) : close_at + 1]
    gap = text[close_at + 1 : next_open]
    return (
        "," in before + gap[:2]
        and _SPLIT_GAP.fullmatch(gap) is not None
        and re.search(r"\b[a-z]{2,}\b", gap) is not None
    )


# --- cues from the parse --------------------------------------------------------------------

#: Lemmas of verbs that report speech or writing.
REPORTING = lexicon.REPORTING_VERBS


def _forms(lemma: str) -> set[str]:
    """The regular written forms of a verb, a few of them not words (harmless in a lookup)."""
    stem = lemma[:-1] if lemma.endswith("e") else lemma
    ies = lemma[:-1] + "ie" if lemma.endswith("y") else lemma
    return {lemma, stem + "ed", ies + "s", lemma + "es", stem + "ing"}


#: Every written form of the reporting verbs ("said", "adds", "wrote", ...).
REPORTING_FORMS = frozenset({f for v in REPORTING for f in _forms(v)} | lexicon.REPORTING_IRREGULAR)


def is_reporting_verb(token: Token) -> bool:
    """True for a verb whose lemma reports speech ("said", "told", "warns"), by the parse, or
    a verb idiom that does ("as she put it")."""
    if token.pos_ not in ("VERB", "AUX"):
        return False
    lemma = token.lemma_.lower()
    return lemma in REPORTING or any(
        (lemma, c.lower_) in lexicon.REPORTING_IDIOMS for c in token.children if c.dep_ == "dobj"
    )


#: What puts a quotation in place as a name: a possessive or a preposition right before it.
_PLACED = re.compile(r"(?:[’']s|\b(?:" + "|".join(lexicon.TITLE_PREPOSITIONS) + r"))\s*\W?$")


def is_term(document: Any, quote: Quoted) -> bool:
    """True for a name or term in quotation marks rather than speech, whatever verb is near.

    A word such as "so-called", "dubbed" or "titled" stands right before the quotation; or it
    is title-cased right after a possessive or a preposition ("on CBS’s "Face the Nation""); or
    the parse finds only proper nouns in it (a show, a book, a nickname: "Fox News Sunday").
    """
    text = document.text
    lead = text[max(0, quote.start - 30) : quote.start]
    before = re.findall(r"[\w-]+", lead.lower())
    if before and before[-1] in lexicon.TERM_MARKERS:
        return True
    if len(before) >= 2 and " ".join(before[-2:]) == "known as":
        return True
    if _PLACED.search(lead) and looks_like_title(text, quote, full_stop=True):
        return True  # 'said on CBS’s "Face the Nation"': a show
    tokens = [t for s, e in quote.spans for t in (document.tokens_in(s, e) or [])]
    words = [t for t in tokens if t.pos_ not in ("PUNCT", "DET", "ADP", "CCONJ", "PART")]
    return bool(words) and all(t.pos_ == "PROPN" for t in words) and len(words) <= 6


def looks_like_title(text: str, quote: Quoted, full_stop: bool = False) -> bool:
    """True for a short run of capitalised words with no sentence end ("Stolen Gods"): a title
    when no reporting verb is near (with one, "Absolutely Not" is an answer). `full_stop`
    allows a final "." (American style puts the sentence's full stop inside the marks)."""
    words = re.findall(r"[A-Za-zÀ-ÿ’'-]+", quote.text(text))
    small = {"a", "an", "the", "of", "and", "in", "on", "for", "to", "at", "with", "or"}
    content = [w for w in words if w.lower() not in small]
    end = r"[!?]$" if full_stop else r"[.!?]$"
    if not 1 <= len(words) <= 8 or not content or re.search(end, quote.text(text)):
        return False
    return all(w[0].isupper() for w in content) and not any(
        w.lower() in ("i", "we", "you") for w in words
    )
