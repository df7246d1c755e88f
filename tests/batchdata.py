"""Realistic batch results without a model: articles written from templates, and the results
lines a batch would write for them (offsets exact), for the export/overview tests and
`evals/bench_export.py`.

Each article reads like a short news story: people quoted directly (“…,” said Keir Starmer)
and in reported speech, then named again by surname or title ("Mr Starmer", "Starmer"), events
with a `when` that is a calendar date in about a third of cases, stances on a few recurring
targets. A few percent of lines are errors (as a batch writes them), some steps fail, and some
articles name two people who share a surname. Deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIRST = (
    "Keir Rachel Yvette Wes Angela Ed Lisa Bridget Shabana Pat Ana Tom Margaret Jonathan "
    "Priya Oliver Grace Samuel Ines Tariq Helen Marcus Chloe Dmitri Aisha Callum Fiona "
    "Ravi Sofia Declan Maya Jerome Nadia Owen Leila Victor Hannah Isaac Zara Felix"
).split()
LAST = (
    "Starmer Reeves Cooper Streeting Rayner Miliband Nandy Phillipson Mahmood McFadden "
    "Lopez Reyes Hollis Powell Okafor Lindqvist Barros Whitfield Nakamura Adeyemi Fraser "
    "Kowalski Brennan Haddad Moreau Castillo Novak Achebe Sorensen Duarte Ferreira Quinn "
    "Sutherland Vasquez Mwangi Lachance Dubois Petrov Hughes Armitage"
).split()
TITLES = ("Dr", "Professor")  # no gendered titles: first names are drawn at random
ORGS = ("Harbour Council", "the Treasury", "the Bank of England", "Unite", "the NHS Confederation",
        "Greenpeace", "the Federation of Small Businesses", "Network Rail", "the Met Office",
        "the Home Office", "Ofgem", "the British Medical Association")  # fmt: skip
TARGETS = ("the budget", "the new sugar tax", "the rail strike", "the housing plan",
           "the library closures", "the wind farm", "the pay offer", "the speed limit",
           "the migration bill", "the school reforms", "the hospital merger", "the fuel duty cut",
           "the harbour bridge", "the energy price cap", "the water bill rise")  # fmt: skip
SAY = ("said", "told reporters", "added", "warned", "argued", "insisted")
SUPPORT = ("supports", "backs", "welcomed", "praised", "called for")
OPPOSE = ("opposes", "condemned", "rejected", "criticised", "warned against")
NEUTRAL = ("is undecided on", "has not taken a position on")
ACTIONS = (("voted to approve", True), ("announced", True), ("postponed", True),
           ("will publish", True), ("signed", True), ("cancelled", True),
           ("met", False))  # fmt: skip
WORDS = (
    "we cannot keep paying more for less and people know it; the figures speak for "
    "themselves and the public deserves a plan that works for every town and every family "
    "this will cost jobs if nobody acts now and the promises made last year are still "
    "waiting to be kept while bills keep rising for everyone"
).split()
FILLER = ("The figures were published on the council website",
          "Officials declined to comment further",
          "Residents gathered outside the town hall during the afternoon",
          "The debate lasted more than three hours",
          "Several amendments were tabled but none passed")  # fmt: skip
MONTHS = (
    "January February March April May June July August September October November December"
).split()


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    title: str

    def full(self) -> str:
        return f"{self.first} {self.last}"


def people(rng: random.Random, n: int = 300) -> list[Person]:
    """A pool of distinct people; some share a surname (different first names)."""
    seen: set[tuple[str, str]] = set()
    out = []
    while len(out) < n:
        p = Person(rng.choice(FIRST), rng.choice(LAST), rng.choice(TITLES))
        if (p.first, p.last) not in seen:
            seen.add((p.first, p.last))
            out.append(p)
    return out


@dataclass
class Writer:
    """Builds one article's text and its records with exact offsets."""

    parts: list[str] = field(default_factory=list)
    size: int = 0
    quotes: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    stances: list[dict[str, Any]] = field(default_factory=list)

    def add(self, s: str) -> int:
        at = self.size
        self.parts.append(s)
        self.size += len(s)
        return at

    def text(self) -> str:
        return "".join(self.parts)


def _words(rng: random.Random, lo: int = 6, hi: int = 22) -> str:
    start = rng.randrange(len(WORDS) - hi)
    return " ".join(WORDS[start : start + rng.randint(lo, hi)])


def _when(rng: random.Random) -> str | None:
    r = rng.random()
    year, month, day = rng.choice((2024, 2025, 2025, 2026)), rng.randrange(12), rng.randint(1, 28)
    if r < 0.18:
        return f"on {day} {MONTHS[month]} {year}"
    if r < 0.25:
        return f"on {MONTHS[month]} {day}, {year}"
    if r < 0.33:
        return f"in {MONTHS[month]} {year}"
    if r < 0.7:
        return rng.choice(("on Tuesday", "last week", "next month", "on Friday", "this spring"))
    return None


