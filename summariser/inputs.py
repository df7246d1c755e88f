"""Reading articles from files, stdin, folders and JSONL, with one clear error per bad input."""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
from pathlib import Path
from typing import BinaryIO

from summariser.errors import InputError

#: Articles larger than this are refused (a news article is a few tens of KB).
MAX_BYTES = 5_000_000
_HTML = re.compile(r"^\s*(<!doctype html|<html\b)|<(p|div|body|span|br)\b[^>]*>", re.I)
_BOMS = (  # longest first: the UTF-32 LE BOM starts with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def too_big(size: int, name: str) -> InputError:
    """The error for an article over MAX_BYTES (`size` MAX_BYTES + 1: read no further)."""
    limit = MAX_BYTES // 1_000_000
    size_text = f"more than {limit} MB" if size == MAX_BYTES + 1 else f"{size / 1e6:.1f} MB"
    return InputError(
        f"{name} is {size_text}; articles up to {limit} MB are accepted: split it into articles"
    )


def decode(data: bytes, name: str) -> str:
    """Bytes of an article to text, or an InputError saying what is wrong and what to do.

    UTF-8 (a leading BOM removed) is the norm; UTF-16 and UTF-32 are accepted when they start
    with their byte-order mark (Windows tools write them so).
    """
    if len(data) > MAX_BYTES:
        raise too_big(len(data), name)
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if encoding:
        try:
            return check_text(data.decode(encoding).lstrip("\ufeff"), name)
        except UnicodeDecodeError as e:
            raise InputError(
                f"{name} starts with a {encoding.upper()} byte-order mark but is not valid "
                f"{encoding.upper()} (bad bytes at {e.start}): re-save it as UTF-8"
            ) from None
    if b"\x00" in data:
        raise InputError(f"{name} contains NUL bytes: it looks binary; give a plain-text article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(
            f"{name} is not UTF-8 (bad byte at {e.start}): convert it, e.g. "
            f"iconv -f latin1 -t utf-8 {name}"
        ) from None
    return check_text(text, name)


def check_text(text: str, name: str = "the article") -> str:
    """`text` if it can be an article, else an InputError naming `name` and what to do.

    An article is a str of valid Unicode, at most MAX_BYTES, not empty, not binary, not HTML,
    mostly letters. The one check: for decoded files, texts that arrive as strings (JSONL
    lines) and texts given to the library.
    """
    if not isinstance(text, str):
        raise InputError(f"{name} must be text (str), not {type(text).__name__}")
    if len(text) > MAX_BYTES and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise too_big(len(text.encode("utf-8", "surrogatepass")), name)
    check_unicode(text, name)
    if not text.strip():
        raise InputError(f"{name} is empty: give a file with the article's text")
    if len(_HTML.findall(text[:20_000])) >= 3 or _HTML.match(text):
        raise InputError(
            f"{name} looks like HTML: save the article as plain text first "
            "(e.g. with a readability tool or `lynx -dump`)"
        )
    if sum(c.isalpha() for c in text) < 0.3 * len(text.strip()):
        raise InputError(f"{name} is mostly not letters: it looks like binary or data")
    return text


def check_unicode(text: str, name: str) -> str:
    """`text` if it is valid Unicode without NUL characters (an id, a text), else an InputError."""
    bad = _SURROGATE.search(text)
    if bad:
        raise InputError(
            f"{name} holds a lone surrogate (\\u{ord(bad.group()):04x}) at character "
            f"{bad.start()}: it is not valid Unicode; fix the encoding that produced it"
        )
    if "\x00" in text:
        raise InputError(f"{name} contains NUL characters: give a plain-text article")
    return text


def path_error(path: str | os.PathLike[str], e: OSError) -> InputError:
    """One line for why `path` cannot be opened: missing, a symlink loop, no permission..."""
    if e.errno == errno.ELOOP:
        return InputError(f"{path} is a symlink loop (it points back to itself): fix the link")
    if e.errno == errno.ENOENT:
        if os.path.islink(path):
            return InputError(f"{path} is a broken symlink: its target does not exist")
        return InputError(f"{path}: no such file")
    if e.errno in (errno.EACCES, errno.EPERM):
        return InputError(f"cannot read {path}: permission denied")
    if e.errno == errno.ENOTDIR:
        return InputError(f"{path}: a part of this path is a file, not a folder")
    return InputError(f"cannot read {path}: {e.strerror or e}")


def read_article(path: str) -> str:
    """The article at `path` ('-' for stdin).

    A pipe or device given by name (`<(curl ...)`, /dev/stdin) is read like a file: the user
    chose it.
    """
    if path == "-":
        return decode(_read_bounded(sys.stdin.buffer), "stdin")
    p = Path(path)
    try:
        mode = p.stat().st_mode
        if stat.S_ISDIR(mode):
            raise InputError(
                f"{path} is a directory: give one article file, or use `summarise batch`"
            )
        if stat.S_ISREG(mode) and p.stat().st_size > MAX_BYTES:
            raise too_big(p.stat().st_size, path)
        with p.open("rb") as f:
            data = _read_bounded(f)
    except OSError as e:
        raise path_error(path, e) from None
    return decode(data, path)


def _read_bounded(f: BinaryIO) -> bytes:
    """At most MAX_BYTES + 1 bytes (enough to say "too big" without reading a huge stream)."""
    return f.read(MAX_BYTES + 1)
