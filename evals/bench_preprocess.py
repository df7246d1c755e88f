"""Preprocessing time against article size: is it linear, and how far from 10 s at 5 MB?

Builds articles of 100 KB .. 5 MB from the project's own gold articles (evals/gold/articles),
repeated, and times each stage of what runs before (and without) a model: splitting
(quotations, sentences), the spaCy parse, clauses, and the whole parser-only extraction
(`--model none`: quotes, events, stances by code). Prints one row per size with seconds and
characters per second; a linear pipeline keeps chars/s flat.

    python evals/bench_preprocess.py                 # 100 KB, 300 KB, 1 MB, 5 MB
    python evals/bench_preprocess.py --sizes 100000 1000000
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from summariser.backends import resolve
from summariser.pipeline import extract
from summariser.text import document
from summariser.text.clauses import clauses
from summariser.text.quotations import find_quotations
from summariser.text.spans import sentences

ROOT = Path(__file__).resolve().parent.parent


def article(size: int) -> str:
    """The gold articles, repeated to `size` characters (cut at a paragraph)."""
    folder = ROOT / "evals" / "gold" / "articles"
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    block = "\n\n".join(texts)
    text = (block + "\n\n") * (size // (len(block) + 2) + 1)
    cut = text.rfind("\n", 0, size)
    return text[: cut if cut > 0 else size]


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes = [100_000, 300_000, 1_000_000, 5_000_000]
    ap.add_argument("--sizes", type=int, nargs="+", default=sizes)
    args = ap.parse_args()
    document.nlp()  # load once, outside the timings
    none = resolve("none")
    print(f"spaCy pipeline {document.PIPELINE}: {', '.join(document.nlp().pipe_names)}; "
          f"pieces of {document.PIECE_CHARS} chars")  # fmt: skip
    head = ("size", "quotations", "sentences", "parse", "clauses", "none run", "chars/s (run)")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for size in args.sizes:
        text = article(size)
        quotations, t_q = timed(find_quotations, text)
        spans, t_s = timed(sentences, text, [(q.start, q.end) for q in quotations])
        doc, t_p = timed(document.parse, text)
        _, t_c = timed(clauses, doc)
        summary, t_run = timed(extract, text, none)
        row = (
            f"{len(text) / 1e6:.1f} MB" if len(text) >= 1e6 else f"{len(text) // 1000} KB",
            f"{t_q:.2f} s",
            f"{t_s:.2f} s ({len(spans)})",
            f"{t_p:.1f} s",
            f"{t_c:.1f} s",
            f"{t_run:.1f} s ({len(summary.events)} ev, {len(summary.stances)} st, "
            f"{len(summary.quotes)} q)",
            f"{len(text) / t_run:,.0f}",
        )
        print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
