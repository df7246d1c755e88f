"""Finding things in the article: quotation spans, sentences, cues, names, offsets.

Pure functions on strings. Offsets are always Python string indices into the text given.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from summariser.text import lexicon
from summariser.text.spans import (
    CHAR_MAP,
    FUZZY_THRESHOLD,
    Span,
    chunks,
    locate,
    normalise,
    paragraphs,
    sentences,
    trim,
)

__all__ = ["FUZZY_THRESHOLD", "Span", "chunks", "locate", "normalise", "paragraphs", "sentences"]

_trim = trim  # attribution.py still uses the private name


# --- quotation marks ------------------------------------------------------------------------


@dataclass(frozen=True)
class Quotation:
    """A stretch of text inside quotation marks; several spans when split or over paragraphs."""

    spans: tuple[Span, ...]

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]

    def text(self, article: str) -> str:
        return " ".join(article[s:e] for s, e in self.spans)


_OPEN = {"“": "”", "„": "”", "«": "»", '"': '"', "‘": "’", "'": "'"}
_SINGLE = "‘'"
_CLOSE_ALL = set("”»\"'’")


def find_quotations(text: str) -> list[Quotation]:
    """Every span the article puts in double quotation marks (straight, curly or guillemets).

    Single marks (curly or straight) open a quotation only outside double ones and only before
    a letter (nested single quotes stay part of their outer quotation; apostrophes are skipped).
    Straight double marks in a paragraph that looks like JSON are not quotations. A quotation
    left open at a paragraph end continues when the next paragraph opens with a mark (news
    style for long quotes); otherwise it ends with its paragraph. A quotation split by its
    attribution (`"A," she said, "b."`) is one Quotation with two spans.
    """
    raw: list[tuple[Span, bool, int]] = []  # (span, continues into next paragraph, paragraph no.)
    paras = paragraphs(text)
    for pno, (ps, pe) in enumerate(paras):
        opener: str | None = None
        open_at = -1
        json_like = re.search(r'[{\[]\s*"|"\s*:', text[ps:pe]) is not None
        for i in range(ps, pe):
            ch = text[i]
            if opener is None:
                if ch in _OPEN and _can_open(text, i, ps, pe) and not (json_like and ch == '"'):
                    opener, open_at = ch, i
            elif ch == _OPEN[opener] and (opener not in _SINGLE or _can_close_single(text, i, pe)):
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


def _is_split(text: str, close_at: int, next_open: int) -> bool:
    """True when the text between two quotations is a bare attribution: `," she said, "`."""
    before = text[max(0, close_at - 1) : close_at + 1]
    gap = text[close_at + 1 : next_open]
    return (
        "," in before + gap[:2]
        and len(gap) <= 80
        and not re.search(r"[.!?]", gap)
        and gap.rstrip().endswith(",")
        and _CUE.search(gap) is not None
    )


# --- cues -----------------------------------------------------------------------------------

_REGULAR = sorted(lexicon.REPORTING_VERBS)
_IRREGULAR = sorted(lexicon.REPORTING_IRREGULAR)


def _forms(v: str) -> list[str]:
    stem = v[:-1] if v.endswith("e") else v
    return [v, v + "s", v + ("d" if v.endswith("e") else "ed"), stem + "ing"]


_CUE_WORDS = sorted({f for v in _REGULAR for f in _forms(v)} | set(_IRREGULAR), key=len)
_CUE = re.compile(r"\b(?:according to|" + "|".join(reversed(_CUE_WORDS)) + r")\b", re.I)


def find_cue(text: str, quote: Quotation, before_first: bool = False) -> str | None:
    """The reporting verb that introduces `quote`: in a split's gap, after it, or before it.

    Direct quotes usually have their verb after them ("...," she said); reported speech has it
    before ("she said that ..."): `before_first` looks there first.
    """
    for (_, e1), (s2, _) in zip(quote.spans, quote.spans[1:], strict=False):
        m = _CUE.search(text, e1, s2)
        if m:
            return m.group(0)
    para = next(((ps, pe) for ps, pe in paragraphs(text) if ps <= quote.end <= pe), None)
    ps, pe = para if para else (0, len(text))
    after_end = _stop(text, quote.end + 1, pe)
    m = _CUE.search(text, quote.end, after_end)
    after = m.group(0) if m and m.start() - quote.end <= 80 else None
    first = next((s for s, e in paragraphs(text) if s <= quote.start <= e), ps)
    bounds = [m.end() for m in re.finditer(r"[.!?](?=\s)|[”»]", text[first : quote.start])]
    lo = first + (bounds[-1] if bounds else 0)
    found = [m for m in _CUE.finditer(text, lo, quote.start) if quote.start - m.end() <= 120]
    before = found[-1].group(0) if found else None
    return (before or after) if before_first else (after or before)


def has_cue_word(phrase: str) -> bool:
    """True when `phrase` contains a reporting verb ("Lindsey Graham Says")."""
    return _CUE.search(phrase) is not None


def _stop(text: str, i: int, pe: int) -> int:
    """Where the attribution after a quotation ends: the sentence end or the next opening mark."""
    m = re.compile(r"[.!?](?=\s|$)|[“„«]").search(text, i, pe)
    return m.start() if m else pe


# --- names ----------------------------------------------------------------------------------

PRONOUNS = lexicon.PRONOUNS
UNKNOWN = lexicon.UNKNOWN
HONORIFICS = lexicon.HONORIFICS
#: Words that lead a name run without being part of the name ("Republican Donald Trump").
DESCRIPTORS = lexicon.DESCRIPTORS


@functools.lru_cache(maxsize=4096)
def fold(s: str) -> str:
    """Lower-case, strip accents and possessives, straighten marks: for comparing names."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = "".join(CHAR_MAP.get(c, c) for c in s).casefold()
    s = re.sub(r"'s\b|(?<=s)'(?=\s|$)", "", s)
    return " ".join(re.findall(r"[\w-]+", s))


