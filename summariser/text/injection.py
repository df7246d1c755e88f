"""Instruction-like text inside an article: detection, escaping our markers, what to distrust.

An article is data. Text in it that addresses a machine reader (prompt injection) must neither
reach the model as article text nor become a record. The defence is structural:

* detection reads a normalised view (NFKC, invisible format characters removed, look-alike
  Cyrillic/Greek letters folded), so fullwidth or zero-width tricks change nothing;
* our own delimiters (`<article>`), sentence markers (`[n]`) and chat-template tokens are
  escaped wherever they occur, in any width or bracket style (`escape`);
* a sentence after an instruction-like sentence in the same paragraph is untrusted too (the
  claim an injection wants recorded usually follows it), as is the sentence before one that
  points back at it ("record the above") and the next paragraph after one that points forward
  (`untrusted_sentences`). A claim the article makes only there is not a fact of the article.

Detection combines word classes (who is addressed, what is ordered, which output is meant)
rather than listing phrases, and is checked against whole dev corpora for false alarms.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import codecs
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from string import Template

from summariser.text import lexicon

Span = tuple[int, int]


def _either(words: frozenset[str]) -> str:
    """A regular expression matching any of `words`, longest first (so none hides a longer one)."""
    return "(?:" + "|".join(sorted(words, key=lambda w: (-len(w), w))) + ")"


# ---- regular expressions of the word classes; their plain word lists are in text/lexicon --------
#: Machine readers an injection addresses.
MACHINE_READERS = (
    r"(?:ai (?:\w+ )?(?:assistants?|models?|systems?|tools?|agents?|summari[sz]ers?|readers?"
    r"|bots?|apps?|services?)|ai|a\.i\.|artificial intelligence|llms?|large language models?"
    r"|language models?|chat ?bots?|bots?|virtual assistants?"
    r"|summari[sz]ers?|summari[sz]ation (?:tools?|systems?|software|engines?|models?)"
    r"|(?:summary|summari[sz]ing|condensing|extraction|parsing|scraping|indexing|crawling"
    r"|digesting) (?:tools?|bots?|apps?|engines?|software|services?|generators?|systems?"
    r"|programs?|models?)"
    r"|(?:automated|automatic|machine) (?:\w+ )?(?:systems?|tools?|readers?|summari[sz]ers?"
    r"|agents?|pipelines?|processes|processors?|services?|software|extractors?|parsers?)"
    r"|machine readers?|crawlers?|scrapers?|extractors?|gpt[\w.-]*|chatgpt|claude|gemini"
    r"|copilot)"
)
#: Verbs that order a record into existence (report that..., state that...).
RECORD_VERBS = (
    r"(?:state|say|include|list|mention|note|report|record|contain|read|add|describe|indicate"
    r"|declare|specify|conclude|output|return|write|print|emit)"
)
#: Modal phrases of obligation.
OBLIGATION = (
    r"(?:must|should|shall|need to|needs to|has to|have to|is to|are to|ought to|will need to"
    r"|is required to|are required to|had better)"
)
#: The output a summariser produces (what an injection wants changed).
OUTPUTS = (
    r"(?:summary|summaries|synopsis|digest|abstract|record|records|output|extraction|json"
    r"|events? list|list of events|database entry|structured data|takeaway|write-?up|tl;?dr)"
)
#: Verbs of condensing or machine-processing a text (evasive addressees: "anyone condensing").
PROCESSING = (
    r"(?:summari[sz]|condens|digest|abridg|abstract|compil|process|extract|index|pars|ingest"
    r"|scrap|crawl|analy[sz]|read)\w*"
)
#: Verbs of machine processing only (not "read": "if you are reading this" is ordinary).
MACHINE_VERB = (
    r"(?:summari[sz]|condens|digest|abridg|compil|process|extract|index|pars|ingest|scrap|crawl"
    r"|analy[sz])\w*"
)
#: The article itself, as an injection refers to it ("this page", "the text above").
THIS_TEXT = (
    r"(?:this|the above|the following|the present|the preceding)\s+(?:\w+\s+)?"
    r"(?:article|story|page|text|piece|document|post|passage|content|item|report|feed|web ?page"
    r"|paragraph|sentence)"
)

#: The article's parts an instruction can point at, and a claim that one of them is the one to
#: believe ("the next paragraph is the only accurate record").
PART_REF = (
    r"(?:(?:next|following|previous|preceding|last|final|first|opening|closing|second|third"
    r"|bottom|top)\s+(?:paragraph|sentence|section|passage)s?"
    r"|(?:paragraph|sentence|section|passage)s?\s+(?:above|below|that follows|after next)"
    r"|what follows|the text (?:below|above)|everything (?:below|above|after|before)"
    r"(?: this(?: line| point)?)?|the rest of (?:this|the) (?:article|page|text|story))"
)
AUTHORITY = _either(lexicon.AUTHORITY)
ACCOUNT = (
    r"(?:record|account|version|report|source|truth|facts?|information|summary|story|text"
    r"|content|statement)"
)
DECODE = _either(lexicon.DECODE_VERBS)
OBEY = _either(lexicon.OBEY_VERBS)
F_IGNORE = _either(lexicon.FOREIGN_IGNORE)
F_INSTRUCTIONS = _either(lexicon.FOREIGN_INSTRUCTIONS)
F_SUMMARY = _either(lexicon.FOREIGN_SUMMARY)
F_MUST = _either(lexicon.FOREIGN_MUST)
F_MACHINES = _either(lexicon.FOREIGN_MACHINES)

#: Every detection rule needs one of these words (or what `_may_instruct` lists besides): a
#: cheap test that spares most sentences the rules.
ANCHORS = (
    lexicon.ANCHORS
    | lexicon.FOREIGN_IGNORE
    | lexicon.FOREIGN_INSTRUCTIONS
    | lexicon.FOREIGN_SUMMARY
)
#: Stems rare enough in news to count as anchors on their own.
ANCHOR_STEMS = ("summar", "condens", "abridg", "ingest", "scrap", "crawl", "gpt")
PROCESSING_STEMS = (
    "summar", "condens", "digest", "abridg", "abstract", "compil", "process", "extract", "index",
    "pars", "ingest", "scrap", "crawl", "analy", "read",
)  # fmt: skip

# Detection rules; $NAMES stand for the word classes above.
_RULES = [
    # an order to drop what came before: "Ignore all previous instructions", "Disregard the above"
    r"(?:^|[:;.!?,\"(]\s*|\b(?:please|now|and|then|so|just)\s+)(?:ignore|disregard|forget"
    r"|override|overrule|bypass|discard|set aside|pay no attention to|do not follow|don't follow"
    r"|stop following)\b.{0,50}?\b(?:instructions?|prompts?|guidance|directions|directives"
    r"|guidelines|above|(?:previous|prior|earlier|preceding|original)\s+(?:\w+\s+)?"
    r"(?:instructions?|prompts?|text|messages?|context|rules|commands?|orders?|directions)"
    r"|(?:every|all|any)\s+other\s+(?:paragraphs?|sentences?|parts?|text)"
    r"|the rest of (?:this|the)\s+(?:article|text|page|story))\b",
    # a reader addressed as a machine: "Note to AI systems", "If you are a language model"
    r"\b(?:note|message|memo|notice|reminder|attention|warning|request|instructions?|dear|hello"
    r"|hi|psa|p\.\s?s|addressed)\b\W{0,3}(?:\w+\W+){0,3}?(?:to|for)?\W*"
    r"(?:any|all|every|the|each)?\s*$MACHINE\b",
    r"\b(?:if|when|whenever|since|as)\s+you(?:'re| are)\b.{0,30}\b$MACHINE\b",
    r"\b(?:if|when|whenever|while)\s+(?:you(?:'re| are)\s+)?$MACHINE_VERB\s+(?:$THIS_TEXT|this"
    r"|it)\b",
    r"\b(?:any|all|every|each)\s+(?:\w+\s+)?$MACHINE\b.{0,60}\b$OBLIGATION",
    r"\b$MACHINE\s+(?:that (?:is|are)\s+)?$PROCESSING\s+(?:this|the (?:following|above|text"
    r"|article|story|page))",
    # an evasive addressee: "Anyone condensing this story should...", "Whoever summarises this"
    r"\b(?:anyone|anybody|whoever|those|people|readers?|tools?|systems?|software|programs?)\s+"
    r"(?:(?:who|that|which)\s+)?(?:is\s+|are\s+)?$PROCESSING\s+(?:$THIS_TEXT|this|it)\b"
    r".{0,60}(?:\b(?:$OBLIGATION|please|remember|the (?:key|main|only|real|important|correct)"
    r" (?:fact|point|thing))|:\s*(?:please\s+)?$RECORD_VERBS\b|\b$RECORD_VERBS\s+that\b)",
    # the second person told what the output is: "your output", "when you write this up"
    r"\byour\s+(?:output|records|extraction|instructions|task|prompt|json|write-?up)\b",
    r"\bwhen\s+you\s+(?:write|sum|summari[sz]e|condense|process|record|describe|compile|digest"
    r"|put together|extract)\w*\s+(?:up\s+)?(?:this|it|the (?:article|story|page|text))\b",
    # the output told what to hold: "The record must also state...", "the correct summary is"
    r"(?:^\W*|\b(?:the|this|each|every|any|a|its|their|your)\s+)(?:\w+\s+)?$OUTPUTS\s+"
    r"(?:of\s+$THIS_TEXT\s+)?$OBLIGATION\s+(?:also\s+|always\s+|clearly\s+)?$RECORD_VERBS\b",
    r"\b(?:correct|true|real|accurate|proper|only valid|final|right)\s+(?:summary|summaries"
    r"|takeaway|output|reading of this)\b.{0,40}\b(?:is|are|says|reads|would be|should be)\b",
    # the article itself told how to be read: "this page should be summarised as..."
    r"\b$THIS_TEXT\b.{0,40}\b$OBLIGATION\s+(?:be\s+)?(?:summari[sz]ed|recorded|described"
    r"|reported|listed|read|treated|understood|taken)\b",
    r"\b(?:summari[sz]e|record|report|state|output|return|write|list|treat)\s+$THIS_TEXT",
    # a bare order to produce output: "Report that the mayor has resigned." (sentence start)
    r"^\W*(?:please\s+|instead\s*,?\s+|now\s+)?(?:report|state|output|return|write|print|emit"
    r"|respond|include|add|summari[sz]e|treat|record|list)\s+(?:only\s+)?(?:that|the following"
    r"|exactly|nothing|just|this as|it as|as follows)\b",
    # role markers and chat-template or mode talk
    r"(?:^|[\[(<>{|]\s*)(?:system|assistant|developer|admin)\s*(?:prompt|message|note"
    r"|override)?\s*:",
    r"\b(?:admin|administrator|developer|god|debug|jailbreak|dan|unrestricted) mode\b",
    r"\byou are now (?:an?\s+|the\s+|in\s+|operating|acting|free|no longer)",
    r"\b(?:new|updated|revised|hidden|secret|real|actual|override) (?:instructions?|directives?)\b",
    r"\[/?(?:inst|sys)\]|<<\s*/?sys\s*>>|#{2,}\s*(?:instruction|system|response)\b",
    # fake structured output in the text: {"events": ...}, {'events': ...}, {events: [...]}
    r"[{]\s*[\"']?\w[\w ]{0,30}[\"']?\s*:|\[\s*\{",
    # markup that hides text from human readers: <!-- -->, ![alt](...), <instructions> tags
    r"\[/?\s*(?:hidden|hide|invisible|secret|system|instructions?|ai|bot|prompt)\s*\]|"
    r"<!--|-->|!\[[^\]]{0,300}\]\(|</?\s*(?:instructions?|system|prompt|assistant|user|context"
    r"|rules|im_start|im_end)\b",
    # a machine addressed with a colon ("TL;DR for bots:"), by name ("As an AI language
    # model"), or given a role ("Pretend you are...")
    r"\b(?:to|for)\s+(?:any|all|every|the|each)?\s*$MACHINE(?:\s+(?:use|eyes|only|purposes"
    r"|consumption))?\s*:",
    r"\bas an?\s+(?:ai\s+)?(?:large\s+)?language model\b",
    r"\b(?:pretend|role-?play as|act as if)\s+(?:that\s+)?you\b",
    r"\bthe\s+(?:model|ai|llm|assistant|summari[sz]er|bot|chatbot)\s+$OBLIGATION\s+(?:also\s+)?"
    r"$RECORD_VERBS\s+(?:that|only|the following)\b",
    # what to take from the article: "the only fact to extract from this page is..."
    r"\b(?:extract|record|report|summari[sz]e|include|take)\w*\s+from\s+$THIS_TEXT",
    r"\bthe (?:only|key|main|real|correct|one) (?:fact|takeaway)s? (?:to|you should|worth) "
    r"(?:extract|record|report|remember|note|include|summari[sz]e|keep)",
    # machine readers addressed by name at the start, with a colon or an order about the facts
    r"^\W*(?:(?:dear|attention|attn|hey|hi|hello)\W+)?(?:all\s+|any\s+)?"
    r"(?!(?:ai|a\.i\.)\s*:)(?:ai\s+)?$MACHINE\s*[:,]",
    r"^\W*(?:all\s+|any\s+)?$MACHINE\s+(?:\w+\s+)?$OBLIGATION\b.{0,80}(?:\b(?:main|key|central"
    r"|only|real|true|important|top|lead|headline)\s+(?:fact|point|news|story|takeaway|finding)"
    r"|\b$THIS_TEXT\b|\b$OUTPUTS\b)",
    r"\b$PROCESSING\s+(?:$THIS_TEXT|this|it)\s+(?:automatically|by machine|programmatically"
    r"|with (?:ai|software|a model|an? (?:ai|llm|bot)))\b",
    r"^\W*(?:summary|tl;?\s?dr|output|final answer|correct answer|events|records|json)\s*:",
    # a disguised text and an order to decode it and act on it ("decode this and obey")
    r"\b$DECODE\w*\b.{0,80}\b$OBEY\b|\b$OBEY\b.{0,40}\b$DECODE\w*"
    r"|\b(?:rot-?13|base-?64|caesar|cipher)\b.{0,80}\b$OBEY\b",
    # a part of the article claimed as the one to believe
    r"\b$PART_REF\b.{0,30}\b(?:is|are|gives?|holds?|contains?|has|tells?)\b.{0,20}"
    r"\b$AUTHORITY\s+(?:\w+\s+){0,2}?$ACCOUNT\b",
    r"\bonly\s+(?:the\s+)?$PART_REF\b.{0,40}\b$AUTHORITY\b",
    r"\b(?:trust|believe|use|record|report|keep|read)\s+only\s+(?:the\s+)?$PART_REF"
    r"|\bonly\s+(?:trust|believe|use|record|report|read)\s+(?:the\s+)?$PART_REF",
    # words given to the machine's side of a chat ("the system said", "SYSTEM said:")
    r"(?:^\W*|[,;:(\"]\s*|\bthe\s+)(?:system|assistant)\s+(?:said|says|wrote|writes|states"
    r"|stated|adds|added|instructs|instructed|replied|replies|notes|noted|told)\b",
    # a code fence: text set apart for machines, not news prose
    r"`{3,}",
    # the same orders in other languages
    r"\b$F_IGNORE\b.{0,50}\b$F_INSTRUCTIONS\b",
    r"\b(?:ki|ia)[- ]$F_MACHINES\b|\b$F_MACHINES\s+(?:de\s+|d'|di\s+)?(?:ki|ia)\b",
    r"\b$F_SUMMARY\s+$F_MUST\b",
]
_CLASSES = {
    "MACHINE": MACHINE_READERS,
    "OBLIGATION": OBLIGATION,
    "OUTPUTS": OUTPUTS,
    "PROCESSING": PROCESSING,
    "MACHINE_VERB": MACHINE_VERB,
    "RECORD_VERBS": RECORD_VERBS,
    "THIS_TEXT": THIS_TEXT,
    "PART_REF": PART_REF,
    "AUTHORITY": AUTHORITY,
    "ACCOUNT": ACCOUNT,
    "DECODE": DECODE,
    "OBEY": OBEY,
    "F_IGNORE": F_IGNORE,
    "F_INSTRUCTIONS": F_INSTRUCTIONS,
    "F_SUMMARY": F_SUMMARY,
    "F_MUST": F_MUST,
    "F_MACHINES": F_MACHINES,
}
# run on lower-cased text: faster than re.I
_DETECT = re.compile("|".join(f"(?:{Template(r).substitute(_CLASSES)})" for r in _RULES), re.S)
_ROLE_UPPER = re.compile(r"\b(?:SYSTEM|ASSISTANT|DEVELOPER)\s*(?:PROMPT|MESSAGE)?\s*:")
#: A forged sentence marker: "[9] The ..." as we number sentences (a citation mark such as
#: "in 1932.[3]" follows the text it cites and is not followed by a new sentence).
_FORGED_MARKER = re.compile(r"(?:^|\s)[\[【〔〖]\s*\d{1,5}\s*[\]】〕〗]\s+[A-Z“\"']")

#: The delimiters and markers we put around and inside the article (see prompts.article_block).
_OUR_TAG = re.compile(r"[<‹〈⟨﹤＜]\s*/?\s*article\b[^>›〉⟩﹥＞]{0,20}[>›〉⟩﹥＞]", re.I)
_OUR_MARKER = re.compile(r"[\[【〔〖［]\s*(\d{1,5})\s*[\]】〕〗］]")
_SPECIAL_TOKEN = re.compile(r"<\s*\|[^|<>]{0,40}\|\s*>")
_MARKERS = (_OUR_TAG, _OUR_MARKER, _SPECIAL_TOKEN)
_POINTS_BACK = re.compile(
    r"\babove\b(?!\s+(?:instructions?|prompts?|rules|guidance))|\b(?:previous|preceding|prior"
    r"|foregoing|earlier|last)\s+(?:sentence|paragraph|line|statement|claim|fact|point)s?\b",
    re.I,
)
_POINTS_FORWARD = re.compile(r"\b(?:below|following|next|hereafter|what follows)\b|:\s*$", re.I)

# Look-alike letters (Cyrillic, Greek) folded to Latin for detection only.
_LOOKALIKES = str.maketrans(
    "аеорсуxхіјѕԁһӏАВЕКМНОРСТХІЈЅαεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxxijsdhlABEKMHOPCTXIJSaeiknoptyxABEZHIKMNOPTYX",
)
_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"'})


#: Unicode format characters (category Cf: zero-width spaces and joiners, bidi controls, soft
#: hyphen, tag characters), invisible in print. Checked complete by a test.
FORMAT_CHARS = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)
_SIGNS = ("{", "<", "[", "#", "|", "a.i.", "```")
#: Every ASCII character that is not a letter, as a space: words by str.split.
_PUNCTUATION = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalpha()})
_LETTERS = re.compile(r"[^\W\d_]+")
#: Unicode tag characters spell ASCII invisibly ("ASCII smuggling"): read as the ASCII they
#: encode for detection, removed from what the model is shown.
_TAGS_AS_ASCII = {0xE0000 + c: chr(c) for c in range(0x20, 0x7F)}
_TAG_CHARS = re.compile("[\U000e0000-\U000e007f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def normalise(text: str) -> str:
    """The text as detection reads it: NFKC, no format characters, look-alikes folded.

    Not offset-preserving: for detection only (see `escape` for rewriting the original).
    """
    return " ".join(_folded(text).split())


def _folded(text: str) -> str:
    """NFKC, tag characters read as ASCII, format characters removed, look-alikes folded;
    spacing kept (spaced-out letters are told from words by it)."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text.translate(_TAGS_AS_ASCII))
        text = FORMAT_CHARS.sub("", text).translate(_LOOKALIKES).translate(_QUOTES)
    return text


