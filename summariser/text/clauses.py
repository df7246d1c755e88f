"""Clauses from the dependency parse: a predicate with its subject, object and circumstances.

Pure code over a Document, no model. One Clause per verb: who (subject; the `by`-agent of a
passive), the action as the article words it (particles, negation, modals, and a chain that is
one action: "voted to spend", "lost hope of meeting"), what (a short object phrase), and the
DATE/TIME and place entities of the clause. Who acts is resolved by the one Resolver
(text/mentions.py) that also names quote speakers. Each clause carries the flags that say
whether it is a fact of the article: negated, a possibility or plan, a condition, a question,
reported by someone, governed by a plan ("no plans to meet"). Events told as nouns ("the
attack on ...", "the strike by dock workers") are Clauses too (`nominal`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from summariser.text import lexicon, names
from summariser.text.document import Document
from summariser.text.mentions import Resolver
from summariser.text.spans import Span, content_words

Token = Any  # a spaCy Token

_SUBJECTS = ("nsubj", "nsubjpass", "csubj", "csubjpass", "expl")
_OBJECTS = ("dobj", "dative", "attr", "oprd")
#: Modifiers of a noun kept in its phrase ("three senior Labour staffers").
_MODIFIERS = ("compound", "amod", "nummod", "poss", "quantmod", "nmod", "case")
#: Modifiers that are part of what a thing is called ("Labour staffers", "prison guards").
_NAMING = ("compound",)
_NOMINAL = ("NOUN", "PROPN", "PRON", "NUM")
_RELATIVE = frozenset({"who", "which", "that", "whom", "whose"})
_ACTORS = ("PERSON", "ORG", "GPE", "NORP", "FAC")
_PLACES = ("GPE", "LOC", "FAC")
_TIMES = ("DATE", "TIME")
#: Longest object phrase kept as a target, in words.
TARGET_WORDS = 10
#: Longest name of what a whole article is about, in words ("Mill Road bus gate").
TOPIC_WORDS = 4
#: Dashes that end a dateline ("LONDON - Harbour pilots").
_DASHES = frozenset("- – —".split())


@dataclass(frozen=True)
class Phrase:
    """A noun phrase as written; `name` is the entity it resolves to, if any."""

    text: str
    start: int
    end: int
    name: str | None = None
    pronoun: bool = False
    head: str | None = None  # the noun with its naming modifiers only: "Labour staffers"
    agent: bool = False  # a person, organisation, group or polity: it may act or hold a view
    entity: bool = False  # a named entity (or a pronoun or descriptor resolved to one)

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
    """One predicate of the article (a verb, or an event noun) with what the parse attaches."""

    sentence: int  # index into Document.sentences
    verb: Span
    lemma: str
    action: str  # as written: "did not meet", "were killed", "called for", "voted to spend"
    subject: Phrase | None  # who acts (the agent of a passive when it has one)
    object: Phrase | None  # what it is done to (short: at most TARGET_WORDS words)
    complement: Phrase | None = None  # a clause it governs: "urged (them to leave)", "said ..."
    particle: str | None = None  # "for" in "call for", "out" in "rule out"
    phrasal: bool = False  # has a verb particle ("called off"): a verb of its own
    negated: bool = False
    modal: str | None = None  # "would", "plans to": not (yet) a fact
    passive: bool = False
    when: str | None = None
    where: str | None = None
    reported: bool = False  # inside what a reporting verb reports ("said the man fled")
    conditional: bool = False  # "if the council agrees"
    question: bool = False  # its sentence asks
    planned: bool = False  # governed by a plan or its absence ("no plans to meet")
    folded: bool = False  # part of its governor's action ("voted to *spend*"): not on its own
    main: bool = False  # the sentence's main predicate (or one conjoined with it)
    nominal: bool = False  # an event told as a noun ("the attack on the convoy")
    tense: str = ""  # the verb's fine tag: VBD past, VBZ/VBP present, VBN, VBG, VB
    clausal: bool = False  # governs a finite clause ("said (that) ...", "announced it would")
    dep: str = ""  # the verb's dependency: "relcl" (", which was founded by"), "advcl", "ROOT"
    naming: bool = False  # calls something a name ("called the plan a betrayal"): no happening
    nothing: bool = False  # done to nothing: its object is "no X" ("blamed no country")
    enforcer: Phrase | None = None  # who did a passive arrest, detention or trial (see _enforcer)


def clauses(document: Document, resolver: Resolver) -> list[Clause]:
    """Every verb's clause and every event noun with a participant, in text order."""
    reader = _Reader(document, resolver)
    out = []
    for token in document.doc:
        i = document.sentence_index(token.idx)
        if i is None:
            continue
        if token.pos_ == "VERB":
            out.append(reader.clause(token, i))
        elif token.pos_ == "NOUN" and token.lemma_.lower() in lexicon.EVENT_NOUNS:
            found = reader.nominal(token, i, _perpetrator(token, i, out))
            if found is not None:
                out.append(found)
    return out


