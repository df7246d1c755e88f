"""False alarms of the prompt-injection defence on real news: prints what it would distrust.

    python evals/check_injection.py [FOLDER ...]   (default: our gold articles and the dev sets)

For every article (a .txt file, or a gold/dev .json with "article"), counts the sentences
`injection.instruction_like` flags and those `untrusted_sentences` withholds, and prints each
flagged sentence so a person can judge it. On honest news every count should be 0.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from summariser.text import injection, spans

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = [
    ROOT / "evals" / "gold" / "articles",
    Path("/work/shared/data/polnear-dev/text"),
    Path("/work/shared/data/mpqa-dev"),
    Path("/work/shared/data/wikievents-dev"),
]


def articles(folder: Path) -> list[tuple[str, str]]:
    """(name, text) of every article under `folder`."""
    out = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".txt":
            out.append((path.name, path.read_text(encoding="utf-8")))
        elif path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("article"), str):
                out.append((path.name, data["article"]))
    return out


def main(folders: list[Path]) -> None:
    total = flagged = withheld = n_articles = 0
    started = time.perf_counter()
    for folder in folders:
        if not folder.exists():
            print(f"{folder}: missing, skipped")
            continue
        for name, text in articles(folder):
            n_articles += 1
            sentences = spans.sentences(text)
            total += len(sentences)
            bad = injection.untrusted_sentences(text, sentences, spans.paragraphs(text))
            withheld += len(bad)
            for s, e in sentences:
                if injection.instruction_like(text[s:e]) and not injection.mentioned(text[s:e]):
                    flagged += 1
                    print(f"{folder.name}/{name}: flagged: {text[s:e][:160]!r}")
    seconds = time.perf_counter() - started
    print(f"{n_articles} articles, {total} sentences: {flagged} flagged as instruction-like, "
          f"{withheld} withheld; {seconds:.1f}s")  # fmt: skip


if __name__ == "__main__":
    main([Path(a) for a in sys.argv[1:]] or DEFAULT)
