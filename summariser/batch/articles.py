"""Reading a batch's input: a folder of .txt/.md articles or JSONL lines, streamed.

JSONL lines are {"id": ..., "text": ..., ...}; ids keep their JSON type (7 and "7" are two
articles) and the other fields are carried into the output under "extra". An entry that cannot
be read becomes an `Article` with `error` set (it gets an error line), never the end of a batch.
"""

from __future__ import annotations

import contextlib
import json
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from summariser.errors import InputError
from summariser.inputs import MAX_BYTES, check_text, check_unicode, decode, path_error, too_big

ARTICLE_SUFFIXES = (".txt", ".md")
#: Deepest nesting of arrays/objects accepted in an input line (Python's own parser and our
#: walks over the value are recursive: a line nested ~1,000 deep would end the whole batch).
MAX_DEPTH = 64
ArticleId = str | int


@dataclass
class Article:
    """One input article, or the reason it cannot be read (`error`).

    Attributes:
        id: As the input gave it (a JSONL id keeps its type), a folder file's path inside the
            folder, or None when a JSONL line has no usable id (then `line` names it).
        text: The article.
        extra: Input fields other than id and text, carried into the output under "extra".
        error: Why the article cannot be summarised (it gets an error line).
        line: The JSONL line number.
        requests: Fingerprints of the model requests an OpenAI Batch export recorded for it, in
            order: a replay must ask the same questions (see openai_files).
    """

    id: ArticleId | None
    text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    line: int | None = None
    requests: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Identity for resume and duplicate checks: the id as JSON, else "line N"."""
        return json.dumps(self.id) if self.id is not None else f"line {self.line}"

    @property
    def label(self) -> str:
        """The id for people (messages, custom ids): the id as text, else "line:N"."""
        return str(self.id) if self.id is not None else f"line:{self.line}"


def read_articles(source: Path, warn: Callable[[str], None] | None = None) -> Iterator[Article]:
    """Articles from a folder of .txt/.md files (id = path inside it) or a JSONL file.

    JSONL lines are {"id": ..., "text": ..., ...}; other fields are carried into the output.
    Streams: never loads the whole input. Unreadable entries come out with `error` set; in a
    folder, entries that are not regular files (FIFOs, sockets, devices) are skipped and named
    through `warn` (reading a FIFO would block the batch forever).
    """
    try:
        mode = source.stat().st_mode
    except OSError as e:
        raise path_error(source, e) from None
    if stat.S_ISDIR(mode):
        yield from _folder_articles(source, warn)
        return
    with _open_input(source) as f:
        yield from _jsonl_articles(f, source.name)


def _folder_articles(folder: Path, warn: Callable[[str], None] | None) -> Iterator[Article]:
    for path in sorted(p for p in folder.rglob("*") if p.suffix in ARTICLE_SUFFIXES):
        art_id = path.relative_to(folder).as_posix()
        try:
            mode = path.stat().st_mode
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                if warn:
                    warn(f"skipped {art_id}: not a regular file (a pipe, socket or device)")
                continue
            if path.stat().st_size > MAX_BYTES:
                raise too_big(path.stat().st_size, art_id)
            yield Article(art_id, decode(path.read_bytes(), art_id))
        except InputError as e:
            yield Article(art_id, error=str(e))
        except OSError as e:
            yield Article(art_id, error=str(path_error(art_id, e)))


@contextlib.contextmanager
def _open_input(source: Path) -> Iterator[BinaryIO]:
    try:
        f = source.open("rb")
    except OSError as e:
        raise path_error(source, e) from None
    with f:
        head = f.peek(4)[:4] if hasattr(f, "peek") else b""
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InputError(
                f"{source} is UTF-16: JSONL must be UTF-8; convert it, e.g. "
                f"iconv -f utf-16 -t utf-8 {source}"
            )
        yield f


def _bounded_lines(f: BinaryIO) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, line, whole) for each line; a line over the cap is cut (`whole` False)."""
    cap = 2 * MAX_BYTES + 1024  # room for JSON escapes around a 5 MB text
    n = 0
    while True:
        raw = f.readline(cap)
        if not raw:
            return
        n += 1
        whole = raw.endswith(b"\n") or len(raw) < cap
        if not whole:
            while (rest := f.readline(cap)) and not rest.endswith(b"\n"):
                pass  # skip the rest of the over-long line
        yield n, raw, whole