#: How many sentences back "the attack" may find who carried it out.
_RECALLED = 3
#: Classes of happening (lexicon.EVENT_CLASSES, "harm", "justice"): sets of verb and noun lemmas.
EVENT_CLASSES = {k: frozenset(v.split()) for k, v in lexicon.EVENT_CLASSES.items()}


def _perpetrator(noun: Token, sentence: int, earlier: list[Clause]) -> Phrase | None:
    """Who did what "the attack", "the blast" refers back to: the named actor of the latest
    act of violence told in the sentences just before (not its victims: "died", "was killed")."""
    harm = EVENT_CLASSES["harm"]
    if noun.lemma_.lower() not in harm or not any(
        c.dep_ == "det" and c.lower_ in ("the", "this", "that", "these", "those")
        for c in noun.children
    ):
        return None
    for c in reversed(earlier):
        if c.sentence < sentence - _RECALLED:
            break
        if c.lemma not in harm or c.lemma in lexicon.DEATH_WORDS or c.subject is None:
            continue
        if c.negated or c.modal or c.reported or (c.passive and c.object is None):
            continue  # not told as a fact, or its subject is the victim ("was killed")
        if c.subject.agent and c.subject.entity:
            return c.subject
    return None


class _Reader:
    """Reads clauses off one Document's parse, naming who acts with the shared Resolver."""

    def __init__(self, document: Document, resolver: Resolver) -> None:
        self.document = document
        self.resolver = resolver
        self.text = document.text

    # --- verbs ----------------------------------------------------------------------------

    def clause(self, verb: Token, sentence: int) -> Clause:
        subject_tok, object_tok, passive = _arguments(verb)
        particle = next((c for c in verb.children if c.dep_ == "prt"), None)
        prep = None
        if object_tok is None:
            prep, object_tok = _prepositional_object(verb)
        negated = any(c.dep_ == "neg" for c in verb.children) or _negated_head(verb)
        words = [*_auxiliaries(verb, negated), verb, *([particle] if particle else [])]
        words += [prep] if prep is not None else []
        words += _measure(verb)  # "jumped 24 per cent": by how much is part of the action
        chain = _chain(verb, object_tok)
        if chain is not None:  # "voted to spend £14m", "lost hope of meeting Kamala Harris"
            extra, object_tok = chain
            words += extra
        action = " ".join(t.text for t in sorted(set(words), key=lambda t: t.i))
        if subject_tok is not None and _expletive(subject_tok, verb):
            subject_tok = None  # "it is understood that ...": nobody acts
        return Clause(
            sentence=sentence,
            verb=(verb.idx, verb.idx + len(verb.text)),
            lemma=verb.lemma_.lower(),
            action=action,
            subject=self.who(subject_tok) if _nominal(subject_tok) else None,
            object=self.what(object_tok) if object_tok is not None else None,
            complement=_complement(verb, self.text),
            particle=_lower(particle or prep),
            phrasal=particle is not None,
            negated=negated,
            modal=_modal(verb),
            passive=passive,
            enforcer=self._enforcer(verb, sentence) if passive and object_tok is None else None,
            when=self.entity(verb, _TIMES),
            where=self.entity(verb, _PLACES),
            reported=_reported(verb),
            conditional=_conditional(verb),
            question=self._question(sentence),
            planned=_planned(verb),
            folded=_folded(verb),
            main=_main(verb),
            tense=_tense(verb),
            clausal=any(c.dep_ == "ccomp" for c in verb.children),
            dep=verb.dep_,
            nothing=object_tok is not None
            and any(c.dep_ == "det" and c.lower_ == "no" for c in object_tok.children),
            naming=verb.lemma_.lower() in lexicon.NAMING_VERBS
            and (
                any(c.dep_ == "oprd" for c in verb.children)
                or object_tok is not None
                and object_tok.lower_ in _RELATIVE | {"what"}
            ),
        )

    # --- event nouns ------------------------------------------------------------------------

    def nominal(self, noun: Token, sentence: int, recalled: Phrase | None = None) -> Clause | None:
        """ "Russia's attack on the port", "the strike by dock workers": an event noun with
        who acts (a possessor, a `by`-agent or a naming modifier that is an agent; else who
        is blamed for it, else `recalled`: who did what "the attack" refers back to)."""
        agent = None
        for c in noun.children:
            if c.dep_ == "poss" and c.ent_type_ not in _TIMES:
                agent = c
            elif c.dep_ == "compound" and c.ent_type_ in ("PERSON", "ORG", "NORP"):
                agent = agent or c  # "the Hamas attack"; not "the US election": a place
            elif c.dep_ == "prep" and c.lower_ == "by":
                agent = next((g for g in c.children if g.dep_ == "pobj"), agent)
        if agent is None:
            agent = _blamed(noun)  # "was found guilty of the shooting": who was found guilty
        who = self.who(agent) if agent is not None else recalled
        if who is None or not who.agent:
            return None
        target_prep = next(
            (c for c in noun.children if c.dep_ == "prep" and c.lower_ in ("on", "against", "of")),
            None,
        )
        target_tok = next((g for g in target_prep.children if g.dep_ == "pobj"), None) if (
            target_prep is not None
        ) else None  # fmt: skip
        words = [noun, *([target_prep] if target_tok is not None and target_prep else [])]
        return Clause(
            sentence=sentence,
            verb=(noun.idx, noun.idx + len(noun.text)),
            lemma=noun.lemma_.lower(),
            action=" ".join(t.text for t in words),
            subject=who,
            object=self.what(target_tok) if target_tok is not None else None,
            negated=any(c.lower_ in ("no", "without") for c in noun.children),
            when=self.entity(noun, _TIMES),
            where=self.entity(noun, _PLACES),
            reported=_reported(noun),
            conditional=_conditional(noun),
            question=self._question(sentence),
            nominal=True,
            tense="NN",
        )

    # --- phrases ----------------------------------------------------------------------------

    def who(self, token: Token) -> Phrase:
        """The subject as an actor, resolved by the shared Resolver, and whether it may act:
        a named entity, a pronoun or descriptor resolved to one, or a noun for people or a
        group ("officials", "dock workers"). "The complaint", "involvement" may not."""
        members = _members(token)
        if members is not None:
            token = members  # "a group of cyclists and parents": the cyclists and parents
        res = self.resolver.subject(token)
        name = res.name or res.guess
        start = _left(token, _MODIFIERS + ("det",))
        end = token.idx + len(token.text)
        if token.lower_ in lexicon.PRONOUNS or token.pos_ == "PRON":
            found = name is not None
            return Phrase(token.text, start, end, name, pronoun=True, agent=found, entity=found)
        head = self.text[_left(token, _NAMING) : end]
        if members is not None:
            end = _conjoined_end(token)
            head = self.text[_left(token, _NAMING) : end]
        if self.resolver.cast.at(token) is not None or _proper(token):
            if self.resolver.cast.at(token) is None and token.pos_ != "PROPN":
                name = names.fullest_name(head, self.text)  # "the Warriors" -> "Warriors"
            return Phrase(self.text[start:end], start, end, name, head=head, agent=True,
                          entity=True)  # fmt: skip
        known = name is not None and name in self.resolver.cast.known
        agent = _agent_noun(token)
        return Phrase(self.text[start:end], start, end, name if known and agent else None,
                      head=head, agent=agent, entity=known and agent)  # fmt: skip

    def what(self, token: Token) -> Phrase:
        """The object: an entity's name, else a short noun phrase as written."""
        mention = self.resolver.cast.at(token)
        if token.lower_ in lexicon.PRONOUNS or token.pos_ == "PRON":
            return self.who(token)
        start = _left(token, _MODIFIERS + ("det",))
        end = token.idx + len(token.text)
        if mention is not None:
            return Phrase(self.text[start:end], start, end, mention.name, entity=True, agent=True)
        phrase = _short_phrase(self.text, token, start)
        return Phrase(phrase, start, start + len(phrase), head=self.text[start:end])

    def entity(self, verb: Token, labels: tuple[str, ...]) -> str | None:
        """The first entity with one of `labels` whose nearest governing predicate is `verb`."""
        s, e = verb.left_edge.idx, verb.right_edge.idx + len(verb.right_edge.text)
        for ent in self.document.entities_in(s, e):
            if ent.label not in labels:
                continue
            tok = self.document.doc.char_span(ent.start, ent.end, alignment_mode="expand")
            governor = _governing_predicate(tok.root) if tok is not None else None
            if governor is not None and governor.i == verb.i:
                return ent.text
        return None

    def _enforcer(self, verb: Token, sentence: int) -> Phrase | None:
        """ "He was arrested after police found him": who arrests, detains, captures or tries
        someone when the passive does not say is the body of law and order the article names
        in that sentence or the one before (lexicon.LAW_BODIES), the nearest before the verb."""
        if verb.lemma_.lower() not in EVENT_CLASSES["justice"]:
            return None
        start = self.document.sentences[max(0, sentence - 1)][0]
        end = self.document.sentences[sentence][1]
        span = self.document.tokens_in(start, end)
        bodies = [
            t for t in span or []
            if t.pos_ in ("NOUN", "PROPN") and t.dep_ != "compound"
            and t.lemma_.lower() in lexicon.LAW_BODIES
        ]  # fmt: skip
        if not bodies:
            return None
        body = min(bodies, key=lambda t: (t.i > verb.i, abs(t.i - verb.i)))
        return self.who(body)

    def _question(self, sentence: int) -> bool:
        s, e = self.document.sentences[sentence]
        return self.text[s:e].rstrip(" \"'”’)").endswith("?")