def name_tokens(name: str) -> list[str]:
    """The tokens of a name that identify someone (honorifics and articles removed)."""
    return [t for t in fold(name).split() if t not in HONORIFICS]


def is_pronoun(name: str) -> bool:
    return fold(name) in PRONOUNS


def is_unknown(name: str | None) -> bool:
    return name is None or fold(name) in UNKNOWN


def name_in_text(name: str, text: str) -> bool:
    """True when the article names `name`: the phrase, or every identifying token, is in it."""
    folded_name = fold(name)
    if not folded_name or folded_name in PRONOUNS:
        return False
    words = set(fold(text).split())
    folded_text = " " + fold(text) + " "
    if f" {folded_name} " in folded_text:
        return True
    tokens = name_tokens(name) or folded_name.split()
    return all(t in words for t in tokens)


_STOP = lexicon.STOP_WORDS


def words_in(phrase: str, text: str, share: float = 2 / 3, head: bool = False) -> bool:
    """True when at least `share` of the content words of `phrase` occur in `text`.

    Words are folded and compared by their first five letters, so "met"/"meeting" differ but
    "resigned"/"resignation" and "approves"/"approved" agree. With `head`, the first word (an
    action's verb) must be among them.
    """
    stems = {w[:5] for w in fold(text).split()}
    wanted = [w for w in fold(phrase).split() if w not in _STOP]
    if not wanted:
        return True
    if head and wanted[0][:5] not in stems:
        return False
    return sum(w[:5] in stems for w in wanted) >= share * len(wanted)


SENTENCE_STARTERS = lexicon.SENTENCE_STARTERS


def _contains_run(toks: tuple[str, ...], run: tuple[str, ...]) -> bool:
    return any(toks[i : i + len(run)] == run for i in range(len(toks) - len(run) + 1))


_CAPITAL = r"[A-ZÀ-Ý](?:[\w’'-]*\w|\.)?"
_WORD = rf"(?:{_CAPITAL}|\b(?:de|da|del|van|von|der|bin|al|le|la|di|of|for)\b(?=[ \t]+[A-ZÀ-Ý]))"
#: A run of capitalised words on one line ("Sir Keir Starmer", "José Álvarez-Núñez", "Ludwig
#: van Beethoven", "Bank of England"); a full stop ends it except after an initial.
NAME_RUN = re.compile(rf"{_CAPITAL}(?:[ \t]+{_WORD})*")


def fullest_name(name: str, text: str) -> str:
    """The longest way the article names the same person/organisation as `name`.

    "Mr Trump" becomes "Donald Trump" when the article has it. With two candidates that differ
    (two Smiths), the name is returned unchanged rather than guessed.
    """
    wanted = name_tokens(name)
    if not wanted:
        return _as_written(name, text)
    best: dict[tuple[str, ...], str] = {}
    lower_words = set(re.findall(r"\b[a-z]+\b", text))
    headlines = [(s, e) for s, e in paragraphs(text)[:1] if _title_case(text[s:e])]
    for m in NAME_RUN.finditer(text):
        if any(s <= m.start() < e for s, e in headlines):
            continue  # "Warren Hammers Wells Fargo CEO" is a headline, not a name
        cand = re.sub(r"[’']s$", "", m.group(0)).strip(" .")
        first = cand.split()[0].lower().rstrip(".")
        if " " in cand and (first in SENTENCE_STARTERS or first in lower_words):
            cand = cand.split(" ", 1)[1]  # "Later Mary Smith" at a sentence start
        while len(cand.split()) > 2 and cand.split()[0].lower().rstrip(".") in DESCRIPTORS:
            cand = cand.split(" ", 1)[1]
        toks = tuple(name_tokens(cand))
        if (
            toks
            and _contains_run(toks, tuple(wanted))
            and len(cand) < len(best.get(toks, cand + "x"))
        ):
            best[toks] = (
                cand  # the plainest spelling: "Donald Trump", not "Republican Donald Trump"
            )
    if not best:
        return _as_written(name, text)
    most = max(len(t) for t in best)
    top = {t: c for t, c in best.items() if len(t) == most}
    if len(top) > 1:
        return name.strip()
    toks, cand = next(iter(top.items()))
    return cand if len(toks) >= len(wanted) else name.strip()


def _as_written(name: str, text: str) -> str:
    """`name` in the article's own spelling and case when it occurs there, else as given."""
    span = locate(name, text)
    return text[span[0] : span[1]] if span else name.strip()


_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b.{0,40}\b(?:instructions?|prompts?|rules|above)\b"
    r"|\b(?:system|assistant|developer)\s*(?:prompt)?\s*:"
    r"|\byou are now\b|\b(?:admin|developer|god) mode\b"
    r"|\b(?:AI|LLM|language models?|chatbots?|assistants?)\b.{0,40}\b(?:summari[sz]|extract|read)"
    r"|\b(?:note|message|instructions?)\s+(?:to|for)\s+(?:the\s+)?(?:AI|LLM|assistant|model)"
    r"|[{\[]\s*\"\w+\"\s*:",
    re.I,
)


def instruction_like(sentence: str) -> bool:
    """True for text addressed to an AI rather than to readers (prompt injection, fake JSON)."""
    return _INSTRUCTION.search(sentence) is not None


def _title_case(line: str) -> bool:
    """A headline (checked on the first line only): 4 to 25 words, 60% or more capitalised."""
    words = re.findall(r"[A-Za-zÀ-ÿ’']+", line)
    caps = sum(w[0].isupper() for w in words)
    return 4 <= len(words) <= 25 and caps >= 0.6 * len(words)
