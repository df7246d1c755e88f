"""Offsets: normalise and locate, sentences, chunks (text/spans.py), on sentences written here."""

from __future__ import annotations

from summariser.text.quotations import find_quotations
from summariser.text.spans import chunks, locate, normalise, paragraphs, sentences


def test_normalise_maps_every_character_back():
    text = "Dr.  Ana “Lopez” — said"
    norm, index = normalise(text)
    assert norm == 'dr. ana "lopez" - said'
    assert text[index[norm.index("lopez")]] == "L"
    assert index[-1] == len(text)


def test_locate_exact_fuzzy_and_absent():
    text = "The mayor said the new library will open in March, after two years of work."
    assert locate("the new library will open", text) == (15, 40)
    fuzzy = locate("the new libary will open in March", text)  # one letter missing
    assert fuzzy is not None and text[fuzzy[0] : fuzzy[1]].startswith("the new library")
    assert locate("the old museum closed", text) is None
    assert locate("March", text, within=(0, 20)) is None  # only inside the given range


def test_sentences_skip_abbreviations_and_keep_quotations_whole():
    text = "Mr. Holt met Dr. Lee at 9 a.m. today. “We agree. It is done,” they said.\nNext line."
    quote = (text.index("We"), text.index("done") + 4)
    got = [text[s:e] for s, e in sentences(text, [quote])]
    assert got == [
        "Mr. Holt met Dr. Lee at 9 a.m. today.",
        "“We agree. It is done,” they said.",
        "Next line.",
    ]


def test_initials_do_not_end_a_sentence():
    text = "She met Rep. J.R. Malone and Ana K. Lund in the U.S. on Monday. They agreed."
    assert [text[s:e] for s, e in sentences(text)] == [
        "She met Rep. J.R. Malone and Ana K. Lund in the U.S. on Monday.",
        "They agreed.",
    ]


def test_sentences_in_one_huge_paragraph_of_abbreviations():
    # one 740 KB paragraph (scanning back to the sentence start made this quadratic)
    text = "See Fig. 3 and Fig. 4 of the report. " * 20_000
    got = sentences(text)
    assert len(got) == 20_000 and text[got[-1][0] : got[-1][1]] == text[:36]


def test_chunks_cover_the_text_on_paragraph_bounds_with_overlap():
    text = "\n".join(f"Paragraph {i} says something short." for i in range(40))
    ranges = chunks(text, 300)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(text)
    assert all(e - s <= 300 for s, e in ranges)
    starts = {s for s, _ in paragraphs(text)}
    assert all(s in starts for s, _ in ranges)
    assert all(b[0] < a[1] for a, b in zip(ranges, ranges[1:], strict=False))  # overlap
    assert chunks("short", 300) == [(0, 5)]


def test_sentences_skip_abbreviations_and_quotes():
    t = "Mr. Smith met Dr. Jones in the U.S. today. “It went well. Very well,” he said. End."
    got = [t[s:e] for s, e in sentences(t, [(q.start, q.end) for q in find_quotations(t)])]
    assert got == [
        "Mr. Smith met Dr. Jones in the U.S. today.",
        "“It went well. Very well,” he said.",
        "End.",
    ]


def test_locate_exact_normalised_fuzzy_and_missing():
    t = "He said the plan — “bold” — was 'fine'.\nNew  line here with extra   spaces."
    s, e = locate('the plan - "bold" - was', t)
    assert t[s:e] == "the plan — “bold” — was"
    assert t[slice(*locate("new line here with extra spaces", t))].startswith("New  line")
    s, e = locate("line here wiht extra spaces", t)  # one typo: fuzzy
    assert t[s:e].endswith("spaces")
    assert locate("nothing like this at all in it", t) is None
    assert locate("x", t) is None


def test_locate_within_a_region():
    t = "alpha beta. alpha beta."
    assert locate("alpha beta", t, (12, len(t))) == (12, 22)


def test_chunks_split_on_paragraphs_with_overlap():
    paras = [f"Paragraph {i} " + "word " * 20 for i in range(10)]
    t = "\n".join(paras)
    ranges = chunks(t, 300)
    assert len(ranges) > 2
    assert ranges[0][0] == 0 and ranges[-1][1] == len(t.rstrip())
    for (_, e1), (s2, e2) in zip(ranges, ranges[1:], strict=False):
        assert s2 < e1  # overlap: the next range starts inside the previous one
        assert e2 - s2 <= 300
    assert chunks("short", 300) == [(0, 5)]


def test_chunks_cut_one_huge_paragraph():
    t = ("This is a sentence. " * 1000).strip()
    ranges = chunks(t, 2000)
    assert all(e - s <= 2000 for s, e in ranges)
    assert ranges[-1][1] == len(t)


def test_content_words_are_the_same_from_many_threads_at_once():
    from concurrent.futures import ThreadPoolExecutor

    from summariser.text.spans import content_stems

    text = " ".join(
        "nationalisation relational conditional rationalise hopefulness generously "
        "effectiveness organisations recommended volunteering".split()
        * 400
    )
    alone = content_stems(text)
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(content_stems, [text] * 16))
    assert all(t == alone for t in together)  # one stemmer per thread: none corrupts another
