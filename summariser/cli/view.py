"""`summarise view`: an HTML page of records highlighted in their article."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from summariser.cli import options as opt
from summariser.cli.common import PARTIAL, command, say
from summariser.cli.root import app

if TYPE_CHECKING:
    from summariser.view import Entry


@dataclass(frozen=True)
class Sources:
    """Where the page finds the articles' texts, and the gold shown beside the predictions.

    An option group (see `root.App`): `view` offers these four options in its place.
    """

    article: Annotated[
        Path | None, typer.Option("--article", help="The article of a `run` JSON.")
    ] = None
    articles: Annotated[
        Path | None,
        typer.Option("--articles", help="The batch input (folder or JSONL) the results came from."),
    ] = None
    gold: Annotated[
        Path | None,
        typer.Option("--gold", help="Gold folder or file: gold beside predictions, misses marked."),
    ] = None
    allow_outside: opt.AllowOutside = False


@app.command()
def view(
    result: Annotated[
        str,
        typer.Argument(
            help="A `run` JSON, a batch results.jsonl or an eval predictions.jsonl (- for stdin)."
        ),
    ],  # fmt: skip
    sources: Sources,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Write the page here (default: stdout); a folder (an existing one, or a name "
            "without .html) gets index.html, article lists and one page per article.",
        ),
    ] = None,
) -> None:
    """Write one self-contained HTML page (no network) with every record marked in its article.

    Quotes are coloured by speaker, event and stance evidence underlined; click a record to
    scroll to it. Dropped proposals and meta (model, timings, tokens) are listed per article.
    A batch gets an overview first: most-quoted speakers, who stands where, events over time.
    With -o DIR: index.html (the overview), list-N.html, and articles/LINE.html per article.
    """
    with command():
        article = sources.article
        named = article.name if article else "stdin" if result == "-" else Path(result).name
        title = f"summariser: {named}"
        if out is not None and (out.is_dir() or out.suffix.lower() not in (".html", ".htm")):
            _site(result, out, sources, title)
            return
        from summariser.view import page

        entries, top, skipped = _entries(result, sources)
        _write(page(entries, title=title, top=top), out, len(entries))
        if skipped:
            raise typer.Exit(PARTIAL)


def _write(html: str, out: Path | None, n: int) -> None:
    """The page of `n` articles to stdout, or to the file `out`."""
    if out is None:
        sys.stdout.write(html)
        return
    from summariser.errors import InputError

    try:
        out.write_text(html, encoding="utf-8")
    except OSError as e:
        raise InputError(f"{out}: cannot write the page ({e.strerror})") from None
    say(f"wrote {out} ({len(html.encode()):,} bytes, {n} article(s))")


def _warn(message: str) -> None:
    typer.echo(f"warning: {message}", err=True)


def _site(result: str, out: Path, sources: Sources, title: str) -> None:
    """`view RESULTS -o DIR`: the overview site, streamed."""
    from summariser.errors import InputError
    from summariser.export.site import write_site

    if result == "-" or not Path(result).is_file():
        raise InputError(f"{result}: -o DIR needs a results file (JSONL) to read twice")
    if sources.gold is not None or sources.article is not None:
        raise InputError("--gold and --article make one page: give -o PAGE.html")
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file: give a folder (or a name ending in .html)")
    try:
        site = write_site(Path(result), out, articles=sources.articles, title=title, warn=_warn)
    except OSError as e:
        raise InputError(f"{out}: cannot write the pages ({e.strerror})") from None
    if site.pages == 0:
        raise InputError(f"{result}: no results in it")
    say(f"wrote {site.index} ({site.index_bytes:,} bytes) and {site.pages:,} article page(s)")
    if site.skipped:
        raise typer.Exit(PARTIAL)


def _lines(result: str) -> tuple[Any, list[str]]:
    """The result file as one JSON value (a run), or as its JSONL lines."""
    from summariser.errors import InputError

    try:
        raw = sys.stdin.read() if result == "-" else Path(result).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{result}: cannot read it ({e})") from None
    try:
        return json.loads(raw), []
    except json.JSONDecodeError:
        return None, raw.splitlines()


def _entries(result: str, sources: Sources) -> tuple[list[Entry], str, int]:
    """The page's articles, the overview of a batch (HTML, "" for one article), lines skipped."""
    from summariser.errors import InputError
    from summariser.export.read import results_of
    from summariser.view import Entry

    article, articles, gold = sources.article, sources.articles, sources.gold
    whole, lines = _lines(result)
    values: list[Any] = lines
    if isinstance(whole, dict) and "meta" in whole:  # a `run` JSON
        values = [{"id": article.name if article else result, "summary": whole}]
    elif whole is not None:
        values = [whole] if isinstance(whole, dict) else list(whole)
    values = [v for v in values if not isinstance(v, str) or v.strip()]
    bad: list[str] = []
    results = results_of(values, bad.append)
    where = result if result != "-" else "stdin"
    bad = [b.replace("item ", f"{where} line ", 1) for b in bad]
    if not results:
        reason = bad[0].split(": ", 1)[1].removesuffix(": skipped") if bad else "empty"
        raise InputError(f"{where}: no results in it ({reason}): was it written by summariser?")
    for message in bad:
        _warn(message)
    texts: dict[str, str] = {}
    golds: dict[str, Any] = {}
    if gold is not None:
        from summariser.evals.run import load_items

        for item in load_items(gold, allow_outside=sources.allow_outside):
            texts[item.id], golds[item.id] = item.text, item.gold
    if articles is not None:
        from summariser.batch import read_articles

        wanted = {r.label for r in results}
        texts.update({a.label: a.text for a in read_articles(articles) if a.label in wanted})
    if article is not None:
        from summariser.inputs import read_article

        text = read_article(str(article))
        texts.update({r.label: text for r in results})
    entries = [
        Entry(r.label, texts.get(r.label), r.summary, error=r.error, gold=golds.get(r.label))
        for r in results
    ]
    top = ""
    if len(results) > 1:
        from summariser.export import names_of
        from summariser.export.overview import Overview
        from summariser.view import overview

        ov = Overview(names_of(lambda: results))
        for r in results:
            ov.add(r)
        top = overview(ov, lambda ref: f"#a{ref.seq}-{ref.rid}", skipped=len(bad))
    return entries, top, len(bad)
