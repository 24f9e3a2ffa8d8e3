"""Stage 6 — search: index the built site with Pagefind, in shards a browser merges.

Material's own search writes one ``search_index.json`` that every reader downloads whole:
110 MB (13 MB gzipped) at 1,000 estates, so about 1 GB at 10,000. Pagefind splits its
index into small files by word and loads only those a query needs, plus one small
fragment per result shown. Its *extended* build (``pagefind[extended]`` on PyPI, the
binary ships inside the wheel, nothing is downloaded at run time) segments Chinese text
into words; the standard build finds nothing in Chinese.

What is indexed: the site's own pages (home, directory, overview, districts, streets, the
companies' lists, the guide; not each company's own page, see :data:`COMPANY_PAGE`) and each
estate's overview, which links to the estate's other pages; of each, its
``<article>`` (Material's content area: header, navigation and footer are the same on every
page and would only make the index bigger), minus elements marked ``data-pagefind-ignore``.
An estate's other pages (committee, finances, … notice) are not search results: at city
scale they would make ten results per estate for every common word, and Pagefind's page list,
which every query loads first, grows with every page indexed (62 KB at 1,000 estates with
all their pages, 9 KB with overviews only, 65 KB at 10,000; see benchmarks/). The browser
side is ``theme/assets/search.js``.

The estate overview carries its name a second time, as hidden bigram tokens
(``theme/sunlight/_macros.html``), because a fragment such as 林新 in 梅林新村 is not a
word either segmenter would cut out.

Shards
------
The index is a set of Pagefind bundles, one per *shard*, which the browser merges (Pagefind's
``mergeIndex``) into one search: a commit that changes one estate re-indexes that estate's
shard and copies the others. The contract, for :func:`index_shards`:

* The caller decides the shards: ``shards`` maps a shard name (``[a-z0-9][a-z0-9-]*``;
  :func:`plan_shards` builds it from estate id → shard, and :func:`district_shard` puts a
  district's estates in one of :data:`DISTRICT_BUCKETS` shards) to the site-relative paths of the
  HTML pages it holds (``"estates/<id>/index.html"``). A page is in at most one shard; a
  page in none is not searchable. :data:`SITE_SHARD` holds the site's own pages and is the
  *primary* bundle, whose ``pagefind.js`` and WebAssembly the browser loads (once).
* Output: ``<site>/pagefind/<shard>/`` per shard (Pagefind's files, minus its UI scripts,
  which nothing uses) and ``<site>/pagefind/shards.json``: ``{"version", "primary",
  "shards": {name: digest}}``, sorted, read by search.js. A shard's digest is the sha256 of
  the indexer (Pagefind's version, this module's settings) and of its pages' paths and
  contents' sha256: same pages, same digest, same bundle bytes (tests/test_search.py checks it).
  Each bundle also holds :data:`PAGES` (``{"indexer", "pages": {path: sha256}}``), which the
  browser never loads.
* ``previous`` (the last good site folder, or ``None``): a shard whose digest equals the one
  in ``previous/pagefind/shards.json`` and whose folder is there is copied from it, not
  indexed. ``only`` (a set of shard names, or ``None``): when given, only those shards are
  hashed and compared; every other shard is taken from ``previous`` without reading its
  pages — the caller promises that their pages did not change (a shard ``previous`` lacks is
  indexed anyway). Without ``previous`` every shard is indexed.
* A shard whose digest changed is written again, but Pagefind reads only its pages that are
  new or changed since ``previous``'s bundle of it (by :data:`PAGES`, same indexer); the
  other pages' fragments and word positions are taken from that bundle and the whole is
  written by :mod:`.pagefind_bundle` as Pagefind writes it, pages numbered in URL order. An
  estate's commit so costs Pagefind one page, not its bucket's 8,000 (25 s at 16,000
  estates; benchmarks/README.md). Every bundle is written that way, the first one too, so
  a shard's bytes do not depend on which build indexed which page.

Run it on the staging folder, before the swap: a failed index leaves the last good site.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import itertools
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import pagefind_bundle

BUNDLE = "pagefind"
MANIFEST = "shards.json"
# 2: bundles written by pagefind_bundle (pages in URL order, our gzip) with a pages file.
MANIFEST_VERSION = 2
# In each bundle: the pages it holds (path → sha256) and the indexer, so that the next build
# re-indexes only the pages that changed. Not read by the browser.
PAGES = "sunlight-pages.json"
# The site's own pages (home, directory, districts, streets, guide): the primary bundle.
SITE_SHARD = "site"
# Estates go to this many shards, by district (district_shard). Every shard a query merges
# costs its own index chunks, so fewer is cheaper to search and dearer to re-index; measured
# at 16,000 estates in benchmarks/README.md ("Search in shards"): 1 bundle, 213–246 KB for a
# first query; 2 buckets, 287–346 KB; 4, 351–434 KB; one per district, 634–841 KB.
DISTRICT_BUCKETS = 2
SHARD_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
# The content area of a Material page; everything outside it is site chrome.
ROOT_SELECTOR = "article.md-content__inner"
# Pages that are not search results (paths relative to the site, matched from the right
# like pathlib's Path.match): an estate's pages other than its overview (its buildings'
# notices too, one level deeper), and the 404 page.
EXCLUDED = ("404.html", "estates/*/*/index.html", "estates/*/notice/*/index.html")
# Nor is a company's own page (companies/<credit code>/; a district's list of companies,
# companies/<district>/, is). At 16,000 estates there are 11,000 of them, in the site's
# own shard, whose page list every first query loads: 376–652 KB where the budget is 300.
# A company's name still finds the estates it serves (their overview names it) and the
# lists of the districts it works in, each a link to its page.
COMPANY_PAGE = re.compile(r"companies/[0-9A-HJ-NPQRTUWXY]{18}/index\.html")
# Pagefind's UI scripts and styles: the header's box (search.js) uses its JS API only.
UNUSED = re.compile(r"pagefind-(component-ui|modular-ui|ui|highlight)\.(js|css)")


class SearchError(Exception):
    """Pagefind failed; ``output`` is what it printed."""

    def __init__(self, message: str, output: str = ""):
        super().__init__(message)
        self.output = output


@dataclass
class SearchStats:
    """What :func:`index_shards` produced: pages and shards in all; words, files and bytes
    summed over the shards written again (the copied ones are links to files counted
    before, and at 16,000 estates listing their 40,000 files took seconds)."""

    pages: int  # pages in the index
    words: int  # distinct words, summed over the shards written again
    index_files: int  # word-index chunks (index/*.pf_index)
    fragments: int  # one per page: title, excerpt source, URL
    bundle_bytes: int  # everything in the bundles written again
    index_bytes: int  # index chunks + fragments + metadata (what queries download from)
    seconds: float
    shards: int = 1
    indexed: list[str] = field(default_factory=list)  # shards written again
    read: int = 0  # pages Pagefind read: in a shard written again, those new or changed
    copied: list[str] = field(default_factory=list)  # shards taken from the previous site


# EXCLUDED as component tuples, matched from the right like Path.match ("*" stands for
# one whole component; no pattern uses it otherwise): a build asks for 500,000 paths at
# 16,000 estates, and Path.match took 19 s of them.
_EXCLUDED_PARTS = tuple(tuple(pattern.split("/")) for pattern in EXCLUDED)
# The same by their last component (most paths asked for end in one no pattern ends in),
# and those ending in "*", which any path may match.
_EXCLUDED_BY_NAME: dict[str, tuple[tuple[str, ...], ...]] = {
    name: tuple(p for p in _EXCLUDED_PARTS if p[-1] == name)
    for name in {p[-1] for p in _EXCLUDED_PARTS if p[-1] != "*"}
}
_EXCLUDED_ANY_NAME = tuple(p for p in _EXCLUDED_PARTS if p[-1] == "*")


def _excluded(rel: Path | str) -> bool:
    parts = rel.split("/") if isinstance(rel, str) else rel.parts
    if len(parts) == 3 and parts[0] == "companies" and COMPANY_PAGE.fullmatch("/".join(parts)):
        return True
    for pattern in (*_EXCLUDED_BY_NAME.get(parts[-1], ()), *_EXCLUDED_ANY_NAME):
        n = len(pattern)
        if len(parts) >= n and all(
            want == "*" or want == got for want, got in zip(pattern, parts[-n:], strict=True)
        ):
            return True
    return False


def is_indexable(rel: str) -> bool:
    """Whether search indexes the page at site-relative path ``rel``."""
    return (
        rel.endswith(".html")
        and not rel.startswith(BUNDLE + "/")
        and rel != BUNDLE
        and not _excluded(rel)
    )


def indexable_pages(site_dir: Path, skip_estates: Iterable[str] = ()) -> list[str]:
    """Site-relative paths of the pages search indexes, sorted; the folders
    ``estates/<id>/`` of the ids in ``skip_estates`` are not walked (the caller knows
    their pages: at 16,000 estates they are 550,000 files, and walking them cost a
    minute)."""
    site_dir = Path(site_dir)
    skip = set(skip_estates)
    out = []
    for root, folders, names in os.walk(site_dir):
        rel_root = Path(root).relative_to(site_dir)
        if rel_root.parts == ("estates",):
            folders[:] = [f for f in folders if f not in skip]
        elif rel_root.parts == () and BUNDLE in folders:
            folders.remove(BUNDLE)
        folders.sort()
        for name in names:
            rel = rel_root / name
            if name.endswith(".html") and not _excluded(rel):
                out.append(rel.as_posix())
    return sorted(out)


def plan_shards(
    site_dir: Path,
    estate_shard: Mapping[str, str],
    also: Iterable[str] = (),
    estates: Iterable[str] = (),
) -> dict[str, list[str]]:
    """The shards of ``site_dir``'s pages and of the pages ``also`` names: an estate's
    overview (``estates/<id>/index.html``) goes to ``estate_shard[id]`` (the pipeline passes
    the estate's district slug), every other indexed page to :data:`SITE_SHARD`.

    ``also``: site-relative paths of every estate's files (or only of its pages search
    indexes, :func:`estate_pages`), wherever they are (the staging site, or a published
    folder the build keeps as it is); the folders of the estates it names, and of the
    ids in ``estates``, are then not walked."""
    shards: dict[str, list[str]] = {}
    # One pass: at 16,000 estates ``also`` may hold 540,000 paths.
    known: set[str] = set(estates)
    kept = []
    skip = len("estates/")
    for rel in also:
        if rel.startswith("estates/") and (end := rel.find("/", skip)) >= 0:
            known.add(rel[skip:end])
        if rel.endswith(".html") and is_indexable(rel):
            kept.append(rel)
    for rel in sorted({*indexable_pages(site_dir, known), *kept}):
        parts = rel.split("/")
        shard = SITE_SHARD
        if len(parts) == 3 and parts[0] == "estates" and parts[1] in estate_shard:
            shard = estate_shard[parts[1]]
        shards.setdefault(shard, []).append(rel)
    return shards


def estate_pages(paths: Iterable[str]) -> list[str]:
    """Of the estates' files (site-relative paths), the pages search indexes: what
    :func:`is_indexable` says, asked once per path below the estate's id (at 16,000
    estates some 160,000 pages share a dozen such tails)."""
    verdicts: dict[str, bool] = {}
    pages = []
    for rel in paths:
        if not rel.endswith(".html"):
            continue
        top, _, rest = rel.partition("/")
        ident, _, tail = rest.partition("/")
        if top != "estates" or not tail or ident in _PATTERN_NAMES:
            indexable = is_indexable(rel)
        elif (indexable := verdicts.get(tail)) is None:
            # The patterns name no id: any other id gives the same verdict.
            indexable = verdicts[tail] = is_indexable(f"estates/_/{tail}")
        if indexable:
            pages.append(rel)
    return pages


# The names EXCLUDED matches literally: an estate id that is one of them could change a
# verdict, so estate_pages asks about its paths one by one.
_PATTERN_NAMES = {part for pattern in EXCLUDED for part in pattern.split("/")} - {"*"}


def district_shard(district_slug: str, buckets: int = DISTRICT_BUCKETS) -> str:
    """The shard of a district's estates: ``b0`` … ``b<buckets-1>``, by a hash of its slug, so
    it never changes while the slug does not (and a one-district build slice knows it)."""
    digest = hashlib.sha256(district_slug.encode("utf-8")).hexdigest()
    return f"b{int(digest, 16) % buckets}"


def pagefind_command() -> list[str]:
    """The Pagefind binary from the pagefind[extended] wheel, run by this interpreter."""
    return [sys.executable, "-m", "pagefind"]


def _indexer_identity(command: list[str]) -> str:
    """What besides the pages decides a bundle's bytes: Pagefind's version and our options."""
    result = subprocess.run([*command, "--version"], capture_output=True, text=True, env=_env())
    version = (result.stdout + result.stderr).strip()
    return json.dumps(
        [version, ROOT_SELECTOR, EXCLUDED, UNUSED.pattern, MANIFEST_VERSION, pagefind_bundle.FORMAT]
    )


def _env() -> dict[str, str]:
    # Pagefind reads pagefind.yml and PAGEFIND_* variables from where it runs; run it where
    # there are none, so the index depends on this code and the site only.
    return {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}


def _page_shas(
    locate: Callable[[str], Path], pages: Iterable[str], known: Mapping[str, str]
) -> dict[str, str]:
    """Each page's sha256: from ``known``, which the pipeline has for every estate page,
    else read."""
    return {
        rel: known.get(rel) or hashlib.sha256(locate(rel).read_bytes()).hexdigest()
        for rel in sorted(pages)
    }


def _digest(shas: Mapping[str, str], identity: str) -> str:
    """A shard's digest: the indexer and each page's path and sha256."""
    h = hashlib.sha256(identity.encode())
    for rel in sorted(shas):
        h.update(f"\0{rel}\0{shas[rel]}".encode())
    return h.hexdigest()[:32]


def _read_manifest(site_dir: Path | None) -> dict:
    if site_dir is None:
        return {}
    try:
        manifest = json.loads((Path(site_dir) / BUNDLE / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(manifest, dict) or manifest.get("version") != MANIFEST_VERSION:
        return {}
    return manifest if isinstance(manifest.get("shards"), dict) else {}


def published_shards(site_dir: Path | None) -> dict[str, str]:
    """The shards (name → digest) of the bundle this module wrote into ``site_dir``; {}
    when there is none, or it is not of this version, or not as this module writes it."""
    shards = _read_manifest(site_dir).get("shards", {})
    if not all(SHARD_NAME.fullmatch(str(n)) and isinstance(d, str) for n, d in shards.items()):
        return {}
    return shards


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another filesystem, or links not allowed: copy instead
        shutil.copyfile(source, target)


def _link_pages(locate: Callable[[str], Path], pages: Iterable[str], into: Path) -> None:
    """Hard-link a shard's pages into ``into`` (same relative paths, so the same URLs).
    Pagefind has no option to index a list of pages; a tree of links costs nothing."""
    for rel in pages:
        target = into / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        _link(locate(rel), target)


def _run_pagefind(
    command: list[str], site_dir: Path, locate: Callable[[str], Path], pages: list[str], out: Path
) -> str:
    with tempfile.TemporaryDirectory(prefix=".search-", dir=site_dir.parent) as tmp:
        # Absolute: Pagefind runs with cwd=tmp, where a relative path (from a relative
        # --site-dir such as the default "site") would point nowhere.
        source = Path(tmp).resolve() / "pages"
        source.mkdir()
        _link_pages(locate, pages, source)
        argv = [*command, "--site", str(source), "--output-path", str(out.resolve())]
        argv += ["--root-selector", ROOT_SELECTOR]
        result = subprocess.run(argv, capture_output=True, text=True, cwd=tmp, env=_env())
    output = (result.stdout + result.stderr).strip()
    if result.returncode != 0 or not (out / "pagefind.js").is_file():
        raise SearchError("Pagefind failed", output)
    for path in out.iterdir():
        if UNUSED.fullmatch(path.name):
            path.unlink()
    return output


def page_url(rel: str) -> str:
    """The URL Pagefind gives the page at site-relative path ``rel``."""
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def _read_pages_file(old: Path | None, identity: str) -> dict[str, str] | None:
    """The pages (path → sha256) of a bundle :func:`_index_shard` wrote with this indexer."""
    if old is None:
        return None
    try:
        record = json.loads((old / PAGES).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("indexer") != _short(identity):
        return None
    pages = record.get("pages")
    return pages if isinstance(pages, dict) else None


# What a damaged bundle can make pagefind_bundle.read raise.
READ_ERRORS = (
    pagefind_bundle.Unsupported,
    OSError,
    EOFError,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    zlib.error,
)


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _index_shard(
    command: list[str],
    site_dir: Path,
    locate: Callable[[str], Path],
    shas: dict[str, str],
    out: Path,
    old: Path | None,
    identity: str,
) -> tuple[str, int, int]:
    """Write the bundle of the pages ``shas`` names (path → sha256) into ``out``; returns
    Pagefind's output, the number of distinct words and of pages Pagefind read. With
    ``old``, the last bundle of this shard: Pagefind reads only the pages that are new or
    changed since, and the others' parts come from ``old`` (:mod:`.pagefind_bundle`)."""
    before = _read_pages_file(old, identity)
    previous = None
    if before is not None:
        try:
            previous = pagefind_bundle.read(old)
        except READ_ERRORS:  # damaged: index every page again
            previous = None
    pages = sorted(shas)
    changed = pages if previous is None else [r for r in pages if before.get(r) != shas[r]]
    if previous is not None and len(changed) > len(pages) // 2:
        previous, changed = None, pages  # cheaper to index them all
    output = ""
    with tempfile.TemporaryDirectory(prefix=".search-", dir=site_dir.parent) as tmp:
        fresh_dir = Path(tmp) / "bundle"
        if changed:
            output = _run_pagefind(command, site_dir, locate, changed, fresh_dir)
            try:
                fresh = pagefind_bundle.read(fresh_dir)
            except pagefind_bundle.Unsupported:
                if previous is not None:
                    return _index_shard(command, site_dir, locate, shas, out, None, identity)
                # A bundle of a kind this site does not make (no pages, several languages):
                # Pagefind's own, as it wrote it.
                shutil.move(fresh_dir, out)
                return output, _count(r"Indexed (\d+) words?", output), len(changed)
        else:
            fresh = pagefind_bundle.empty_like(previous)
        bundle = fresh.canonical()
        if previous is not None:
            drop = {page_url(rel) for rel in set(before) - set(pages) | set(changed)}
            try:
                bundle = previous.merged(drop, fresh)
            except pagefind_bundle.Unsupported:
                # Pages whose parts cannot be put together (meta fields changed): index all.
                return _index_shard(command, site_dir, locate, shas, out, None, identity)
        words = pagefind_bundle.write(
            bundle,
            out,
            common=fresh_dir if changed else old,
            reuse=old if before is not None else None,
            skip=UNUSED,
        )
    record = {"indexer": _short(identity), "pages": dict(sorted(shas.items()))}
    (out / PAGES).write_text(json.dumps(record, indent=0) + "\n", "utf-8")
    return output, words, len(changed)