def article(rng: random.Random, pool: list[Person], weights: list[float]) -> tuple[str, dict]:
    """One article's text and its Summary (as JSON), offsets exact."""
    w = Writer()
    cast = list(dict.fromkeys(rng.choices(pool, weights, k=rng.randint(2, 6))))
    if rng.random() < 0.08:  # two people sharing a surname in one article
        namesake = [p for p in pool if p.last == cast[0].last and p is not cast[0]]
        if namesake and namesake[0] not in cast:
            cast.append(namesake[0])
    surnames = [p.last for p in cast]
    w.add(f"{rng.choice(TARGETS).capitalize()}: a day of argument at Westminster\n\n")
    introduced: set[str] = set()

    def name(p: Person) -> str:
        if p.full() not in introduced:
            introduced.add(p.full())
            return rng.choice((p.full(), p.full(), f"{p.title} {p.full()}"))
        if surnames.count(p.last) > 1:  # two of that surname here: always in full
            return p.full()
        return rng.choice((p.last, f"{p.title} {p.last}", p.full()))

    for _ in range(rng.randint(6, 20)):
        p = rng.choice(cast)
        kind = rng.random()
        if kind < 0.45:
            speaker, words, cue = name(p), _words(rng), rng.choice(SAY)
            at = w.add("“") + 1
            w.add(words + ",” ")
            w.add(f"{cue} {speaker}. ")
            w.quotes.append(
                {
                    "text": words,
                    "speaker": speaker,
                    "kind": "direct",
                    "cue": cue,
                    "start": at,
                    "end": at + len(words),
                    "spans": [[at, at + len(words)]],
                }
            )
        elif kind < 0.65:
            speaker, words = name(p), _words(rng)
            at = w.add(f"{speaker} said that ") + len(speaker) + len(" said that ")
            w.add(words + ". ")
            w.quotes.append(
                {
                    "text": words,
                    "speaker": speaker,
                    "kind": "indirect",
                    "cue": "said",
                    "start": at,
                    "end": at + len(words),
                    "spans": [[at, at + len(words)]],
                }
            )
        elif kind < 0.85:
            actor = name(p) if rng.random() < 0.5 else rng.choice(ORGS)
            action, has_target = rng.choice(ACTIONS)
            target = rng.choice(TARGETS) if has_target else name(rng.choice(cast))
            when = _when(rng)
            sentence = f"{actor[0].upper()}{actor[1:]} {action} {target}" + (
                f" {when}" if when else "") + "."  # fmt: skip
            at = w.add(sentence)
            w.add(" ")
            w.events.append(
                {
                    "actor": actor,
                    "action": action,
                    "target": target,
                    "when": when,
                    "where": rng.choice((None, None, "in London", "at the town hall")),
                    "evidence": sentence,
                    "start": at,
                    "end": at + len(sentence),
                }
            )
        else:
            holder, target = name(p), rng.choice(TARGETS[:8])
            # people keep their position on a target (mostly): for, against or undecided
            lean = ("support", "oppose", "support", "oppose", "neutral")[
                zlib.crc32(f"{p.full()}|{target}".encode()) % 5]  # fmt: skip
            polarity = lean if rng.random() < 0.85 else rng.choice(("support", "oppose"))
            verb = rng.choice({"support": SUPPORT, "oppose": OPPOSE, "neutral": NEUTRAL}[polarity])
            sentence = f"{holder} {verb} {target}."
            at = w.add(sentence)
            w.add(" ")
            w.stances.append(
                {
                    "holder": holder,
                    "target": target,
                    "polarity": polarity,
                    "evidence": sentence,
                    "start": at,
                    "end": at + len(sentence),
                }
            )
        if rng.random() < 0.4:
            w.add("\n\n" + ". ".join(rng.sample(FILLER, 2)) + ".\n\n")
    dropped = {"pronoun": rng.randint(0, 3), "not_in_sentence": rng.randint(0, 2)}
    dropped = {k: v for k, v in dropped.items() if v}
    failures = ["stances"] if rng.random() < 0.01 else []
    summary = {
        "events": w.events,
        "stances": [] if failures else w.stances,
        "quotes": w.quotes,
        "meta": {
            "model": "openai:gpt-4o-mini", "prompt_version": "3f2a9c1d", "schema_version": "1",
            "chunks": 1,
            "timings": {"quotes": round(rng.uniform(0.2, 2), 3),
                        "events": round(rng.uniform(0.2, 2), 3),
                        "stances": round(rng.uniform(0.2, 2), 3),
                        "total": round(rng.uniform(1, 6), 3)},
            "usage": {"prompt_tokens": rng.randint(2000, 9000),
                      "completion_tokens": rng.randint(40, 400), "calls": rng.randint(3, 6),
                      "cached_tokens": rng.randint(0, 4000)},
            "dropped": dropped,
            "drops": [{"record": "quote", "reason": k, "value": "he said so"}
                      for k, v in dropped.items() for _ in range(v)],
            "failures": failures, "cached": rng.random() < 0.1,
            "steps": ["quotes", "events", "stances"],
        },
    }  # fmt: skip
    return w.text(), summary


def batch(n: int, seed: int = 0) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(input line, results line) for n articles; about 2% of results are error lines."""
    rng = random.Random(seed)
    pool = people(rng)
    weights = [1 / (i + 1) ** 0.9 for i in range(len(pool))]  # a few people quoted a lot
    for i in range(n):
        art_id = f"story-{i:05d}"
        text, summary = article(rng, pool, weights)
        title = text.split("\n", 1)[0]
        source = {"id": art_id, "text": text, "title": title}
        if rng.random() < 0.02:
            error = {"type": "BackendError", "message": "api.openai.com answered HTTP 500"}
            yield source, {"id": art_id, "error": error, "extra": {"title": title}}
        else:
            yield source, {"id": art_id, "summary": summary, "extra": {"title": title}}


def write_batch(folder: Path, n: int, seed: int = 0) -> tuple[Path, Path]:
    """Write articles.jsonl and results.jsonl for n articles into `folder`."""
    articles, results = folder / "articles.jsonl", folder / "results.jsonl"
    with articles.open("w", encoding="utf-8") as fa, results.open("w", encoding="utf-8") as fr:
        for source, line in batch(n, seed):
            fa.write(json.dumps(source, ensure_ascii=False) + "\n")
            fr.write(json.dumps(line, ensure_ascii=False) + "\n")
    return articles, results