def _short_phrase(text: str, head: Token, start: int) -> str:
    """The noun with its left modifiers and the prepositional phrases that name it ("plans for
    220 flats"), as far as they go within TARGET_WORDS words (never past a comma)."""
    end = head.idx + len(head.text)
    hyphened = re.match(r"(?:-\w+)+", text[end:])
    if hyphened:
        end += hyphened.end()  # "counter-protest" parsed as "counter" - "protest"
    for prep in head.rights:
        if prep.dep_ != "prep" or prep.lower_ not in lexicon.NOUN_PREPOSITIONS:
            break
        if text[end : prep.idx].strip():
            break  # a comma or a dash: what follows is not part of the name
        last = prep.right_edge
        while last.i > prep.i and (last.dep_ == "cc" or last.is_punct):
            last = last.nbor(-1)
        longer = last.idx + len(last.text)
        if len(text[start:longer].split()) > TARGET_WORDS:
            pobj = next((c for c in prep.children if c.dep_ == "pobj"), None)
            if pobj is None:
                break
            shorter = pobj.idx + len(pobj.text)
            if len(text[start:shorter].split()) <= TARGET_WORDS:
                end = shorter
            break
        end = longer
    return text[start:end]


def _members(token: Token) -> Token | None:
    """The `of` object of a collective noun ("a group *of cyclists*"), if it has one."""
    if not {token.lemma_.lower(), token.lower_} & lexicon.COLLECTIVE_NOUNS:
        return None
    prep = next((c for c in token.rights if c.dep_ == "prep" and c.lower_ == "of"), None)
    pobj = next((c for c in prep.children if c.dep_ == "pobj"), None) if prep else None
    return pobj if pobj is not None and pobj.pos_ in ("NOUN", "PROPN") else None


