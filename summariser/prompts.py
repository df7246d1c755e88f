"""Loads the prompt templates in prompts/*.md, renders them, and hashes them into a version."""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from string import Template
from typing import Any

from summariser.errors import ConfigError


def prompts_dir() -> Path:
    """The installed copy (wheel: summariser/_prompts) or the checkout's top-level prompts/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_prompts", here.parent / "prompts"):
        if (candidate / "system.md").is_file():
            return candidate
    raise ConfigError("prompt templates not found: reinstall summariser (pip install .)")


@cache
def templates() -> dict[str, str]:
    """Every template by name (file stem)."""
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(prompts_dir().glob("*.md"))}


@cache
def version() -> str:
    """A short hash of all templates: changes whenever any prompt changes."""
    h = hashlib.sha256()
    for name, body in templates().items():
        h.update(f"{name}\0{body}\0".encode())
    return h.hexdigest()[:12]


def render(name: str, **values: Any) -> str:
    """Fill template `name` with `values`; a missing value is a bug and raises KeyError."""
    return Template(templates()[name]).substitute(values).strip()


_DELIMITER = re.compile(r"<\s*/?\s*article\s*>", re.I)
_MARKER = re.compile(r"\[(\d+)\]")


OMITTED = "(text addressed to AI systems: omitted)"


def article_block(
    text: str, sentences: list[tuple[int, int]], omit: frozenset[int] = frozenset()
) -> str:
    """The article with a [n] before each sentence, paragraph breaks kept, delimiters defused.

    Text inside the article that looks like our own delimiters or sentence markers is rewritten
    so the article cannot close its own block or forge a sentence number; sentences numbered in
    `omit` (instruction-like text) are replaced by a placeholder.
    """
    lines: list[str] = []
    prev_end = 0
    for n, (s, e) in enumerate(sentences, 1):
        sentence = _MARKER.sub(r"(\1)", _DELIMITER.sub("(article tag)", text[s:e]))
        if n in omit:
            sentence = OMITTED
        sep = "\n" if "\n" in text[prev_end:s] and lines else " "
        lines.append(("" if not lines else sep) + f"[{n}] {sentence}")
        prev_end = e
    return render("article", article="".join(lines))


def shape(example: dict[str, Any]) -> str:
    """A compact one-line JSON example of the answer's shape."""
    return json.dumps(example, ensure_ascii=False)