def index_shards(
    site_dir: Path,
    shards: Mapping[str, list[str]],
    *,
    only: set[str] | None = None,
    previous: Path | None = None,
    command: list[str] | None = None,
    locate: Callable[[str], Path] | None = None,
    known: Mapping[str, str] | None = None,
    keep_copied: bool = False,
    ahead: Indexing | None = None,
) -> SearchStats:
    """Write ``site_dir/pagefind/``: one Pagefind bundle per shard and ``shards.json``
    (the contract is in this module's docstring). ``locate`` finds a page that is not in
    ``site_dir`` (default: every page is); ``known`` gives pages' sha256 already known.
    ``keep_copied``: a shard taken from ``previous`` as it is (``stats.copied``) is not
    linked into ``site_dir``; the caller moves ``pagefind/<shard>`` in from ``previous``
    (the pipeline's publish does: thousands of links made and removed again otherwise).
    ``ahead``: what :func:`index_ahead` started for some of the shards with the same
    ``site_dir``, ``previous``, ``command`` and ``keep_copied``; a shard whose pages are
    not those it was given is indexed again here."""
    for name in shards:
        if not SHARD_NAME.fullmatch(name):
            if ahead is not None:
                ahead.close()
            raise ValueError(f"not a shard name: {name!r}")
    # (Only now: making the index removes the site's pagefind/ folder.)
    indexing = ahead or Indexing(site_dir, previous, command, keep_copied)
    try:
        indexing.add(shards, locate=locate, known=known, only=only, background=False)
        return indexing.finish(shards)
    finally:
        indexing.close()


