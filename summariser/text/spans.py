"""Offsets in the article: normalise and locate, paragraphs, sentences, chunks.

Pure functions on strings. Offsets are always Python string indices into the text given.
"""

from __future__ import annotations

import bisect
import functools
import re
import threading
import unicodedata
from typing import Any

import snowballstemmer
from rapidfuzz import fuzz

from summariser.text.lexicon import ABBREVIATIONS, FUNCTION_WORDS

Span = tuple[int, int]


class Spanned:
    """Something made of one or more spans of the article, in order: where it starts, ends."""

    spans: tuple[Span, ...]

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


#: Minimum rapidfuzz partial-ratio alignment score (0-100) for a fuzzy location to count.
FUZZY_THRESHOLD = 90.0

CHAR_MAP = {
    **dict.fromkeys("‘’‚‛′`´", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    "…": "...",
}


# --- content words ------------------------------------------------------------------------

#: One Snowball stemmer per thread: a stemmer keeps the word it works on in itself, so two
#: threads sharing one corrupt each other's words (an IndexError inside it, or a wrong stem).
_STEMMERS = threading.local()


def _stemmer() -> Any:
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = snowballstemmer.stemmer("english")
    return stemmer


_WORDS = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


@functools.lru_cache(maxsize=16384)
def content_words(text: str) -> frozenset[str]:
    """The stems of `text`'s content words: accents and case folded, function words left out.

    "voted to repair the bridge" -> {"vote", "repair", "bridg"}: what a length-aware comparison
    of two phrases counts (see summariser.evals.scoring.dice).
    """
    return frozenset(content_stems(text))


def content_stems(text: str) -> list[str]:
    """The stems of `text`'s content words in order, repeats kept (for counting)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    words = [w.replace("’", "'") for w in _WORDS.findall(folded)]
    words = [w.removesuffix("'s") for w in words if w not in FUNCTION_WORDS]
    return list(_stemmer().stemWords([w for w in words if w and w not in FUNCTION_WORDS]))


# --- normalisation and location -------------------------------------------------------------


def normalise(text: str) -> tuple[str, list[int]]:
    """Casefold, straighten quotes and dashes, collapse whitespace; map each output char back.

    Returns the normalised string and, for each of its characters, the index in `text` it came
    from (plus one final entry for the end), so a match in the normalised string maps back to
    a slice of the original.
    """
    out: list[str] = []
    index: list[int] = []
    prev_space = True
    for i, ch in enumerate(text):
        if ch.isspace() or ch == "\x00":
            if not prev_space:
                out.append(" ")
                index.append(i)
            prev_space = True
            continue
        prev_space = False
        for c in CHAR_MAP.get(ch, ch).casefold():
            out.append(c)
            index.append(i)
    if out and out[-1] == " ":
        out.pop()
        index.pop()
    index.append(index[-1] + 1 if index else len(text))
    return "".join(out), index


def _map_back(index: list[int], start: int, end: int) -> Span:
    """Map a normalised slice [start, end) back to an original slice."""
    s = index[start]
    e = index[end - 1] + 1 if end > start else s
    return s, e


def locate(needle: str, text: str, within: Span | None = None) -> Span | None:
    """Find `needle` in `text` (optionally inside `within`) and return its original offsets.

    Exact match after normalisation first; otherwise a rapidfuzz partial-ratio alignment scoring
    at least FUZZY_THRESHOLD. Returns None when the needle is not in the text.
    """
    lo, hi = within if within else (0, len(text))
    region = text[lo:hi]
    hay, index = normalise(region)
    pin, _ = normalise(needle.strip().strip("\"'“”‘’").strip())
    if len(pin) < 2 or not hay:
        return None
    at = hay.find(pin)
    if at >= 0:
        s, e = _map_back(index, at, at + len(pin))
        return lo + s, lo + e
    if len(pin) < 12:
        return None  # too short for a fuzzy match to mean anything
    al = fuzz.partial_ratio_alignment(pin, hay, score_cutoff=FUZZY_THRESHOLD)
    if al is None or al.dest_end <= al.dest_start:
        return None
    # A partial match must still cover most of the needle, not a lucky fragment of it.
    if (al.dest_end - al.dest_start) < 0.8 * len(pin):
        return None
    s, e = _map_back(index, al.dest_start, al.dest_end)
    return lo + s, lo + e


# --- paragraphs and sentences ---------------------------------------------------------------

#: Initials: single letters with full stops ("j", "j.r", "g.k", "u.s"), the last one stripped.
_INITIALS = re.compile(r"(?:[^\W\d_]\.){0,3}[^\W\d_]")
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"“‘(\[]?[A-Z0-9À-Ý])")


def paragraphs(text: str) -> list[Span]:
    """Spans of the non-blank lines of `text` (each line is a paragraph), whitespace-trimmed."""
    spans = []
    for m in re.finditer(r"[^\n]+", text):
        s, e = trim(text, m.start(), m.end())
        if e > s:
            spans.append((s, e))
    return spans


def trim(text: str, s: int, e: int) -> Span:
    """`[s, e)` without leading and trailing whitespace."""
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def sentences(text: str, keep_together: list[Span] | None = None) -> list[Span]:
    """Sentence spans, paragraph by paragraph; no split falls inside a `keep_together` span."""
    protected = sorted(keep_together or [])
    starts = [s for s, _ in protected]
    out: list[Span] = []
    for ps, pe in paragraphs(text):
        start = ps
        for m in _BOUNDARY.finditer(text, ps, pe):
            cut = m.end()
            # Only the word before the mark matters; a bounded window keeps this linear.
            word = re.search(r"([\w.’']+)[.!?]*$", text[max(start, m.start() - 40) : m.start() + 1])
            w = word.group(1).rstrip(".").lower() if word else ""
            if w in ABBREVIATIONS or _INITIALS.fullmatch(w):  # "Mr.", "J.", "J.R.", "U.S."
                continue
            if _inside(protected, starts, cut):
                continue
            s, e = trim(text, start, cut)
            if e > s:
                out.append((s, e))
            start = cut
        s, e = trim(text, start, pe)
        if e > s:
            out.append((s, e))
    return out


def _inside(protected: list[Span], starts: list[int], cut: int) -> bool:
    """True when `cut` falls strictly inside one of the sorted, non-overlapping `protected`."""
    i = bisect.bisect_left(starts, cut) - 1
    return i >= 0 and protected[i][0] < cut < protected[i][1]


def chunks(text: str, max_chars: int, overlap: int = 1) -> list[Span]:
    """Split `text` into ranges of at most ~max_chars on paragraph (then sentence) boundaries.

    Consecutive ranges share `overlap` paragraphs so that a record near a boundary is seen whole
    by at least one chunk. A text that fits returns one range covering all of it.
    """
    if len(text) <= max_chars:
        return [(0, len(text))]
    units: list[Span] = []
    for ps, pe in paragraphs(text):
        if pe - ps <= max_chars:
            units.append((ps, pe))
            continue
        for ss, se in sentences(text[ps:pe]):
            for k in range(ss, se, max_chars):  # a single over-long sentence is cut hard
                units.append((ps + k, ps + min(se, k + max_chars)))
    ranges: list[Span] = []
    i = 0
    while i < len(units):
        j = i
        while j + 1 < len(units) and units[j + 1][1] - units[i][0] <= max_chars:
            j += 1
        ranges.append((units[i][0], units[j][1]))
        if j + 1 >= len(units):
            break
        i = max(j + 1 - overlap, i + 1)
    return ranges


class SpanIndex:
    """Sorted, non-overlapping spans (quotations) with lookups in log time: steps stay linear."""

    def __init__(self, spans: list[Span]) -> None:
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]

    def holds(self, offset: int) -> bool:
        """True when `offset` lies inside one of the spans."""
        i = bisect.bisect_right(self.starts, offset) - 1
        return i >= 0 and offset < self.spans[i][1]

    def overlapping(self, start: int, end: int) -> list[Span]:
        """The spans that overlap [start, end)."""
        i = max(0, bisect.bisect_right(self.starts, start) - 1)
        out = []
        while i < len(self.spans) and self.spans[i][0] < end:
            if self.spans[i][1] > start:
                out.append(self.spans[i])
            i += 1
        return out
