"""Who the article mentions and who a mention stands for: one resolver for every step.

`Cast` collects the article's people and organisations once (canonical names, genders, the
descriptor words tied to each: "Penny Wong, the foreign minister"). `Resolver` turns a subject
token into an entity: a name at its fullest, a pronoun to the nearest compatible entity, a
descriptor ("the minister", "the company") to the entity the article ties it to. Where two fit
closely it gives options (best first) and a guess instead of deciding. Quote speakers, event
actors and stance holders are all resolved here, so one "he" is one person in a summary.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from summariser.text import lexicon, names
from summariser.text.document import Document
from summariser.text.quotations import REPORTING_FORMS, is_reporting_verb
from summariser.text.spans import SpanIndex

Token = Any  # a spaCy Token

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
        self.known = {m.name for m in self.mentions}  # every entity's canonical name

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
            if e.label in _NAMED and names.name_tokens(e.text) and not self._verb_in(e)
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
            s, e = self._trimmed(s, e)
            lead = re.match(r"(\w+)\s+(?=\w)", self.text[s:e])
            if lead and lead.group(1).lower() in REPORTING_FORMS:
                s += lead.end()  # 'Said Ryan Ellis: "..."': the verb is not part of the name
            toks = names.name_tokens(re.sub(r"[’']s?$", "", self.text[s:e]))
            if not toks:
                continue
            if toks[0] in lexicon.NAMED_HAPPENINGS and len(toks) > 1:
                continue  # "Storm Ffion", "Hurricane Ida": a happening, not who speaks or acts
            last = names.fold(self.text[s:e].split()[-1])
            if label in ("PROPN", "SURNAME") and last in lexicon.SPEAKER_TITLES | names.HONORIFICS:
                continue  # "the Finance Minister": a title, resolved to its holder, not a name
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
            if len(toks) > 1 and {toks[0], toks[-1]} & lexicon.PLACE_NOUNS:
                label = "LOC"  # "River Towy" called an organisation: a place all the same
            out.append((s, e, label))
        return out

    def _trimmed(self, start: int, end: int) -> tuple[int, int]:
        """A recognised name without what the recogniser ran into: a dateline before a dash
        ("CARMARTHEN, Wales - Emergency services"), a preposition or article after it ("the
        Council for the Exploration of the Sea in")."""
        dash = list(re.finditer(r"\s[-–—]\s", self.text[start:end]))
        if dash:
            start += dash[-1].end()
        span = self.document.tokens_in(start, end)
        words = list(span) if span is not None else []
        while len(words) > 1 and words[-1].pos_ in ("ADP", "DET", "CCONJ", "PUNCT"):
            words.pop()
        if words:
            end = min(end, words[-1].idx + len(words[-1].text))
        return start, end

    def _verb_in(self, ent: Any) -> bool:
        """ "Thai Authorities Indict": a title-case headline read as one name holds a verb."""
        span = self.document.tokens_in(ent.start, ent.end)
        return span is not None and len(span) > 1 and span[-1].pos_ == "VERB"

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
            name = names.fullest_name(written, self.text)
            bare = re.sub(r"^the\s+", "", name, flags=re.I)
            return bare or name  # "the city council": the name is "city council"
        if len(toks) >= 2:
            words = written.split()
            while len(words) > 2 and names.fold(words[0]) in (
                lexicon.SPEAKER_TITLES | lexicon.AGENT_NOUNS
            ):
                words = words[1:]  # "Councillor Nadia Haddad", "Shopkeeper Omar Reed"
            name = " ".join(w for w in words if names.fold(w) not in names.HONORIFICS)
            full.setdefault(toks[-1], []).append((start, name))
            return name
        earlier = [n for _, n in reversed(full.get(toks[0], []))]
        fits = [n for n in earlier if title is None or self.gender.get(n) in (None, title)]
        if fits:
            return fits[0]
        fuller = names.fullest_name(written, self.text)
        if len(names.name_tokens(fuller)) <= 1:
            return written
        words = fuller.split()
        while len(words) > 2 and names.fold(words[0]) in names.HONORIFICS:
            words = words[1:]  # "Sir Keir" -> "Keir Starmer", as the full mention is named
        return " ".join(words)

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
                if t.pos_ == "NOUN" or names.fold(t.text) in lexicon.SPEAKER_TITLES:
                    self.ties.append((m.start, t.lemma_.lower(), m.name))  # "Judge X"
            for t in [*root.lefts, *root.rights]:
                title = t.pos_ == "PROPN" and names.fold(t.text) in lexicon.SPEAKER_TITLES
                if t.dep_ == "compound" and (t.pos_ == "NOUN" or title):
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

    def tied(self, lemma: str, offset: int, weak: bool = False, ahead: bool = False) -> str | None:
        """The entity most recently tied to descriptor `lemma` before `offset`; with `ahead`,
        the first one tied after it (a headline's "council leader" is the first one the
        article names so)."""
        by_word = self._weak_by_word if weak else self._by_word
        found = by_word.get(lemma, [])
        k = bisect.bisect_left(found, (offset, ""))
        if ahead and k < len(found):
            return found[k][1]
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


def noun_phrase(text: str, head: Token, left: list[Token]) -> str:
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


class Resolver:
    """Who a mention is: subjects, pronouns and descriptors resolved to entities, for one
    Document. Quote speakers, event actors and stance holders are all resolved here."""

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
        if token.lower_ in lexicon.DAY_WORDS:  # "Minister Tang Jiaxuan Sunday urged": the
            named = [c for c in token.lefts if c.dep_ == "compound" and c.pos_ == "PROPN"]
            token = named[-1] if named else token  # day parsed as the name's head
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
            titles = names.HONORIFICS | lexicon.SPEAKER_TITLES
            if all(names.fold(w) in titles for w in words):
                return self.title(words, token.idx)  # "The Prime Minister met ..."
            if names.fold(words[-1]) in titles:  # "The Finance Minister": one named with it?
                held = self.title(words, token.idx)
                if held.decided:
                    return held
            while len(words) > 1 and (
                names.fold(words[0]) in names.HONORIFICS | lexicon.SPEAKER_TITLES
                or words[0].lower() in REPORTING_FORMS  # 'Said Hill: "..."'
            ):
                words = words[1:]  # "Vice President Joseph Biden" -> "Joseph Biden"
            return Resolution(names.fullest_name(" ".join(words), self.document.text))
        return self.descriptor(token)

    def title(self, words: list[str], offset: int) -> Resolution:
        """A title standing alone ("the Prime Minister"): the person the article names with
        it ("Prime Minister Keir Starmer"); else, as a guess, the person the article is about
        (named most often), with the people nearby as options."""
        want = [names.fold(w) for w in words]
        text = self.document.text
        holders = []  # (offset, name): the nearest one before `offset` wins
        for m in self.cast.mentions:
            before = names.fold(text[max(0, m.start - 60) : m.start]).split()
            if m.person and before[-len(want) :] == want:
                holders.append((m.start, m.name))
        if holders:
            earlier = [h for h in holders if h[0] < offset] or holders
            return Resolution(earlier[-1][1])
        counts = Counter(m.name for m in self.cast.mentions if m.person and m.sure)
        ranked = counts.most_common(2)
        options = [n for n, label in self.nearby(offset) if label == "PERSON"][:MAX_OPTIONS]
        if ranked and ranked[0][1] >= 2 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            top = ranked[0][0]
            return Resolution(options=[top, *[o for o in options if o != top]][:MAX_OPTIONS],
                              guess=top)  # fmt: skip
        return Resolution(options=options)

    def previous_subject(self, offset: int) -> str | None:
        """Who the sentence before `offset` is about, when its subject names someone: the
        likeliest speaker of a quotation that follows with no cue ("X wrote to staff. '...'")."""
        i = self._sentence_no(offset)
        if i == 0:
            return None
        tokens = self.document.tokens_in(*self.document.sentences[i - 1]) or []
        root = next((t for t in tokens if t.dep_ == "ROOT"), None)
        subj = subject_of(root) if root is not None else None
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
        phrase = noun_phrase(self.document.text, token, words)
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
        # a headline names its speaker before the article does: the first one the article
        # ties to the word, after the headline
        at, ahead = token.idx, self._sentence_no(token.idx) <= 1
        tied = self.cast.tied(lemma, at, ahead=ahead)
        if tied:
            return Resolution(tied)
        nearby = self.nearby(token.idx)
        if lemma not in lexicon.ORG_NOUNS:
            for t in words[:-1]:  # "the union leader" ~ "organiser for the Unite union"
                tied = self.cast.tied(t.lemma_.lower(), at, weak=True, ahead=ahead)
                if t.pos_ == "NOUN" and tied:
                    return Resolution(tied)
            options = [n for n, _ in nearby][: MAX_OPTIONS - 1]
            return Resolution(options=[*options, phrase], guess=phrase)
        earlier = [m for m in self.cast.before(token.idx, self._reach(token.idx))
                   if self._org_like(m, token.idx)]  # fmt: skip
        # the organisation named in the sentence before; else subjects first, nearest first
        here = self._sentence_no(token.idx)
        last = [m for m in earlier if m.label == "ORG" and here - self._sentence_no(m.start) == 1]
        ranked = (
            last[:1] + [m for m in earlier if m.subject] + [m for m in earlier if not m.subject]
        )
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

    def nearby(self, offset: int) -> list[tuple[str, str]]:
        """Entities around `offset` (name, label): before it, nearest first, then after it."""
        until = self.document.sentences[
            min(self._sentence_no(offset) + 3, len(self.document.sentences) - 1)
        ][1]
        seen: dict[str, str] = {}
        for m in [*self.cast.before(offset, self._reach(offset)), *self.cast.after(offset, until)]:
            if m.label in ("PERSON", "ORG"):
                seen.setdefault(m.name, m.label)
        return list(seen.items())


def subject_of(verb: Token, quoted: SpanIndex | None = None) -> Token | None:
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
