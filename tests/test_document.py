from __future__ import annotations

from summariser.text import document
from summariser.text.document import parse

TEXT = (
    "Mayor Lena Brandt opened the new library in Dortmund on Friday.\n"
    "“It is a good day. We waited years,” she said. The council had approved the plan in 2023."
)


def test_quotation_stays_inside_one_sentence():
    d = parse(TEXT)
    assert d.text is TEXT
    assert len(d.quotations) == 1
    q = d.quotations[0]
    i = d.sentence_index(q.start)
    assert i is not None and d.sentence_index(q.end - 1) == i
    assert [TEXT[s:e] for s, e in d.sentences] == [
        "Mayor Lena Brandt opened the new library in Dortmund on Friday.",
        "“It is a good day. We waited years,” she said.",
        "The council had approved the plan in 2023.",
    ]


def test_parse_offsets_are_the_articles():
    d = parse(TEXT)
    assert d.doc.text == TEXT
    opened = next(t for t in d.doc if t.text == "opened")
    assert TEXT[opened.idx : opened.idx + 6] == "opened" and opened.lemma_ == "open"
    subj = [c.text for c in opened.children if c.dep_ == "nsubj"]
    assert subj == ["Brandt"]


def test_entities_and_lookups():
    d = parse(TEXT)
    labels = {(e.text, e.label) for e in d.entities}
    assert ("Dortmund", "GPE") in labels and ("Friday", "DATE") in labels
    s, e = d.sentences[0]
    inside = d.entities_in(s, e)
    assert inside and all(s <= x.start and x.end <= e for x in inside)
    assert all(TEXT[x.start : x.end] == x.text for x in d.entities)
    assert d.sentence_at(TEXT.index("council")) == d.sentences[2]
    assert d.sentence_index(TEXT.index("\n")) is None  # between two sentences
    assert d.tokens_in(s, s + 3).text == "Mayor"


def test_long_text_is_parsed_in_pieces_with_the_same_offsets(monkeypatch):
    monkeypatch.setattr(document, "PIECE_CHARS", 300)
    text = "\n".join([TEXT] * 6) + " " + "word " * 200 + "end."
    d = parse(text)
    assert d.doc.text == text
    for s, e in d.sentences:
        assert d.tokens_in(s, e).text == text[s:e]
    cuts = document._cuts(text, d.sentences)
    assert cuts[0] == 0 and cuts[-1] == len(text)
    assert all(b - a <= 300 for a, b in zip(cuts, cuts[1:], strict=False))
    # sentence starts fixed before parsing: no dependency crosses one of our sentences
    for s, e in d.sentences:
        for t in d.tokens_in(s, e):
            if not t.is_space:
                assert s <= t.head.idx < e


def test_quotation_lookups():
    d = parse(TEXT)
    q = d.quotations[0]
    assert d.quoted(q.start) and d.quoted(q.end - 1) and not d.quoted(q.end)
    assert not d.quoted(TEXT.index("Mayor"))
    s, e = d.sentences[1]
    assert d.quotations_in(s, e) == [q] and d.quotations_in(*d.sentences[0]) == []