def instruction_like(sentence: str) -> bool:
    """True for text addressed to a machine reader rather than to people (prompt injection).

    Covers orders to drop earlier instructions, notes to AI systems (also evasive ones:
    "anyone condensing this story should..."), orders about the output ("the record must also
    state..."), role markers, chat-template tokens, our own delimiters and fake JSON, in
    English and the larger European languages, and the same disguised: leetspeak, letters
    spaced or dotted apart, ROT13 or base64 (any readable encoded text counts by itself: an
    article has no reason to hide words from its readers).
    """
    views = disguises(sentence)
    if len(views) > 1 and (_rot13(views[0]) or _base64_texts(views[0]) or _leet(views[0])):
        return True
    return any(_may_instruct(v) and _detect(v) for v in views)


def disguises(sentence: str) -> list[str]:
    """The normalised view of `sentence` and, when it holds disguised text, the views with the
    disguise undone: leetspeak read as letters, spaced or dotted letters joined, ROT13 turned,
    base64 decoded (each a detection view only; nothing here indexes the article)."""
    folded = _folded(sentence)
    base = " ".join(folded.split())
    views = [base]
    joined = _SPACED_BY_SPACE.sub(_join_letters, _SPACED_BY_SIGN.sub(_join_letters, folded))
    if joined != folded:
        views.append(" ".join(joined.split()))
    if _LEET_HINT.search(base):
        leet = _LEET_WORD.sub(lambda m: m.group().translate(_LEET), base)
        if leet != base:
            views.append(leet)
    if turned := _rot13(base):
        views.append(turned)
    views += [normalise(t) for t in _base64_texts(base)]
    return views


