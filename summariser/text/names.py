"""Names in the article: folding for comparison, the fullest name, what cannot be a name.

Pure functions. `fullest_name` reads an index of the article's capitalised runs that is built
once per text (one pass), so naming every record of a long article stays linear in its length.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from summariser.text import lexicon
from summariser.text.spans import CHAR_MAP, paragraphs

PRONOUNS = lexicon.PRONOUNS
UNKNOWN = lexicon.UNKNOWN
HONORIFICS = lexicon.HONORIFICS
#: Words that lead a name run without being part of the name ("Republican Donald Trump").
DESCRIPTORS = lexicon.DESCRIPTORS
SENTENCE_STARTERS = lexicon.SENTENCE_STARTERS


@functools.lru_cache(maxsize=8192)
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
    """True for "he", "She", "they"...: a word that stands for a name without being one."""
    return fold(name) in PRONOUNS


def is_unknown(name: str | None) -> bool:
    """True for a missing name and the ways of saying "nobody" ("unknown", "(none)", "n/a")."""
    return name is None or fold(name) in UNKNOWN


def looks_named(name: str) -> bool:
    """True when `name` names someone: not a pronoun or "(none)", and a capitalised word that is
    not a title or article ("Mr. Grant", "the White House"; not "the company", "officials")."""
    if is_unknown(name) or is_pronoun(name):
        return False
    words = re.findall(r"[\w’'-]+", name)
    return any(w[:1].isupper() and fold(w) not in HONORIFICS for w in words)


def name_in_text(name: str, text: str) -> bool:
    """True when the article names `name`: the phrase, or every identifying token, is in it."""
    folded_name = fold(name)
    if not folded_name or folded_name in PRONOUNS:
        return False
    folded_text = _folded(text)
    if f" {folded_name} " in folded_text:
        return True
    tokens = name_tokens(name) or folded_name.split()
    return all(f" {t} " in folded_text for t in tokens)


@functools.lru_cache(maxsize=8)
def _folded(text: str) -> str:
    return " " + fold(text) + " "


# --- the fullest name -----------------------------------------------------------------------

_CAPITAL = r"[A-ZÀ-Ý](?:[\w’'-]*\w|\.)?"
_PARTICLE = r"\b(?:de|da|del|van|von|der|bin|al|le|la|di|of|for)\b(?=[ \t]+[A-ZÀ-Ý])"
#: A run of capitalised words on one line ("Sir Keir Starmer", "José Álvarez-Núñez", "Ludwig
#: van Beethoven", "Bank of England"); a full stop ends it except after an initial.
NAME_RUN = re.compile(rf"{_CAPITAL}(?:[ \t]+(?:{_CAPITAL}|{_PARTICLE}))*")


@dataclass(frozen=True)
class NameIndex:
    """The article's capitalised runs, by identifying token: {token: {tokens: spelling}}."""

    by_token: dict[str, dict[tuple[str, ...], str]]


@functools.lru_cache(maxsize=8)
def name_index(text: str) -> NameIndex:
    """One pass over `text`: every capitalised run, keyed by each of its identifying tokens.

    The plainest spelling is kept per run ("Donald Trump", not "Republican Donald Trump");
    runs in a title-case headline are skipped ("Warren Hammers Wells Fargo CEO").
    """
    lower_words = set(re.findall(r"\b[a-z]+\b", text))
    head = paragraphs(text)[:1]
    skip_to = head[0][1] if head and _title_case(text[head[0][0] : head[0][1]]) else -1
    by_token: dict[str, dict[tuple[str, ...], str]] = {}
    for m in NAME_RUN.finditer(text):
        if m.start() < skip_to:
            continue
        cand = re.sub(r"[’']s$", "", m.group(0)).strip(" .")
        first = cand.split()[0].lower().rstrip(".") if cand else ""
        opens = re.search(r"(?:^|[.!?:\n\"“]\s*)$", text[max(0, m.start() - 3) : m.start()])
        second = cand.split()[1].lower() if " " in cand else ""
        particle = second in ("of", "for", "de", "da", "del", "van", "von", "der", "di")
        if (
            " " in cand
            and opens
            and not particle
            and (first in SENTENCE_STARTERS or first in lower_words)
        ):
            cand = cand.split(" ", 1)[1]  # "Later Mary Smith" at a sentence start
        while len(cand.split()) > 2 and cand.split()[0].lower().rstrip(".") in DESCRIPTORS:
            cand = cand.split(" ", 1)[1]
        while len(cand.split()) > 1 and cand.split()[-1].lower() in lexicon.DAY_WORDS:
            cand = cand.rsplit(" ", 1)[0]  # "Tang Jiaxuan Sunday urged": the day is no name
        toks = tuple(name_tokens(cand))
        for t in set(toks):
            known = by_token.setdefault(t, {})
            if toks not in known or len(cand) < len(known[toks]):
                known[toks] = cand
    return NameIndex(by_token)


def _contains_run(toks: tuple[str, ...], run: tuple[str, ...]) -> bool:
    return any(toks[i : i + len(run)] == run for i in range(len(toks) - len(run) + 1))


def fullest_name(name: str, text: str) -> str:
    """The longest way the article names the same person/organisation as `name`.

    "Mr Trump" becomes "Donald Trump" when the article has it. With two candidates that differ
    (two Smiths), the name is returned unchanged rather than guessed. Linear in the article:
    the index is built once per text.
    """
    wanted = tuple(name_tokens(name))
    if not wanted:
        return as_written(name, text)
    found = name_index(text).by_token.get(wanted[-1], {})
    best = {t: c for t, c in found.items() if _contains_run(t, wanted)}
    if not best:
        return as_written(name, text)
    most = max(len(t) for t in best)
    top = [c for t, c in best.items() if len(t) == most]
    if len(top) > 1:
        return name.strip()
    return top[0] if most >= len(wanted) else name.strip()


def as_written(name: str, text: str) -> str:
    """`name` in the article's own spelling and case when it occurs there, else as given."""
    words = name.split()
    if not words:
        return name.strip()
    m = re.search(r"\s+".join(map(re.escape, words)), text, re.I)
    return m.group(0) if m else name.strip()


def _title_case(line: str) -> bool:
    """A headline (checked on the first line only): 4 to 25 words, 60% or more capitalised."""
    words = re.findall(r"[A-Za-zÀ-ÿ’']+", line)
    caps = sum(w[0].isupper() for w in words)
    return 4 <= len(words) <= 25 and caps >= 0.6 * len(words)
