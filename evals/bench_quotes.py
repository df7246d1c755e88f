"""Time the quotes step's code (no model) on growing articles: it must grow linearly.

    python evals/bench_quotes.py 20 80 320        # copies of two gold articles (~3.6 KB each)

Prints, per size: parse seconds (the Document, shared by every step), quote-candidate seconds
(speakers resolved by code), candidates found, and seconds per 100 KB for each.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from summariser.backends import resolve
from summariser.steps.context import Context
from summariser.steps.quotes import candidates
from summariser.text.document import parse

ARTICLES = Path(__file__).resolve().parent / "gold" / "articles"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("copies", nargs="*", type=int, default=[20, 80, 320])
    args = ap.parse_args()
    base = "\n\n".join(
        (ARTICLES / f"{name}.txt").read_text(encoding="utf-8")
        for name in ("ohio-senate-poll", "portside-haddads")
    )
    for n in args.copies:
        text = "\n\n".join([base] * n)
        t0 = time.perf_counter()
        document = parse(text)
        t1 = time.perf_counter()
        found = candidates(Context(document, resolve("none")))
        t2 = time.perf_counter()
        per = 100_000 / len(text)
        print(f"{len(text) / 1000:8.0f} KB  parse {t1 - t0:6.1f} s ({(t1 - t0) * per:.2f} s/100 KB)"
              f"  quotes {t2 - t1:6.2f} s ({(t2 - t1) * per:.3f} s/100 KB)"
              f"  {len(found)} candidates", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