#: Letters set apart one by one ("I g n o r e", "N.o.t.e"): by a sign, or by single spaces.
_SPACED_BY_SIGN = re.compile(r"(?<![^\W\d_])[^\W\d_](?:[.*_·-][^\W\d_]){1,}(?![^\W\d_])")
_SPACED_BY_SPACE = re.compile(r"(?<![^\W\d_])[^\W\d_](?: [^\W\d_]){2,}(?![^\W\d_])")
_LEET = str.maketrans(lexicon.LEET)
_LEET_HINT = re.compile(r"[a-z][0-9@$]|[0-9@$][a-z]", re.I)
_LEET_WORD = re.compile(r"[\w@$]*[a-z][\w@$]*", re.I)
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])")


def _join_letters(m: re.Match[str]) -> str:
    return re.sub(r"[ .*_·-]", "", m.group())


def _rot13(view: str) -> str | None:
    """`view` turned by ROT13 when that makes English of what was not, in the whole or in a
    part after a colon or dash (else None)."""
    for part in [view, *_PARTS.split(view)[1:]]:
        words = _words(part.lower())
        if len(words) < 4 or _english(words) >= 0.15:
            continue
        turned = codecs.encode(part, "rot13")
        if _english(_words(turned.lower())) >= 0.25:
            return turned
    return None


