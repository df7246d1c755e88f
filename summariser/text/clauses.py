"""Clauses from the dependency parse: a predicate with its subject, object and circumstances.

Pure code over a Document, no model. One Clause per verb: who (subject; the `by`-agent of a
passive), the verb phrase as written (particles, negation, modals), what (object), and the
DATE/TIME and place entities of the clause. Pronoun subjects are resolved to the nearest
compatible preceding entity. Events and stances are both read off these clauses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from summariser.text import lexicon
from summariser.text.document import Document, Entity
from summariser.text.spans import Span

Token = Any  # a spaCy Token

_SUBJECTS = ("nsubj", "nsubjpass", "csubj", "csubjpass", "expl")
_OBJECTS = ("dobj", "dative", "attr", "oprd")
#: Modifiers of a noun kept in its phrase ("three senior Labour staffers").
_MODIFIERS = ("compound", "amod", "nummod", "poss", "quantmod", "nmod", "case")
#: Modifiers that are part of what a thing is called ("Labour staffers", "prison guards"):
#: a phrase's `head`, which an event's actor uses.
_NAMING = ("compound",)
_NOMINAL = ("NOUN", "PROPN", "PRON", "NUM")
_PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "his", "hers"})
_GROUP_PRONOUNS = frozenset({"they", "them", "their", "it", "its"})
_RELATIVE = frozenset({"who", "which", "that", "whom", "whose"})
_NAMES = ("PERSON", "ORG", "GPE", "NORP", "FAC", "LOC")
_PLACES = ("GPE", "LOC", "FAC")
_TIMES = ("DATE", "TIME")
#: How many sentences back a pronoun may find its antecedent.
_PRONOUN_REACH = 3


@dataclass(frozen=True)
class Phrase:
    """A noun phrase or clause as written; `name` is the entity it resolves to, if any."""

    text: str
    start: int
    end: int
    name: str | None = None
    pronoun: bool = False
    head: str | None = None  # the noun with its naming modifiers only: "staffers" -> "staffers"

    @property
    def label(self) -> str:
        """What to call it in a record: the resolved name, else the words as written."""
        return self.name or self.text

    @property
    def who(self) -> str:
        """Who acts, briefly: the resolved name, else the noun and its naming modifiers."""
        return self.name or self.head or self.text


@dataclass(frozen=True)
class Clause:
    """One predicate of the article with what the parse attaches to it."""

    sentence: int  # index into Document.sentences
    verb: Span
    lemma: str
    action: str  # the verb phrase as written: "did not meet", "were killed", "called for"
    subject: Phrase | None  # who acts (the agent of a passive when it has one)
    object: Phrase | None  # what it is done to
    complement: Phrase | None  # a clause it governs: "urged (them to leave)", "said (that ...)"
    particle: str | None  # "for" in "call for", "out" in "rule out"
    phrasal: bool  # has a verb particle ("called off"): a verb of its own
    negated: bool
    modal: str | None  # "would", "plans to": not (yet) a fact
    passive: bool
    when: str | None
    where: str | None


def clauses(document: Document) -> list[Clause]:
    """Every verb's clause in the document, in text order."""
    resolver = _Resolver(document)
    out = []
    for token in document.doc:
        if token.pos_ != "VERB":
            continue
        i = document.sentence_index(token.idx)
        if i is None:
            continue
        out.append(_clause(document, resolver, token, i))
    return out


def _clause(document: Document, resolver: _Resolver, verb: Token, sentence: int) -> Clause:
    subject_tok, object_tok, passive = _arguments(verb)
    particle = next((c for c in verb.children if c.dep_ == "prt"), None)
    prep = None
    if object_tok is None:
        prep, object_tok = _prepositional_object(verb)
    negated = any(c.dep_ == "neg" for c in verb.children) or _negated_head(verb)
    modal = _modal(verb)
    aux = [
        c for c in verb.children
        if c.dep_ in ("aux", "auxpass", "neg") and c.i < verb.i
        and (negated or c.dep_ != "aux" or c.lemma_.lower() in lexicon.MODALS)
    ]  # fmt: skip
    words = [*aux, verb, *([particle] if particle else []), *([prep] if prep else [])]
    action = " ".join(t.text for t in sorted(words, key=lambda t: t.i))
    return Clause(
        sentence=sentence,
        verb=(verb.idx, verb.idx + len(verb.text)),
        lemma=verb.lemma_.lower(),
        action=action,
        subject=resolver.phrase(subject_tok) if _nominal(subject_tok) else None,
        object=resolver.phrase(object_tok) if object_tok is not None else None,
        complement=_complement(verb, document.text),
        particle=_lower(particle or prep),
        phrasal=particle is not None,
        negated=negated,
        modal=modal,
        passive=passive,
        when=_clause_entity(document, verb, _TIMES),
        where=_clause_entity(document, verb, _PLACES),
    )


