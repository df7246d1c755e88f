"""`summarise view RESULTS -o DIR`: the overview (`index.html`), lists, a page per article.

Two streamed passes over the results (names, then pages and aggregates), so a batch of
10,000 articles needs the aggregates in memory, never every article: each article page is
written as its result is read. Every file goes to a temporary name first, then is moved, and
`index.html` is written last.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from summariser.errors import SummariserError
from summariser.export import Warn, names_of, sources
from summariser.export.overview import ArticleRow, Overview, Ref
from summariser.export.read import Result
from summariser.view import LIST_PAGE, Entry, article_list, document, overview, page


class Texts:
    """Article texts by label, read on demand from the batch input (a folder or a JSONL file).

    A JSONL input is indexed once (label -> byte offset) and each text read when its page is
    written, so texts are never all in memory.
    """

    def __init__(self, source: Path | None) -> None:
        self.source = source
        self._offsets: dict[str, int] = {}
        if source is not None and not source.is_dir():
            from summariser.batch import jsonl_article

            with source.open("rb") as f:
                offset = 0
                for n, raw in enumerate(f, 1):
                    if raw.strip():
                        art = jsonl_article(raw, n, source.name)
                        if art.text is not None:
                            self._offsets.setdefault(str(art.id), offset)
                    offset += len(raw)

    def get(self, label: str) -> str | None:
        """The text of the article `label`, or None when the input does not have it."""
        if self.source is None:
            return None
        if self.source.is_dir():
            from summariser.inputs import read_article

            path = self.source / label
            if not path.resolve().is_relative_to(self.source.resolve()) or not path.is_file():
                return None
            try:
                return read_article(str(path))
            except SummariserError:
                return None
        if label not in self._offsets:
            return None
        from summariser.batch import jsonl_article

        with self.source.open("rb") as f:
            f.seek(self._offsets[label])
            return jsonl_article(f.readline(), 1, self.source.name).text


def _write(path: Path, text: str) -> int:
    """Write `text` to `path` through a temporary name; returns the bytes written."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    data = text.encode("utf-8")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return len(data)


def _entry(r: Result, texts: Texts) -> Entry:
    return Entry(r.label, texts.get(r.label), r.summary, error=r.error)


@dataclass
class Site:
    """What `write_site` wrote."""

    index: Path
    index_bytes: int
    pages: int
    skipped: int
    overview: Overview


def write_site(
    results: Path, folder: Path, *, articles: Path | None = None, title: str, warn: Warn
) -> Site:
    """Write the overview site of a results file into `folder` (created if missing).

    Args:
        results: A results JSONL file.
        folder: Gets `index.html`, `list-N.html` and `articles/<result line>.html`.
        articles: The batch input (folder or JSONL), for the article texts (highlights).
        title: The overview's title.
        warn: Told once about each bad line (skipped).
    """
    skipped = 0

    def counting(message: str) -> None:
        nonlocal skipped
        skipped += 1
        warn(message)

    first, second = sources(results, counting)
    names = names_of(first)
    texts = Texts(articles)
    pages = folder / "articles"
    pages.mkdir(parents=True, exist_ok=True)
    ov = Overview(names)
    for r in second():
        ov.add(r)
        html = page([_entry(r, texts)], title=r.label, back="../index.html")
        _write(pages / f"{r.result_line}.html", html)
    return _finish(folder, ov, title, skipped)


def _record_link(ref: Ref) -> str:
    return f"articles/{ref.result_line}.html#a0-{ref.rid}"


def _finish(folder: Path, ov: Overview, title: str, skipped: int) -> Site:
    chunks = [ov.articles[i : i + LIST_PAGE] for i in range(0, len(ov.articles), LIST_PAGE)]

    def href(row: ArticleRow) -> str:
        return f"articles/{row.result_line}.html"

    for k, rows in enumerate(chunks, 1):
        nav = f'<nav><a href="index.html">← overview</a> · list {k} of {len(chunks)}</nav>'
        body = f'{nav}<section class="overview">{article_list(rows, href)}</section>'
        _write(folder / f"list-{k}.html", document(f"{title}: articles, list {k}", body))
    lists = " · ".join(
        f'<a href="list-{k}.html">{rows[0].seq + 1:,}–{rows[-1].seq + 1:,}</a>'
        for k, rows in enumerate(chunks, 1)
    )
    more = f"<h2>Articles</h2><p>{len(ov.articles):,} articles, by results line: {lists}</p>"
    body = overview(ov, _record_link, skipped=skipped, more=more)
    size = _write(folder / "index.html", document(title, body))
    return Site(folder / "index.html", size, len(ov.articles), skipped, ov)
