#!/usr/bin/env python3
"""A street officer's tour of a built site on a phone (375 px), page by page.

    .venv/bin/python benchmarks/bench_tour.py --site /tmp/site

Serves the site on 127.0.0.1 (text gzipped, as nginx serves it) and opens, in headless
Chromium (Playwright, /usr/bin/chromium) at 375 x 800 px, the path an officer takes:

    home → the district with the most estates → its largest street → an estate of that
    street (a supervised one if there is one) → its company's page → /companies/ → the
    district's company list → /overview/ → the district's paged list (page 1 and the last)

plus the directory (/estates/) and the district's and street's 质价 pages. Per page it
records the HTML's raw and gzip bytes, the document's scroll width against the 375 px
viewport (wider means sideways scrolling), the time to the load event, and the figures
it traces down to the estates' own pages:

* the district's estate count on the home page = the sum of its streets' on the district
  page = the estates its paged overview list shows;
* the street's count on the district page = the estates its page lists, and its
  「挂牌督办中」 count = its estates whose own page says 「被区里挂牌督办」;
* the company page's estate count = the sum of its 「本区服务小区」 over the districts'
  company lists.

It also opens the downloads: ``/overview/estates.csv`` (a UTF-8 BOM, Chinese headers) and
``/overview/estates.xlsx`` (openpyxl reads the headers).

Writes benchmarks/results/<date>-tour-<N>.json (N: the site's estates). It asserts nothing:
it prints numbers; the tests (tests/test_city_pages.py) assert the structure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import io
import json
import re
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urljoin, urlparse

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from bench_lighthouse import serve  # noqa: E402

from generator.outputs.localserve import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

WIDTH = 375
GZIP_LIMIT = 60 * 1024
RAW_LIMIT = 400 * 1024
OPEN_LISTING = re.compile(r"自 [^<，]{6,20} 起被区里挂牌督办")
CREDIT_CODE = re.compile(r"companies/([0-9A-HJ-NPQRTUWXY]{18})/")


def _int(text: str) -> int:
    return int(re.sub(r"[^0-9]", "", text) or 0)


class Tour:
    def __init__(self, site: Path, base: str, page):
        self.site = site
        self.base = base
        self.page = page
        self.pages: list[dict] = []
        self.traces: list[dict] = []

    def file(self, url: str) -> Path:
        path = urlparse(url).path.lstrip("/")
        target = self.site / path
        return target / "index.html" if path == "" or path.endswith("/") else target

    def visit(self, name: str, url: str) -> dict:
        """Open ``url`` at 375 px; its weight, width and load time."""
        url = urljoin(self.base, url)
        started = time.perf_counter()
        self.page.goto(url, wait_until="load")
        wall = time.perf_counter() - started
        timing = self.page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return n ? {load: n.loadEventEnd, dom: n.domContentLoadedEventEnd} : null; }"
        )
        width = self.page.evaluate("document.documentElement.scrollWidth")
        data = self.file(url).read_bytes()
        row = {
            "name": name,
            "path": urlparse(url).path,
            "bytes_raw": len(data),
            "bytes_gzip": len(gzip.compress(data, 6, mtime=0)),
            "scroll_width": width,
            "sideways_scroll": width > WIDTH,
            "load_ms": round(timing["load"], 1) if timing else round(wall * 1000, 1),
            "dom_ms": round(timing["dom"], 1) if timing else None,
        }
        row["within_limits"] = row["bytes_gzip"] <= GZIP_LIMIT and row["bytes_raw"] <= RAW_LIMIT
        self.pages.append(row)
        print(
            f"{name:<22} {row['bytes_raw'] / 1024:8.1f} KB raw {row['bytes_gzip'] / 1024:7.1f} KB gz"
            f"  width {width:4d}{' (scrolls sideways)' if row['sideways_scroll'] else ''}"
            f"  load {row['load_ms']:7.1f} ms  {row['path']}"
        )
        return row

    def trace(self, what: str, **figures) -> None:
        values = [v for k, v in figures.items() if not k.startswith("_")]
        figures["agree"] = len(set(values)) == 1
        self.traces.append({"what": what, **figures})
        shown = ", ".join(f"{k} {v}" for k, v in figures.items() if k != "agree")
        print(f"  trace: {what}: {shown} → {'agree' if figures['agree'] else 'DIFFER'}")

    def hrefs(self, selector: str) -> list[str]:
        return self.page.eval_on_selector_all(selector, "els => els.map(a => a.href)")

    def texts(self, selector: str) -> list[str]:
        return self.page.eval_on_selector_all(selector, "els => els.map(e => e.textContent.trim())")

    def html(self, url: str) -> str:
        return self.file(urljoin(self.base, url)).read_text("utf-8")


def tour(site: Path, base: str, page) -> Tour:
    t = Tour(site, base, page)
    # Home: the district with the most estates.
    t.visit("home", "")
    cards = page.eval_on_selector_all(
        ".sl-district-card",
        "cs => cs.map(c => [c.querySelector('h3 a').href, c.querySelector('h3 small').textContent])",
    )
    district_url, district_count = max(((u, _int(n)) for u, n in cards), key=lambda c: c[1])
    t.visit("directory", "estates/")
    # The district: its streets compared.
    t.visit("district", district_url)
    streets = page.eval_on_selector_all(
        "table.sl-streets tbody tr",
        "rs => rs.map(r => [r.querySelector('th a').href,"
        " r.querySelector('td[data-label=\"小区\"]').textContent,"
        " r.querySelector('td[data-label=\"挂牌督办中\"]').textContent])",
    )
    t.trace(
        "district estates: home card = sum of its streets",
        home=district_count,
        streets=sum(_int(n) for _, n, _ in streets),
    )
    overview_url = next(h for h in t.hrefs("#compare ~ div p a") if "/overview/" in h)
    companies_url = next(h for h in t.hrefs("#compare ~ div a") if "/companies/" in h)
    t.visit("district-value", district_url + "value/")
    # The largest street, and its estates.
    street_url, street_count, supervised = max(
        ((u, _int(n), _int(s)) for u, n, s in streets), key=lambda s: s[1]
    )
    t.visit("street", street_url)
    listed = t.hrefs("#compare ~ div table.sl-compare tbody th a")
    t.trace("street estates: district row = listed on the street page", district=street_count,
            street=len(listed))  # fmt: skip
    # An open listing's light says 「自 <date> 起被区里挂牌督办」 (generator/domain/status.py);
    # a delisted estate's page says 「… 被区里挂牌督办，… 摘牌」.
    flagged = [h for h in listed if OPEN_LISTING.search(t.html(h))]
    t.trace("street supervised: district row = estate pages saying 自…起被区里挂牌督办",
            district=supervised, estate_pages=len(flagged))  # fmt: skip
    t.visit("street-value", street_url + "value/")
    # An estate (supervised if any), then its company.
    estate_url = (flagged or listed)[0]
    t.visit("estate", estate_url)
    company = next((h for h in t.hrefs("a[href]") if CREDIT_CODE.search(h)), None)
    company_estates = None
    if company:
        t.visit("company", company)
        caption = " ".join(t.texts("#estates ~ div caption"))
        company_estates = _int(caption.rsplit("服务的", 1)[-1])
        code = CREDIT_CODE.search(company).group(1)
    t.visit("companies", "companies/")
    district_rows = page.eval_on_selector_all(
        "table.sl-company-districts tbody th a", "as => as.map(a => a.href)"
    )
    t.visit("companies-district", companies_url)
    if company:
        # The company's 本区服务小区 on every district's list, summed.
        served = 0
        for first in district_rows:
            more = [urljoin(first, p.name + "/") for p in self_pages(t.file(first))]
            for url in [first, *more]:
                text = t.html(url)
                hit = re.search(
                    rf"<code>{code}</code></td><td data-label=\"本区服务小区\"[^>]*>(\d+)<", text
                )
                if hit:
                    served += int(hit.group(1))
        t.trace("company estates: its page = sum over the districts' lists",
                company_page=company_estates, district_lists=served)  # fmt: skip
    # The city overview and the district's paged list.
    t.visit("overview", "overview/")
    t.visit("overview-district", overview_url)
    pager = t.hrefs("nav.sl-pager a")
    paged = 0
    for url in [overview_url, *dict.fromkeys(pager)]:
        paged += len(re.findall(r'<tr><th [^>]*scope="row"', t.html(url)))
    if pager:
        t.visit("overview-district-last", pager[-1])
    t.trace("district estates: home card = its paged overview list", home=district_count,
            overview=paged)  # fmt: skip
    return t


def self_pages(first: Path) -> list[Path]:
    """A paged list's ``page-N/`` folders beside its first page."""
    return sorted(first.parent.glob("page-*"), key=lambda p: _int(p.name))


