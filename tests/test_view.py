"""`summarise view`: the HTML page, its escaping, and a real browser (Playwright + chromium)."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from summariser.cli import app
from summariser.evals.gold import GoldFile, GoldQuote
from summariser.schemas import Drop, Event, Meta, Quote, Stance, Summary
from summariser.view import TOP_SPEAKERS, Entry, page

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip

# Written for these tests. Long enough that the last records sit below the first screen.
FILLER = "\n\n".join(
    f"Paragraph {n} of the council report lists routine items on parking, bins and lighting."
    for n in range(1, 40)
)
ARTICLE = (
    "Harbour council votes to close two libraries\n\n"
    "The council voted on Tuesday to close two libraries in the harbour district. "
    "“We cannot keep every building open,” said council leader Margaret Hollis.\n\n"
    "Opposition leader Tom Reyes opposes the closures. "
    "“This is a <script>alert('x')</script> day for readers,” Reyes said.\n\n"
    + FILLER
    + "\n\nThe library trust will appeal the decision in March. "
    "“We will take it to court,” said trust chair Ana Lopez."
)


@contextlib.contextmanager
def chromium_tab(viewport: dict[str, int]) -> Iterator[Any]:
    """A tab of Debian's chromium, driven by Playwright (closed on the way out)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser.new_page(viewport=viewport)
        finally:
            browser.close()


def span(text: str, part: str) -> tuple[int, int]:
    start = ARTICLE.index(part)
    return start, start + len(part)


def quote(text: str, speaker: str, cue: str = "said") -> Quote:
    a, b = span(ARTICLE, text)
    return Quote(text=text, speaker=speaker, kind="direct", cue=cue, start=a, end=b, spans=[(a, b)])


def event(
    evidence: str, actor: str, action: str, target: str, when: str, where: str | None
) -> Event:
    a, b = span(ARTICLE, evidence)
    return Event(actor=actor, action=action, target=target, when=when, where=where,
                 evidence=evidence, start=a, end=b)  # fmt: skip


def summary() -> Summary:
    events = [
        event("The council voted on Tuesday to close two libraries in the harbour district.",
              "The council", "voted to close", "two libraries", "on Tuesday",
              "the harbour district"),
        event("The library trust will appeal the decision in March.",
              "The library trust", "will appeal", "the decision", "in March", None),
    ]  # fmt: skip
    st = "Opposition leader Tom Reyes opposes the closures."
    a, b = span(ARTICLE, st)
    stance = Stance(holder="Tom Reyes", target="the closures", polarity="oppose", evidence=st,
                    start=a, end=b)  # fmt: skip
    return Summary(
        quotes=[
            quote("We cannot keep every building open", "Margaret Hollis"),
            quote("This is a <script>alert('x')</script> day for readers", "Tom Reyes"),
            quote("We will take it to court", "Ana Lopez"),
        ],
        events=events,
        stances=[stance],
        meta=Meta(
            model="fake:scripted",
            prompt_version="test",
            timings={"total": 1.25},
            dropped={"pronoun": 1},
            drops=[Drop(record="quote", reason="pronoun", value="<b>he</b>")],
        ),  # fmt: skip
    )