def index_ahead(
    site_dir: Path,
    shards: Mapping[str, list[str]],
    *,
    previous: Path | None = None,
    command: list[str] | None = None,
    locate: Callable[[str], Path] | None = None,
    known: Mapping[str, str] | None = None,
    keep_copied: bool = False,
) -> Indexing:
    """Start indexing ``shards`` in other processes while the caller goes on (the pipeline
    renders the city's pages meanwhile: the estates' buckets hold only their overviews,
    known once the estates are built); :func:`index_shards` with ``ahead=`` the result
    finishes the index. The caller must call one of them, or ``close()``."""
    for name in shards:
        if not SHARD_NAME.fullmatch(name):
            raise ValueError(f"not a shard name: {name!r}")
    indexing = Indexing(site_dir, previous, command, keep_copied)
    try:
        indexing.add(shards, locate=locate, known=known, background=True)
    except BaseException:
        indexing.close()
        raise
    return indexing


class Indexing:
    """The search index of one build under way: ``site_dir/pagefind/`` made afresh, and
    for each shard added, its digest and whether it is the previous bundle as it is
    (copied) or indexed (at once, or in the background)."""

    def __init__(self, site_dir, previous, command, keep_copied: bool):
        started = time.monotonic()
        # Time spent here, not in the background (the caller's own work runs meanwhile).
        self.seconds = 0.0
        self.site_dir = Path(site_dir)
        self.previous = previous
        self.command = command or pagefind_command()
        self.keep_copied = keep_copied
        self.out = self.site_dir / BUNDLE
        if self.out.exists():
            shutil.rmtree(self.out)
        self.out.mkdir()
        self.identity = _indexer_identity(self.command)
        self.before = _read_manifest(previous).get("shards", {})
        self.pages: dict[str, list[str]] = {}  # shard → its pages as added
        self.digests: dict[str, str] = {}
        self.copied: set[str] = set()
        self.results: dict[str, Callable[[], tuple[str, int, int]]] = {}
        self._pools: list = []
        self._batches: list[int] = []
        self.seconds += time.monotonic() - started

    def add(self, shards, *, locate=None, known=None, only=None, background: bool) -> None:
        started = time.monotonic()
        try:
            self._add(shards, locate, known, only, background)
        finally:
            self.seconds += time.monotonic() - started

    def _add(self, shards, locate, known, only, background: bool) -> None:
        locate = locate or (lambda rel: self.site_dir / rel)
        known = known or {}
        todo = []
        for name in sorted(shards):
            pages = sorted(shards[name])
            if name in self.pages:
                if self.pages[name] == pages:
                    continue  # added ahead with the same pages
                self._forget(name)
            if not pages:
                continue
            old = Path(self.previous) / BUNDLE / name if self.previous is not None else None
            old = old if old is not None and old.is_dir() else None
            shas = None
            if only is not None and name not in only and old and name in self.before:
                digest = self.before[name]  # the caller says these pages did not change
            else:
                shas = _page_shas(locate, pages, known)
                digest = _digest(shas, self.identity)
            self.pages[name], self.digests[name] = pages, digest
            if old and self.before.get(name) == digest:
                # Linked, not copied: the bundle's files are never written in place, and
                # a shard of a large city holds thousands of them.
                if not self.keep_copied:
                    shutil.copytree(old, self.out / name, copy_function=_link)
                self.copied.add(name)
            else:
                shas = shas if shas is not None else _page_shas(locate, pages, known)
                todo.append((name, shas, old))
        if not todo:
            return
        common = (self.command, self.site_dir, locate, self.out, self.identity)
        if background:
            pool = _pool(len(todo))
            self._pools.append(pool)
            batch, futures = _index_in_background(todo, common, pool)
            self._batches.append(batch)
            for name, future in futures:
                self.results[name] = future.result
        else:
            for (name, _, _), result in zip(todo, _index_all(todo, common), strict=True):
                self.results[name] = lambda result=result: result

    def _forget(self, name: str) -> None:
        """Drop a shard added before (its background run finished first)."""
        if name in self.results:
            with contextlib.suppress(Exception):
                self.results.pop(name)()
        shutil.rmtree(self.out / name, ignore_errors=True)
        self.pages.pop(name)
        self.digests.pop(name)
        self.copied.discard(name)

    def finish(self, shards: Mapping[str, list[str]]) -> SearchStats:
        """Wait for every shard, drop those not in ``shards`` (added ahead only), write
        ``shards.json``; the stats of the whole index."""
        started = time.monotonic()
        for name in [n for n in self.pages if n not in shards or not shards[n]]:
            self._forget(name)
        indexed, outputs = [], []
        words = pages_read = 0
        for name in sorted(self.results):
            output, n, read = self.results[name]()
            outputs.append(output)
            words += n
            pages_read += read
            indexed.append(name)
        digests = dict(sorted(self.digests.items()))
        primary = SITE_SHARD if SITE_SHARD in digests else min(digests, default=None)
        manifest = {"version": MANIFEST_VERSION, "primary": primary, "shards": digests}
        (self.out / MANIFEST).write_text(
            json.dumps(manifest, indent=0, sort_keys=True) + "\n", "utf-8"
        )
        stats = _stats([self.out / name for name in indexed], "\n".join(outputs), 0.0)
        stats.pages = sum(len(p) for p in shards.values())
        stats.words, stats.read = words, pages_read
        stats.shards, stats.indexed = len(digests), indexed
        stats.copied = sorted(self.copied)
        self.seconds += time.monotonic() - started
        stats.seconds = self.seconds
        return stats

    def close(self) -> None:
        """Wait for the background work (never left running past the build)."""
        for pool in self._pools:
            pool.shutdown(wait=True, cancel_futures=True)
        for batch in self._batches:
            _BATCHES.pop(batch, None)
        self._pools, self._batches = [], []


