"""The build pipeline (generator/pipeline): the cache is right, and warm = cold.

Real builds of a copy of the sample data through the library's ``build()``: a changed
file, schema, rule setting or as-of date recomputes exactly what depends on it; a
corrupted or foreign cache entry is recomputed, never published; a warm build's site is
byte-identical to a cold one; the process pool gives the same site as one process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from generator import pipeline
from generator.config import load_rules_config
from generator.outputs import build as build_mod
from generator.pipeline import ledger
from generator.pipeline.cache import CACHE_VERSION, Cache, Entry
from generator.privacy import Guard

REPO = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 20)
SITE_URL = "https://sunlight.example.org/"
ESTATE = "pujin-jiayuan"


@pytest.fixture
def data(tmp_path) -> Path:
    out = tmp_path / "data"
    shutil.copytree(REPO / "data", out)
    return out


def _options(data: Path, out: Path, **extra) -> pipeline.BuildOptions:
    settings = dict(
        data_dir=data,
        site_dir=out / "site",
        build_dir=out / "build",
        config_file=REPO / "mkdocs.yml",
        as_of=AS_OF,
        site_url=SITE_URL,
        rules=load_rules_config(data),
        guard=Guard.for_data(data),
        workers=1,
    )
    return pipeline.BuildOptions(**{**settings, **extra})


def run(data: Path, out: Path, as_of: dt.date = AS_OF, workers: int = 1) -> pipeline.BuildResult:
    return pipeline.build(_options(data, out, as_of=as_of, workers=workers))


def tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def changed(before: dict, after: dict) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def test_a_warm_build_reuses_every_estate_and_equals_a_cold_one(data, tmp_path):
    cold = run(data, tmp_path / "a")
    assert (cold.computed, cold.cached) == (8, 0)
    site = tree(tmp_path / "a/site")
    warm = run(data, tmp_path / "a")
    assert (warm.computed, warm.cached, warm.kept) == (0, 8, 8)
    assert tree(tmp_path / "a/site") == site
    assert [f.as_dict() for f in warm.findings] == [f.as_dict() for f in cold.findings]
    run(data, tmp_path / "b")
    assert tree(tmp_path / "b/site") == site


def test_one_estates_change_rewrites_only_what_shows_it(data, tmp_path):
    run(data, tmp_path / "a")
    before = tree(tmp_path / "a/site")
    csv = data / "estates" / ESTATE / "evaluations.csv"
    lines = csv.read_text("utf-8").splitlines(keepends=True)
    # A changed summary text: shown on the estate's own pages only.
    header = lines[0].rstrip("\n").split(",")
    cells = lines[1].rstrip("\n").split(",")
    cells[header.index("summary")] += "（已复核）"
    lines[1] = ",".join(cells) + "\n"
    csv.write_text("".join(lines), "utf-8")
    inode = (tmp_path / "a/site/estates/meilin-xincun/index.html").stat().st_ino
    bundle = tmp_path / "a/site/pagefind"
    shard_files = {p: p.stat().st_ino for p in bundle.glob("*/**/*") if p.is_file()}
    result = run(data, tmp_path / "a")
    assert (result.computed, result.cached, result.kept) == (1, 7, 7)
    # The other estates' folders were moved into the new site, not written again.
    assert (tmp_path / "a/site/estates/meilin-xincun/index.html").stat().st_ino == inode
    diff = changed(before, tree(tmp_path / "a/site"))
    # So were the search shards without the estate's pages: the same files, not new links
    # (each has two: the site's and the build folder's copy, pipeline/searchkeep.py).
    touched = {p.split("/")[1] for p in diff if p.startswith("pagefind/") and p.count("/") > 1}
    kept = {
        p: ino for p, ino in shard_files.items() if p.relative_to(bundle).parts[0] not in touched
    }
    assert touched and kept
    assert all(p.stat().st_ino == ino and p.stat().st_nlink == 2 for p, ino in kept.items())
    assert f"estates/{ESTATE}/data/evaluations.csv" in diff
    outside = {p for p in diff if not p.startswith((f"estates/{ESTATE}/", "pagefind/"))}
    # The estate's pages, its downloads and the search shard of its pages; nothing else.
    assert outside == set(), sorted(outside)
    cold = run(data, tmp_path / "cold")
    assert tree(tmp_path / "cold/site") == tree(tmp_path / "a/site")
    assert cold.computed == 8
    # The estate computed last time is kept the time after, like every other.
    again = run(data, tmp_path / "a")
    assert (again.computed, again.cached, again.kept) == (0, 8, 8)


def test_a_change_shown_on_district_pages_rerenders_only_its_groups(data, tmp_path, monkeypatch):
    """A fee shows on the estate's district, street and company pages: after it changes,
    that district's pages and its company's are rendered again, every other district's
    and company's come from the cache, and the site equals a cold build's. A group whose
    files are published as they are is not even read from the cache."""
    first = run(data, tmp_path / "a")
    assert first.groups_reused == 0 and first.groups_rendered > 0
    read = []
    blob = Entry.blob
    monkeypatch.setattr(
        Entry, "blob", lambda entry, sha: read.append(entry._path) or blob(entry, sha)
    )
    again = run(data, tmp_path / "a")
    assert (again.groups_rendered, again.groups_reused) == (0, first.groups_rendered)
    assert not [path for path in read if "groups" in path.parts]
    monkeypatch.setattr(Entry, "blob", blob)
    csv = data / "estates" / ESTATE / "fees.csv"
    lines = csv.read_text("utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    current = 3  # F03, 高层住宅 基础包 in force since 2022
    cells = lines[current].rstrip("\n").split(",")
    column = header.index("price_yuan")
    cells[column] = f"{float(cells[column]) + 0.05:.2f}"
    lines[current] = ",".join(cells) + "\n"
    csv.write_text("".join(lines), "utf-8")
    result = run(data, tmp_path / "a")
    # Its district's list, district pages and 质价 page, its street's pages and 质价
    # page, its company's page, and the district's and city's workbooks (the fee is one
    # of their columns).
    assert result.groups_rendered == 8, result
    assert result.groups_reused == first.groups_rendered - 8
    run(data, tmp_path / "cold")
    assert tree(tmp_path / "cold/site") == tree(tmp_path / "a/site")


def test_city_pages_a_build_does_not_change_stay_as_published(data, tmp_path):
    """The district, street, company and city pages a build renders with the bytes the
    site already has are moved into the new site (a company's folder whole), not written
    again; one edited in place since is written afresh, a stray file beside a kept page
    does not come along, and the site equals a cold build's."""
    run(data, tmp_path / "a")
    site = tmp_path / "a/site"
    pages = ["index.html", "overview/index.html", "overview/estates.xlsx"]
    pages += [p.relative_to(site).as_posix() for p in sorted(site.glob("districts/*/index.html"))]
    companies = sorted(site.glob("companies/*/index.html"))
    assert len(companies) > 2
    pages += [p.relative_to(site).as_posix() for p in companies]
    inodes = {rel: (site / rel).stat().st_ino for rel in pages}
    folder_inode = companies[0].parent.stat().st_ino
    edited = site / pages[3]
    edited.write_bytes(edited.read_bytes().replace(b"</body>", b"<p>edited</p></body>"))
    (companies[1].parent / "stray.html").write_text("stray", "utf-8")
    run(data, tmp_path / "a")
    assert companies[0].parent.stat().st_ino == folder_inode
    assert not (companies[1].parent / "stray.html").exists()
    assert {rel: (site / rel).stat().st_ino for rel in pages if rel != pages[3]} == {
        rel: inode for rel, inode in inodes.items() if rel != pages[3]
    }
    assert b"<p>edited</p>" not in edited.read_bytes()
    run(data, tmp_path / "cold")
    assert tree(tmp_path / "cold/site") == tree(site)


@pytest.mark.parametrize("damage", ["edited", "extra", "missing"])
def test_a_published_folder_that_differs_from_the_manifest_is_not_kept(data, tmp_path, damage):
    """Only an estate folder exactly as the last build wrote it is kept; a page edited in
    place, a stray file or a deleted page makes the build write the folder afresh."""
    run(data, tmp_path / "a")
    site = tmp_path / "a/site"
    before = tree(site)
    folder = site / "estates" / ESTATE
    if damage == "edited":
        page = folder / "committee/index.html"
        page.write_bytes(page.read_bytes().replace(b"</body>", b"<p>edited</p></body>"))
    elif damage == "extra":
        (folder / "committee/stray.html").write_text("stray", "utf-8")
    else:
        (folder / "finances/index.html").unlink()
    result = run(data, tmp_path / "a")
    assert (result.computed, result.cached, result.kept) == (0, 8, 7)
    assert tree(site) == before


def test_a_failed_publish_moves_kept_folders_back(data, tmp_path, monkeypatch):
    """Should the swap fail after kept folders were moved out of the published site,
    they are moved back: the site stays whole and as it was."""
    run(data, tmp_path / "a")
    site = tmp_path / "a/site"
    before = tree(site)
    real_rename = Path.rename
    failed = []

    def rename(self, target):
        if Path(target) == site and self.name.startswith(".site.tmp-") and not failed:
            failed.append(self)  # the swap itself, once
            raise OSError("disk full")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(OSError, match="disk full"):
        run(data, tmp_path / "a")
    monkeypatch.setattr(Path, "rename", real_rename)
    assert failed and tree(site) == before
    assert not list(site.parent.glob(".site.*")), "neither staging nor the old site is left"


@pytest.mark.parametrize("what", ["schema", "rules", "as_of"])
def test_shared_inputs_recompute_every_estate(data, tmp_path, what):
    run(data, tmp_path / "a")
    as_of = AS_OF
    if what == "schema":
        path = data / "schemas/evaluations.schema.yaml"
        path.write_text(path.read_text("utf-8") + "\n# a comment changes the schema's bytes\n")
    elif what == "rules":
        path = data / "rules.yaml"
        text = path.read_text("utf-8")
        assert "meeting_max_gap_days: 62" in text
        path.write_text(text.replace("meeting_max_gap_days: 62", "meeting_max_gap_days: 90"))
    else:
        as_of = AS_OF + dt.timedelta(days=1)
    result = run(data, tmp_path / "a", as_of=as_of)
    assert (result.computed, result.cached) == (8, 0)
    run(data, tmp_path / "cold", as_of=as_of)
    assert tree(tmp_path / "a/site") == tree(tmp_path / "cold/site")


def _entries(out: Path) -> list[Path]:
    return sorted((out / f"build/cache/v{CACHE_VERSION}/entries").glob("*/*.pack"))


@pytest.mark.parametrize("damage", ["garbage", "foreign", "blob", "truncated"])
def test_a_damaged_cache_entry_is_recomputed_never_published(data, tmp_path, damage):
    run(data, tmp_path / "a")
    site = tree(tmp_path / "a/site")
    entries = _entries(tmp_path / "a")
    assert len(entries) == 8
    if damage == "garbage":
        entries[0].write_text("{not json", "utf-8")
    elif damage == "foreign":
        header, rest = entries[1].read_bytes().split(b"\n", 1)
        entry = json.loads(header)
        entry["key"] = "0" * 64  # written for other inputs
        entries[1].write_bytes(json.dumps(entry).encode() + b"\n" + rest)
    else:
        for path in entries:
            header, rest = path.read_bytes().split(b"\n", 1)
            if damage == "blob":
                # Every stored file's bytes: the same length, other bytes (valid zstd or not).
                path.write_bytes(header + b"\n" + bytes(255 - b for b in rest))
            else:  # a copy cut short: the one frame of its files ends early
                path.write_bytes(header + b"\n" + rest[: len(rest) // 2])
        # Without the previous site to link from, only the (damaged) files remain.
        shutil.rmtree(tmp_path / "a/site")
    # Untouched estates would not read their entries at all, the ledger standing for them
    # (tests/test_ledger.py): without it, every entry is read and checked.
    ledger.forget(Cache(tmp_path / "a/build/cache").root)
    result = run(data, tmp_path / "a")
    assert result.computed >= 1
    if damage in ("blob", "truncated"):
        assert result.computed == 8
    assert tree(tmp_path / "a/site") == site


def test_the_process_pool_gives_the_same_site(data, tmp_path, monkeypatch):
    single = run(data, tmp_path / "one")
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 2)
    pooled = run(data, tmp_path / "pool", workers=2)
    assert tree(tmp_path / "one/site") == tree(tmp_path / "pool/site")
    assert [f.as_dict() for f in single.findings] == [f.as_dict() for f in pooled.findings]


def test_errors_stop_the_build_and_keep_the_published_site(data, tmp_path):
    run(data, tmp_path / "a")
    site = tree(tmp_path / "a/site")
    members = data / "estates" / ESTATE / "members.csv"
    members.write_text(members.read_text("utf-8").replace("主任", "主 任", 1), "utf-8")
    with pytest.raises(pipeline.BuildFailed) as failed:
        run(data, tmp_path / "a")
    assert any(f.severity == "error" and f.estate == ESTATE for f in failed.value.findings)
    assert tree(tmp_path / "a/site") == site
    assert not list((tmp_path / "a").glob(".site.tmp-*"))


def test_two_shards_merged_equal_a_one_machine_build(data, tmp_path):
    run(data, tmp_path / "one")
    slices = pipeline.shard_districts(
        {p.name: p for p in (data / "estates").iterdir() if p.is_dir()}, 2
    )
    assert all(slices) and not slices[0] & slices[1]
    parts = []
    for k in (1, 2):
        result = pipeline.build(_options(data, tmp_path / f"part{k}", shard=(k, 2)))
        assert result.estates == len(slices[k - 1])
        parts.append(tmp_path / f"part{k}/site")
    merged = pipeline.merge(_options(data, tmp_path / "merged"), parts)
    assert merged.estates == 8
    assert tree(tmp_path / "merged/site") == tree(tmp_path / "one/site")
    # A part missing, or one built as of another day, is refused: nothing is published.
    with pytest.raises(pipeline.BuildFailed, match="cover every estate"):
        pipeline.merge(_options(data, tmp_path / "m2"), parts[:1])
    other = pipeline.build(
        dataclasses.replace(
            _options(data, tmp_path / "late", shard=(2, 2)), as_of=AS_OF + dt.timedelta(days=1)
        )
    )
    assert other.estates
    with pytest.raises(pipeline.BuildFailed, match="as_of"):
        pipeline.merge(_options(data, tmp_path / "m3"), [parts[0], tmp_path / "late/site"])
    assert not (tmp_path / "m2/site").exists() and not (tmp_path / "m3/site").exists()


def _modes_wrong(site: Path) -> list[tuple[str, str]]:
    """Every folder of the site not DIR_MODE and every file not FILE_MODE (0755, 0644;
    links are not followed)."""
    wrong = []
    for path in [site, *site.rglob("*")]:
        if path.is_symlink():
            continue
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode != (build_mod.DIR_MODE if path.is_dir() else build_mod.FILE_MODE):
            wrong.append((path.relative_to(site).as_posix(), oct(mode)))
    return wrong


@pytest.fixture
def strict_umask():
    umask = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(umask)


def test_the_workers_folders_are_world_readable_as_written(
    data, tmp_path, monkeypatch, strict_umask
):
    # Publish walks no estate folder the workers wrote (some 560,000 files at 16,000
    # estates): they make it world-readable themselves, under any umask, in the pool too.
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 2)
    run(data, tmp_path / "a", workers=2)
    site = tmp_path / "a/site"
    assert len(list(site.glob("estates/*/*/index.html"))) > 50
    assert _modes_wrong(site) == []
    # A published file whose mode went wrong is not linked into the next site as it is.
    # A stray file keeps the folder from being moved over whole, so the estate comes from
    # the cache, its files linked from the published site where they are as recorded.
    folder = site / "estates" / ESTATE
    for path in folder.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    (folder / "stray.html").write_text("stray", "utf-8")
    other = site / "estates/meilin-xincun/index.html"
    inode = other.stat().st_ino
    (other.parent / "committee/stray.html").write_text("stray", "utf-8")
    result = run(data, tmp_path / "a", workers=2)
    assert result.computed == 0 and result.cached == 8
    assert not (folder / "stray.html").exists()
    assert other.stat().st_ino == inode  # linked: the path this test is about
    assert _modes_wrong(site) == []


def test_merged_parts_are_made_world_readable_whatever_their_modes(data, tmp_path, strict_umask):
    # A part that came as a CI artifact may have lost its modes: merge walks it all.
    parts = []
    for k in (1, 2):
        pipeline.build(_options(data, tmp_path / f"part{k}", shard=(k, 2)))
        part = tmp_path / f"part{k}/site"
        for path in [part, *part.rglob("*")]:
            path.chmod(0o700 if path.is_dir() else 0o600)
        parts.append(part)
    pipeline.merge(_options(data, tmp_path / "merged"), parts)
    assert _modes_wrong(tmp_path / "merged/site") == []


def _sitemap_locs(path: Path) -> list[str]:
    return re.findall(r"<loc>([^<]*)</loc>", path.read_text("utf-8"))


def _pages(site: Path) -> set[str]:
    """Every page of the built site as its absolute directory URL."""
    out = set()
    for path in site.rglob("index.html"):
        rel = path.relative_to(site).as_posix()
        out.add(SITE_URL + rel.removesuffix("index.html"))
    return out


def test_the_sitemap_index_lists_every_page_once_by_district(data, tmp_path):
    run(data, tmp_path / "a")
    site = tmp_path / "a/site"
    index = (site / "sitemap.xml").read_text("utf-8")
    assert "<sitemapindex" in index and "<urlset" not in index
    assert gzip.decompress((site / "sitemap.xml.gz").read_bytes()).decode("utf-8") == index
    sitemaps = _sitemap_locs(site / "sitemap.xml")
    assert sitemaps[0] == SITE_URL + "sitemaps/site.xml"
    assert len(sitemaps) > 2  # the site's pages, and the sample's districts
    listed: list[str] = []
    for loc in sitemaps:
        part = site / loc.removeprefix(SITE_URL)
        text = part.read_text("utf-8")
        assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<urlset')
        listed += _sitemap_locs(part)
    assert len(listed) == len(set(listed))
    # Every page, and nothing that is not a page.
    assert set(listed) == _pages(site)
    estate_pages = [u for u in listed if f"/estates/{ESTATE}/" in u]
    assert len(estate_pages) >= 9
    district_map = next(
        site / loc.removeprefix(SITE_URL)
        for loc in sitemaps
        if SITE_URL + f"estates/{ESTATE}/" in _sitemap_locs(site / loc.removeprefix(SITE_URL))
    )
    assert district_map.parent.name == "districts"
    # No git history here: no date is claimed for any page.
    assert "<lastmod>" not in "".join(p.read_text("utf-8") for p in site.glob("sitemaps/**/*.xml"))


def test_a_sitemap_over_the_limit_is_split_in_parts(data, tmp_path, monkeypatch):
    from generator.outputs import sitemap

    monkeypatch.setattr(sitemap, "MAX_URLS", 4)
    run(data, tmp_path / "a")
    site = tmp_path / "a/site"
    sitemaps = _sitemap_locs(site / "sitemap.xml")
    assert any(loc.endswith("-2.xml") for loc in sitemaps)
    listed = [u for loc in sitemaps for u in _sitemap_locs(site / loc.removeprefix(SITE_URL))]
    assert all(len(_sitemap_locs(site / loc.removeprefix(SITE_URL))) <= 4 for loc in sitemaps)
    assert len(listed) == len(set(listed))
    assert SITE_URL + f"estates/{ESTATE}/" in listed


def test_estate_pages_carry_the_date_of_their_version(tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(REPO / "data", root / "data")
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "业委会",
        "GIT_AUTHOR_EMAIL": "committee@example.org",
        "GIT_COMMITTER_NAME": "业委会",
        "GIT_COMMITTER_EMAIL": "committee@example.org",
        # 23:30 UTC is the next morning in Shanghai: the date pages show.
        "GIT_AUTHOR_DATE": "2026-03-04T23:30:00+00:00",
        "GIT_COMMITTER_DATE": "2026-03-04T23:30:00+00:00",
    }
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "数据"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    run(root / "data", tmp_path / "a")
    site = tmp_path / "a/site"
    text = "".join(p.read_text("utf-8") for p in sorted(site.glob("sitemaps/districts/*.xml")))
    entry = re.search(
        rf"<url><loc>{re.escape(SITE_URL)}estates/{ESTATE}/</loc>(<lastmod>[^<]*</lastmod>)?",
        text,
    )
    assert entry and entry.group(1) == "<lastmod>2026-03-05</lastmod>"
    # The city-wide pages claim no date.
    assert "<lastmod>" not in (site / "sitemaps/site.xml").read_text("utf-8")


def test_entries_a_build_did_not_use_are_removed_and_nothing_else(data, tmp_path):
    run(data, tmp_path / "a")
    entries = Cache(tmp_path / "a/build/cache").root / "entries"
    first = sorted(p.name for p in entries.glob("*/*.pack"))
    assert len(first) == 8
    # Not the cache's own: a file of another name and a folder linked in stay untouched.
    (entries / first[0][:2] / "notes.txt").write_text("mine", "utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ("0" * 64 + ".pack")).write_bytes(b"x")
    (entries / "zz").symlink_to(elsewhere, target_is_directory=True)
    run(data, tmp_path / "a", as_of=AS_OF + dt.timedelta(days=1))
    second = sorted(p.name for p in entries.glob("[0-9a-f][0-9a-f]/*.pack"))
    assert len(second) == 8 and not set(first) & set(second)
    assert (entries / first[0][:2] / "notes.txt").read_text("utf-8") == "mine"
    assert (elsewhere / ("0" * 64 + ".pack")).exists()


def test_a_data_folder_outside_git_is_named_in_no_page_and_no_key(data, tmp_path):
    """Without git, the history pages say only that there is no change log: why (the build
    machine's folders, which may carry a person's name, and git's own words) is for the
    build's output. So the folder is in no file and no key: the same data in another
    folder is served from the cache."""
    from generator.history import UNAVAILABLE_PAGE_MESSAGE

    run(data, tmp_path / "a")
    site = tmp_path / "a/site"
    named = [p for p in site.rglob("*") if p.is_file() and str(tmp_path).encode() in p.read_bytes()]
    assert named == []
    history = (site / f"estates/{ESTATE}/history/index.html").read_text("utf-8")
    assert UNAVAILABLE_PAGE_MESSAGE in history
    before = tree(site)
    moved = tmp_path / "elsewhere/data"
    shutil.copytree(data, moved)
    again = pipeline.build(_options(moved, tmp_path / "a"))
    assert (again.computed, again.cached) == (0, 8)
    assert tree(site) == before


@pytest.mark.parametrize("where", [None, {"0": 0}, [0], ["a", 5], [0, -1], [3, 5], [-2, 2]])
def test_a_file_whose_place_in_the_entry_is_wrong_is_missing(tmp_path, where):
    cache = Cache(tmp_path)
    data = b"<p>page</p>"
    digest = hashlib.sha256(data).hexdigest()
    cache.put("k" * 64, {"files": {}}, {digest: data})
    entry = cache.get("k" * 64)
    assert entry.blob(digest) == data
    entry["blobs"][digest] = where
    assert entry.blob(digest) is None


# -- the search index kept in the build folder (pipeline/searchkeep.py) -----------------------


def _as_a_fresh_runner(out: Path) -> None:
    """What a CI runner that keeps only ``build/cache`` (actions/cache) starts from: no
    published site, no site manifest."""
    shutil.rmtree(out / "site")
    for path in (out / "build").iterdir():
        if path.name not in ("cache", ".sunlight-build"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()


def _pages_read(out: Path, data: Path) -> int:
    """Build; the number of pages Pagefind read."""
    said = []
    pipeline.build(_options(data, out, say=said.append))
    return _pages_read_in(said)


def _pages_read_in(said: list[str]) -> int:
    line = next(line for line in said if "pages read by Pagefind" in line)
    return int(re.search(r"\((\d+) pages read by Pagefind\)", line).group(1))


def _edit_summary(data: Path, words: str) -> None:
    csv = data / "estates" / ESTATE / "evaluations.csv"
    lines = csv.read_text("utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    cells = lines[1].rstrip("\n").split(",")
    cells[header.index("summary")] += words
    lines[1] = ",".join(cells) + "\n"
    csv.write_text("".join(lines), "utf-8")


def test_a_runner_that_keeps_only_the_cache_takes_the_search_index_from_it(data, tmp_path):
    """Without a published site the search shards come from the build folder's copy: none
    of their pages is read again, and after one estate's commit only its page is; the site
    is the one a cold build makes."""
    out = tmp_path / "a"
    everything = _pages_read(out, data)
    site = tree(out / "site")
    _as_a_fresh_runner(out)
    assert _pages_read(out, data) == 0 < everything
    assert tree(out / "site") == site
    _edit_summary(data, "（已复核）")
    _as_a_fresh_runner(out)
    assert _pages_read(out, data) == 1
    run(data, tmp_path / "cold")
    assert tree(out / "site") == tree(tmp_path / "cold/site")


@pytest.mark.parametrize(
    "damage", ["bytes", "missing", "extra", "empty", "link", "shard", "record", "folder", "file"]
)
def test_a_damaged_kept_search_index_is_indexed_again_never_published(data, tmp_path, damage):
    """The kept copy crossed machines in a CI cache: a shard whose files are not the
    recorded ones (other bytes, one missing, one added, a symbolic link in a file's place,
    a folder the record does not name, even empty) is indexed again, and nothing of it is
    published. A copy whose folder is a link, or a file, is neither used nor touched."""
    out = tmp_path / "a"
    everything = _pages_read(out, data)
    site = tree(out / "site")
    kept = out / "build/cache/search/pagefind"
    shard = kept / "b0"
    victim = sorted(p for p in shard.rglob("*.pf_fragment"))[0]
    if damage == "bytes":
        victim.write_bytes(bytes(255 - b for b in victim.read_bytes()))
    elif damage == "missing":
        victim.unlink()
    elif damage == "extra":
        (victim.parent / "extra.pf_fragment").write_bytes(victim.read_bytes())
    elif damage == "empty":
        (shard / "fragment" / "empty").mkdir(parents=True)
    elif damage == "link":
        outside = tmp_path / "outside.pf_fragment"
        outside.write_bytes(victim.read_bytes())  # the same bytes: still not a file of ours
        victim.unlink()
        victim.symlink_to(outside)
    elif damage == "shard":
        # Folders the record does not name: one of no shard, and b0 itself, its record
        # lost (a save cut short) and a file added since.
        shutil.copytree(shard, kept / "zz")
        (kept / "zz/stray.html").write_text("stray", "utf-8")
        record_file = out / "build/cache/search/search.json"
        record = json.loads(record_file.read_text("utf-8"))
        del record["shards"]["b0"]
        record_file.write_text(json.dumps(record), "utf-8")
        (shard / "stray.js").write_text("stray", "utf-8")
    elif damage == "record":
        (out / "build/cache/search/search.json").write_text("{not json", "utf-8")
    elif damage == "file":
        shutil.rmtree(kept)
        kept.write_text("not a folder", "utf-8")
    else:  # the copy's folder a link to one the build did not make: left as it is
        elsewhere = tmp_path / "elsewhere"
        shutil.move(kept, elsewhere)
        kept.symlink_to(elsewhere, target_is_directory=True)
        (elsewhere / "zz").mkdir()
        theirs = tree(elsewhere)
    _as_a_fresh_runner(out)
    said = []
    pipeline.build(_options(data, out, say=said.append))
    read = _pages_read_in(said)
    assert tree(out / "site") == site
    assert not (out / "site/pagefind/b0/fragment/empty").exists()
    if damage == "file":
        assert read == everything and kept.read_text("utf-8") == "not a folder"
        (warning,) = [line for line in said if "was not kept in build/cache" in line]
        assert str(tmp_path) not in warning
        return
    if damage == "folder":
        assert read == everything and tree(elsewhere) == theirs
        assert (elsewhere / "zz").is_dir() and kept.is_symlink()
        return
    if damage == "record":
        assert read == everything  # nothing to check the copy against: every shard afresh
    elif damage == "shard":
        assert 0 < read < everything  # b0's pages, not the other shards'
        assert not (kept / "zz").exists()
    else:
        assert 0 < read < everything  # b0's pages, not the other shards'
    # The copy is whole again.
    _as_a_fresh_runner(out)
    assert _pages_read(out, data) == 0
    assert tree(out / "site") == site


def test_a_commit_links_and_reads_only_the_new_files_of_its_shard(data, tmp_path, monkeypatch):
    """With the site published, the copy follows it: every file it kept is still there as
    it was (the same inode), and only the files Pagefind wrote anew for the changed shard
    are linked and hashed; the shard's other parts are the copy's own, linked through the
    site. Files the shard no longer has are gone from the copy."""
    from generator.pipeline import searchkeep

    out = tmp_path / "a"
    run(data, out)
    kept = out / "build/cache/search/pagefind"
    inodes = {p: p.stat().st_ino for p in kept.rglob("*") if p.is_file()}
    hashed = []
    sha = searchkeep._sha
    monkeypatch.setattr(searchkeep, "_sha", lambda path: hashed.append(path) or sha(path))
    # A build that changes no shard leaves the copy and its record as they are.
    record = out / "build/cache/search/search.json"
    written = record.stat().st_ino, record.stat().st_mtime_ns
    run(data, out)
    assert hashed == [] and (record.stat().st_ino, record.stat().st_mtime_ns) == written
    _edit_summary(data, "（已复核）")
    run(data, out)
    site_index = out / "site/pagefind"
    changed_shards = {p.relative_to(site_index).parts[0] for p in hashed}
    assert len(changed_shards) == 1
    (name,) = changed_shards
    new_files = {
        p
        for p in (site_index / name).rglob("*")
        if p.is_file() and p.stat().st_ino not in inodes.values()
    }
    assert hashed and set(hashed) == new_files
    assert len(new_files) < sum(1 for p in (kept / name).rglob("*") if p.is_file())
    # A file Pagefind wrote again under the same name (its script, the pages file) is
    # replaced; every other one stays, its shard's too.
    stayed = {p for p, ino in inodes.items() if p.exists() and p.stat().st_ino == ino}
    replaced = {p.relative_to(kept) for p in inodes.keys() - stayed if p.exists()}
    assert replaced <= {p.relative_to(site_index) for p in new_files}
    assert any(p.relative_to(kept).parts[0] == name for p in stayed)
    # Every file of the site's index is the copy's (a link), none a copy of its bytes, and
    # the copy holds nothing else.
    published = {
        p.relative_to(site_index): p.stat().st_ino
        for p in site_index.rglob("*")
        if p.is_file() and p.name != "shards.json"
    }
    assert published == {
        p.relative_to(kept): p.stat().st_ino for p in kept.rglob("*") if p.is_file()
    }
