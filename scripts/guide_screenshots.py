"""Screenshots of the site's own pages for the committee guide (content/guide/img/).

Usage: build the demo site, then run this with the site folder:

    .venv/bin/sunlight build --site-dir /tmp/g/site --build-dir /tmp/g/build --as-of 2026-11-20
    .venv/bin/python scripts/guide_screenshots.py /tmp/g/site

Serves the folder on 127.0.0.1, opens each page in Debian's headless Chromium at a phone's
width (375 px, as most residents read the site) and saves PNGs, made smaller with pngquant
when it is installed. Also renders the job summary of a sample pull request (a scripted
git repository in a temporary folder) the way GitHub shows it. Needs the test extras
(playwright), /usr/bin/chromium, and for the emoji fonts-noto-color-emoji.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import markdown
from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parent.parent / "content/guide/img"
WIDTH = 375
HEADER = 64  # Material's sticky header, kept out of the way of what is shown
# (file name, page, element scrolled to the top or None for the page's top, space kept
# above it, height)
SHOTS = [
    ("estate-overview.png", "estates/meilin-xincun/", None, 0, 780),
    ("estate-warnings.png", "estates/meilin-xincun/", ".sl-warnings", 60, 520),
    ("estate-download.png", "estates/meilin-xincun/", ".sl-version", 8, 160),
    ("rules-section.png", "guide/rules/", "#fee-band", 8, 420),
]


REPO = Path(__file__).resolve().parent.parent
SUMMARY_CSS = """
body { font: 14px/1.5 -apple-system, "Noto Sans CJK SC", sans-serif; margin: 16px; color: #1f2328; }
h2 { font-size: 20px; border-bottom: 1px solid #d1d9e0; padding-bottom: 6px; }
h3 { font-size: 16px; margin-top: 20px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #d1d9e0; padding: 4px 8px; vertical-align: top; }
th { background: #f6f8fa; }
a { color: #0969da; text-decoration: none; }
code { background: #eff1f3; padding: 1px 4px; border-radius: 4px; font-size: 12px; }
"""


def summary_html(work: Path) -> Path:
    """A pull request as a committee would send one — a new fee from 2027 and a typo in the
    2026Q3 accounts — and its job summary rendered as HTML, as GitHub shows it."""
    repo = work / "repo"
    shutil.copytree(REPO / "data", repo / "data")
    shutil.copy(REPO / "mkdocs.yml", repo / "mkdocs.yml")
    env = dict(os.environ, GIT_AUTHOR_NAME="secretary", GIT_AUTHOR_EMAIL="s@example.org",
               GIT_COMMITTER_NAME="secretary", GIT_COMMITTER_EMAIL="s@example.org")  # fmt: skip

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "base")
    git("checkout", "-qb", "meilin-2026q4")
    estate = repo / "data/estates/meilin-xincun"
    fees = estate / "fees.csv"
    fees.write_text(
        fees.read_text("utf-8").replace("2024-01-01,,R2023-02", "2024-01-01,2026-12-31,R2023-02")
        + "F04,多层住宅,基础包,0.68,元/㎡·月,2027-01-01,,R2023-02\n",
        "utf-8",
    )
    income = estate / "common_income.csv"
    income.write_text(income.read_text("utf-8").replace(",68806.00,", ",68860.00,"), "utf-8")
    git("commit", "-qam", "梅林新村：2027 年物业费")
    sunlight = Path(sys.executable).parent / "sunlight"
    md = subprocess.run(
        [str(sunlight), "summary", "--base", "main", "--as-of", "2026-11-20"],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    body = markdown.markdown(md, extensions=["tables"])
    page = work / "summary.html"
    page.write_text(
        f'<!doctype html><meta charset="utf-8"><style>{SUMMARY_CSS}</style>{body}', "utf-8"
    )
    return page


def _shrink(path: Path) -> None:
    """Fewer colours, same look: pngquant (Debian package) when it is installed."""
    if shutil.which("pngquant"):
        subprocess.run(
            ["pngquant", "--force", "--skip-if-larger", "--quality", "60-90", "--output",
             str(path), str(path)],
            check=False,
        )  # fmt: skip
    print(f"{path.relative_to(REPO)}  {path.stat().st_size // 1024} KB")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main(site: Path) -> None:
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            for name, url, selector, above, height in SHOTS:
                page = browser.new_page(viewport={"width": WIDTH, "height": height})
                page.goto(base + url)
                page.wait_for_load_state("networkidle")
                if selector:
                    page.evaluate(
                        "([sel, offset]) => window.scrollTo(0, document.querySelector(sel)"
                        ".getBoundingClientRect().top + window.scrollY - offset)",
                        [selector, HEADER + above],
                    )
                    page.wait_for_timeout(300)
                target = OUT / name
                page.screenshot(path=str(target))
                page.close()
                _shrink(target)
            with tempfile.TemporaryDirectory() as work:
                page = browser.new_page(viewport={"width": 720, "height": 300})
                page.goto(summary_html(Path(work)).as_uri())
                target = OUT / "pr-summary.png"
                page.screenshot(path=str(target), full_page=True)
                page.close()
                _shrink(target)
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "site"))