def _conjoined_end(token: Token) -> int:
    """Where a noun and the nouns conjoined with it end ("cyclists and parents")."""
    last = token
    for c in token.rights:
        if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN"):
            last = c
    return int(last.idx + len(last.text))


def _proper(token: Token) -> bool:
    """A proper noun, or a capitalised noun inside a sentence ("the Warriors beat ...")."""
    if token.pos_ == "PROPN":
        return True
    return (
        token.pos_ == "NOUN"
        and token.text[:1].isupper()
        and not token.is_sent_start
        and (token.i == 0 or not token.nbor(-1).is_punct or token.nbor(-1).text in ",;")
    )


def _agent_noun(token: Token) -> bool:
    """A common noun for people or a group ("officials", "the council", "dock workers")."""
    return token.lemma_.lower() in lexicon.AGENT_NOUNS or token.lower_ in lexicon.AGENT_NOUNS


def _nominal(token: Token | None) -> bool:
    """True for a token that can name who acts: a noun, name, pronoun, number or entity."""
    return token is not None and (token.pos_ in _NOMINAL or bool(token.ent_type_))


def _lower(token: Token | None) -> str | None:
    return token.text.lower() if token is not None else None


def _auxiliaries(verb: Token, negated: bool) -> list[Token]:
    """Negation and modal auxiliaries before the verb ("did not", "will"); every auxiliary of
    a passive ("has been spared": who acted is not said)."""
    passive = any(c.dep_ == "auxpass" for c in verb.children)
    return [
        c for c in verb.children
        if c.dep_ in ("aux", "auxpass", "neg") and c.i < verb.i
        and (negated or passive or c.dep_ != "aux" or c.lemma_.lower() in lexicon.MODALS)
    ]  # fmt: skip