# What the shards being indexed share and which they are, for _index_one in a forked
# process (a closure such as ``locate`` cannot be pickled; a fork inherits it), by a
# number per batch, kept until the batch's pool is shut down.
_BATCHES: dict[int, tuple[tuple, list]] = {}
_NEXT_BATCH = itertools.count()


def _pool(jobs: int):
    workers = min(jobs, os.cpu_count() or 1)
    if "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
        return concurrent.futures.ProcessPoolExecutor(workers, mp_context=context)
    return concurrent.futures.ThreadPoolExecutor(workers)


def _index_all(todo: list, common: tuple) -> list[tuple[str, int, int]]:
    """:func:`_index_shard` for each of ``todo``, in order. Several shards (a cold build:
    each bucket's Pagefind run and the reading and writing of its parts, some 30 s at
    16,000 estates) are indexed side by side, one process each, as many as there are
    cores; each writes only its own folder, so the bytes are those of one after another."""
    if min(len(todo), os.cpu_count() or 1) < 2:
        return [_index_shard_of(common, *job) for job in todo]
    batch = None
    try:
        with _pool(len(todo)) as pool:
            batch, futures = _index_in_background(todo, common, pool)
            return [future.result() for _, future in futures]
    finally:
        _BATCHES.pop(batch, None)