_PARTS = re.compile(r"[:;—–]\s*|\s-\s")


def _leet(view: str) -> bool:
    """True when three or more words are written in leetspeak ("1gn0r3", "th3") and reading
    them as letters gives more English function words: a disguise ("G7", "MP3" are not)."""
    mixed = [w for w in _LEET_WORD.findall(view) if _LEET_HINT.search(w)]
    read = [w.translate(_LEET).lower() for w in mixed]
    words = [w for w in read if w.isalpha()]
    return len(words) >= 3 and sum(w in lexicon.STOP_WORDS for w in words) >= 1


def _english(words: list[str]) -> float:
    return sum(w in lexicon.STOP_WORDS for w in words) / max(len(words), 1)


def _base64_texts(view: str) -> list[str]:
    """The readable texts (three words or more) that base64 runs in `view` decode to."""
    found = []
    for m in _BASE64.finditer(view):
        blob = m.group()
        if blob.isalpha() and (blob.islower() or blob.isupper()):
            continue  # a long word, not an encoding
        try:
            text = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True).decode()
        except (binascii.Error, ValueError):
            continue
        readable = sum(c.isalpha() or c in " .,'!?-:" for c in text) >= 0.9 * len(text)
        if readable and text.isprintable() and len(_LETTERS.findall(text)) >= 3:
            found.append(text)
    return found


