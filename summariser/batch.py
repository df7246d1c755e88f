"""Many articles: streamed input, bounded concurrency, crash-safe output, resume.

Output is JSONL, one line per input article, appended and flushed as each finishes (so the
order is completion order; every line carries its `id`):
    {"id": ..., "summary": {...}, ...extra input fields}
    {"id": ..., "error": {"type": ..., "message": ...}, ...}
A rerun with the same --out skips ids already in the file (resume); a torn last line left by a
killed process is cut off first, so every line of the file always parses.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from summariser.api import summarise
from summariser.backends.base import ChatBackend
from summariser.cache import ResultCache
from summariser.errors import InputError, SummariserError
from summariser.inputs import decode
from summariser.paths import JsonlAppender, atomic_write
from summariser.pipeline import STEPS

ARTICLE_SUFFIXES = (".txt", ".md")


@dataclass
class Article:
    """One input article, or the reason it cannot be read (`error`)."""

    id: str
    text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def read_articles(source: Path) -> Iterator[Article]:
    """Articles from a folder of .txt/.md files (id = path inside it) or a JSONL file.

    JSONL lines are {"id": ..., "text": ..., ...}; other fields are carried into the output.
    Streams: never loads the whole input. Unreadable entries come out with `error` set.
    """
    if source.is_dir():
        for path in sorted(p for p in source.rglob("*") if p.suffix in ARTICLE_SUFFIXES):
            art_id = path.relative_to(source).as_posix()
            try:
                yield Article(art_id, decode(path.read_bytes(), art_id))
            except (InputError, OSError) as e:
                yield Article(art_id, error=str(e))
        return
    if not source.is_file():
        raise InputError(f"{source}: no such file or folder")
    with source.open("rb") as f:
        for n, raw in enumerate(f, 1):
            if not raw.strip():
                continue
            yield _jsonl_article(raw, n, source.name)


def _jsonl_article(raw: bytes, n: int, name: str) -> Article:
    try:
        obj = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return Article(f"line:{n}", error=f"{name} line {n} is not JSON")
    if not isinstance(obj, dict):
        return Article(f"line:{n}", error=f"{name} line {n} is not a JSON object")
    art_id = str(obj.pop("id", "") or f"line:{n}")
    text = obj.pop("text", None)
    if not isinstance(text, str):
        return Article(art_id, extra=obj, error=f'{name} line {n} has no "text" string')
    return Article(art_id, text, obj)


def count_articles(source: Path) -> int:
    """How many articles `source` holds (one streaming pass), for the progress bar."""
    if not source.exists():
        raise InputError(f"{source}: no such file or folder")
    if source.is_dir():
        return sum(1 for p in source.rglob("*") if p.suffix in ARTICLE_SUFFIXES)
    with source.open("rb") as f:
        return sum(1 for line in f if line.strip())


def done_ids(out: Path, retry_errors: bool = False) -> set[str]:
    """Ids already in `out`; repairs a torn last line; drops error lines if `retry_errors`."""
    if not out.exists():
        return set()
    with out.open("rb+") as f:
        data = f.read()
        if data and not data.endswith(b"\n"):  # killed mid-write: cut the partial line
            f.truncate(data.rfind(b"\n") + 1)
    ids: set[str] = set()
    kept: list[bytes] = []
    dropped = False
    with out.open("rb") as f:
        for line in f:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                dropped = True
                continue
            if retry_errors and "error" in obj:
                dropped = True
                continue
            ids.add(str(obj.get("id")))
            kept.append(line)
    if dropped:
        atomic_write(out, b"".join(kept).decode("utf-8"))
    return ids


@dataclass
class Tally:
    """What a batch run did."""

    summaries: int = 0
    errors: int = 0
    skipped: int = 0
    duplicates: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        dup = f", {len(self.duplicates)} duplicate ids skipped" if self.duplicates else ""
        return (
            f"{self.summaries} summaries, {self.errors} errors, {self.skipped} already done{dup}; "
            f"{self.seconds:.1f}s"
        )


def _result_line(article: Article, outcome: dict[str, Any]) -> str:
    return json.dumps({"id": article.id, **outcome, **article.extra}, ensure_ascii=False)


def run_batch(
    articles: Iterator[Article],
    backend: ChatBackend,
    out: Path,
    *,
    concurrency: int = 1,
    steps: tuple[str, ...] = STEPS,
    cache: ResultCache | bool = True,
    retry_errors: bool = False,
    on_done: Callable[[Article, bool], Any] | None = None,
    backend_for: Callable[[Article], ChatBackend] | None = None,
) -> Tally:
    """Summarise every article into `out` (JSONL), resuming after what is already there.

    At most `concurrency` articles are in flight (local models: 1); input is pulled lazily,
    so memory stays flat however long the input is. `backend_for` gives each article its own
    backend (used to replay OpenAI Batch results). A duplicate id within the input is
    processed once; later occurrences are listed in `Tally.duplicates`, never written twice.
    """
    started = time.perf_counter()
    tally = Tally()
    seen = done_ids(out, retry_errors)
    this_run: set[str] = set()
    workers = 1 if backend.name.startswith("local:") else max(1, concurrency)
    writer = JsonlAppender(out)

    def work(article: Article) -> dict[str, Any]:
        if article.error:
            return {"error": {"type": "InputError", "message": article.error}}
        try:
            chosen = backend_for(article) if backend_for else backend
            summary = summarise(article.text, backend=chosen, steps=steps, cache=cache)
        except SummariserError as e:
            return {"error": {"type": type(e).__name__, "message": str(e)}}
        return {"summary": summary.model_dump(mode="json")}

    def finish(article: Article, outcome: dict[str, Any]) -> None:
        writer.write(_result_line(article, outcome))
        ok = "summary" in outcome
        tally.summaries += ok
        tally.errors += not ok
        if on_done:
            on_done(article, ok)

    pending: dict[Future[dict[str, Any]], Article] = {}
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for article in articles:
                if article.id in this_run:
                    tally.duplicates.append(article.id)
                    continue
                this_run.add(article.id)
                if article.id in seen:
                    tally.skipped += 1
                    if on_done:
                        on_done(article, True)
                    continue
                pending[pool.submit(work, article)] = article
                while len(pending) >= 2 * workers:
                    finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        finish(pending.pop(fut), fut.result())
            for fut in list(pending):
                finish(pending.pop(fut), fut.result())
    finally:
        writer.close()
    tally.seconds = time.perf_counter() - started
    return tally
