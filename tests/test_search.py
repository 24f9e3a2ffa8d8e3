"""Search: Pagefind's chunked index (generator/search.py) behind the header's search box
(theme/partials/search.html, theme/assets/search.js), in headless Chromium on the sample site.

How fast and how big at city scale is measured by benchmarks/bench_build.py, not here.
Fixtures: tests/conftest.py.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import shutil
import threading
from pathlib import Path

import pytest

from generator.search import index_site

ESTATE = "/estates/meilin-xincun/"
REPO = Path(__file__).resolve().parent.parent
# Git-ignored evidence for people to look at (as in test_browser.py).
ARTIFACTS = Path(__file__).parent / ".artifacts"


def search(page, term: str) -> dict:
    """Type ``term`` into the header's box as a person would; wait for the results on screen.

    Returns ``{"total": int, "paths": [...]}``: the number of results and the paths of
    those shown, in order."""
    button = page.locator('label.md-header__button[for="__search"]')
    if button.is_visible():  # on a phone the box hides behind the magnifier
        button.click()
    page.evaluate(
        """term => new Promise(resolve => {
             window.__slDone = null;
             document.querySelector('[data-sl-search]').addEventListener('sl-search:done',
               e => { if (e.detail.query === term) window.__slDone = e.detail; });
             resolve();
           })""",
        term,
    )
    box = page.locator("input.md-search__input")
    box.click()
    box.fill(term)
    page.wait_for_function("window.__slDone !== null")
    total = page.evaluate("window.__slDone.total")
    paths = page.locator(".md-search-result__item a").evaluate_all(
        "links => links.map(a => new URL(a.href).pathname)"
    )
    return {"total": total, "paths": paths}


def test_no_material_index_and_a_chunked_one(built_site):
    assert not (built_site / "search" / "search_index.json").exists()
    bundle = built_site / "pagefind"
    assert (bundle / "pagefind.js").is_file()
    assert list((bundle / "index").glob("*.pf_index"))
    urls = {fragment(p)["url"] for p in (bundle / "fragment").glob("*.pf_fragment")}
    assert ESTATE in urls and "/estates/" in urls
    # Notices repeat the overview and are not search results.
    assert not [u for u in urls if u.endswith("/notice/")]


def fragment(path: Path) -> dict:
    """One page's record in Pagefind's index: gzip, a signature, then JSON."""
    data = gzip.decompress(path.read_bytes())
    assert data.startswith(b"pagefind_dcd")
    return json.loads(data[len(b"pagefind_dcd") :])


def test_index_is_deterministic(built_site, tmp_path):
    copies = []
    for name in ("a", "b"):
        site = tmp_path / name
        shutil.copytree(built_site, site, ignore=shutil.ignore_patterns("pagefind"))
        index_site(site)
        copies.append(site / "pagefind")
    files = sorted(p.relative_to(copies[0]) for p in copies[0].rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(copies[1]) for p in copies[1].rglob("*") if p.is_file())
    for rel in files:
        assert (copies[0] / rel).read_bytes() == (copies[1] / rel).read_bytes(), rel


@pytest.mark.browser
def test_estate_name_puts_the_estate_in_the_top_three(page):
    page.goto("/")
    assert ESTATE in search(page, "梅林")["paths"][:3]


@pytest.mark.browser
@pytest.mark.parametrize(
    ("fragment", "estate"),
    [("林新", "meilin-xincun"), ("江华", "binjiang-huating"), ("樟雅苑", "xiangzhang-yayuan")],
)
def test_a_fragment_of_the_name_finds_the_estate(page, fragment, estate):
    """No segmenter cuts 林新 out of 梅林新村: the overview's name tokens find it."""
    page.goto("/")
    assert f"/estates/{estate}/" in search(page, fragment)["paths"][:3]


@pytest.mark.browser
@pytest.mark.parametrize("word", ["物业", "维修", "公示"])
def test_two_character_words_return_results(page, word):
    page.goto("/")
    found = search(page, word)
    assert found["total"] > 0 and found["paths"]


@pytest.mark.browser
def test_excerpts_show_text_not_tokens(page):
    page.goto("/")
    search(page, "林新")
    text = page.locator(".md-search-result__list").inner_text()
    assert "梅林新村" in text
    assert "sne6" not in text


@pytest.mark.browser
def test_nothing_found_says_so(page):
    page.goto("/")
    assert search(page, "魑魅魍魉")["total"] == 0
    assert "没有找到" in page.locator(".md-search-result__meta").inner_text()


