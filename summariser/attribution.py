"""Who said it, where code can tell: names by reporting verbs, continued quotes, reported speech.

Pure functions. What these rules cannot settle (a pronoun, "the union") goes to the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from summariser import grounding
from summariser.grounding import _CUE, NAME_RUN, Quotation, Span

_NAME = NAME_RUN.pattern
_POSSESSED = rf"{_NAME}(?:[’']s[ \t]+[a-z]+)?"  # "Mr Trump’s campaign"
_AUX = r"(?:(?:has|had|was|is|have|also|then|later)[ \t]+)*"
_VERB = rf"(?i:{_CUE.pattern})"  # verbs in any case; names stay case-sensitive
_SUBJECT_CUE = re.compile(rf"(?P<subj>{_POSSESSED})[ \t]*,?[ \t]+{_AUX}(?P<cue>{_VERB})")
_CUE_SUBJECT = re.compile(rf"^(?P<cue>{_VERB})[ \t]+(?:[a-z-]+[ \t]+){{0,4}}?(?P<subj>{_NAME})")


_NOT_NAMES = set(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)


def _clean_name(name: str) -> str | None:
    """A speaker name as written, or None for pronouns, dates and sentence-initial filler."""
    words = name.split()
    while words and words[0].lower() in grounding.SENTENCE_STARTERS:
        words = words[1:]
    cleaned = " ".join(words).strip(" ,")
    if not cleaned or grounding.is_pronoun(cleaned) or grounding.is_unknown(cleaned):
        return None
    if cleaned.lower() in _NOT_NAMES:
        return None
    return cleaned


def _same_case(m: re.Match[str]) -> bool:
    """The regex is case-insensitive for the verb; a name must still start with a capital."""
    return m.group("subj")[:1].isupper()


def named_speaker(text: str, quote: Quotation) -> str | None:
    """The name the article puts next to the quote's reporting verb, if it is a name.

    Looks after the quotation (`..." said Ana Lopez`, `..." Mr Okafor said`), in the gap of a
    split quote, and before it in the same sentence (`Sir Keir replied: "No."`).
    """
    para = next(((s, e) for s, e in grounding.paragraphs(text) if s <= quote.end <= e), None)
    ps, pe = para if para else (0, len(text))
    after = text[quote.end : grounding._stop(text, quote.end + 1, pe)]
    after = after.lstrip("\"'”’»,;: \t")
    for pattern in (_CUE_SUBJECT, re.compile(rf"^{_SUBJECT_CUE.pattern}")):
        m = pattern.search(after)
        if m and _same_case(m):
            return _clean_name(m.group("subj"))
    if re.match(rf"^(?i:he|she|they|it|we|i)[ \t]+{_AUX}{_VERB}", after):
        return None  # a pronoun: the model resolves it
    for (_, e1), (s2, _) in zip(quote.spans, quote.spans[1:], strict=False):
        m = _SUBJECT_CUE.search(text, e1, s2) or _CUE_SUBJECT.search(text[e1:s2].lstrip('”", '))
        if m and _same_case(m):
            return _clean_name(m.group("subj"))
    first = next((s for s, e in grounding.paragraphs(text) if s <= quote.start <= e), ps)
    bounds = [m.end() for m in re.finditer(r"[.!?](?=\s)|[”»]", text[first : quote.start])]
    before = text[first + (bounds[-1] if bounds else 0) : quote.start]
    found = [m for m in _SUBJECT_CUE.finditer(before) if _same_case(m)]
    if found and re.fullmatch(r"[^.!?]*", before[found[-1].end() :]):
        return _clean_name(found[-1].group("subj"))
    return None


def continues(text: str, prev: Quotation, quote: Quotation) -> bool:
    """True for `"A," she said. "B."`: B carries on A's speech with no attribution of its own."""
    gap = text[prev.end : quote.start]
    same_para = "\n" not in gap
    attributed_between = _CUE.search(gap) is not None and re.search(r"[.!?]\W*$", gap.strip())
    after = text[quote.end : quote.end + 40]
    own_cue = re.match(r"^[\"'”’»,]*\s+(?:\w+\s+){0,3}?" + _VERB, after)
    return bool(same_para and len(gap) <= 120 and attributed_between and not own_cue)


_GOES_ON = (
    r"(?:[Hh]e|[Ss]he|[Tt]hey)[ \t]+(?:also[ \t]+)?(?:added|adds|continued|continues|went on)"
)