def _chain(verb: Token, obj: Token | None) -> tuple[list[Token], Token | None] | None:
    """Words that make one action with `verb`, and the chain's object.

    "voted to spend £14m": an infinitive with no subject of its own continues the action;
    "lost hope of meeting Kamala Harris": an object noun whose `of`-phrase is a verb.
    """
    if _light(verb) or any(c.dep_ == "dobj" for c in verb.children):
        return _noun_chain(obj)  # "came ... to beat X": "beat" is the action of its own
    for c in verb.children:
        if c.dep_ == "xcomp" and c.pos_ == "VERB" and not _has_subject(c):
            to = [a for a in c.children if a.dep_ == "aux" and a.lower_ == "to"]
            if to:
                prt = [p for p in c.children if p.dep_ == "prt"]
                inner = next((x for x in c.children if x.dep_ in _OBJECTS), None)
                prep = None
                if inner is None:
                    prep, inner = _prepositional_object(c)
                return [*to, c, *prt, *([prep] if prep is not None else [])], inner
    return _noun_chain(obj)


def _noun_chain(obj: Token | None) -> tuple[list[Token], Token | None] | None:
    """ "lost hope of meeting X": an object noun whose `of`-phrase is a verb continues the
    action; the chain's object is that verb's object."""
    if obj is not None and obj.dep_ == "dobj":
        for prep in obj.children:
            if prep.dep_ == "prep" and prep.lower_ in ("of", "to"):
                g = next((x for x in prep.children if x.dep_ == "pcomp" and x.tag_ == "VBG"), None)
                if g is not None:
                    inner = next((x for x in g.children if x.dep_ in _OBJECTS), None)
                    return [obj, prep, g], inner
    return None


def _has_subject(verb: Token) -> bool:
    return any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)


def _light(verb: Token) -> bool:
    """A verb with no event of its own that is no plan either ("came ... to beat")."""
    lemma = verb.lemma_.lower()
    return lemma in lexicon.NON_EVENT_VERBS and lemma not in lexicon.PLAN_VERBS


def _folded(verb: Token) -> bool:
    """True for the infinitive or gerund of a chain: its governor's clause holds it."""
    if verb.dep_ == "xcomp" and not _has_subject(verb):
        if _light(verb.head) or any(c.dep_ == "dobj" for c in verb.head.children):
            return False

        return any(a.dep_ == "aux" and a.lower_ == "to" for a in verb.children)
    if verb.dep_ == "pcomp" and verb.tag_ == "VBG" and verb.head.dep_ == "prep":
        noun = verb.head.head
        return noun.dep_ == "dobj" and verb.head.lower_ in ("of", "to")
    return False


def _tense(verb: Token) -> str:
    """The verb's fine tag, a perfect ("has lost") counted as past (VBD)."""
    if verb.tag_ == "VBN" and any(c.dep_ == "aux" and c.lemma_ == "have" for c in verb.children):
        return "VBD"
    return str(verb.tag_)


def _expletive(subject: Token, verb: Token) -> bool:
    """ "It is understood that ...", "it emerged that ...": an `it` that stands for a clause."""
    if subject.lower_ != "it" and subject.dep_ != "expl":
        return False
    return subject.dep_ == "expl" or any(c.dep_ in ("ccomp", "xcomp") for c in verb.children)


def _reported(token: Token) -> bool:
    """True when `token` lies in what a reporting verb reports ("police said the man *fled*")."""
    child = token
    for up in token.ancestors:
        if child.dep_ in ("ccomp", "xcomp", "parataxis") and (
            up.lemma_.lower() in lexicon.REPORTING_VERBS
        ):
            return True
        child = up
    return False


def _conditional(token: Token) -> bool:
    """True when `token` heads, or lies in, a clause of condition ("if the council agrees")."""
    for t in [token, *token.ancestors]:
        if any(c.dep_ == "mark" and c.lower_ in lexicon.CONDITIONALS for c in t.children):
            return True
        if t.dep_ not in ("conj", "xcomp", "ccomp", "advcl"):
            break
    return False