def _jsonl_articles(f: BinaryIO, name: str) -> Iterator[Article]:
    for n, raw, whole in _bounded_lines(f):
        if not raw.strip():
            continue
        if not whole:
            yield Article(None, line=n, error=f"{name} line {n} is longer than 10 MB: split it")
            continue
        yield jsonl_article(raw, n, name)


def jsonl_article(raw: bytes, n: int, name: str) -> Article:
    """The article on JSONL line `n` (bytes of one line), or an Article saying what is wrong."""
    where = f"{name} line {n}"
    raw = raw.removeprefix(b"\xef\xbb\xbf") if n == 1 else raw
    if json_depth(raw) > MAX_DEPTH:
        return Article(None, line=n, error=f"{where} is JSON nested more than {MAX_DEPTH} "
                       "levels deep: flatten its fields")  # fmt: skip
    try:
        obj = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return Article(None, line=n, error=f"{where} is not JSON")
    if not isinstance(obj, dict):
        return Article(None, line=n, error=f"{where} is not a JSON object")
    art_id = obj.pop("id", None)
    if art_id is not None and (
        isinstance(art_id, bool) or not isinstance(art_id, str | int) or art_id == ""
    ):
        return Article(
            None, line=n, error=f'{where}: "id" must be a non-empty string or an integer'
        )
    if isinstance(art_id, str):
        try:
            check_unicode(art_id, f'{where}: "id"')
        except InputError as e:
            return Article(None, line=n, error=str(e))
    text = obj.pop("text", None)
    bad = _bad_strings(obj)
    if bad:
        return Article(art_id, line=n, error=f'{where}: field "{bad}" holds a lone surrogate '
                       "(invalid Unicode); fix the encoding that produced it")  # fmt: skip
    if not isinstance(text, str):
        return Article(art_id, extra=obj, line=n, error=f'{where} has no "text" string')
    try:
        check_text(text, where)
    except InputError as e:
        return Article(art_id, extra=obj, line=n, error=str(e))
    return Article(art_id, text, obj, line=n)


def json_depth(raw: bytes) -> int:
    """How deeply arrays and objects nest in the JSON text `raw` (brackets inside strings do not
    count), found without parsing it, so a hostile line cannot exhaust the recursion limit.
    """
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return 0  # cannot be too deep: the common case costs two counts
    depth = deepest = 0
    for m in _BRACKETS.finditer(_STRINGS.sub(b'""', raw)):
        depth += 1 if m.group() in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


def _bad_strings(value: Any, path: str = "") -> str | None:
    """The path of the first string (key or value) holding a lone surrogate, else None."""
    if isinstance(value, str):
        return path or "?" if _has_surrogate(value) else None
    if isinstance(value, dict):
        for k, v in value.items():
            where = f"{path}.{k}" if path else str(k)
            if _has_surrogate(str(k)) or (found := _bad_strings(v, where)):
                return found or where
    if isinstance(value, list):
        for i, v in enumerate(value):
            if found := _bad_strings(v, f"{path}[{i}]"):
                return found
    return None


def _has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def count_articles(source: Path) -> int | None:
    """How many articles `source` holds (one streaming pass), for the progress bar.

    None when it cannot be counted without consuming it (a pipe given as the JSONL input).
    """
    try:
        mode = source.stat().st_mode
    except OSError as e:
        raise path_error(source, e) from None
    if stat.S_ISDIR(mode):
        return sum(1 for p in source.rglob("*") if p.suffix in ARTICLE_SUFFIXES and p.is_file())
    if not stat.S_ISREG(mode):
        return None
    with _open_input(source) as f:
        return sum(1 for _, raw, _ in _bounded_lines(f) if raw.strip())