@pytest.mark.browser
def test_a_search_stays_on_the_site_and_its_size_is_recorded(page, site_server):
    page.goto(ESTATE)
    page.wait_for_load_state("networkidle")
    fetched: dict[str, int] = {}

    def record(response):
        try:
            fetched[response.url] = len(response.body())
        except Exception:
            fetched[response.url] = 0

    requests: list[str] = []
    page.context.on("request", lambda request: requests.append(request.url))
    page.context.on("response", record)
    search(page, "梅林")
    page.wait_for_load_state("networkidle")
    foreign = [u for u in requests if not u.startswith((site_server, "data:", "blob:"))]
    assert foreign == [], "search must load nothing from another host"
    assert not any("search_index.json" in u for u in requests)
    total = sum(fetched.values())
    print(f"\nfirst query 梅林 on the sample site: {len(fetched)} requests, {total / 1e3:.1f} KB")
    # Recorded beside the other evidence people look at (git-ignored); nothing compares it.
    ARTIFACTS.mkdir(exist_ok=True)
    record_file = ARTIFACTS / "search-first-query.json"
    record_file.write_text(json.dumps({"query": "梅林", "bytes": fetched}, indent=1), "utf-8")
    # A generous bound; the city-scale figure is benchmarks/bench_build.py's.
    assert 0 < total < 600_000


@pytest.mark.browser
def test_keyboard_only(page):
    page.goto("/estates/")
    page.keyboard.press("/")
    page.keyboard.type("梅林")
    page.wait_for_selector(".md-search-result__item a")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("new URL(document.activeElement.href).pathname")
    assert focused.startswith("/estates/")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{focused}")
    page.keyboard.press("/")
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('__search').checked")


@pytest.mark.browser
def test_search_on_a_phone(page):
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(ESTATE)
    found = search(page, "江华")
    assert "/estates/binjiang-huating/" in found["paths"][:3]
    first = page.locator(".md-search-result__item").first
    box = first.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375
    # Material's overlay grows from the magnifier (0.4 s) and is wider than the page while it
    # does: the page must fit once it has settled.
    page.wait_for_timeout(500)
    page.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


class _Prefixed(http.server.SimpleHTTPRequestHandler):
    """Serves the site under /sunlight/, as GitHub Pages serves a project site."""

    def log_message(self, format, *args):
        pass

    def translate_path(self, path):
        if not path.startswith("/sunlight/"):
            return str(Path(self.directory) / "does-not-exist")
        return super().translate_path(path[len("/sunlight") :])


@pytest.fixture
def prefixed_server(built_site):
    handler = functools.partial(_Prefixed, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/sunlight/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.browser
def test_works_under_a_base_path(page, prefixed_server):
    page.goto(prefixed_server + "estates/meilin-xincun/finances/")
    found = search(page, "梅林")
    assert "/sunlight/estates/meilin-xincun/" in found["paths"][:3]
    page.locator(".md-search-result__item a").first.click()
    page.wait_for_load_state()
    assert page.url.startswith(prefixed_server + "estates/")
    assert page.locator("h1").count() == 1


def test_a_failed_index_leaves_the_last_good_site(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from generator import search as search_mod
    from generator.cli import main

    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the last good site", "utf-8")
    # Pagefind is a separate process: stand in for it with one that fails.
    monkeypatch.setattr(search_mod, "pagefind_command", lambda: ["false"])
    result = CliRunner().invoke(main, [
        "build", str(REPO / "data"), "--site-dir", str(site), "--build-dir", str(tmp_path / "b"),
        "--as-of", "2026-11-20", "--config-file", str(REPO / "mkdocs.yml"),
    ])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "搜索索引失败" in result.output
    assert (site / "index.html").read_text("utf-8") == "the last good site"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "site"], "staging left behind"


@pytest.mark.browser
def test_names_first_then_the_text_on_request(page):
    """A name query shows the estates it names; "more" adds the pages that mention it."""
    page.goto("/")
    found = search(page, "梅林")
    assert found["paths"] == [ESTATE]
    assert "名称相符" in page.locator(".md-search-result__meta").inner_text()
    page.get_by_role("button", name="显示更多结果").click()
    items = page.locator(".md-search-result__item a")
    page.wait_for_function("document.querySelectorAll('.md-search-result__item').length > 1")
    paths = items.evaluate_all("links => links.map(a => new URL(a.href).pathname)")
    assert paths[0] == ESTATE and len(paths) == len(set(paths))
    assert "符合条件" in page.locator(".md-search-result__meta").inner_text()
