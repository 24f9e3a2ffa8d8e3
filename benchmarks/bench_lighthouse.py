#!/usr/bin/env python3
"""Lighthouse (mobile) on every page type of the sample site, and what a first visit weighs.

    .venv/bin/python benchmarks/bench_lighthouse.py --runs 3
    .venv/bin/python benchmarks/bench_lighthouse.py --site-dir /tmp/site --runs 5

Builds the sample site (``data/``, as-of 2026-11-20) unless ``--site-dir`` is given, serves
it on 127.0.0.1 gzipped as nginx and GitHub Pages serve text, then

* runs Lighthouse 12 (npm, ``node_modules/.bin/lighthouse``: ``npm ci``) with its default
  mobile emulation (Moto G Power, slow 4G, 4x CPU slowdown) against Debian's Chromium,
  ``--runs`` times per page type, and prints the median score of each category:
  performance, accessibility, best practices, SEO;
* loads each page type once more in headless Chromium (Playwright), cold cache, and adds
  up the gzip bytes of everything fetched until the load event: the weight of a first
  visit (search files load only when the box is used, so none are counted).

Writes benchmarks/results/<date>-lighthouse.json. It asserts nothing: the tests assert
accessibility (tests/test_a11y.py, tests/test_phones.py), never timings. Performance
scores depend on the machine's load: on a shared 2-core machine they vary by a few points.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gzip
import http.server
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from generator.outputs.localserve import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

LIGHTHOUSE = REPO / "node_modules/.bin/lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PAGE_TYPES = {
    "home": "",
    "directory": "estates/",
    "overview": "overview/",
    "district": "districts/xuhui/",
    "street": "districts/xuhui/tianlin/",
    "value": "districts/xuhui/value/",
    "estate": "estates/meilin-xincun/",
    "estate-committee": "estates/meilin-xincun/committee/",
    "estate-finances": "estates/meilin-xincun/finances/",
    "estate-service": "estates/meilin-xincun/service/",
    "estate-governance": "estates/meilin-xincun/governance/",
    "estate-performance": "estates/meilin-xincun/performance/",
    "estate-calendar": "estates/meilin-xincun/calendar/",
    "estate-history": "estates/meilin-xincun/history/",
    "notice": "estates/meilin-xincun/notice/",
    "guide": "guide/",
    # The page itself: Lighthouse refuses to audit a response with status 404.
    "404": "404.html",
}
TEXT = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".mjs")


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, text gzipped when the client accepts it; 404.html for what is missing
    (as deploy/nginx/sunlight.conf does)."""

    def log_message(self, format, *args):  # noqa: A002 - stdlib name
        pass

    def do_GET(self):  # noqa: N802 - stdlib name
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        status = 200
        if not path.is_file():
            path, status = Path(self.directory) / "404.html", 404
        body = path.read_bytes()
        self.send_response(status)
        self.send_header("Content-Type", self.guess_type(str(path)))
        if path.suffix in TEXT and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, compresslevel=6, mtime=0)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        self.wfile.write(body)


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(GzipHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def build(out: Path) -> Path:
    site = out / "site"
    subprocess.run(
        [str(Path(sys.executable).parent / "sunlight"), "build", str(REPO / "data"),
         "--site-dir", str(site), "--build-dir", str(out / "build"),
         "--as-of", "2026-11-20", "--site-url", "https://sunlight.example.org/"],
        cwd=REPO, check=True, stdin=subprocess.DEVNULL, capture_output=True,
    )  # fmt: skip
    return site


def lighthouse(url: str, work: Path) -> dict[str, float]:
    report = work / "report.json"
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    subprocess.run(
        [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={report}",
         f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={flags}"],
        env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
        check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=300,
    )  # fmt: skip
    data = json.loads(report.read_text("utf-8"))
    scores = {c: data["categories"][c]["score"] for c in CATEGORIES}
    # What cost points outside performance: the audits to look at.
    scores["failed"] = sorted(
        ref["id"]
        for c in CATEGORIES[1:]
        for ref in data["categories"][c]["auditRefs"]
        if ref.get("weight")
        and (data["audits"][ref["id"]].get("score") or 0) < 1
        and data["audits"][ref["id"]].get("scoreDisplayMode") == "binary"
    )
    return scores


def first_visits(base: str) -> dict[str, dict]:
    """Per page type: gzip bytes fetched until the load event, cold cache, at 375 px."""
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for name, path in PAGE_TYPES.items():
            context = browser.new_context(base_url=base, viewport={"width": 375, "height": 800})
            page = context.new_page()
            files: dict[str, int] = {}

            def record(request, files=files):
                try:
                    body = request.response().body()
                except Exception:  # noqa: BLE001 - a request the page dropped on leaving
                    return
                files[request.url] = len(gzip.compress(body, 9, mtime=0))

            page.on("requestfinished", record)
            page.goto(path, wait_until="load")
            # Playwright runs the handlers only while it waits on the browser: until the
            # network is idle, so a loaded machine does not drop the last files' sizes.
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(200)
            out[name] = {"bytes_gzip": sum(files.values()), "requests": len(files)}
            context.close()
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site-dir", type=Path, help="a built site (default: build the sample)")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page type")
    parser.add_argument("--only", nargs="*", help="page types to run (default: all)")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        sys.exit(f"{LIGHTHOUSE} is missing: run `npm ci` (scripts/install-test-deps.sh)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        site = args.site_dir or build(work)
        server, base = serve(site)
        try:
            weights = first_visits(base)
            scores = {}
            for name, path in PAGE_TYPES.items():
                if args.only and name not in args.only:
                    continue
                runs = [lighthouse(base + path, work) for _ in range(args.runs)]
                scores[name] = {c: statistics.median(r[c] for r in runs) for c in CATEGORIES}
                scores[name]["performance_runs"] = [r["performance"] for r in runs]
                scores[name]["failed_audits"] = sorted({a for r in runs for a in r["failed"]})
                print(
                    f"{name:20} "
                    + " ".join(f"{c[:4]} {scores[name][c]:.2f}" for c in CATEGORIES)
                    + f"  first visit {weights[name]['bytes_gzip'] / 1000:.1f} KB gzip"
                    + (
                        f"  failed: {' '.join(scores[name]['failed_audits'])}"
                        if scores[name]["failed_audits"]
                        else ""
                    ),
                    flush=True,
                )
        finally:
            server.shutdown()
    result = {
        "date": dt.date.today().isoformat(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "lighthouse": "12.2.3, mobile (default emulation and throttling)",
        "runs": args.runs,
        "median_scores": scores,
        "first_visit": weights,
    }
    out = HERE / "results" / f"{result['date']}-lighthouse.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"written: {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
