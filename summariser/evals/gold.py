"""Gold files: one JSON file per article with the records a perfect extractor would return."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from summariser.errors import InputError
from summariser.inputs import MAX_BYTES, decode, too_big
from summariser.schemas import Polarity


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoldQuote(_Strict):
    """A quote: the words (without quotation marks), who said them, direct or indirect."""

    text: str = Field(min_length=1)
    speaker: str = Field(min_length=1)
    kind: Literal["direct", "indirect"] = "direct"


class GoldEvent(_Strict):
    actor: str = Field(min_length=1)
    action: str = Field(min_length=1)
    target: str | None = None
    when: str | None = None
    where: str | None = None


class GoldStance(_Strict):
    holder: str = Field(min_length=1)
    target: str = Field(min_length=1)
    polarity: Polarity
    evidence: str | None = None


class GoldFile(_Strict):
    """One article and its expected records. Give `article` (text) or `article_path`."""

    id: str = ""
    article: str | None = None
    article_path: str | None = Field(None, description="Relative to the gold file")
    aliases: dict[str, list[str]] = Field(default_factory=dict)
    notes: str = ""
    quotes: list[GoldQuote] = Field(default_factory=list)
    events: list[GoldEvent] = Field(default_factory=list)
    stances: list[GoldStance] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_article(self) -> GoldFile:
        if (self.article is None) == (self.article_path is None):
            raise ValueError("give exactly one of 'article' (text) and 'article_path'")
        return self


def load_gold(
    path: Path, root: Path | None = None, allow_outside: bool = False
) -> tuple[GoldFile, str]:
    """A validated gold file and its article text; InputError naming the file and field.

    Args:
        path: The gold file.
        root: The folder `article_path` must stay inside (default: the gold file's folder).
        allow_outside: Read an `article_path` outside `root` too (a gold file is data: by
            default it may not make us read, and send to a model, any file on the machine).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read gold file: {e}") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not JSON (line {e.lineno}): {e.msg}") from None
    try:
        gold = GoldFile.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(file)"
        raise InputError(f"{path}: field {where}: {err['msg']}") from None
    gold.id = gold.id or path.stem
    if gold.article_path is not None:
        article_file = (path.parent / gold.article_path).resolve()
        inside = (root or path.parent).resolve()
        if not allow_outside and not article_file.is_relative_to(inside):
            raise InputError(
                f"{path}: article_path {gold.article_path!r} is outside the gold folder {inside}: "
                "move the article inside it, or pass --allow-outside if you trust this gold file"
            )
        if not article_file.is_file():
            raise InputError(f"{path}: article_path {gold.article_path!r} does not exist")
        size = article_file.stat().st_size
        if size > MAX_BYTES:  # checked before reading: a 2 GB file is never loaded
            raise InputError(f"{path}: article_path {gold.article_path!r}: "
                             f"{too_big(size, 'the article')}")  # fmt: skip
        text = decode(article_file.read_bytes(), str(article_file))
    else:
        text = gold.article or ""
    return gold, text


def gold_files(target: Path, warn: Callable[[str], None] | None = None) -> list[Path]:
    """The gold files at `target`: a folder's *.json (sorted), or one file.

    In a folder, entries that are not regular files (FIFOs, sockets, devices: reading a FIFO
    would block forever) are skipped and named through `warn`, as `summarise batch` does.
    """
    if target.is_dir():
        files = []
        for path in sorted(target.glob("*.json")):
            if path.is_file():
                files.append(path)
            elif warn and not path.is_dir():
                warn(f"skipped {path.name}: not a regular file (a pipe, socket or device)")
        if not files:
            raise InputError(f"{target} holds no *.json gold files")
        return files
    if not target.is_file():
        raise InputError(f"{target}: no such gold file or folder")
    return [target]
