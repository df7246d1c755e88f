"""`summarise view`: an HTML page of records highlighted in their article."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from summariser.cli.common import QuietOpt, VerboseOpt, configure_output, failures, say
from summariser.cli.root import app

if TYPE_CHECKING:
    from summariser.view import Entry


@app.command()
def view(
    result: Annotated[
        str,
        typer.Argument(
            help="A `run` JSON, a batch results.jsonl or an eval predictions.jsonl (- for stdin)."
        ),
    ],  # fmt: skip
    article: Annotated[
        Path | None, typer.Option("--article", help="The article of a `run` JSON.")
    ] = None,
    articles: Annotated[
        Path | None,
        typer.Option("--articles", help="The batch input (folder or JSONL) the results came from."),
    ] = None,
    gold: Annotated[
        Path | None,
        typer.Option("--gold", help="Gold folder or file: gold beside predictions, misses marked."),
    ] = None,
    allow_outside: Annotated[
        bool, typer.Option("--allow-outside", help="Gold article_path may leave the gold folder.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the page here (default: stdout).")
    ] = None,
    verbose: VerboseOpt = 0,
    quiet: QuietOpt = False,
) -> None:
    """Write one self-contained HTML page (no network) with every record marked in its article.

    Quotes are coloured by speaker, event and stance evidence underlined; click a record to
    scroll to it. Dropped proposals and meta (model, timings, tokens) are listed per article.
    """
    configure_output(verbose, quiet)
    with failures():
        from summariser.view import page

        entries = _entries(result, article, articles, gold, allow_outside)
        named = article.name if article else "stdin" if result == "-" else Path(result).name
        title = f"summariser: {named}"
        html = page(entries, title=title)
        if out is None:
            sys.stdout.write(html)
        else:
            from summariser.errors import InputError

            try:
                out.write_text(html, encoding="utf-8")
            except OSError as e:
                raise InputError(f"{out}: cannot write the page ({e.strerror})") from None
            say(f"wrote {out} ({len(html.encode()):,} bytes, {len(entries)} article(s))")


def _lines(result: str) -> tuple[Any, list[Any]]:
    """The result file as one JSON value (a run), or as JSONL lines."""
    from summariser.errors import InputError

    try:
        raw = sys.stdin.read() if result == "-" else Path(result).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{result}: cannot read it ({e})") from None
    try:
        return json.loads(raw), []
    except json.JSONDecodeError:
        pass
    lines = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:
            raise InputError(f"{result}: line {n} is not JSON") from None
    return None, lines


def _label(line: dict[str, Any]) -> str:
    """An output line's article as people name it: its id as text, or "line:N" (no id)."""
    art_id = line.get("id")
    return str(art_id) if art_id is not None else f"line:{line.get('line')}"


def _entries(
    result: str,
    article: Path | None,
    articles: Path | None,
    gold: Path | None,
    allow_outside: bool,
) -> list[Entry]:
    from pydantic import ValidationError

    from summariser.errors import InputError
    from summariser.schemas import Summary
    from summariser.view import Entry

    whole, lines = _lines(result)
    if isinstance(whole, dict) and "meta" in whole:  # a `run` JSON
        lines = [{"id": article.name if article else result, "summary": whole}]
    elif whole is not None and not lines:
        lines = [whole] if isinstance(whole, dict) else list(whole)
    texts: dict[str, str] = {}
    golds: dict[str, Any] = {}
    if gold is not None:
        from summariser.evals.run import load_items

        for item in load_items(gold, allow_outside=allow_outside):
            texts[item.id], golds[item.id] = item.text, item.gold
    if articles is not None:
        from summariser.batch import read_articles

        wanted = {_label(line) for line in lines if isinstance(line, dict)}
        texts.update({a.label: a.text for a in read_articles(articles) if a.label in wanted})
    if article is not None:
        from summariser.inputs import read_article

        text = read_article(str(article))
        texts.update({_label(line): text for line in lines if isinstance(line, dict)})
    entries = []
    for n, line in enumerate(lines, 1):
        if not isinstance(line, dict) or ("id" not in line and "line" not in line):
            raise InputError(f"{result}: line {n} has no id: not a results or predictions file")
        art_id = _label(line)
        error = line.get("error")
        if error is not None or "summary" not in line:
            message = error.get("message") if isinstance(error, dict) else str(error)
            entries.append(Entry(art_id, texts.get(art_id), error=message or "no summary"))
            continue
        try:
            summary = Summary.model_validate(line["summary"])
        except ValidationError as e:
            raise InputError(f"{result}: line {n} holds no valid summary ({e.error_count()} "
                             "errors): was it written by summariser?") from None  # fmt: skip
        entries.append(Entry(art_id, texts.get(art_id), summary, gold=golds.get(art_id)))
    if not entries:
        raise InputError(f"{result}: no results in it")
    return entries
