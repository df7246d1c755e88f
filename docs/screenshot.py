"""Regenerate the screenshots in docs/ (Debian's chromium through Playwright, as test_view does).

    summarise run seeds/starmer-harris.txt > /tmp/seed.json
    python docs/screenshot.py /tmp/seed.json      # docs/view-seed.png: one article
    python docs/screenshot.py overview            # docs/overview.png: a batch's overview

The overview is of 1,000 articles written by tests/batchdata.py (template news articles and the
results lines a batch would write for them; no model). Prints the page sizes.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


def shoot(url: str, png: str, viewport: dict[str, int], click: str | None = None) -> None:
    """A screenshot of `url` in Debian's chromium (after clicking `click`, if given)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        tab = browser.new_page(viewport=viewport, device_scale_factor=1)
        tab.goto(url)
        if click:
            tab.locator(click).nth(1).click()  # show a selected record
            tab.evaluate("window.scrollTo(0, 0)")
        tab.screenshot(path=png)
        browser.close()
    print(f"wrote {png}")


def main(run_json: str, png: str = str(ROOT / "docs" / "view-seed.png")) -> None:
    page = Path(tempfile.mkdtemp()) / "seed.html"
    subprocess.run(
        [sys.executable, "-m", "summariser", "view", run_json, "--article",
         str(ROOT / "seeds" / "starmer-harris.txt"), "-o", str(page), "-q"],
        check=True,
    )  # fmt: skip
    print(f"page: {page.stat().st_size:,} bytes")
    shoot(page.as_uri(), png, {"width": 1280, "height": 860}, click="li.rec")


def overview(png: str = str(ROOT / "docs" / "overview.png")) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.batchdata import write_batch

    folder = Path(tempfile.mkdtemp())
    articles, results = write_batch(folder, 1000)
    site = folder / "site"
    subprocess.run(
        [sys.executable, "-m", "summariser", "view", str(results), "--articles", str(articles),
         "-o", str(site), "-q"],
        check=True,
    )  # fmt: skip
    print(f"index.html: {(site / 'index.html').stat().st_size:,} bytes")
    shoot((site / "index.html").as_uri(), png, {"width": 1440, "height": 1250})


if __name__ == "__main__":
    if sys.argv[1:] == ["overview"]:
        overview()
    else:
        main(*sys.argv[1:])