class Tags(HTMLParser):
    """Every start tag and attribute on the page, for structural assertions."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def test_article_text_is_escaped_and_the_page_loads_nothing():
    html = page([Entry("a1", ARTICLE, summary())])
    found = tags(html)
    assert [t for t, _ in found].count("script") == 1  # ours only; the article's is text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<b>he</b>" not in html and "&lt;b&gt;he&lt;/b&gt;" in html  # dropped values too
    assert not any(t in ("link", "img", "iframe") for t, _ in found)
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # nothing from the network
    assert "default-src 'none'" in html  # and the browser is told so


def test_every_record_has_one_anchor_and_marked_segments():
    s = summary()
    html = page([Entry("a1", ARTICLE, s)])
    found = tags(html)
    anchors = [a["id"] for t, a in found if t == "span" and a.get("class") == "anchor"]
    assert sorted(anchors) == sorted([f"a0-q{i}" for i in (1, 2, 3)] + ["a0-e1", "a0-e2", "a0-s1"])
    covered = {r for t, a in found if t == "mark" for r in (a.get("data-r") or "").split()}
    assert covered == set(anchors)
    targets = [a["data-target"] for t, a in found if t == "li" and "rec" in (a.get("class") or "")]
    assert sorted(targets) == sorted(anchors)
    # the three speakers get three colours
    colours = {
        a.get("style") for t, a in found if t == "mark" and "quote" in (a.get("class") or "")
    }
    assert len(colours) == 3


def test_marked_text_reassembles_the_article():
    html = page([Entry("a1", ARTICLE, summary())])
    body = re.search(r'<div class="text">(.*?)</div>', html, re.S).group(1)
    import html as html_lib

    assert html_lib.unescape(re.sub(r"<[^>]+>", "", body)) == ARTICLE


def test_gold_beside_predictions_marks_misses_and_wrong_speakers():
    s = summary()
    quotes = [
        ("We cannot keep every building open", "Margaret Hollis"),  # right
        ("This is a <script>alert('x')</script> day for readers", "Ana Lopez"),  # wrong speaker
        ("Paragraph 3 of the council report", "Clerk Jo Bell"),  # not predicted
    ]
    gold = GoldFile(
        id="a1", article=ARTICLE, quotes=[GoldQuote(text=t, speaker=p) for t, p in quotes]
    )
    s.quotes = s.quotes[:2]
    html = page([Entry("a1", ARTICLE, s, gold=gold)])
    found = tags(html)
    gold_items = [
        a.get("class") for t, a in found if t == "li" and "gold" in (a.get("class") or "")
    ]
    assert gold_items == ["gold ok", "gold wrong-speaker", "gold missed"]
    misses = [a for t, a in found if t == "mark" and "miss" in (a.get("class") or "")]
    assert len(misses) == 1 and misses[0]["data-r"] == "a0-g3"
    wrong = {a["data-r"] for t, a in found if t == "mark" and "wrong-speaker" in a.get("class", "")}
    assert wrong == {"a0-q2"}  # the prediction whose speaker the gold contradicts


def test_cli_view_of_a_run_json_and_of_batch_results(tmp_path):
    article = tmp_path / "harbour.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    run_json = tmp_path / "run.json"
    run_json.write_text(summary().model_dump_json(indent=2))
    runner = CliRunner()
    r = runner.invoke(app, ["view", str(run_json), "--article", str(article)])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("<!DOCTYPE html>") and r.stdout.count('class="anchor"') == 6

    results = tmp_path / "results.jsonl"
    error = {"type": "InputError", "message": "in.jsonl line 2 is not JSON"}
    lines = [{"id": "harbour.txt", "summary": summary().model_dump()},
             {"id": None, "line": 2, "error": error}]  # fmt: skip
    results.write_text("".join(json.dumps(x) + "\n" for x in lines))
    out = tmp_path / "page.html"
    r = runner.invoke(app, ["view", str(results), "--articles", str(tmp_path), "-o", str(out)])
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert html.count('class="anchor"') == 6 and "error: in.jsonl line 2 is not JSON" in html
    assert ">line:2</h2>" in html
    assert "wrote" in r.stderr and r.stdout == ""

    numbered = tmp_path / "numbered.jsonl"  # JSONL input with a numeric id
    numbered.write_text(json.dumps({"id": 7, "text": ARTICLE}) + "\n")
    results.write_text(json.dumps({"id": 7, "summary": summary().model_dump()}) + "\n")
    r = runner.invoke(app, ["view", str(results), "--articles", str(numbered)])
    assert r.exit_code == 0 and r.stdout.count('class="anchor"') == 6

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "summary": {"quotes": 5}}\n')
    r = runner.invoke(app, ["view", str(bad)])
    assert r.exit_code == 1 and len(r.stderr.strip().splitlines()) == 1


def test_run_format_html_gives_the_same_page(tmp_path, seed):
    from tests.server import ScriptedServer
    from tests.test_cli import KEY

    path = tmp_path / "seed.txt"
    path.write_text(seed, encoding="utf-8")
    with ScriptedServer() as srv:
        r = CliRunner().invoke(app, ["run", str(path), "-m", "openai:t", "--base-url", srv.url,
                                     "--api-key", KEY, "--steps", "quotes", "-f", "html",
                                     "--no-cache", "--no-log"])  # fmt: skip
    assert r.exit_code == 0, r.output
    marks = {x for t, a in tags(r.stdout) if t == "span" and a.get("class") == "anchor"
             for x in [a["id"]]}  # fmt: skip
    assert marks and all(m.startswith("a0-q") for m in marks)  # quotes only were asked for


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"
)
def test_in_a_real_browser(tmp_path):
    s = summary()
    path = tmp_path / "page.html"
    path.write_text(page([Entry("harbour", ARTICLE, s)]), encoding="utf-8")
    with chromium_tab({"width": 1200, "height": 700}) as tab:
        requests: list[str] = []
        tab.on("request", lambda req: requests.append(req.url))
        dialogs: list[str] = []
        tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        tab.goto(path.as_uri())
        n_records = len(s.quotes) + len(s.events) + len(s.stances)
        assert tab.locator("span.anchor").count() == n_records
        assert tab.locator("li.rec").count() == n_records
        # every record has at least one visible highlighted segment
        for rid in tab.eval_on_selector_all("span.anchor", "els => els.map(e => e.id)"):
            assert tab.locator(f'mark[data-r~="{rid}"]').first.is_visible()
        assert tab.locator("mark.quote").count() >= len(s.quotes)

        last = tab.locator('li.rec[data-target="a0-q3"]')
        assert not _in_view(tab, "a0-q3")  # the last quote starts below the first screen
        last.click()
        tab.wait_for_function("() => document.querySelector('mark.focus') !== null")
        assert _in_view(tab, "a0-q3")
        focused = tab.eval_on_selector_all("mark.focus", "els => els.map(e => e.textContent)")
        assert "".join(focused) == "We will take it to court"
        assert dialogs == []  # the article's <script> never ran
        assert requests == [path.as_uri()]  # and the page asked for nothing else
        tab.screenshot(path=str(tmp_path / "page.png"), full_page=False)
        assert (tmp_path / "page.png").stat().st_size > 10_000


def _in_view(tab, anchor_id: str) -> bool:
    return tab.evaluate(
        """id => { const m = document.querySelector(`mark[data-r~="${id}"]`);
                   const r = m.getBoundingClientRect();
                   return r.top >= 0 && r.bottom <= window.innerHeight; }""",
        anchor_id,
    )


def test_cli_view_of_eval_predictions_with_gold(tmp_path):
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    gold = {"id": "harbour", "article": ARTICLE, "quotes": [
        {"text": "We cannot keep every building open", "speaker": "Margaret Hollis"},
        {"text": "We will take it to court", "speaker": "Tom Reyes"},
    ]}  # fmt: skip
    (gold_dir / "harbour.json").write_text(json.dumps(gold))
    predictions = tmp_path / "predictions.jsonl"
    predictions.write_text(json.dumps({"id": "harbour", "summary": summary().model_dump()}) + "\n")
    r = CliRunner().invoke(app, ["view", str(predictions), "--gold", str(gold_dir)])
    assert r.exit_code == 0, r.output
    found = tags(r.stdout)
    gold_items = [a["class"] for t, a in found if t == "li" and "gold" in (a.get("class") or "")]
    assert gold_items == ["gold ok", "gold wrong-speaker"]
    extra = [a for t, a in found if t == "span" and "extra" in (a.get("class") or "")]
    assert len(extra) == 1  # the Tom Reyes quote no gold holds


# --- the overview of a batch ----------------------------------------------------------------


def _read_csv(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _export_and_site(tmp_path: Path, n: int) -> tuple[Path, dict[str, list[dict[str, str]]]]:
    from tests.batchdata import write_batch

    articles, results = write_batch(tmp_path, n, seed=5)
    runner = CliRunner()
    r = runner.invoke(app, ["export", str(results), "--to", str(tmp_path / "t"), "--no-parquet"])
    assert r.exit_code == 0, r.output
    site = tmp_path / "site"
    r = runner.invoke(app, ["view", str(results), "--articles", str(articles), "-o", str(site)])
    assert r.exit_code == 0, r.output
    assert f"and {n:,} article page(s)" in r.stderr
    tables = {k: _read_csv(tmp_path / "t" / f"{k}.csv") for k in
              ("articles", "quotes", "events", "stances")}  # fmt: skip
    return site, tables


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"
)
def test_overview_counts_equal_the_tables_and_a_speaker_click_shows_the_quote(tmp_path):
    from collections import Counter

    from summariser.export.overview import known_date
    from summariser.text.names import fold

    site, t = _export_and_site(tmp_path, 150)
    quotes, stances, events = t["quotes"], t["stances"], t["events"]
    assert len(list((site / "articles").glob("*.html"))) == 150
    with chromium_tab({"width": 1280, "height": 900}) as tab:
        requests: list[str] = []
        tab.on("request", lambda req: requests.append(req.url))
        tab.goto((site / "index.html").as_uri())
        shown = tab.eval_on_selector_all(
            "dd[data-count]",
            "els => Object.fromEntries(els.map(e => [e.dataset.count, e.textContent]))",
        )
        kinds = Counter(q["kind"] for q in quotes)
        dated = [e for e in events if known_date(e["when"])]
        counted = {k: int(v.replace(",", "")) for k, v in shown.items()}
        raw = [json.loads(x) for x in (tmp_path / "results.jsonl").read_text().splitlines()]
        for kind in ("quotes", "events", "stances"):  # the page against the JSONL itself
            assert counted[kind] == sum(len(x.get("summary", {}).get(kind, [])) for x in raw)
        assert counted["articles"] == len(raw)
        assert counted["errors"] == sum("error" in x for x in raw) > 0
        assert counted == {
            "articles": len(t["articles"]),
            "errors": sum(a["status"] == "error" for a in t["articles"]),
            "failed-steps": sum(bool(a["failures"]) for a in t["articles"]),
            "quotes": len(quotes),
            "direct": kinds["direct"],
            "indirect": kinds["indirect"],
            "speakers": len({q["speaker_key"] for q in quotes if q["speaker_key"]}),
            "events": len(events),
            "dated-events": len(dated),
            "stances": len(stances),
            "skipped-lines": 0,
        }
        # every speaker row: its counts are those of its key in quotes.csv
        rows = tab.eval_on_selector_all(
            "tr.speaker", "els => els.map(e => Object.assign({}, e.dataset))"
        )
        assert len(rows) == min(TOP_SPEAKERS, len({q["speaker_key"] for q in quotes}))
        for row in rows:
            mine = [q for q in quotes if q["speaker_key"] == row["key"]]
            assert int(row["quotes"]) == len(mine)
            assert int(row["direct"]) == sum(q["kind"] == "direct" for q in mine)
            assert int(row["indirect"]) == sum(q["kind"] == "indirect" for q in mine)
            assert int(row["articles"]) == len({q["result_line"] for q in mine})
        assert [int(r["quotes"]) for r in rows] == sorted(
            Counter(q["speaker_key"] for q in quotes if q["speaker_key"]).values(),
            reverse=True,
        )[: len(rows)]
        # every stance cell: its polarity counts are those of the pair in stances.csv
        cells = tab.eval_on_selector_all(
            "table.grid td[data-target]",
            "els => els.map(e => Object.assign({holder: e.parentNode.dataset.holder}, e.dataset))",
        )
        assert cells
        pairs = Counter(
            (s["holder_key"], " ".join(w for w in fold(s["target"]).split() if w != "the"),
             s["polarity"])
            for s in stances
        )  # fmt: skip
        for c in cells:
            for pol in ("support", "oppose", "neutral", "mixed"):
                assert int(c[pol]) == pairs[(c["holder"], c["target"], pol)]
        # every month of the timeline: its count is the dated events of that month
        months = tab.eval_on_selector_all(
            "details[data-events]", "els => els.map(e => [e.id, +e.dataset.events])"
        )
        assert dict(months) == {
            f"t-{m:%Y-%m}": n
            for m, n in Counter(known_date(e["when"]).replace(day=1) for e in dated).items()
        }
        assert tab.locator("svg rect.bar-month").count() == len(months)

        # a click on the top speaker reaches an article page that highlights the quote
        top = rows[0]["key"]
        first = next(q for q in quotes if q["speaker_key"] == top)
        tab.locator("tr.speaker a.who").first.click()
        tab.wait_for_function("() => document.querySelector('mark.focus') !== null")
        assert tab.url.endswith(f"articles/{first['result_line']}.html#a0-q{first['n']}")
        focused = tab.eval_on_selector_all("mark.focus", "els => els.map(e => e.textContent)")
        assert " ".join(focused) == first["text"]
        assert first["text"] in tab.locator("li.rec.active").inner_text()
        assert _in_view(tab, f"a0-q{first['n']}")
        tab.go_back()
        # ... and a list page links every article
        tab.goto((site / "list-1.html").as_uri())
        assert tab.locator("table.list a").count() == 150
        assert all(u.startswith("file://") for u in requests)  # nothing from the network


@pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install chromium)"
)
def test_one_page_for_a_small_batch_has_the_overview_and_links_within_it(tmp_path):
    article = tmp_path / "harbour.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    s = summary()
    other = s.model_copy(update={"quotes": s.quotes[1:2]})
    results = tmp_path / "results.jsonl"
    results.write_text(
        json.dumps({"id": "harbour.txt", "summary": s.model_dump()}) + "\n"
        + json.dumps({"id": "again.txt", "summary": other.model_dump()}) + "\n"
        + '{"id": "cut", "summ\n'
    )  # fmt: skip
    r = CliRunner().invoke(app, ["view", str(results), "--articles", str(tmp_path)])
    assert r.exit_code == 3, r.output  # written, but a line was skipped
    assert r.stderr.count("line 3: not JSON (a truncated line?): skipped") == 1
    page_path = tmp_path / "page.html"
    page_path.write_text(r.stdout, encoding="utf-8")
    with chromium_tab({"width": 1200, "height": 700}) as tab:
        tab.goto(page_path.as_uri())
        reyes = tab.locator('tr.speaker[data-key="tom reyes"]')
        assert reyes.get_attribute("data-quotes") == "2"
        assert reyes.get_attribute("data-articles") == "2"
        assert tab.locator('dd[data-count="skipped-lines"]').inner_text() == "1"
        tab.locator('tr.speaker[data-key="ana lopez"] a.who').click()
        tab.wait_for_function("() => document.querySelector('mark.focus') !== null")
        focused = tab.eval_on_selector_all("mark.focus", "els => els.map(e => e.textContent)")
        assert "".join(focused) == "We will take it to court"
        assert _in_view(tab, "a0-q3")
