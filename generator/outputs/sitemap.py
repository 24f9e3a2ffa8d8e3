"""The site's sitemaps: an index at ``sitemap.xml``, one sitemap per district, one for the rest.

MkDocs writes ``sitemap.xml`` for the pages it builds (the guide and the few pages of the
nav); the estate, street and district pages are rendered straight to HTML and would be
missing. A sitemap holds at most 50,000 URLs (sitemaps.org), and a city has several
hundred thousand pages, so:

- ``sitemap.xml`` is a sitemap index listing the files below (gzipped beside it, as
  MkDocs does);
- ``sitemaps/site.xml`` holds MkDocs' pages and the city-wide pages (home, directory,
  overview …);
- ``sitemaps/districts/<district>.xml`` holds a district's pages and its estates' pages,
  in parts (``<district>-2.xml`` …) past 50,000 URLs.

One estate's commit changes its district's sitemap only, and only when the date of the
estate's version changes. Output is deterministic: URLs sorted, ``<lastmod>`` the date
of the estate's current version (its commit, in Shanghai) or none — never the build
date — and the gzip header carries no time.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

MAX_URLS = 50_000
INDEX = "sitemap.xml"
FOLDER = "sitemaps"
SITE_GROUP = ""  # the pages of no district
_LOC = re.compile(r"<loc>([^<]*)</loc>")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


def page_url(path: str) -> str | None:
    """The directory URL of a site file that is a page (``…/index.html``), else None."""
    if path == "index.html":
        return ""
    if path.endswith("/index.html"):
        return path[: -len("index.html")]
    return None


def write(
    site_dir: Path,
    site_url: str,
    groups: dict[str, Iterable[tuple[str, dt.date | None]]],
) -> list[str]:
    """Write the index and the sitemaps into ``site_dir``; the files written, site-relative.

    ``groups`` maps a group (a district's slug, or :data:`SITE_GROUP`) to its pages as
    (directory URL relative to the site, lastmod or None). MkDocs' own ``sitemap.xml``,
    when there is one, is read first and its pages join the site group.
    """
    base = site_url.rstrip("/") + "/"
    pages: dict[str, dict[str, dt.date | None]] = {}
    for group, entries in groups.items():
        target = pages.setdefault(group if _SLUG.fullmatch(group or "") else SITE_GROUP, {})
        for url, lastmod in entries:
            target[base + url] = lastmod
    index = site_dir / INDEX
    if index.is_file():
        for loc in _LOC.findall(index.read_text("utf-8")):
            # MkDocs stamps every page with the build date: no lastmod (it is not the
            # date the page last changed).
            pages.setdefault(SITE_GROUP, {}).setdefault(_unescape(loc), None)
    written = []
    for group in sorted(pages):
        urls = sorted(pages[group].items())
        for part, start in enumerate(range(0, len(urls), MAX_URLS), start=1):
            stem = f"{FOLDER}/site" if group == SITE_GROUP else f"{FOLDER}/districts/{group}"
            name = f"{stem}.xml" if part == 1 else f"{stem}-{part}.xml"
            _write(site_dir / name, _urlset(urls[start : start + MAX_URLS]))
            written.append(name)
    text = _index(base + name for name in written)
    _write(index, text)
    _write_gzip(site_dir / (INDEX + ".gz"), text.encode("utf-8"))
    return [*written, INDEX, INDEX + ".gz"]


def _urlset(urls: list[tuple[str, dt.date | None]]) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for url, lastmod in urls:
        when = f"<lastmod>{lastmod.isoformat()}</lastmod>" if lastmod else ""
        lines.append(f"<url><loc>{escape(url)}</loc>{when}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def _index(locations: Iterable[str]) -> str:
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    lines += [f"<sitemap><loc>{escape(loc)}</loc></sitemap>" for loc in locations]
    lines.append("</sitemapindex>")
    return "\n".join(lines) + "\n"


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # never write through a hard link into the old site
    path.write_text(text, "utf-8")


def _write_gzip(path: Path, data: bytes) -> None:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, filename=path.name, mode="wb", mtime=0) as out:
        out.write(data)
    path.unlink(missing_ok=True)
    path.write_bytes(buffer.getvalue())
