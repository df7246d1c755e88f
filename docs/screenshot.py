"""Regenerate docs/view-seed.png: the `summarise view` page of the seed article.

    summarise run seeds/starmer-harris.txt > /tmp/seed.json
    python docs/screenshot.py /tmp/seed.json

Drives Debian's chromium through Playwright (as tests/test_view.py does); prints the page size.
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


def main(run_json: str, png: str = str(ROOT / "docs" / "view-seed.png")) -> None:
    page = Path(tempfile.mkdtemp()) / "seed.html"
    subprocess.run(
        [sys.executable, "-m", "summariser", "view", run_json, "--article",
         str(ROOT / "seeds" / "starmer-harris.txt"), "-o", str(page), "-q"],
        check=True,
    )  # fmt: skip
    print(f"page: {page.stat().st_size:,} bytes")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        tab = browser.new_page(viewport={"width": 1280, "height": 860}, device_scale_factor=1)
        tab.goto(page.as_uri())
        tab.locator("li.rec").nth(1).click()  # show a selected record
        tab.evaluate("window.scrollTo(0, 0)")
        tab.screenshot(path=png)
        browser.close()
    print(f"wrote {png}")


if __name__ == "__main__":
    main(*sys.argv[1:])