def _planned(verb: Token) -> bool:
    """True for a verb governed by a plan noun or by its absence ("no plans for him to meet",
    "a proposal to close", "the decision to sell"): nothing happened yet."""
    for t in [verb, *list(verb.ancestors)[:3]]:
        if t.dep_ in ("acl", "relcl", "advcl") and t.head.pos_ == "NOUN":
            noun = t.head
            none = any(c.lower_ in ("no", "never") for c in noun.children)
            infinitive = any(c.dep_ == "aux" and c.lower_ == "to" for c in t.children)
            return none or infinitive or noun.lemma_.lower() in lexicon.PLAN_NOUNS
    return False


def _main(verb: Token) -> bool:
    """The sentence's main predicate, or one conjoined with it; under a frame that only says
    how the article knows it ("it is understood that ...", "officials said ...") the framed
    clause is the main one."""
    while verb.dep_ == "conj":
        verb = verb.head
    if verb.dep_ == "ccomp" and verb.head.dep_ == "ROOT":
        frame = verb.head.lemma_.lower()
        return frame in lexicon.STATE_VERBS or frame in lexicon.REPORTING_VERBS
    return verb.dep_ == "ROOT"


def _arguments(verb: Token) -> tuple[Token | None, Token | None, bool]:
    """(subject, object, passive) of `verb`; a passive's agent is the subject, its patient
    the object. A verb with no subject of its own takes it from the verb it hangs on."""
    subjects = [c for c in verb.children if c.dep_ in _SUBJECTS and c.dep_ != "expl"]
    before = [c for c in subjects if c.i < verb.i]
    # the nearest before the verb: "CARMARTHEN, Wales - Emergency services evacuated" parses
    # the dateline as a second subject
    subject = before[-1] if before else next(iter(subjects), None)
    subject = _after_dateline(subject, verb)
    obj = next((c for c in verb.children if c.dep_ in _OBJECTS), None)
    passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)
    agent = next(
        (g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"),
        None,
    )
    if verb.dep_ == "acl" and verb.tag_ == "VBN":  # "rebels backed by X": X backs the rebels
        return agent, verb.head, True
    if agent is not None:  # "Dalesworth, which was bought by X": X bought Dalesworth
        return agent, _antecedent(subject) if obj is None else obj, True
    bare = not any(c.dep_ in ("aux", "auxpass") for c in verb.children)
    if subject is None and bare and verb.tag_ == "VBN" and verb.dep_ in ("advcl", "conj", "ROOT"):
        return None, _inherited_subject(verb), True  # "Pressed further, X replied"
    if subject is None:
        subject = _inherited_subject(verb)
    return _antecedent(subject), obj, passive  # "the man who fired": the man


def _after_dateline(subject: Token | None, verb: Token) -> Token | None:
    """ "HAMBURG, Germany - Harbour pilots refused": the subject after a dateline's dash."""
    if subject is None or subject.i > verb.i:
        return subject
    sent = subject.sent
    dash = [t for t in sent[: min(8, len(sent))] if t.text in _DASHES and t.whitespace_]
    if not dash or not (subject.i < dash[-1].i < verb.i):
        return subject
    nouns = [t for t in subject.doc[dash[-1].i + 1 : verb.i] if t.pos_ in _NOMINAL]
    heads = [t for t in nouns if not (dash[-1].i < t.head.i < verb.i)]
    return heads[0] if heads else subject


def _inherited_subject(verb: Token) -> Token | None:
    """The subject of a verb that has none: shared from a conjoined or governing verb."""
    seen = 0
    while seen < 4:
        if verb.dep_ == "pcomp" and verb.tag_ == "VBG":
            return _gerund_agent(verb)  # "guilty of killing three and *injuring* 40"
        if verb.dep_ not in ("conj", "xcomp", "advcl", "acl", "relcl"):
            break
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


def _gerund_agent(gerund: Token) -> Token | None:
    """Who does what a gerund after a preposition tells: "found guilty of *killing*", "accused
    the driver of *causing*", "after *meeting* X, she ...": the person the frame is about (the
    governing verb's object, else its subject)."""
    prep = gerund.head
    if prep.dep_ != "prep":
        return None
    frame, via = prep.head, prep
    if frame.pos_ in ("NOUN", "PROPN"):
        if _proper(frame) or _agent_noun(frame):
            return frame  # "accused the driver of causing": the driver
        if frame.dep_ != "dobj":
            return None
        frame, via = frame.head, frame  # "claimed responsibility for planting": who claimed
    if any(c.dep_ == "neg" for c in frame.children):
        return None  # "was not responsible for the attack"
    if frame.pos_ == "ADJ":
        own = next((c for c in frame.children if c.dep_ == "nsubj"), None)
        if own is not None:
            return own  # "found Ana Ruiz guilty of stabbing"
        frame = frame.head  # "was found guilty of", "is responsible for"
    if frame.pos_ not in ("VERB", "AUX") or any(c.dep_ == "neg" for c in frame.children):
        return None
    obj = next((c for c in frame.children if c.dep_ == "dobj" and c.i != via.i), None)
    if obj is not None and obj.pos_ in ("NOUN", "PROPN", "PRON"):
        return obj  # "thanked the police for finding"
    found = next((c for c in frame.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    return found if found is not None else _inherited_subject(frame)


def _blamed(noun: Token) -> Token | None:
    """Who is blamed for, charged with or guilty of an event noun ("was convicted of the
    *murder*", "claimed responsibility for the *bombing*", "charged with planning the
    *attacks*"): the event's agent, when the frame is one of blame (lexicon.BLAME_WORDS)."""
    if noun.dep_ == "dobj" and noun.head.dep_ == "pcomp" and noun.head.tag_ == "VBG":
        gerund = noun.head  # "charged with planning the attacks": the planner
        frame = gerund.head.head
        if _blame(frame) or _blame(frame.head):
            return _gerund_agent(gerund)
        return None
    if noun.dep_ != "pobj" or noun.head.dep_ != "prep":
        return None
    frame = noun.head.head
    if not (_blame(frame) or (frame.pos_ == "ADJ" and _blame(frame.head))):
        return None
    return _gerund_agent(noun)


def _blame(token: Token) -> bool:
    """A word of blame, or a verb that says someone is guilty ("was found guilty in ...")."""
    if token.lemma_.lower() in lexicon.BLAME_WORDS or token.lower_ in lexicon.BLAME_WORDS:
        return True
    return any(c.dep_ in ("oprd", "acomp") and _blame(c) for c in token.children)


def _measure(verb: Token) -> list[Token]:
    """ "24 per cent" in "jumped 24 per cent": the amount and its "per" phrase, if any."""
    per = next((c for c in verb.children if c.dep_ == "prep" and c.lower_ == "per"), None)
    if per is None:
        return []
    amount = [
        t for c in verb.children if c.dep_ == "npadvmod" and c.i < per.i for t in c.subtree
    ]  # fmt: skip
    return [*amount, per, *(t for c in per.children if c.dep_ == "pobj" for t in c.subtree)]


def _prepositional_object(verb: Token) -> tuple[Token | None, Token | None]:
    """(preposition, its object) for "met with X", "travelled to Y"; not times or amounts."""
    for prep in verb.children:
        if prep.dep_ != "prep" or prep.i < verb.i or prep.lower_ == "per":
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
        if c.dep_ == "advmod" and c.lower_ in lexicon.HEDGES:
            return c.lower_  # "has likely been spared": a guess, not a fact
    if verb.dep_ == "xcomp" and verb.head.lemma_.lower() in lexicon.PLAN_VERBS:
        return f"{verb.head.text.lower()} to"
    if verb.lemma_.lower() in lexicon.PLAN_VERBS and any(
        c.dep_ == "xcomp" and c.pos_ == "VERB" for c in verb.children
    ):
        return f"{verb.text.lower()} to"  # "plans to close": the chain is a plan
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


def _governing_predicate(token: Token) -> Token | None:
    """The nearest verb (or event noun) above `token`."""
    while token.head is not token:
        token = token.head
        if token.pos_ in ("VERB", "AUX") or token.lemma_.lower() in lexicon.EVENT_NOUNS:
            return token
    return None


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
    dash = [t for t in token.doc[left.i : token.i] if t.text in _DASHES and t.whitespace_]
    if dash:
        left = token.doc[dash[-1].i + 1]  # "LONDON - Harbour pilots": a dateline is no name
    while left.i < token.i and (left.pos_ == "DET" or left.is_punct):
        left = token.doc[left.i + 1]
    return int(left.idx)


def topic(document: Document, start: int, end: int, at_least: int = 0) -> str | None:
    """What the words in [start, end) are about, briefly (at most TARGET_WORDS words).

    Among the noun phrases that are arguments of a verb in the span (never a pronoun or a
    word that names nothing in particular: lexicon.VAGUE_NOUNS), the one the article dwells on:
    named again outside the span (up to 3 points), or in its first paragraph (2 points), then
    the subject of the main verb (1 point), then the earliest. None when there is no such
    phrase, or when the best scores below `at_least`.
    """
    span = document.tokens_in(start, end)
    if span is None or not len(span):
        return None
    text = document.text
    lead_end = document.paragraphs[0][1] if document.paragraphs else 0
    lead = content_words(text[:lead_end]) if start >= lead_end else frozenset()
    outside = _lemma_counts(document, start, end)
    best: tuple[float, int, Token] | None = None
    for t in span:
        if not (start <= t.idx < end) or t.pos_ not in ("NOUN", "PROPN"):
            continue
        if t.dep_ not in ("nsubj", "nsubjpass", "dobj", "pobj", "attr", "conj"):
            continue
        if t.lemma_.lower() in lexicon.VAGUE_NOUNS:
            continue
        score = (
            min(outside.get(t.lemma_.lower(), 0), 3)
            + 2 * bool(content_words(t.text) & lead)
            + (t.dep_ in ("nsubj", "nsubjpass") and not (start <= t.head.head.idx < end))
        )
        key = (score, -t.i, t)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None or best[0] < at_least:
        return None
    head = best[2]
    return _short_phrase(text, head, _left(head, _MODIFIERS + ("det",)))


#: An amount: money, or a number with its unit ("£14.2m", "7 per cent", "576,000 tonnes"); a
#: bare number ("2024", "220 flats") is no amount.
_UNIT = r"(?:\s?(?:bn|m|k|billion|million|thousand|pence|p|tonnes|tons|per cent|percent)\b|%)"
_AMOUNT = (
    r"(?:(?:about|around|nearly|almost|over|under|more than|up to)\s+)?"
    rf"(?:[£$€]\d[\d,.]*{_UNIT}?|\d[\d,.]*{_UNIT})"
)


def without_amount(phrase: str) -> str:
    """`phrase` without the amount it gives of its thing: what a position is about is the
    thing ("its offer", "repair of harbour bridge"), not its size ("its offer of 7 per cent",
    "£14.2m repair of harbour bridge")."""
    out = re.sub(rf"\s+of\s+{_AMOUNT}(?:\s+(?:a|an|per|each)\s+[a-z]+)?$", "", phrase)
    out = re.sub(rf"^((?:the|its|their|his|her|a|an)\s+)?{_AMOUNT}\s+(?=[A-Za-z])", r"\1", out)
    return out.strip() or phrase


def main_topic(document: Document) -> str | None:
    """What the article is about: the thing its headline names that the article names most
    ("Mill Road bus gate", "tram line"), briefly; None when the headline names no such thing.

    Only common nouns (a person or a body is who holds a view, not what it is about), and
    only one the article names at least twice.
    """
    if not document.paragraphs:
        return None
    start, end = document.paragraphs[0]
    counts = _lemma_counts(document, start, end)
    best: tuple[int, int, Token] | None = None
    for t in document.tokens_in(start, end) or []:
        lemma = t.lemma_.lower()
        if t.pos_ != "NOUN" or lemma in lexicon.VAGUE_NOUNS or t.dep_ == "compound":
            continue
        if _proper(t) or t.like_num:
            continue
        if lemma in lexicon.AGENT_NOUNS or lemma in lexicon.ORG_NOUNS:
            continue
        n = counts.get(lemma, 0)
        if n >= 2 and (best is None or n > best[0]):
            best = (n, -t.i, t)
    if best is None:
        return None
    head = best[2]
    words = document.text[_left(head, ("compound", "amod")) : head.idx + len(head.text)].split()
    words = words[-TOPIC_WORDS:]
    while len(words) > 1 and not content_words(re.sub(r"\S*\d\S*", "", words[0])):
        words = words[1:]  # "over £4.3m pension fraud" -> "pension fraud"
    return " ".join(words)


def _lemma_counts(document: Document, start: int, end: int) -> dict[str, int]:
    """How often each noun lemma occurs in the document outside [start, end)."""
    counts: dict[str, int] = {}
    for t in document.doc:
        if t.pos_ in ("NOUN", "PROPN") and not (start <= t.idx < end):
            lemma = t.lemma_.lower()
            counts[lemma] = counts.get(lemma, 0) + 1
    return counts


def head_of(document: Document, phrase: Phrase) -> Token | None:
    """The token that heads `phrase` in the parse ("people" of "four people")."""
    span = document.doc.char_span(phrase.start, phrase.end, alignment_mode="expand")
    return span.root if span is not None else None
