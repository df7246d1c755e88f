"""The quotes step: quotations and reported speech found by code, speakers read off the parse.

Candidates are every quotation of the Document that is speech (not a term or a title) and every
reported clause (`X said (that) ...`, `according to X, ...`). The speaker is the subject of the
reporting verb by the dependency parse: a name is taken as the article writes it at its fullest;
a pronoun goes to the nearest compatible person or organisation the article mentioned; a
descriptor ("the minister", "the company") goes to the entity the article ties it to (an
appositive, a title before a name, the organisation just named). Where code cannot decide (two
people who fit, an untied descriptor, a quotation with no cue), the model picks one of a few
numbered options built from the article's own mentions; in parser-only mode the code's best
guess is kept when it has one, and the quote is dropped (and counted) when it has none.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from summariser import prompts
from summariser.schemas import Quote
from summariser.steps import Context, Piece
from summariser.text import lexicon, names
from summariser.text.document import Document
from summariser.text.quotations import (
    REPORTING_FORMS,
    Quoted,
    is_reporting_verb,
    is_term,
    looks_like_title,
)
from summariser.text.spans import Span

Token = Any  # a spaCy Token
Kind = Literal["direct", "indirect"]

#: Quotations this short with no cue and no speaker nearby are terms, not speech.
SHORT_QUOTE_WORDS = 4
#: Undecided quotes asked in one call.
QUOTES_PER_CALL = 12
#: Options offered for one quote.
MAX_OPTIONS = 5
#: How many sentences back a pronoun or descriptor may find its entity.
REACH = 12
#: Two fitting entities this close (in sentences) make a pronoun ambiguous.
AMBIGUOUS_WITHIN = 2

_NAMED = ("PERSON", "ORG", "GPE", "NORP", "FAC")
_SUBJECTS = ("nsubj", "nsubjpass")


# --- who is mentioned where -----------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """One mention of a person or organisation: where, which entity (canonical name), its type."""

    start: int
    end: int
    name: str
    person: bool
    label: str  # the entity label: PERSON, ORG, GPE, NORP, FAC
    subject: bool  # the subject of its clause (the likeliest antecedent of a later pronoun)
    sure: bool = True  # False: a surname that more than one full name in the article shares


class Cast:
    """Everyone the article mentions, with genders and descriptor ties; built once per article.

    Mentions of one person share a canonical name: "Mellor" and "Ms Mellor" become "Sharon
    Mellor"; "Mr. Haddad" becomes the most recent Haddad whose gender fits (two Haddads stay
    apart). Genders come from titles ("Mr.", "Ms") and from the pronoun that next refers back
    to a lone mention. Ties come from appositives ("Penny Wong, the foreign minister") and from
    title words before a name ("council leader Margaret Hollis").
    """

    def __init__(self, document: Document) -> None:
        self.document = document
        self.text = document.text
        self.mentions: list[Mention] = []
        self.gender: dict[str, str] = {}
        self.ties: list[tuple[int, str, str]] = []  # (offset, descriptor lemma, canonical)
        #: Nouns of a person's appositive ("the regional organiser for the Unite union").
        self.weak_ties: list[tuple[int, str, str]] = []
        self._by_token: dict[int, Mention] = {}
        self._starts: list[int] = []
        raw = self._raw_mentions()
        self._collect(raw)  # a first pass learns genders; the second uses them for "Ms Okafor"
        self._pronoun_genders()
        self._find_ties()
        self._gender_from_ties()
        self._collect(raw)
        self._pronoun_genders()
        self._find_ties()
        for m in self.mentions:
            span = document.tokens_in(m.start, m.end)
            for t in span or []:
                self._by_token[t.i] = m

    def _collect(self, raw: list[tuple[int, int, str]]) -> None:
        """Mentions with canonical names, in article order."""
        self.mentions = []
        full: dict[str, list[tuple[int, str]]] = {}  # last name -> [(offset, canonical)]
        for start, end, label in raw:
            written = re.sub(r"[’']s?$", "", self.text[start:end]).strip()
            person = label == "PERSON"
            title = self._title(start, written)
            name = self._canonical(written, person, title, start, full)
            toks = names.name_tokens(written)
            sure = len(toks) > 1 or len({n for _, n in full.get(toks[-1], [])}) <= 1
            span = self.document.tokens_in(start, end)
            root = span.root if span is not None and len(span) else None
            while root is not None and root.dep_ in ("appos", "compound", "poss", "conj"):
                root = root.head if root.head is not root else None
            subject = root is not None and root.dep_ in _SUBJECTS
            self.mentions.append(Mention(start, end, name, person, label, subject, sure))
            if title and person and sure:
                self.gender.setdefault(name, title)
        self._starts = [m.start for m in self.mentions]

    def _gender_from_ties(self) -> None:
        """ "Her brother, Daniel Okafor": a gendered appositive noun gives the gender."""
        for _, word, name in self.ties:
            if word in lexicon.MALE_NOUNS:
                self.gender.setdefault(name, "m")
            elif word in lexicon.FEMALE_NOUNS:
                self.gender.setdefault(name, "f")

    def _raw_mentions(self) -> list[tuple[int, int, str]]:
        """Entities, plus proper-noun phrases the entity recogniser missed, with labels fixed.

        A phrase of two or more proper nouns outside any entity counts as a person when it
        shares its last word with a person the recogniser found, or has a title before it;
        any mention sharing the last word of a person's full name is that person (the small
        model often calls a person it met before an organisation).
        """
        doc = self.document.doc
        found = [
            (e.start, e.end, e.label) for e in self.document.entities
            if e.label in _NAMED and names.name_tokens(e.text)
        ]  # fmt: skip
        for ent in self.document.entities:  # "Cole" called a PRODUCT: a surname all the same
            span = self.document.tokens_in(ent.start, ent.end)
            one = span is not None and len(span) == 1 and span[0].pos_ == "PROPN"
            if ent.label not in _NAMED and one:
                found.append((ent.start, ent.end, "SURNAME"))
        for t in doc:
            if t.pos_ != "PROPN" or t.ent_type_ or t.dep_ in ("compound", "flat"):
                continue
            chain = [c for c in t.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"]
            if t.dep_ not in (*_SUBJECTS, "appos", "pobj"):
                continue
            start = min([c.idx for c in chain] + [t.idx])
            found.append((start, t.idx + len(t), "PROPN" if chain else "SURNAME"))
        phrases = []
        for t in doc:  # "China's foreign ministry", "the Unite union": organisations by their noun
            if t.pos_ != "NOUN" or t.lemma_.lower() not in lexicon.ORG_NOUNS:
                continue
            mods = [c for c in t.lefts if c.dep_ in ("poss", "compound") and c.pos_ == "PROPN"]
            if mods and t.dep_ in (*_SUBJECTS, "appos", "pobj", "dobj"):
                phrases.append((min(c.left_edge.idx for c in mods), t.idx + len(t)))
        covered = SpanIndex(phrases)
        found = [f for f in found if not covered.holds(f[0])]  # "China" in "China's ministry"
        found += [(a, b, "ORG") for a, b in phrases]
        surnames = {
            names.name_tokens(self.text[s:e])[-1] for s, e, label in found
            if label == "PERSON" and len(names.name_tokens(self.text[s:e])) > 1
        }  # fmt: skip
        out = []
        for s, e, label in sorted(found):
            lead = re.match(r"(\w+)\s+(?=\w)", self.text[s:e])
            if lead and lead.group(1).lower() in REPORTING_FORMS:
                s += lead.end()  # 'Said Ryan Ellis: "..."': the verb is not part of the name
            toks = names.name_tokens(re.sub(r"[’']s?$", "", self.text[s:e]))
            if not toks:
                continue
            relative = self._relative(s, e)
            if relative == "which" and label in ("PERSON", "PROPN"):
                label = "ORG"  # "Hutchison Ports, which owns Felixstowe"
            elif (relative == "who" and label != "SURNAME") or (
                toks[-1] in surnames and label in ("ORG", "PROPN", "SURNAME")
            ):
                label = "PERSON"  # "X, who ..."; or the surname of a person named in full
            elif label == "SURNAME":
                continue  # one capitalised word the recogniser did not call a name
            elif label == "PROPN":
                orgish = any(w in lexicon.ORG_NOUNS for w in toks) or len(toks) > 3
                label = "ORG" if orgish and not self._title(s, self.text[s:e]) else "PERSON"
            out.append((s, e, label))
        return out

    def _relative(self, start: int, end: int) -> str | None:
        """ "who" or "which" when a relative clause follows the mention (", which owns ...")."""
        m = re.match(r"\s*,\s*(who|which)\b", self.text[end : end + 12], re.I)
        return m.group(1).lower() if m else None

    def _title(self, start: int, written: str) -> str | None:
        before = self.text[max(0, start - 12) : start].split()
        words = [w.lower().rstrip(".") for w in [*before[-1:], *written.split()[:1]]]
        if any(w in {t.rstrip(".") for t in lexicon.MALE_TITLES} for w in words):
            return "m"
        if any(w in {t.rstrip(".") for t in lexicon.FEMALE_TITLES} for w in words):
            return "f"
        return None

    def _canonical(
        self,
        written: str,
        person: bool,
        title: str | None,
        start: int,
        full: dict[str, list[tuple[int, str]]],
    ) -> str:
        toks = names.name_tokens(written)
        if not person:
            return names.fullest_name(written, self.text)
        if len(toks) >= 2:
            words = written.split()
            while len(words) > 2 and names.fold(words[0]) in lexicon.SPEAKER_TITLES:
                words = words[1:]  # "Councillor Nadia Haddad" -> "Nadia Haddad"
            name = " ".join(w for w in words if names.fold(w) not in names.HONORIFICS)
            full.setdefault(toks[-1], []).append((start, name))
            return name
        earlier = [n for _, n in reversed(full.get(toks[0], []))]
        fits = [n for n in earlier if title is None or self.gender.get(n) in (None, title)]
        if fits:
            return fits[0]
        fuller = names.fullest_name(written, self.text)
        return fuller if len(names.name_tokens(fuller)) > 1 else written

    def _pronoun_genders(self) -> None:
        """The only person named in a sentence, with he/she/his/her later in the same sentence
        ("Ana Lopez said her drivers were tired"): that gender. Pronouns in later sentences are
        not evidence: linking them is the very guess this is meant to check."""
        doc = self.document.doc
        persons = [m for m in self.mentions if m.person]
        at = [m.start for m in persons]
        for m in persons:
            if m.name in self.gender or not m.sure:
                continue
            i = self.document.sentence_index(m.start)
            if i is None:
                continue
            s, e = self.document.sentences[i]
            if bisect.bisect_left(at, e) - bisect.bisect_left(at, s) > 1:
                continue
            span = doc.char_span(m.end, e, alignment_mode="contract")
            for t in span or []:
                word = t.lower_
                if word in lexicon.MALE_PRONOUNS or word in lexicon.FEMALE_PRONOUNS:
                    self.gender[m.name] = "m" if word in lexicon.MALE_PRONOUNS else "f"
                    break

    def _find_ties(self) -> None:
        """Descriptor words tied to a named entity: appositives and titles before names."""
        self.ties, self.weak_ties = [], []
        doc = self.document.doc
        for m in self.mentions:
            span = self.document.tokens_in(m.start, m.end)
            if span is None or not len(span):
                continue
            root = span.root
            for t in span[0].lefts if len(span) else []:
                if t.pos_ == "NOUN":
                    self.ties.append((m.start, t.lemma_.lower(), m.name))
            for t in [*root.lefts, *root.rights]:
                if t.dep_ == "compound" and t.pos_ == "NOUN":
                    self.ties.append((m.start, t.lemma_.lower(), m.name))
            appositives = [t for t in root.children if t.dep_ == "appos" and t.pos_ == "NOUN"]
            if root.dep_ == "appos" and root.head.pos_ == "NOUN":
                appositives.append(root.head)
            for a in appositives:
                self.ties.append((m.start, a.lemma_.lower(), m.name))
                if m.person:
                    self.weak_ties += [
                        (m.start, t.lemma_.lower(), m.name)
                        for t in a.subtree
                        if t.pos_ == "NOUN" and t is not a and t.i > a.i - 4
                    ]  # fmt: skip
        del doc
        self.ties.sort()
        self.weak_ties.sort()
        self._by_word: dict[str, list[tuple[int, str]]] = {}
        self._weak_by_word: dict[str, list[tuple[int, str]]] = {}
        for at, word, name in self.ties:
            self._by_word.setdefault(word, []).append((at, name))
        for at, word, name in self.weak_ties:
            self._weak_by_word.setdefault(word, []).append((at, name))

    def at(self, token: Token) -> Mention | None:
        """The mention a token belongs to, if any."""
        return self._by_token.get(token.i)

    def before(self, offset: int, reach_from: int) -> list[Mention]:
        """Mentions that start in [reach_from, offset), nearest first."""
        hi = bisect.bisect_left(self._starts, offset)
        lo = bisect.bisect_left(self._starts, reach_from)
        return [self.mentions[k] for k in range(hi - 1, lo - 1, -1)]

    def after(self, offset: int, until: int) -> list[Mention]:
        """Mentions that start in [offset, until), nearest first."""
        lo = bisect.bisect_left(self._starts, offset)
        hi = bisect.bisect_left(self._starts, until)
        return self.mentions[lo:hi]

    def tied(self, lemma: str, offset: int, weak: bool = False) -> str | None:
        """The entity most recently tied to descriptor `lemma` before `offset`."""
        by_word = self._weak_by_word if weak else self._by_word
        found = by_word.get(lemma, [])
        k = bisect.bisect_left(found, (offset, ""))
        return found[k - 1][1] if k else None


# --- resolving one subject ------------------------------------------------------------------


@dataclass
class Resolution:
    """Who a subject is: decided by code (`name`), or `options` for the model (best first)."""

    name: str | None = None
    options: list[str] = field(default_factory=list)
    guess: str | None = None  # what parser-only mode keeps when undecided

    @property
    def decided(self) -> bool:
        return self.name is not None


def _phrase(text: str, head: Token, left: list[Token]) -> str:
    """A noun phrase as written: its left part and prepositional modifiers ("one source on
    the panel"), not a relative clause or anything after a comma ("A nurse, who asked ...")."""
    end = head.idx + len(head)
    for t in head.rights:
        if t.dep_ != "prep" or text[end : t.idx].strip():
            break
        last = t.right_edge
        while last.i > t.i and (last.dep_ == "cc" or last.is_punct):
            last = last.nbor(-1)  # "the former secretary of state and ...": no dangling "and"
        end = last.idx + len(last)
    start = left[0].idx if left else head.idx
    return text[start:end]


class Speakers:
    """Resolves reporting-verb subjects to speakers for one Document."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.cast = Cast(document)
        self._sentence_starts = [s for s, _ in document.sentences]

    def _reach(self, offset: int, sentences: int = REACH) -> int:
        i = self.document.sentence_index(offset)
        if i is None:
            i = bisect.bisect_right(self._sentence_starts, offset) - 1
        return self.document.sentences[max(0, i - sentences)][0] if i >= 0 else 0

    def _sentence_no(self, offset: int) -> int:
        i = self.document.sentence_index(offset)
        return i if i is not None else 0

    def subject(self, token: Token) -> Resolution:
        """The speaker a subject token stands for."""
        mention = self.cast.at(token)
        if mention is not None:
            return Resolution(mention.name)
        for t in token.subtree:  # "Its vice-president, Helen Marsh,": the appositive's name
            if t.dep_ == "appos" and t.head.i <= token.i + 3:
                m = next((self.cast.at(x) for x in t.subtree if self.cast.at(x)), None)
                if m is not None:
                    return Resolution(m.name)
        if token.pos_ == "PRON" or token.lower_ in names.PRONOUNS:
            return self.pronoun(token.lower_, token.idx)
        if token.pos_ == "PROPN":
            words = [t.text for t in token.subtree if t.i <= token.i and t.pos_ == "PROPN"]
            while len(words) > 1 and (
                names.fold(words[0]) in names.HONORIFICS | lexicon.SPEAKER_TITLES
                or words[0].lower() in REPORTING_FORMS  # 'Said Hill: "..."'
            ):
                words = words[1:]  # "Vice President Joseph Biden" -> "Joseph Biden"
            return Resolution(names.fullest_name(" ".join(words), self.document.text))
        return self.descriptor(token)

    def previous_subject(self, offset: int) -> str | None:
        """Who the sentence before `offset` is about, when its subject names someone: the
        likeliest speaker of a quotation that follows with no cue ("X wrote to staff. '...'")."""
        i = self._sentence_no(offset)
        if i == 0:
            return None
        tokens = self.document.tokens_in(*self.document.sentences[i - 1]) or []
        root = next((t for t in tokens if t.dep_ == "ROOT"), None)
        subj = _subject_of(root) if root is not None else None
        if subj is None:
            return None
        who = self.subject(subj)
        return who.name if who.decided and subj.pos_ != "PRON" else None

    def pronoun(self, word: str, offset: int) -> Resolution:
        """A pronoun to the nearest compatible entity; options when two fit closely."""
        earlier = self.cast.before(offset, self._reach(offset))
        if word in lexicon.MALE_PRONOUNS or word in lexicon.FEMALE_PRONOUNS:
            want = "m" if word in lexicon.MALE_PRONOUNS else "f"
            fits = [m for m in earlier if m.person and self.cast.gender.get(m.name) in (None, want)]
        elif word in lexicon.GROUP_PRONOUNS:
            fits = [m for m in earlier if self._org_like(m, offset)]
        else:
            return Resolution()  # I, we, you: the speaker is in the quote, not named here
        if not fits:
            return Resolution()
        # subjects first (the centre of attention), nearest first; a fitting person whose
        # gender the article states makes an unknown-gender nearer one uncertain
        ranked = [m for m in fits if m.subject] + [m for m in fits if not m.subject]
        distinct = list(dict.fromkeys(m.name for m in ranked))
        first = ranked[0]
        near = self._sentence_no(first.start) - AMBIGUOUS_WITHIN
        known = first.name not in self.cast.gender and word not in lexicon.GROUP_PRONOUNS
        rivals = {
            m.name for m in fits
            if m.name != first.name and (
                m.subject and self._sentence_no(m.start) > near
                or known and m.name in self.cast.gender
            )
        }  # fmt: skip
        if not rivals:
            return Resolution(first.name)
        return Resolution(options=distinct[:MAX_OPTIONS], guess=first.name)

    def descriptor(self, token: Token) -> Resolution:
        """A common-noun subject: tied entity, organisation just named, or the phrase itself."""
        words = [t for t in token.subtree if t.i <= token.i and t.dep_ != "punct"]
        phrase = _phrase(self.document.text, token, words)
        det = next((t.lower_ for t in token.children if t.dep_ == "det"), "")
        if any(t.pos_ == "PROPN" or self.cast.at(t) for t in words[:-1]):
            return Resolution(phrase)  # "The Moreno campaign", "China's foreign ministry"
        owner = self._for_org(token)
        if owner:
            return Resolution(owner)  # "a spokesman for the Department", "analysts at Peel Hunt"
        poss = next((t for t in token.children if t.dep_ == "poss"), None)
        if (
            poss is not None
            and poss.lower_ in names.PRONOUNS
            and (token.lemma_.lower() in lexicon.SPEECH_NOUNS)
        ):
            return self.pronoun(poss.lower_, poss.idx)
        if det in ("a", "an", "one", "another") or token.tag_ in ("NNS", "NNPS") and not det:
            return Resolution(phrase)  # a new unnamed speaker: "a crane driver", "analysts"
        lemma = token.lemma_.lower()
        # a headline names its speaker before the article does: look ahead from the first lines
        at = token.idx if self._sentence_no(token.idx) > 1 else len(self.document.text)
        tied = self.cast.tied(lemma, at)
        if tied:
            return Resolution(tied)
        nearby = self._nearby(token.idx)
        if lemma not in lexicon.ORG_NOUNS:
            for t in words[:-1]:  # "the union leader" ~ "organiser for the Unite union"
                tied = self.cast.tied(t.lemma_.lower(), at, weak=True)
                if t.pos_ == "NOUN" and tied:
                    return Resolution(tied)
            options = [n for n, _ in nearby][: MAX_OPTIONS - 1]
            return Resolution(options=[*options, phrase], guess=phrase)
        earlier = [m for m in self.cast.before(token.idx, self._reach(token.idx))
                   if self._org_like(m, token.idx)]  # fmt: skip
        ranked = [m for m in earlier if m.subject] + [m for m in earlier if not m.subject]
        orgs = list(dict.fromkeys([m.name for m in ranked] + [n for n, lb in nearby
                                                               if lb == "ORG"]))  # fmt: skip
        said = {w.lemma_.lower() for w in words if w.pos_ == "NOUN"}
        named = [n for n in orgs if said & {names.fold(w) for w in n.split()}]
        if named:  # "the statistics office" -> "Office for National Statistics"
            return Resolution(named[0])
        if any(w.pos_ in ("NOUN", "ADJ") and w.dep_ in ("compound", "amod") for w in words):
            return Resolution(phrase)  # "the county football association": its own name
        if len(orgs) == 1 or orgs and self._only_org_close(orgs[0], token.idx):
            return Resolution(orgs[0])
        return Resolution(options=[*orgs[: MAX_OPTIONS - 1], phrase], guess=(orgs or [phrase])[0])

    def _for_org(self, token: Token) -> str | None:
        """The organisation in "a spokesman for X" / "analysts at X", if X is one."""
        for prep in token.rights:
            if prep.dep_ == "prep" and prep.lower_ in lexicon.FOR_ORG:
                for obj in prep.children:
                    m = self.cast.at(obj)
                    if obj.dep_ == "pobj" and m is not None:
                        return m.name
        return None

    def _org_like(self, m: Mention, offset: int) -> bool:
        """An organisation; or a "person" with no gender named in this or the last sentence
        (the small recogniser calls some companies people: "Barratt Redrow gained ...")."""
        if m.label == "ORG":
            return True
        close = self._sentence_no(offset) - self._sentence_no(m.start) <= 1
        return m.person and m.name not in self.cast.gender and close

    def _only_org_close(self, name: str, offset: int) -> bool:
        """True when no other organisation is the subject of a clause close before `offset`."""
        close = self.cast.before(offset, self._reach(offset, AMBIGUOUS_WITHIN))
        return {m.name for m in close if self._org_like(m, offset) and m.subject} <= {name}

    def _nearby(self, offset: int) -> list[tuple[str, str]]:
        """Entities around `offset` (name, label): before it, nearest first, then after it."""
        until = self.document.sentences[
            min(self._sentence_no(offset) + 3, len(self.document.sentences) - 1)
        ][1]
        seen: dict[str, str] = {}
        for m in [*self.cast.before(offset, self._reach(offset)), *self.cast.after(offset, until)]:
            if m.label in ("PERSON", "ORG"):
                seen.setdefault(m.name, m.label)
        return list(seen.items())


# --- candidates -----------------------------------------------------------------------------


@dataclass
class Candidate:
    """A quotation or a reported clause, its cue, and what code knows of its speaker."""

    spans: tuple[Span, ...]
    kind: Kind
    cue: str | None
    who: Resolution = field(default_factory=Resolution)
    follows: Candidate | None = None  # the quote this one carries on ("A," she said. "B.")
    final: str | None = None

    @property
    def start(self) -> int:
        return self.spans[0][0]

    @property
    def end(self) -> int:
        return self.spans[-1][1]


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


def _subject_of(verb: Token, quoted: SpanIndex | None = None) -> Token | None:
    """The reporting verb's subject; for a verb without one ("and called it ...", "adding
    that ..."), the subject of the reporting verb it hangs from: a verb inside what someone
    said is skipped over (its subject is a subject of the speech, not the speaker). Words in
    `quoted` (a show's title the parser took for a subject) are never the subject."""
    for _ in range(6):
        subjects = [c for c in verb.children
                    if c.dep_ in _SUBJECTS and not (quoted and quoted.holds(c.idx))]  # fmt: skip
        if subjects:  # "Its vice-president": the parser may give two; the last is the head
            return subjects[-1]
        if verb.dep_ == "relcl":
            return verb.head  # "Karen Liu, who said ..."
        if verb.dep_ == "pcomp" and verb.head.dep_ == "prep":
            verb = verb.head.head  # "After describing it as ..., Sir Keir added"
            continue
        if verb.dep_ not in ("conj", "advcl", "xcomp", "ccomp", "parataxis") or verb.head is verb:
            return None
        verb = verb.head
        if verb.dep_ == "ccomp" and is_reporting_verb(verb.head) and not is_reporting_verb(verb):
            verb = verb.head
    return None


def _governing(tokens: Any, q: Quoted, verbs: list[Token]) -> Token:
    """The reporting verb a quotation hangs from in the parse, else the nearest one."""
    inside = [t for t in tokens if q.start <= t.idx < q.end]
    for t in inside[:1]:
        for up in t.ancestors:
            if up in verbs:
                return up
    return min(verbs, key=lambda t: _distance(t.idx, q))


def _fronted_cue(tokens: Any, q: Quoted) -> tuple[Token, Token] | None:
    """`Said Ellis: "..."`, `Added the mayor, "..."`: a sentence that opens with a reporting
    verb, then who spoke, then the quotation after a colon or comma (the parser often misreads
    the verb as a name). Returns the verb and the speaker's head word."""
    words = [t for t in tokens if not t.is_punct and t.idx < q.start]
    if len(words) < 2 or words[0].text[:1].islower():
        return None
    if words[0].lower_ not in REPORTING_FORMS or words[0].lower_.endswith("ing"):
        return None
    gap = "".join(t.text_with_ws for t in tokens if words[-1].idx < t.idx < q.start)
    if not re.fullmatch(r"\s*[:,]\s*[\"“‘']?\s*", gap):
        return None
    head = words[1]
    while (
        head.dep_ in ("compound", "det", "amod")
        and head.head.i > head.i
        and head.head.idx < q.start
    ):
        head = head.head
    return words[0], head


def _according_to(tokens: Any, quoted: SpanIndex) -> Token | None:
    """The object of "according to" in `tokens`, if any (outside quotations)."""
    for t in tokens:
        if t.lower_ == "according" and not quoted.holds(t.idx):
            to = next((c for c in t.children if c.lower_ == "to"), None)
            obj = next((c for c in (to.children if to is not None else []) if c.dep_ == "pobj"),
                       None)  # fmt: skip
            if obj is not None:
                return obj
    return None


def find_candidates(document: Document, speakers: Speakers) -> tuple[list[Candidate], list[str]]:
    """Every quote candidate with its speaker resolution; and the quotations left out as terms."""
    text = document.text
    quoted = SpanIndex([s for q in document.quotations for s in q.spans])
    out: list[Candidate] = _reported(document, speakers, quoted)
    absorbed = sorted(c.spans[0] for c in out)  # partial quotes inside a reported clause: theirs
    starts = [a for a, _ in absorbed]
    terms: list[str] = []
    for q in document.quotations:
        k = bisect.bisect_right(starts, q.start)
        if any(q.end <= e + 2 for _, e in absorbed[max(0, k - 3) : k]):  # e: before a final "."
            continue
        c = _direct(document, speakers, q, quoted)
        if c is None:
            terms.append(q.text(text))
            continue
        out.append(c)
    out.sort(key=lambda c: c.start)
    _carry_on(document, out)
    for c in out:
        if not c.who.decided and not c.who.options and c.follows is None:
            c.who.options = [n for n, _ in speakers._nearby(c.start)][:MAX_OPTIONS]
            c.who.guess = speakers.previous_subject(c.start) if c.kind == "direct" else None
    kept = []
    for c in out:
        if c.kind == "direct" and c.cue is None and c.follows is None and not c.who.decided:
            words = len(" ".join(text[s:e] for s, e in c.spans).split())
            if words <= SHORT_QUOTE_WORDS or embedded(document, c):
                terms.append(" ".join(text[s:e] for s, e in c.spans))
                continue  # no one is said to have said it: a term or a scare quote
        kept.append(c)
    return kept, terms


def _direct(
    document: Document, speakers: Speakers, q: Quoted, quoted: SpanIndex
) -> Candidate | None:
    """A quotation as a candidate: the nearest reporting verb of its sentence and its subject."""
    if is_term(document, q):
        return None
    if looks_like_title(document.text, q) and not _has_cue(document, q, quoted):
        return None
    text = document.text
    span = document.sentence_at(q.start) or (q.start, q.end)
    tokens = document.tokens_in(*span) or []
    verbs = [t for t in tokens if is_reporting_verb(t) and not quoted.holds(t.idx)]
    dash = _DASH_NAME.match(text, q.end, q.end + 80)
    if dash:  # '"...” ― Pamela Padilla': an attribution line names the speaker outright
        m = speakers.cast.after(dash.start(1), dash.start(1) + 1)
        return Candidate(q.spans, "direct", None, Resolution(m[0].name if m else dash.group(1)))
    fronted = _fronted_cue(tokens, q)
    if fronted is not None:  # 'Said Ellis: "..."'
        return Candidate(q.spans, "direct", fronted[0].text, speakers.subject(fronted[1]))
    according = _according_to(tokens, quoted)
    if according is not None:
        return Candidate(q.spans, "direct", "according to", speakers.subject(according))
    if verbs:
        verb = _governing(tokens, q, verbs)
        subj = _subject_of(verb, quoted)
        who = speakers.subject(subj) if subj is not None else Resolution()
        return Candidate(q.spans, "direct", verb.text, who)
    for t in tokens:  # "Her message was simple: '...'"
        if t.lemma_.lower() in lexicon.SPEECH_NOUNS and not quoted.holds(t.idx):
            poss = next((c for c in t.children if c.dep_ == "poss"), None)
            if poss is not None:
                return Candidate(q.spans, "direct", None, speakers.subject(poss))
    return Candidate(q.spans, "direct", None)


#: An attribution line after a quotation: '”― Pamela Padilla', '" — Ana Lopez'.
_DASH_NAME = re.compile(r"[\s”\"]*[―—–-]+[ \t\xa0]*(" + names.NAME_RUN.pattern + ")")


def _has_cue(document: Document, q: Quoted, quoted: SpanIndex) -> bool:
    span = document.sentence_at(q.start) or (q.start, q.end)
    tokens = document.tokens_in(*span) or []
    words = re.findall(r"[\w-]+", document.text[max(0, q.start - 30) : q.start].lower())
    if words and words[-1] in lexicon.TERM_MARKERS:
        return False
    return any(is_reporting_verb(t) and not quoted.holds(t.idx) for t in tokens)


def _distance(offset: int, q: Quoted) -> int:
    if offset >= q.end:
        return offset - q.end
    if offset < q.start:
        return q.start - offset
    return 0


def _reported(document: Document, speakers: Speakers, quoted: SpanIndex) -> list[Candidate]:
    """Reported speech: a reporting verb's clausal complement, or "according to X, ..."."""
    text = document.text
    out: list[Candidate] = []
    for s, e in document.sentences:
        tokens = document.tokens_in(s, e)
        if tokens is None:
            continue
        according = _according_to(tokens, SpanIndex([]))
        if according is not None:
            if quoted.overlapping(s, e):
                continue
            prep = according.head.head  # according <- to <- obj
            lo, hi = prep.left_edge.idx, according.right_edge.idx + len(according.right_edge)
            before, after = (s, lo), (hi, e)
            content = _clean(text, *(before if lo - s > e - hi else after))
            if content[1] - content[0] >= 12:
                out.append(Candidate((content,), "indirect", "according to",
                                     speakers.subject(according)))  # fmt: skip
            continue
        for t in tokens:
            if not is_reporting_verb(t) or t.lemma_.lower() in lexicon.NOT_REPORTED_SPEECH:
                continue
            if t.dep_ in ("acl", "amod") or quoted.holds(t.idx):
                continue  # "a label explaining how ...": describes a thing, reports no one
            comp = next((c for c in t.children if c.dep_ == "ccomp"), None)
            if comp is None:
                continue
            clause = _content(text, comp, quoted)
            if clause is None or any(
                qs - clause[0] < 3 or qe > clause[1] + 2 for qs, qe in quoted.overlapping(*clause)
            ):
                continue  # the clause is a quotation itself (or runs into one): a direct quote
            if len(text[clause[0] : clause[1]].split()) < 3:
                continue
            content = clause
            subj = _subject_of(t, quoted)
            who = speakers.subject(subj) if subj is not None else Resolution()
            out.append(Candidate((content,), "indirect", t.text, who))
            break  # one reported clause per sentence: the first verb governs it
        for c in _naming(document, speakers, tokens, quoted):
            if not any(o.start <= c.start and c.end <= o.end for o in out[-3:]):
                out.append(c)  # not already inside a reported clause of this sentence
    return out


def _naming(
    document: Document, speakers: Speakers, tokens: Any, quoted: SpanIndex
) -> list[Candidate]:
    """`X called the figures "an outlier"`, `X promised lower taxes and "jobs, jobs, jobs"`:
    a naming verb with its object and the quoted words it puts on it, or a reporting verb whose
    object holds a quotation after other words, is one reported claim (the quotation is part of
    it, not a record alone)."""
    out = []
    for t in tokens:
        naming = t.lemma_.lower() in lexicon.NAMING_VERBS and t.pos_ == "VERB"
        if not naming and not is_reporting_verb(t):
            continue
        obj = next((c for c in t.children if c.dep_ == "dobj"), None)
        if obj is None:
            continue
        lo = obj.left_edge.idx
        edge = t.right_edge if naming else obj.right_edge
        hi = edge.idx + len(edge) + 2
        inside = [(qs, qe) for qs, qe in quoted.overlapping(lo, hi) if lo < qs]
        if not inside:
            continue
        subj = _subject_of(t, quoted)
        who = speakers.subject(subj) if subj is not None else Resolution()
        span = _clean(document.text, lo, inside[-1][1])
        out.append(Candidate((span,), "indirect", t.text, who))
    return out


def _content(text: str, comp: Token, quoted: SpanIndex) -> Span | None:
    """The words of a reported clause: its subtree without a leading "that", up to a nested
    report ("..., adding that ...") that starts a record of its own (a reporting verb inside
    quotation marks is the speaker's own word, not a nested report)."""
    words = []
    for w in comp.subtree:
        if w.i == comp.left_edge.i and w.dep_ == "mark":
            continue
        nested = w is not comp and is_reporting_verb(w) and w.dep_ in ("advcl", "conj")
        if nested and not quoted.holds(w.idx):
            break
        words.append(w)
    if not words:
        return None
    stop = next((k for k, w in enumerate(words[1:], 1) if w.i != words[k - 1].i + 1), len(words))
    words = words[:stop]
    while len(words) > 1 and (words[-1].dep_ in ("cc", "punct") and not _closes(words[-1])):
        words.pop()  # 'the mayor was "a fraud" and [urged ...]': no dangling "and"
    return _clean(text, words[0].idx, words[-1].idx + len(words[-1]))


def _closes(token: Token) -> bool:
    """True for a closing quotation mark (kept at the end of a reported clause)."""
    return token.text in ("”", '"', "’", "'")


def _clean(text: str, s: int, e: int) -> Span:
    """Trim spaces and edge punctuation; take in the closing mark of a quotation that the
    content opens (`the depot was “a mess”`)."""
    while s < e and (text[s].isspace() or text[s] in ",;:"):
        s += 1
    while e > s and (text[e - 1].isspace() or text[e - 1] in ".,;:!?"):
        e -= 1
    piece = text[s:e]
    opened = piece.count("“") > piece.count("”") or piece.count('"') % 2 == 1
    close = re.match(r"[.,!?]?[”\"]", text[e : e + 2])
    return (s, e + close.end()) if opened and close else (s, e)


def embedded(document: Document, c: Candidate) -> bool:
    """True for a quotation inside the writer's own clause ('his "magic" pills', 'is "true"'):
    words of the sentence come before it, not ending in a colon or comma."""
    span = document.sentence_at(c.start)
    if span is None:
        return False
    before = document.text[span[0] : c.start].rstrip(" \t\"“‘'`")
    return bool(re.search(r"[A-Za-z]", before)) and not before.endswith((":", ",", "—", "–"))


def _carry_on(document: Document, out: list[Candidate]) -> None:
    """A quotation with no cue of its own carries on the last speaker of its paragraph (or of
    the paragraph before, when it opens its own): `"A," she said. "B."`."""
    paras = [s for s, _ in document.paragraphs]
    for prev, c in zip(out, out[1:], strict=False):
        if c.kind != "direct" or c.cue is not None or c.who.decided or embedded(document, c):
            continue
        p_prev = bisect.bisect_right(paras, prev.start) - 1
        p_this = bisect.bisect_right(paras, c.start) - 1
        opens_para = document.text[paras[p_this] : c.start].strip(" \"“‘'") == ""
        if p_prev == p_this or (p_prev == p_this - 1 and opens_para):
            c.follows = prev


# --- the step -------------------------------------------------------------------------------


def quotes(ctx: Context, pieces: list[Piece]) -> list[Quote]:
    """The quotes of `ctx.document`: candidates by code, the model only for undecided speakers.

    Args:
        ctx: The article's step context (document, backend, tally).
        pieces: The article's pieces; each candidate is asked with the piece holding its start.

    Returns:
        Quotes with speakers, in article order. Quotes in instruction-like text, with no speaker,
        or whose model answer failed are dropped and counted in `ctx`.
    """
    found = candidates(ctx)
    starts = [p.span[0] for p in pieces]
    by_piece: dict[int, list[Candidate]] = {}
    for c in found:
        by_piece.setdefault(max(0, bisect.bisect_right(starts, c.start) - 1), []).append(c)
    out: list[Quote] = []
    for k, mine in sorted(by_piece.items()):
        out += records(ctx, pieces[k], mine) if pieces else []
    return sorted(out, key=lambda q: q.start)


def candidates(ctx: Context) -> list[Candidate]:
    """Every quote candidate of the article, speakers resolved where code can (no model call).

    Quotations that are terms or titles are dropped here and counted in `ctx`.
    """
    found, terms = find_candidates(ctx.document, Speakers(ctx.document))
    for t in terms:
        ctx.drop("quote", "term or title in quotation marks", t)
    return found


def records(ctx: Context, piece: Piece, mine: list[Candidate]) -> list[Quote]:
    """The quotes of the candidates that start in `piece`: undecided speakers are asked in
    batches with the piece's shared prefix (parser-only mode keeps code's best guess)."""
    kept = []
    for c in mine:
        if piece.in_untrusted(c.start):
            ctx.drop("quote", "inside instruction-like text", _joined(ctx.text, c.spans))
        else:
            kept.append(c)
    undecided = [c for c in kept if not c.who.decided and c.follows is None and c.who.options]
    if ctx.model_free:
        for c in undecided:
            c.who = Resolution(c.who.guess)
    else:
        for at in range(0, len(undecided), QUOTES_PER_CALL):
            _ask(ctx, piece, undecided[at : at + QUOTES_PER_CALL])
    return _records(ctx, kept)


def _records(ctx: Context, candidates: list[Candidate]) -> list[Quote]:
    text = ctx.text
    out = []
    for c in candidates:
        speaker = c.follows.final if c.follows is not None else c.who.name
        c.final = speaker
        words = _joined(text, c.spans)
        if not speaker:
            ctx.drop("quote", "no speaker", words)
            continue
        out.append(
            Quote(
                text=words,
                speaker=speaker,
                kind=c.kind,
                cue=c.cue,
                start=c.start,
                end=c.end,
                spans=list(c.spans),
            )
        )
    return out


def _joined(text: str, spans: tuple[Span, ...]) -> str:
    return " ".join(text[s:e] for s, e in spans)


def _abridge(text: str, words: int = 14) -> str:
    parts = text.split()
    if len(parts) <= words + 4:
        return text
    return " ".join(parts[:words]) + " … " + " ".join(parts[-4:])


@functools.cache
def choice_model(sizes: tuple[int, ...]) -> type[BaseModel]:
    """Fields Q1..Qn: the number of the option that names Qi's speaker."""
    fields: dict[str, Any] = {
        f"Q{i}": (int, Field(ge=1, le=n, description=f"Option number 1-{n} for Q{i}"))
        for i, n in enumerate(sizes, 1)
    }
    return create_model("SpeakerChoices", __doc__="Who is quoted in each Q.", **fields)


def _ask(ctx: Context, piece: Piece, batch: list[Candidate]) -> None:
    """One call: the model picks an option number for each undecided candidate."""
    text = ctx.text
    lines = []
    for i, c in enumerate(batch, 1):
        options = "  ".join(f"{n}) {o}" for n, o in enumerate(c.who.options, 1))
        kind = ", reported speech" if c.kind == "indirect" else ""
        n = piece.number(c.start)
        previous = text[slice(*piece.sentences[n - 2])]
        shown = prompts.OMITTED if n - 1 in piece.untrusted else f"“{_abridge(previous)}”"
        before = f"\n   after [{n - 1}]: {shown}"
        lines.append(
            f"Q{i} (sentence [{n}]{kind}): “{_abridge(_joined(text, c.spans))}”"
            + (before if n > 1 else "")
            + f"\n   options: {options}"
        )
    model = choice_model(tuple(len(c.who.options) for c in batch))
    example = {f"Q{i}": 1 for i in range(1, min(len(batch), 2) + 1)}
    task = prompts.render(
        "quotes", count=len(batch), quotations="\n".join(lines), shape=prompts.shape(example)
    )
    answer, _ = ctx.ask(piece, task, model, max_tokens=8 * len(batch) + 16)
    picks = answer.model_dump() if answer is not None else {}
    for i, c in enumerate(batch, 1):
        pick = picks.get(f"Q{i}")  # None: the answer failed (counted): the quote is dropped
        c.who = Resolution(c.who.options[pick - 1]) if pick is not None else Resolution()
