"""Is this article English? A cheap check, so that a run on another language warns instead of
quietly returning nothing (the rules, the parser and the prompts are English-only).

The share of words that are common English function words (`lexicon.STOP_WORDS`) is about a
quarter to a third in English prose and near zero in other languages, including other
Latin-script ones; texts too short to judge are given the benefit of the doubt.
"""

from __future__ import annotations

import re

from summariser.text.lexicon import STOP_WORDS

MIN_WORDS = 30  # fewer words than this: too short to judge
MIN_SHARE = 0.08  # English prose sits far above this; French, German, Spanish far below

_WORD = re.compile(r"[^\W\d_]+")


def english_share(text: str) -> tuple[float, int]:
    """(share of words that are English function words, number of words)."""
    words = _WORD.findall(text.lower())
    if not words:
        return 0.0, 0
    return sum(w in STOP_WORDS for w in words) / len(words), len(words)


def looks_english(text: str) -> bool:
    """False only when there are enough words to judge and few are English function words."""
    share, n = english_share(text)
    return n < MIN_WORDS or share >= MIN_SHARE
