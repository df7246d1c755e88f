"""Reading articles from files, stdin, folders and JSONL, with one clear error per bad input."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from summariser.errors import InputError

#: Articles larger than this are refused (a news article is a few tens of KB).
MAX_BYTES = 5_000_000
_HTML = re.compile(r"^\s*(<!doctype html|<html\b)|<(p|div|body|span|br)\b[^>]*>", re.I)


def decode(data: bytes, name: str) -> str:
    """Bytes of an article to text, or an InputError saying what is wrong and what to do."""
    if len(data) > MAX_BYTES:
        raise InputError(
            f"{name} is {len(data) / 1e6:.1f} MB; articles up to {MAX_BYTES // 1_000_000} MB "
            "are accepted: split it into articles"
        )
    if b"\x00" in data:
        raise InputError(f"{name} contains NUL bytes: it looks binary; give a plain-text article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(
            f"{name} is not UTF-8 (bad byte at {e.start}): convert it, e.g. "
            f"iconv -f latin1 -t utf-8 {name}"
        ) from None
    if not text.strip():
        raise InputError(f"{name} is empty: give a file with the article's text")
    if len(_HTML.findall(text[:20_000])) >= 3 or _HTML.match(text):
        raise InputError(
            f"{name} looks like HTML: save the article as plain text first "
            "(e.g. with a readability tool or `lynx -dump`)"
        )
    return text


def read_article(path: str) -> str:
    """The article at `path` ('-' for stdin)."""
    if path == "-":
        return decode(sys.stdin.buffer.read(), "stdin")
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{path} is a directory: give one article file, or use `summarise batch`")
    if not p.exists():
        raise InputError(f"{path}: no such file")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror}") from None
    return decode(data, path)