def downloads(base: str) -> dict:
    from openpyxl import load_workbook

    out = {}
    raw = urllib.request.urlopen(urljoin(base, "overview/estates.csv")).read()
    header = raw[3:].split(b"\r\n", 1)[0].decode("utf-8").split(",")
    out["csv"] = {
        "bytes": len(raw),
        "bom": raw.startswith(b"\xef\xbb\xbf"),
        "headers": header[:4],
        "rows": raw.count(b"\r\n") - 1,
    }
    started = time.perf_counter()
    data = urllib.request.urlopen(urljoin(base, "overview/estates.xlsx")).read()
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    first = next(sheet.iter_rows(max_row=1, values_only=True))
    out["xlsx"] = {
        "bytes": len(data),
        "headers": list(first[:4]),
        "read_s": round(time.perf_counter() - started, 2),
    }
    names = urllib.request.urlopen(urljoin(base, "overview/names.json")).read()
    out["names_json"] = {"bytes": len(names), "bytes_gzip": len(gzip.compress(names, 6))}
    print(f"estates.csv  {out['csv']['bytes'] / 1024:.0f} KB, BOM {out['csv']['bom']}, "
          f"headers {out['csv']['headers']}, {out['csv']['rows']} rows")  # fmt: skip
    print(f"estates.xlsx {out['xlsx']['bytes'] / 1024:.0f} KB, headers {out['xlsx']['headers']}")
    print(f"names.json   {out['names_json']['bytes'] / 1024:.0f} KB, "
          f"{out['names_json']['bytes_gzip'] / 1024:.0f} KB gzip (read when the name box is first used)")  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, required=True, help="a built site folder")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args()
    site = args.site.resolve()
    names = json.loads((site / "overview/names.json").read_text("utf-8"))
    estates = len(names["e"])
    server, base = serve(site)
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context(
                viewport={"width": WIDTH, "height": 800}, device_scale_factor=2,
                is_mobile=True, has_touch=True, locale="zh-CN",
            )  # fmt: skip
            page = context.new_page()
            t = tour(site, base, page)
            browser.close()
        files = downloads(base)
    finally:
        server.shutdown()
    heaviest = max(t.pages, key=lambda p: p["bytes_gzip"])
    result = {
        "date": dt.date.today().isoformat(),
        "site": str(site),
        "estates": estates,
        "viewport": WIDTH,
        "limits": {"bytes_gzip": GZIP_LIMIT, "bytes_raw": RAW_LIMIT},
        "pages": t.pages,
        "traces": t.traces,
        "downloads": files,
        "summary": {
            "pages": len(t.pages),
            "within_limits": sum(p["within_limits"] for p in t.pages),
            "sideways_scroll": [p["name"] for p in t.pages if p["sideways_scroll"]],
            "heaviest": {k: heaviest[k] for k in ("name", "bytes_raw", "bytes_gzip")},
            "traces_agree": all(x["agree"] for x in t.traces),
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{result['date']}-tour-{estates}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    s = result["summary"]
    print(f"{s['within_limits']}/{s['pages']} pages within 60 KB gzip and 400 KB raw; "
          f"sideways scroll: {s['sideways_scroll'] or 'none'}; traces agree: {s['traces_agree']}")  # fmt: skip
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
