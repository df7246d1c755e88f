"""Compatibility names for the one module not yet moved onto summariser/text/ (attribution.py).

Everything lives in summariser.text now: spans.py (offsets, sentences, chunks), quotations.py,
names.py, lexicon.py, injection.py; the steps ground their own records (evidence = the cited
sentence, offsets by code). Import from there; this module goes when attribution.py does.
"""

from __future__ import annotations

import re

from summariser.text import lexicon
from summariser.text.names import (
    NAME_RUN,
    SENTENCE_STARTERS,
    fold,
    is_pronoun,
    is_unknown,
    name_in_text,
)
from summariser.text.quotations import Quotation, find_quotations
from summariser.text.spans import (
    FUZZY_THRESHOLD,
    Span,
    chunks,
    locate,
    normalise,
    paragraphs,
    sentences,
    trim,
)

__all__ = [
    "FUZZY_THRESHOLD",
    "NAME_RUN",
    "SENTENCE_STARTERS",
    "Quotation",
    "Span",
    "chunks",
    "find_quotations",
    "fold",
    "is_pronoun",
    "is_unknown",
    "locate",
    "name_in_text",
    "normalise",
    "paragraphs",
    "sentences",
]

_trim = trim


def _forms(v: str) -> list[str]:
    stem = v[:-1] if v.endswith("e") else v
    return [v, v + "s", v + ("d" if v.endswith("e") else "ed"), stem + "ing"]


_CUE_WORDS = sorted(
    {f for v in lexicon.REPORTING_VERBS for f in _forms(v)} | lexicon.REPORTING_IRREGULAR, key=len
)
_CUE = re.compile(r"\b(?:according to|" + "|".join(reversed(_CUE_WORDS)) + r")\b", re.I)


def _stop(text: str, i: int, pe: int) -> int:
    """Where the attribution after a quotation ends: the sentence end or the next opening mark."""
    m = re.compile(r"[.!?](?=\s|$)|[“„«]").search(text, i, pe)
    return m.start() if m else pe