def _detect(view: str) -> bool:
    """The rules themselves, on a normalised view."""
    return bool(
        _DETECT.search(view.lower())
        or _ROLE_UPPER.search(view)
        or _FORGED_MARKER.search(view)
        or _OUR_TAG.search(view)
        or _SPECIAL_TOKEN.search(view)
    )


def _may_instruct(view: str) -> bool:
    """False when no rule can match: no anchor word or stem, no opening order verb, no evasive
    addressee with a verb of processing, none of the signs `{<[#|` or "a.i.".

    Word tests are set operations on the sentence's words: far cheaper than the rules.
    """
    low = view.lower()
    if any(sign in low for sign in _SIGNS):
        return True
    words = _words(low)
    if not words:
        return False
    if words[0] in lexicon.ORDER_VERBS or not ANCHORS.isdisjoint(words):
        return True
    if any(stem in low for stem in ANCHOR_STEMS) and _starts_word(low, ANCHOR_STEMS):
        return True
    return not lexicon.ADDRESSEES.isdisjoint(words) and _starts_word(low, PROCESSING_STEMS)


def _starts_word(low: str, stems: tuple[str, ...]) -> bool:
    """True if a word of `low` starts with one of `stems`."""
    return any(w.startswith(stems) for w in _words(low))


def _words(low: str) -> list[str]:
    """The words of lower-cased text (letters only)."""
    return low.translate(_PUNCTUATION).split() if low.isascii() else _LETTERS.findall(low)


