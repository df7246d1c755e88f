"""PolNeAR (Newell et al., LREC 2018) attribution relations as gold quotes.

Read from wherever the corpus lies (it has no redistribution licence: never copy it into the
repository). One annotator file per article, the first by name. Each relation becomes a gold
quote: text = the Content span's pieces, each without its enclosing quotation marks, joined by a
space (the project's rule for a quote split by its attribution), speaker = the Source span
as written (often a pronoun: not judged for speaker accuracy), kind = direct when the Content
starts with a quotation mark, else indirect.
"""

from __future__ import annotations

from pathlib import Path

from summariser.errors import InputError
from summariser.evals.gold import GoldFile, GoldQuote
from summariser.evals.run import Item

_MARKS = "\"“”‘’'«»"


def parse_ann(ann: str, text: str) -> list[GoldQuote]:
    """The relations of one brat .ann file as gold quotes."""
    spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    relations: list[dict[str, str]] = []
    for line in ann.splitlines():
        if line.startswith("T"):
            tid, label_offsets, *_ = line.split("\t")
            label, _, offsets = label_offsets.partition(" ")
            pieces = [tuple(map(int, p.split())) for p in offsets.split(";")]
            spans[tid] = (label, [(a, b) for a, b in pieces])
        elif line.startswith("E"):
            _, args = line.split("\t", 1)
            relations.append(dict(a.split(":", 1) for a in args.split()))
    quotes = []
    for rel in relations:
        content = spans.get(rel.get("Content", ""))
        if not content:
            continue
        raw = " ".join(text[a:b] for a, b in content[1]).strip()
        # '"A," he said, "B."' is one relation in two pieces: each piece loses its own marks
        words = " ".join(w for a, b in content[1] if (w := text[a:b].strip(_MARKS + " ,").strip()))
        if not words:
            continue
        source = spans.get(rel.get("Source", ""))
        speaker = " ".join(text[a:b] for a, b in source[1]) if source else "(none)"
        quotes.append(
            GoldQuote(
                text=words,
                speaker=speaker.strip() or "(none)",
                kind="direct" if raw[:1] in _MARKS else "indirect",
            )
        )
    return quotes


def load(folder: Path, limit: int | None = None) -> list[Item]:
    """Articles of a PolNeAR split (its text/ and attributions/ folders) as eval items."""
    texts = sorted((folder / "text").glob("*.txt"))
    if not texts:
        raise InputError(f"{folder}/text holds no .txt files: give the PolNeAR split's folder")
    items = []
    for path in texts[:limit]:
        anns = sorted((folder / "attributions").glob(f"{path.stem}_*.ann"))
        if not anns:
            continue
        text = path.read_text(encoding="utf-8")
        quotes = parse_ann(anns[0].read_text(encoding="utf-8"), text)
        gold = GoldFile.model_validate({"id": path.stem, "article": text, "quotes": quotes})
        items.append(Item(path.stem, text, gold))
    return items