def adds_to_previous(text: str, quote: Quotation) -> bool:
    """True for `He added: "..."` and `"...," she continued`: the last speaker goes on."""
    after = text[quote.end : quote.end + 40].lstrip("\"'”’»,;: \t")
    if re.match(_GOES_ON + r"\b", after):
        return True
    bounds = [m.end() for m in re.finditer(r"[.!?](?=\s)|[”»]|\n", text[: quote.start])]
    before = text[(bounds[-1] if bounds else 0) : quote.start]
    return re.fullmatch(r"\s*" + _GOES_ON + r"[ \t]*[:,]?[ \t]*[“\"«‘']?", before) is not None


@dataclass(frozen=True)
class Reported:
    """Reported speech found by code: the content span, the subject as written, the verb."""

    span: Span
    subject: str
    cue: str


_REPORTING = re.compile(
    r"\b(?P<cue>said|says|told|tells|added|adds|insisted|insists|argued|argues|warned|warns|"
    r"claimed|claims|stated|explained|announced|noted|suggested|admitted|acknowledged|"
    r"confirmed|denied|predicted|promised|believes|believed|estimated|reported|revealed)\b"
    r"(?:[ \t]+(?:on|in|at|last|this)[ \t]+[\w ]{1,25}?(?=[ \t]+that\b))?"  # said on Monday that
    r"[ \t,]*(?:that\b)?[ \t]*",
    re.I,
)
_TOLD_OBJECT = re.compile(
    r"[^,.;:]{0,60}?\bthat\b[ \t]*|(?:(?:the|a|an|his|her|their)[ \t]+)?[\w-]+[ \t]+"
)
_ACCORDING = re.compile(r"^According to (?P<subj>[^,]{2,80}),\s*", re.I)


def reported_speech(text: str, sentences: list[Span], quoted: list[Span]) -> list[Reported]:
    """Reported speech in sentences that hold no quotation marks.

    Patterns: `SUBJECT said (that) CONTENT.`, `SUBJECT told X that CONTENT.`,
    `According to SUBJECT, CONTENT.` The subject is everything before the verb in its
    clause, as written ("Its vice-president, Helen Marsh", "She", "The union").
    """
    out: list[Reported] = []
    for s, e in sentences:
        if any(qs < e and s < qe for qs, qe in quoted) or re.search(r"[\"“”«»]", text[s:e]):
            continue
        sentence = text[s:e]
        m_acc = _ACCORDING.match(sentence)
        if m_acc:
            content = (s + m_acc.end(), e)
            out.append(Reported(_content(text, *content), m_acc.group("subj"), "according to"))
            continue
        m = _REPORTING.search(sentence)
        if not m or m.start() == 0:
            continue
        start = s + m.end()
        if m.group("cue").lower() in ("told", "tells"):  # skip the listener: "told a briefing that"
            rest = _TOLD_OBJECT.match(sentence, m.end())
            start = s + (rest.end() if rest else m.end())
        span = _content(text, start, e)
        subject = _subject(sentence[: m.start()])
        if span[1] - span[0] >= 12 and len(subject) <= 120:
            out.append(Reported(span, subject, m.group("cue")))
    return out


def _subject(before: str) -> str:
    """The clause subject before a verb: the last comma-free stretch, or an appositive name."""
    parts = [p.strip() for p in before.strip().rstrip(",").split(",") if p.strip()]
    if not parts:
        return ""
    names = [n for p in parts if (n := _clean_name(p)) and NAME_RUN.fullmatch(n)]
    if names:
        return names[-1]  # an appositive: "Its vice-president, Helen Marsh,"
    return before.strip().rstrip(",") if len(parts) > 1 else parts[-1]


def _content(text: str, s: int, e: int) -> Span:
    s, e = grounding._trim(text, s, e)
    while e > s and text[e - 1] in ".!?;:,":
        e -= 1
    return s, e


def subject_name(subject: str) -> str | None:
    """The proper name a reported-speech subject ends with ("Opposition leader Tom Askew" ->
    "Tom Askew"), or None when it has none ("The union", "She"): then the model is asked."""
    cleaned = _clean_name(subject)
    if not cleaned:
        return None
    runs = list(NAME_RUN.finditer(cleaned))
    if not runs or runs[-1].end() != len(cleaned):
        return None
    before = cleaned[: runs[-1].start()].split()
    if before and before[-1].lower() in ("and", "&", "or"):
        return None  # the end of a longer name ("Environment, Food and Rural Affairs")
    return _clean_name(runs[-1].group(0))