def escape(text: str) -> str:
    """`text` with our markers defused, for showing the article to the model.

    `<article>`/`</article>` in any bracket or width becomes "(article tag)", a sentence marker
    such as `[12]` or `［１２］` becomes "(12)", a chat-template token such as `<|im_start|>`
    becomes "(im_start)"; invisible Unicode tag characters are removed. Everything else is
    returned exactly as given.
    """
    if text.isascii() and "[" not in text and "<" not in text:
        return text  # the common case: nothing that could be a marker
    if not text.isascii():
        text = _TAG_CHARS.sub("", text)
    if not any(p.search(unicodedata.normalize("NFKC", text)) for p in _MARKERS):
        return text
    view, index = _nfkc_indexed(text)
    edits: list[tuple[int, int, str]] = []
    rewrites: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
        (_OUR_TAG, lambda m: "(article tag)"),
        (_OUR_MARKER, lambda m: f"({m.group(1)})"),
        (_SPECIAL_TOKEN, lambda m: "(" + m.group(0).strip("<>| ") + ")"),
    ]
    for pattern, repl in rewrites:
        for m in pattern.finditer(view):
            if m.end() > m.start():
                edits.append((index[m.start()], index[m.end() - 1] + 1, repl(m)))
    if not edits:
        return text
    out: list[str] = []
    at = 0
    for s, e, shown in sorted(edits):
        if s < at:  # overlaps an earlier edit
            continue
        out.append(text[at:s] + shown)
        at = e
    return "".join(out) + text[at:]


def _nfkc_indexed(text: str) -> tuple[str, list[int]]:
    """NFKC of `text` character by character (format characters dropped), with the source
    index of every output character. ASCII runs are copied whole."""
    chars: list[str] = []
    index: list[int] = []
    at = 0
    for run in _NON_ASCII.finditer(text):
        chars.append(text[at : run.start()])
        index.extend(range(at, run.start()))
        for i in range(run.start(), run.end()):
            if FORMAT_CHARS.match(text, i):
                continue
            n = unicodedata.normalize("NFKC", text[i])
            chars.append(n)
            index.extend([i] * len(n))
        at = run.end()
    chars.append(text[at:])
    index.extend(range(at, len(text)))
    return "".join(chars), index


