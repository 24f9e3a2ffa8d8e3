"""Stage 6 — search: index the built site with Pagefind, in chunks a browser fetches on demand.

Material's own search writes one ``search_index.json`` that every reader downloads whole:
110 MB (13 MB gzipped) at 1,000 estates, so about 1 GB at 10,000. Pagefind splits its
index into small files by word and loads only those a query needs, plus one small
fragment per result shown. Its *extended* build (``pagefind[extended]`` on PyPI, the
binary ships inside the wheel, nothing is downloaded at run time) segments Chinese text
into words; the standard build finds nothing in Chinese.

What is indexed: the site's own pages (home, directory, overview, districts, streets, the
guide) and each estate's overview, which links to the estate's other pages; of each, its
``<article>`` (Material's content area: header, navigation and footer are the same on every
page and would only make the index bigger), minus elements marked ``data-pagefind-ignore``.
An estate's other pages (committee, finances, … notice) are not search results: at city
scale they would make ten results per estate for every common word, and Pagefind's page list,
which every query loads first, grows with every page indexed (62 KB at 1,000 estates with
all their pages, 9 KB with overviews only, 65 KB at 10,000; see benchmarks/). The browser
side is
``theme/assets/search.js``.

The estate overview carries its name a second time, as hidden bigram tokens
(``theme/sunlight/_macros.html``), because a fragment such as 林新 in 梅林新村 is not a
word either segmenter would cut out.

Run it on the staging folder, before the swap: a failed index leaves the last good site.
Two runs over the same site write identical files (checked by tests/test_search.py).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BUNDLE = "pagefind"
# The content area of a Material page; everything outside it is site chrome.
ROOT_SELECTOR = "article.md-content__inner"
# Pages that are not search results (paths relative to the site, matched from the right
# like pathlib's Path.match): an estate's pages other than its overview, and the 404 page.
EXCLUDED = ("404.html", "estates/*/*/index.html")


class SearchError(Exception):
    """Pagefind failed; ``output`` is what it printed."""

    def __init__(self, message: str, output: str = ""):
        super().__init__(message)
        self.output = output


@dataclass
class SearchStats:
    """What :func:`index_site` produced."""

    pages: int  # pages in the index
    words: int  # distinct words Pagefind indexed
    index_files: int  # word-index chunks (index/*.pf_index)
    fragments: int  # one per page: title, excerpt source, URL
    bundle_bytes: int  # everything under pagefind/ (scripts and UI included)
    index_bytes: int  # index chunks + fragments + metadata (what queries download from)
    seconds: float


def _excluded(rel: Path) -> bool:
    return any(rel.match(pattern) for pattern in EXCLUDED)


def _link_tree(site_dir: Path, into: Path) -> int:
    """Hard-link the HTML pages to index into ``into`` (same relative paths, so the same
    URLs). Pagefind has no option to skip pages by path; a tree of links costs nothing."""
    count = 0
    for path in sorted(site_dir.rglob("*.html")):
        rel = path.relative_to(site_dir)
        if rel.parts[0] == BUNDLE or _excluded(rel):
            continue
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:  # another filesystem, or links not allowed: copy instead
            shutil.copyfile(path, target)
        count += 1
    return count


def pagefind_command() -> list[str]:
    """The Pagefind binary from the pagefind[extended] wheel, run by this interpreter."""
    return [sys.executable, "-m", "pagefind"]


def index_site(site_dir: Path) -> SearchStats:
    """Write ``site_dir/pagefind/``: the search index of the pages in ``site_dir``."""
    started = time.monotonic()
    site_dir = Path(site_dir)
    out = site_dir / BUNDLE
    if out.exists():
        shutil.rmtree(out)
    with tempfile.TemporaryDirectory(prefix=".search-", dir=site_dir.parent) as tmp:
        # Absolute: Pagefind runs with cwd=tmp, where a relative path (from a relative
        # --site-dir such as the default "site") would point nowhere.
        source = Path(tmp).resolve()
        _link_tree(site_dir, source)
        command = [
            *pagefind_command(),
            "--site",
            str(source),
            "--output-path",
            str(out.resolve()),
            "--root-selector",
            ROOT_SELECTOR,
        ]
        # Pagefind reads pagefind.yml and PAGEFIND_* variables from where it runs; run it
        # where there are none, so the index depends on this code and the site only.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
        result = subprocess.run(command, capture_output=True, text=True, cwd=tmp, env=env)
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0 or not (out / "pagefind.js").is_file():
        raise SearchError("Pagefind failed", output)
    return _stats(out, output, time.monotonic() - started)


def _count(pattern: str, text: str) -> int:
    match = re.search(pattern, text)
    return int(match.group(1)) if match else 0


def _stats(out: Path, output: str, seconds: float) -> SearchStats:
    files = [p for p in out.rglob("*") if p.is_file()]
    index = [p for p in files if p.suffix in (".pf_index", ".pf_fragment", ".pf_meta")]
    return SearchStats(
        pages=_count(r"Indexed (\d+) pages?", output),
        words=_count(r"Indexed (\d+) words?", output),
        index_files=sum(1 for p in files if p.suffix == ".pf_index"),
        fragments=sum(1 for p in files if p.suffix == ".pf_fragment"),
        bundle_bytes=sum(p.stat().st_size for p in files),
        index_bytes=sum(p.stat().st_size for p in index),
        seconds=seconds,
    )