def _nominal(token: Token | None) -> bool:
    """True for a token that can name who acts: a noun, name, pronoun, number or entity."""
    return token is not None and (token.pos_ in _NOMINAL or bool(token.ent_type_))


def _lower(token: Token | None) -> str | None:
    return token.text.lower() if token is not None else None


def _arguments(verb: Token) -> tuple[Token | None, Token | None, bool]:
    """(subject, object, passive) of `verb`; a passive's agent is the subject, its patient
    the object. A verb with no subject of its own takes it from the verb it hangs on."""
    subject = next((c for c in verb.children if c.dep_ in _SUBJECTS and c.dep_ != "expl"), None)
    obj = next((c for c in verb.children if c.dep_ in _OBJECTS), None)
    passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)
    agent = next(
        (g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"),
        None,
    )
    if verb.dep_ == "acl" and verb.tag_ == "VBN":  # "rebels backed by X": X backs the rebels
        return agent, verb.head, True
    if agent is not None:
        return agent, subject if obj is None else obj, True
    if subject is None:
        subject = _inherited_subject(verb)
    return _antecedent(subject), obj, passive  # "the man who fired": the man


def _inherited_subject(verb: Token) -> Token | None:
    """The subject of a verb that has none: shared from a conjoined or governing verb."""
    seen = 0
    while verb.dep_ in ("conj", "xcomp", "advcl", "acl", "relcl") and seen < 4:
        head = verb.head
        if verb.dep_ in ("acl", "relcl") and head.pos_ in ("NOUN", "PROPN", "PRON"):
            return head if verb.tag_ == "VBG" else None  # "people attending the rally"
        if verb.dep_ == "advcl" and verb.tag_ not in ("VBG", "VBN"):
            return None  # "when ... ": its own clause, not the head's subject
        if verb.dep_ == "xcomp":
            controller = next((c for c in head.children if c.dep_ in ("dobj",)), None)
            if controller is not None:
                return controller  # "urged the council to act": the council acts
        found = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if found is not None:
            return found
        verb, seen = head, seen + 1
    return None


def _prepositional_object(verb: Token) -> tuple[Token | None, Token | None]:
    """(preposition, its object) for "met with X", "travelled to Y"; not times."""
    for prep in verb.children:
        if prep.dep_ != "prep" or prep.i < verb.i:
            continue
        if prep.lower_ in lexicon.CIRCUMSTANCE_PREPOSITIONS:
            continue  # "in Herat", "on Monday": where and when, not what
        pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
        if pobj is not None and pobj.ent_type_ not in _TIMES:
            return prep, pobj
    return None, None


def _negated_head(verb: Token) -> bool:
    """ "did not plan to meet": the negation on the governing verb covers the xcomp."""
    return verb.dep_ == "xcomp" and any(c.dep_ == "neg" for c in verb.head.children)


def _modal(verb: Token) -> str | None:
    """The word that makes the clause a possibility or a plan, if any."""
    for c in verb.children:
        if c.dep_ == "aux" and c.lemma_.lower() in lexicon.MODALS and c.i < verb.i:
            return c.text.lower()
    if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in lexicon.PLAN_VERBS:
        return f"{verb.head.text.lower()} to"
    return None


def _complement(verb: Token, text: str) -> Phrase | None:
    """The clause `verb` governs (ccomp/xcomp), or its object's whole phrase: a stance target."""
    for c in verb.children:
        if c.dep_ in ("ccomp", "xcomp"):
            return _subtree(c, text)
    obj = next((c for c in verb.children if c.dep_ in ("dobj", "attr")), None)
    if obj is None:
        for prep in verb.children:
            if prep.dep_ == "prep":
                obj = next((c for c in prep.children if c.dep_ in ("pobj", "pcomp")), None)
                if obj is not None:
                    break
    return _subtree(obj, text) if obj is not None else None


def _subtree(token: Token, text: str) -> Phrase:
    left, right = token.left_edge, token.right_edge
    doc = token.doc
    while left.i < right.i and (left.is_punct or left.lower_ in ("that", "to")):
        left = doc[left.i + 1]
    while right.i > left.i and right.is_punct:
        right = doc[right.i - 1]
    start, end = left.idx, right.idx + len(right.text)
    return Phrase(text[start:end], start, end)  # never doc.text: it joins every token


def _clause_entity(document: Document, verb: Token, labels: tuple[str, ...]) -> str | None:
    """The first entity with one of `labels` whose nearest governing verb is `verb`."""
    s, e = verb.left_edge.idx, verb.right_edge.idx + len(verb.right_edge.text)
    for ent in document.entities_in(s, e):
        if ent.label not in labels:
            continue
        tok = document.doc.char_span(ent.start, ent.end, alignment_mode="expand")
        governor = _governing_verb(tok.root) if tok is not None else None
        if governor is not None and governor.i == verb.i:
            return ent.text
    return None


def _governing_verb(token: Token) -> Token | None:
    while token.head is not token:
        token = token.head
        if token.pos_ in ("VERB", "AUX"):
            return token
    return None


class _Resolver:
    """Names for subject and object tokens: entities, compact noun phrases, pronouns."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.by_token: dict[int, Entity] = {}
        for ent in document.entities:
            span = document.doc.char_span(ent.start, ent.end, alignment_mode="expand")
            for t in span or ():
                self.by_token[t.i] = ent
        longest: dict[str, str] = {}
        for e in document.entities:  # "Keir" -> "Keir Starmer": the longest name holding it
            if e.label != "PERSON":
                continue
            name = _bare(e.text)
            for word in name.split():
                if len(name) > len(longest.get(word, "")):
                    longest[word] = name
        self.longest = longest

    def phrase(self, token: Token) -> Phrase:
        if token.lower_ in lexicon.PRONOUNS or token.pos_ == "PRON":
            return self._pronoun(token)
        ent = self.by_token.get(token.i)
        if ent is not None and ent.label in _NAMES:
            return Phrase(ent.text, ent.start, ent.end, self._full(ent))
        text = self.document.text
        end = token.idx + len(token.text)
        start = _left(token, _MODIFIERS + ("det",))
        head = text[_left(token, _NAMING) : end]
        return Phrase(text[start:end], start, end, head=head)

    def _full(self, ent: Entity) -> str:
        name = _bare(ent.text)
        if ent.label != "PERSON" and name.lower().startswith("the "):
            name = name[4:]  # "the city council": the name is "city council"
        if ent.label != "PERSON" or not name:
            return name or ent.text
        fuller = {self.longest.get(w, name) for w in name.split()}
        full = max(fuller, key=len)
        return full if len(fuller) == 1 or all(f in full for f in fuller) else name

    def _pronoun(self, token: Token) -> Phrase:
        word = token.lower_
        start, end = token.idx, token.idx + len(token.text)
        labels = (
            ("PERSON",) if word in _PERSON_PRONOUNS
            else ("ORG", "NORP", "GPE") if word in _GROUP_PRONOUNS
            else ()
        )  # fmt: skip
        if not labels:
            return Phrase(token.text, start, end, pronoun=True)
        here = self.document.sentence_index(start) or 0
        floor = self.document.sentences[max(0, here - _PRONOUN_REACH)][0]
        before = self.document.entities_in(floor, start)
        for ent in reversed(before):
            if ent.label in labels:
                return Phrase(token.text, start, end, self._full(ent), pronoun=True)
        return Phrase(token.text, start, end, pronoun=True)


def _bare(name: str) -> str:
    """A name without its possessive ending."""
    return name.removesuffix("’s").removesuffix("'s").strip()


def _antecedent(token: Token | None) -> Token | None:
    """For a relative pronoun ("who", "which"), the noun its clause describes."""
    if token is None or token.lower_ not in _RELATIVE:
        return token
    verb = token.head
    for _ in range(4):
        if verb.dep_ == "relcl":
            return verb.head
        if verb.head is verb:
            break
        verb = verb.head
    return None


def _left(token: Token, deps: tuple[str, ...]) -> int:
    """Where the noun `token` starts with its left modifiers of kinds `deps` (no determiner)."""
    words = [token, *(t for c in token.lefts if c.dep_ in deps for t in c.subtree if t.i < token.i)]
    left = min(words, key=lambda t: t.i)
    while left.i < token.i and (left.pos_ == "DET" or left.is_punct):
        left = token.doc[left.i + 1]
    return int(left.idx)