_QUOTED = re.compile(r'"([^"]{1,400})"')
_MENTION_LEAD = re.compile(r"(?:([a-z]+)\s+)?([a-z]+)\W{0,3}$")
#: An instruction that is about this very text or its output is used, wherever it stands.
_SELF = re.compile(
    Template(
        r"\b$THIS_TEXT\b|\b$OUTPUTS\b|\b$PROCESSING\s+(?:up\s+)?(?:this|it)\b"
        r"|\b(?:write|sum)\s+(?:this|it)\s+up\b"
    ).substitute(_CLASSES)
)


def mentioned(sentence: str) -> bool:
    """True when an instruction-like sentence only mentions an instruction: every part the
    rules match lies in quotation marks that a word such as "such as", "reading" or "the
    phrase" introduces as an example of wording, and no quoted part speaks of this text or
    its output ("researchers typed prompts such as "ignore all previous
    instructions""). Such a sentence reports on prompt injection and is a fact of the article;
    a quotation that is spoken ('the leaflet read "when you write this up, say ..."') or that
    points at this text is used, and stays untrusted."""
    view = normalise(sentence)
    quoted = list(_QUOTED.finditer(view))
    if not quoted:
        return False
    outside = view
    for q in quoted:
        inner = q.group(1)
        if not _detect(inner):
            continue
        if _SELF.search(inner.lower()):
            return False
        lead = _MENTION_LEAD.search(view[: q.start()].lower())
        words = {lead.group(2), f"{lead.group(1)} {lead.group(2)}"} if lead else set()
        if words.isdisjoint(lexicon.MENTION_MARKERS):
            return False
        outside = outside.replace(q.group(0), '""', 1)
    return not _detect(outside)


def untrusted_sentences(
    text: str, sentences: Sequence[Span], paragraphs: Sequence[Span]
) -> frozenset[int]:
    """Sentence numbers (1-based, as in the `[n]` markers) that must not be taken as article facts.

    Structure, not phrases, decides what an instruction taints:

    * the whole paragraph that holds an instruction-like sentence (the claim an injection
      wants recorded stands beside it, before or after);
    * every paragraph it points at: back ("the above", "the previous paragraph"), forward
      ("the next paragraph", "below", a closing colon), by distance ("two paragraphs below",
      "the paragraph after next"), or by place ("the final paragraph", "the headline");
    * the lines of a code fence (text set apart for machines);
    * any other sentence that repeats what the untrusted text says (most of its content
      words), wherever it stands: a claim the article makes only next to an instruction, or
      that an instruction spells out (also in base64 or ROT13), is not a fact of the article.

    An instruction only mentioned (`mentioned`: an article about prompt injection) taints
    nothing.

    Args:
        text: The article.
        sentences: Sentence spans in order (offsets into `text`).
        paragraphs: Paragraph spans in order; a sentence belongs to the one holding its start.

    Returns:
        The 1-based numbers of the untrusted sentences.
    """
    starts = [p[0] for p in paragraphs]

    def paragraph_of(offset: int) -> int:
        return max(bisect.bisect_right(starts, offset) - 1, 0)

    para = [paragraph_of(s) for s, _ in sentences]
    count = len(paragraphs)
    bad: set[int] = set(_fenced(text, paragraphs))
    said: list[set[str]] = []  # the content words of each instruction, disguises undone
    for i, (s, e) in enumerate(sentences):
        sentence = text[s:e]
        if not instruction_like(sentence) or mentioned(sentence):
            continue
        first = i == 0 or para[i - 1] != para[i]
        last = i + 1 == len(sentences) or para[i + 1] != para[i]
        pointed = _pointed_at(normalise(sentence), para[i], count, first, last)
        bad.add(para[i])
        bad.update(p for p in pointed if 0 <= p < count)
        said.append(set().union(*(_content(v) for v in disguises(sentence))))
    if not bad:
        return frozenset()
    out = {i + 1 for i in range(len(sentences)) if para[i] in bad}
    said += [_content(text[s:e]) for n, (s, e) in enumerate(sentences, 1) if n in out]
    for n, (s, e) in enumerate(sentences, 1):
        if n not in out and _repeats(_content(text[s:e]), said):
            out.add(n)
    return frozenset(out)


