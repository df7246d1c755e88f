"""One key per person or organisation across many articles ("Sir Keir Starmer", "Keir Starmer"
and "Starmer" are one row), by rules over the names the records give.

A name's key is its identifying tokens (`names.name_tokens`: folded, honorifics dropped), so
"Sir Keir Starmer" and "Keir Starmer" share "keir starmer". A shorter name is then taken as a
longer one when the longer *extends* it: the same last word, every word of the shorter in
order, an initial standing for a word ("K. Starmer"), and no "of"/"for"/"and" in the longer
(so "England" never becomes "Bank of England"). Two steps:

1. Within an article: a name becomes the one fullest name there that extends it. When the
   article names two people who extend it ("Keir Starmer" and "Victoria Starmer"), the short
   name is ambiguous there and keeps its own key, never merged.
2. Across the batch: a key no article resolved becomes the one fullest key in the whole batch
   that extends it; with two or more candidates it stays apart.

Names that name no one (pronouns, "unknown") get the empty key; descriptions ("the council")
keep their folded words as key and are never merged.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from summariser.text.names import fold, is_pronoun, is_unknown, looks_named, name_tokens

Key = tuple[str, ...]
#: Words that make a name an organisation's or a title ("Bank of England", "Ministry for X").
_JOINERS = frozenset({"of", "for", "and", "&"})


def _extends(longer: Key, shorter: Key) -> bool:
    """True when `longer` is a fuller form of `shorter` (see the module docstring)."""
    if len(longer) <= len(shorter) or longer[-1] != shorter[-1] or _JOINERS & set(longer):
        return False
    i = 0
    for word in longer:
        if i < len(shorter) and (
            word == shorter[i] or (len(shorter[i]) == 1 and word.startswith(shorter[i]))
        ):
            i += 1
    return i == len(shorter)


@dataclass(frozen=True)
class Mention:
    """A name as one article resolves it: its key, and whether the name may be merged."""

    key: Key
    mergeable: bool


def _own(name: str) -> Mention:
    if is_unknown(name) or is_pronoun(name):
        return Mention((), False)
    tokens = tuple(name_tokens(name)) or tuple(fold(name).split())
    return Mention(tokens, looks_named(name) and bool(tokens))


def in_article(names: Iterable[str]) -> dict[str, Mention]:
    """Each distinct name of one article's records, resolved within the article."""
    own = {n: _own(n) for n in dict.fromkeys(names)}
    named = {m.key for m in own.values() if m.mergeable}
    resolved: dict[str, Mention] = {}
    for name, m in own.items():
        if not m.mergeable:
            resolved[name] = m
            continue
        longer = [k for k in named if _extends(k, m.key)]
        top = {k for k in longer if not any(_extends(o, k) for o in longer)}
        if len(top) == 1:
            resolved[name] = Mention(top.pop(), True)
        else:  # no fuller name here, or two people: merge across articles only when none
            resolved[name] = Mention(m.key, not top)
    return resolved


@dataclass
class Names:
    """Canonical names for a batch: `add` every article's names, then `resolve` per article.

    Memory is one counter per distinct spelling, never the records themselves.
    """

    _keys: Counter[Key] = field(default_factory=Counter)
    _mergeable: set[Key] = field(default_factory=set)
    _spellings: dict[Key, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    _final: dict[Key, Key] | None = None

    def add(self, names: Iterable[str]) -> None:
        """Count one article's names (speakers, actors, holders)."""
        names = list(names)
        for name, m in in_article(names).items():
            self._spellings[_own(name).key][name.strip()] += 1
            self._keys[m.key] += 1
            if m.mergeable:
                self._mergeable.add(m.key)

    def _finish(self) -> dict[Key, Key]:
        by_last: dict[str, list[Key]] = defaultdict(list)
        for k in self._mergeable:
            by_last[k[-1]].append(k)
        final: dict[Key, Key] = {}
        for k in sorted(self._mergeable, key=len, reverse=True):
            targets = {final.get(o, o) for o in by_last[k[-1]] if _extends(o, k)}
            final[k] = targets.pop() if len(targets) == 1 else k
        return final

    def resolve(self, names: Iterable[str]) -> dict[str, tuple[str, str]]:
        """One article's names as {name: (key, canonical name)}; the key is "" for no one."""
        if self._final is None:
            self._final = self._finish()
        out = {}
        for name, m in in_article(names).items():
            key = self._final.get(m.key, m.key) if m.mergeable else m.key
            out[name] = (" ".join(key), self.display(key)) if key else ("", "")
        return out

    def display(self, key: Key) -> str:
        """How the batch most often writes `key`, without a title when it can ("Keir Starmer"
        over "Sir Keir Starmer"); ties go to the shorter, then the first alphabetically."""
        spellings = self._spellings.get(key)
        if not spellings:
            return " ".join(key)
        plain = {s: n for s, n in spellings.items() if len(fold(s).split()) == len(key)}
        return min((plain or spellings).items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0]


def record_names(summary: object) -> list[str]:
    """The names a summary's records give: quote speakers, event actors, stance holders."""
    return [
        *(q.speaker for q in getattr(summary, "quotes", [])),
        *(e.actor for e in getattr(summary, "events", [])),
        *(s.holder for s in getattr(summary, "stances", [])),
    ]