def _index_in_background(todo: list, common: tuple, pool) -> tuple[int, list]:
    """Each of ``todo`` submitted to ``pool``: the batch's number and (shard, future) in
    order."""
    batch = next(_NEXT_BATCH)
    _BATCHES[batch] = (common, todo)
    return batch, [(job[0], pool.submit(_index_one, batch, i)) for i, job in enumerate(todo)]


def _index_one(batch: int, i: int) -> tuple[str, int, int]:
    common, todo = _BATCHES[batch]
    return _index_shard_of(common, *todo[i])


def _index_shard_of(common: tuple, name: str, shas: dict[str, str], old: Path | None):
    command, site_dir, locate, out, identity = common
    return _index_shard(command, site_dir, locate, shas, out / name, old, identity)


def index_site(site_dir: Path, estate_shard: Mapping[str, str] | None = None) -> SearchStats:
    """Index every page of ``site_dir`` afresh: estates in the shards ``estate_shard`` names
    (estate id → shard), everything else (and every estate, without it) in the site shard."""
    return index_shards(site_dir, plan_shards(site_dir, estate_shard or {}))


def _count(pattern: str, text: str) -> int:
    return sum(int(m) for m in re.findall(pattern, text))


def _stats(folders: list[Path], output: str, seconds: float) -> SearchStats:
    files = [p for folder in folders for p in folder.rglob("*") if p.is_file()]
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