_DISTANCE = re.compile(
    r"\b(?:(one|two|three|four|a|[1-4])\s+(?:more\s+)?(?:paragraphs?|sections?)|(?:paragraph"
    r"|section)\s+(one|two|three|four|[1-4]))\s+"
    r"(below|down|further|later|on|after|above|up|earlier|back|before)\b"
)
_AFTER_NEXT = re.compile(r"\b(?:paragraph|section)\s+after\s+next\b")
_NEXT_PART = re.compile(
    r"\b(?:next|following)\s+(?:paragraph|section|passage)\b"
    r"|\b(?:every|all|any)\s+other\s+(?:paragraph|section|part)s?\b"
    r"|\b(?:paragraph|section|passage)\s+(?:below|that follows)\b|\bwhat follows\b"
)
_REST = re.compile(
    r"\b(?:below|further down|hereafter|everything after|the rest of (?:this|the) (?:article|page"
    r"|text|story))\b"
)
_LAST_PART = re.compile(r"\b(?:last|final|closing|bottom|concluding)\s+(?:paragraph|section)\b")
_FIRST_PART = re.compile(r"\b(?:first|opening|top)\s+(?:paragraph|section)\b")


def _pointed_at(view: str, here: int, count: int, first: bool, last: bool) -> set[int]:
    """The paragraphs an instruction in paragraph `here` of `count` points at (maybe out of
    range). `first`, `last`: the instruction opens, ends its paragraph."""
    low = view.lower()
    found: set[int] = set()
    if m := _DISTANCE.search(low):
        k = lexicon.DISTANCES[m.group(1) or m.group(2)]
        forward = m.group(3) in ("below", "down", "further", "later", "on", "after")
        found.add(here + k if forward else here - k)
    elif _AFTER_NEXT.search(low):
        found.add(here + 2)
    elif _NEXT_PART.search(low):
        found.add(here + 1)
    elif _REST.search(low):
        found.update(range(here + 1, count))  # "see below": all that follows
    elif last and (m := _POINTS_FORWARD.search(view)) and len(view) - m.end() < 25:
        found.add(here + 1)  # "... as follows:" ends its paragraph: the next one
    if _LAST_PART.search(low):
        found.add(count - 1)
    if _FIRST_PART.search(low):
        found.add(0)
    back = _POINTS_BACK.search(view)
    if back and (first or "paragraph" in back.group(0).lower()):
        found.add(here - 1)  # else it points at a sentence of its own paragraph
    return found


def _fenced(text: str, paragraphs: Sequence[Span]) -> list[int]:
    """Paragraphs inside a code fence (from a line holding an odd number of ``` to the next)."""
    out: list[int] = []
    inside = False
    for n, (s, e) in enumerate(paragraphs):
        fences = len(_FENCE.findall(text[s:e]))
        if inside or fences:
            out.append(n)
        if fences % 2:
            inside = not inside
    return out


_FENCE = re.compile(r"`{3,}|~{3,}")
#: Words that carry no claim: a repeat is judged on the rest.
_CONTENT = re.compile(r"[^\W\d_]{4,}")


def _content(text: str) -> set[str]:
    """The content words of `text` as 5-letter stems ("dissolved", "dissolution": "disso")."""
    words = _CONTENT.findall(normalise(text).lower())
    return {w[:5] for w in words if w not in lexicon.STOP_WORDS}


def _repeats(claim: set[str], said: list[set[str]]) -> bool:
    """True when most content words of a sentence (two or more) were said in one of `said`."""
    need = max(2, math.ceil(0.6 * len(claim)))
    return len(claim) >= 2 and any(len(claim & words) >= need for words in said)


#: How many consecutive words of an untrusted sentence count as showing it.
WITHHELD_RUN = 4


def withhold(task: str, hidden: Sequence[str]) -> str:
    """`task` (a question for the model) with every run of WITHHELD_RUN or more consecutive
    words of a `hidden` sentence replaced by "(withheld)": the last check before a question is
    sent, so no path (a context line, a quotation that runs on, a re-ask) shows the model
    text the article block hides. A hidden sentence shorter than the run is matched whole.
    """
    if not hidden:
        return task
    grams: set[tuple[str, ...]] = set()
    for sentence in hidden:
        words = [w.lower() for w in _WORD.findall(sentence)]
        n = min(WITHHELD_RUN, len(words))
        grams.update(tuple(words[i : i + n]) for i in range(len(words) - n + 1) if n)
    sizes = {len(g) for g in grams}
    tokens = list(_WORD.finditer(task))
    cuts: list[tuple[int, int]] = []
    for n in sizes:
        for i in range(len(tokens) - n + 1):
            if tuple(t.group().lower() for t in tokens[i : i + n]) in grams:
                cuts.append((tokens[i].start(), tokens[i + n - 1].end()))
    out: list[str] = []
    at = 0
    for s, e in sorted(cuts):
        if out and s <= at:  # overlaps or touches the cut before: one "(withheld)"
            at = max(at, e)
            continue
        out.append(task[at:s] + "(withheld)")
        at = e
    return "".join(out) + task[at:]


_WORD = re.compile(r"\w+")
