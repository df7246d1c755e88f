"""Polarity of what someone says, from a maintained lexicon with negation scope (VADER).

VADER (vaderSentiment, MIT; Hutto & Gilbert 2014) scores a text from a valence lexicon with
rules for negation ("not good"), intensifiers and "but". A statement whose compound score is
close to zero takes no side: it is no stance; nor is one whose only valenced words are verbs
(`evaluates`: "two walkers died" reports an event, it judges nothing).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any, Literal

from summariser.text import lexicon

#: |compound| below this: the words take no side.
MIN_STRENGTH = 0.3


@functools.cache
def _analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def strength(text: str) -> float:
    """VADER's compound score of `text`, in [-1, 1]."""
    return float(_analyzer().polarity_scores(text)["compound"])


def side_of(text: str) -> Literal["support", "oppose", "mixed", "neutral"] | None:
    """The side the words of `text` take, or None when they take none.

    "mixed" or "neutral" only when the words say so ("divided", "undecided");
    otherwise "support" or "oppose" by VADER's compound score.
    """
    words = set(re.findall(r"[\w'’-]+", text.lower()))
    if words & lexicon.MIXED_WORDS:
        return "mixed"
    if words & lexicon.NEUTRAL_WORDS:
        return "neutral"
    score = strength(text)
    if abs(score) < MIN_STRENGTH:
        return None
    return "support" if score > 0 else "oppose"


#: Parts of speech whose words judge rather than tell what happened ("a *shameful* decision",
#: "*sadly*", "a *disgrace*"); a verb's valence is mostly the event's ("died", "flooded").
EVALUATIVE_POS = frozenset({"ADJ", "ADV", "NOUN"})


def evaluates(tokens: Iterable[Any]) -> bool:
    """True when an adjective, adverb or noun among the parsed `tokens` has a valence in the
    lexicon: the words judge something. Words whose only valence is in their verbs report
    events ("a man died", "police made no arrests"), which is no position."""
    valences = _analyzer().lexicon
    return any(
        t.pos_ in EVALUATIVE_POS and (t.lower_ in valences or t.lemma_.lower() in valences)
        for t in tokens
    )
