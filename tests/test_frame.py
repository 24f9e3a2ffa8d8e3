"""The site frame (generator/outputs/frame.py): captured from a real MkDocs build, then filled.

Generated pages are not built by MkDocs: their shell — header, search, navigation,
footer, CSS and JS links — is the frame page's, with its links rewritten for the page's
depth. These tests build the frame with the real ``mkdocs build`` and check that a
page at any depth finds every file it links to.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

from generator.outputs import build, frame

REPO = Path(__file__).resolve().parent.parent
SITE_URL = "https://sunlight.example.org/"


@pytest.fixture(scope="module")
def mkdocs_site(tmp_path_factory) -> tuple[Path, list[str], dict[str, str]]:
    """MkDocs' own build of content/ plus the frame pages: (site, placeholders, the
    frame pages' HTML as built)."""
    out = tmp_path_factory.mktemp("frame")
    docs = out / "docs"
    shutil.copytree(REPO / "content", docs)
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    placeholders = frame.write_sources(docs, config["nav"])
    mk = build.write_mkdocs_config(
        REPO / "mkdocs.yml",
        docs,
        out,
        site_url=SITE_URL,
        extra={"as_of": "2026-11-20", "feeds": True},
    )
    build.run_mkdocs(mk, out / "site", dt.date(2026, 11, 20))
    pages = {
        variant: (out / "site" / url / "index.html").read_text("utf-8")
        for variant, url in frame.VARIANTS.items()
    }
    return out / "site", placeholders, pages


@pytest.fixture(scope="module")
def captured(mkdocs_site) -> frame.Frame:
    site, placeholders, _ = mkdocs_site
    return frame.capture(site, placeholders, clean=build.clean_page)


def local_links(html: str) -> list[str]:
    """Every href/src of a page that points into the site (not another host, not an
    anchor of the page itself)."""
    soup = BeautifulSoup(html, "html.parser")
    links = [el.get("href") or el.get("src") for el in soup.select("[href], [src]")]
    out = []
    for link in links:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        out.append(parts.path)
    return out


def missing_targets(site: Path, url: str, html: str, generated=()) -> list[str]:
    """Links of the page at ``url`` whose file is not in ``site`` (nor one of the
    ``generated`` page URLs, written after the frame is captured)."""
    root = site.resolve()
    pages = {(root / u).resolve() for u in generated}
    missing = []
    for link in local_links(html):
        target = (site / url / link).resolve()
        if not target.is_relative_to(root):
            missing.append(link)
        elif not (target.is_file() or (target / "index.html").is_file() or target in pages):
            missing.append(link)
    return missing


def test_every_link_of_a_rendered_page_resolves_at_depth_1_and_3(mkdocs_site, captured):
    site, placeholders, _ = mkdocs_site
    # The nav's generated pages (home, directory, overview) are placeholders in the
    # MkDocs build, removed at capture and written afterwards.
    assert set(placeholders) == {"", "estates/", "overview/"}
    for url in ("estates/", "estates/some-estate/finances/"):
        page = captured.render(url, "页面", '<h1>页面</h1>\n<h2 id="a">甲</h2>\n')
        links = local_links(page)
        # The shell's own links: stylesheets, scripts, the favicon, the nav.
        assert any(link.endswith(".min.css") for link in links)
        assert any("guide/rules/" in link for link in links)
        # feed.xml is written with the generated pages too.
        generated = [*placeholders, "feed.xml"]
        assert missing_targets(site, url, page, generated) == [], url
        depth = url.count("/")
        # No Material bundle nor its __config on generated pages: their own script.
        assert f'src="{"/".join([".."] * depth)}/assets/sunlight.js"' in page
        assert "__config" not in page
        soup = BeautifulSoup(page, "html.parser")
        assert soup.select_one("link[rel=canonical]")["href"] == SITE_URL + url


def test_every_link_of_the_built_site_resolves(built_site):
    # The real build: generated pages at depth 0 to 3 and the guide, with every page's
    # links (shell and body) checked against the files published.
    for url in (
        "",
        "estates/",
        "districts/xuhui/",
        "districts/xuhui/tianlin/",
        "estates/meilin-xincun/",
        "estates/meilin-xincun/finances/",
        "estates/meilin-xincun/notice/",
        "guide/rules/",
    ):
        html = (built_site / url / "index.html").read_text("utf-8")
        assert missing_targets(built_site, url, html) == [], url


def test_title_description_feed_and_toc_are_the_pages_own(captured):
    body = '<h1>x</h1>\n<h2 id="fees">收费 &amp; 标准</h2>\n<p>…</p>\n<h2 id="more">更多</h2>\n'
    page = captured.render(
        "estates/e/service/",
        "<b>坏</b>小区 · 物业服务",
        body,
        description="一句话",
        feed="estates/e/feed.xml",
    )
    soup = BeautifulSoup(page, "html.parser")
    assert soup.title.get_text().startswith("<b>坏</b>小区 · 物业服务")
    assert "<b>坏</b>" not in page
    assert soup.select_one('meta[name="description"]')["content"] == "一句话"
    feeds = soup.select('link[rel=alternate][type="application/atom+xml"]')
    assert [f["href"] for f in feeds] == ["../../../feed.xml", "../feed.xml"]
    toc = soup.select_one("nav.md-nav--secondary")
    assert [(a["href"], a.get_text(strip=True)) for a in toc.select("a")] == [
        ("#fees", "收费 & 标准"),
        ("#more", "更多"),
    ]
    assert soup.select_one("a.md-skip")["href"] == "#fees"
    assert soup.select_one("article").get_text(strip=True).startswith("x收费")
    for marker in (frame.TITLE, frame.TOC_ID, frame.TOC_TEXT, frame.FEED, frame.BEGIN):
        assert marker not in page


def test_page_without_headings_has_no_toc_or_skip_link(captured):
    page = captured.render("estates/", "小区目录", "<div><h1>小区目录</h1></div>\n")
    soup = BeautifulSoup(page, "html.parser")
    assert soup.select_one("nav.md-nav--secondary").select("a") == []
    assert soup.select_one("a.md-skip") is None
    # Without a feed of its own the page lists only the city's.
    assert len(soup.select("link[rel=alternate]")) == 1
    assert (
        soup.select_one('meta[name="description"]')["content"]
        == "上海住宅小区业委会、物业与公共收益信息公示"
    )


def test_notice_variant_hides_navigation_and_keeps_print_rules(captured):
    page = captured.render(
        "estates/e/notice/", "告示", "<h1>告示</h1>\n<h2>业主委员会</h2>\n", variant="notice"
    )
    assert "@page { size: A4 portrait; margin: 0; }" in page  # no room for a browser header
    soup = BeautifulSoup(page, "html.parser")
    assert soup.select_one(".md-sidebar--primary").has_attr("hidden")
    assert "@page" not in captured.render("estates/e/", "概况", "<h1>概况</h1>")


def test_rendering_is_deterministic_and_fingerprint_names_the_shell(mkdocs_site, captured):
    _, _, pages = mkdocs_site
    again = {
        v: frame.capture_shell(html, frame.VARIANTS[v], build.clean_page)
        for v, html in pages.items()
    }
    # capture() links the frame's part of Material's stylesheet (generator/outputs/framecss.py).
    sheets = mkdocs_site[0] / "assets/stylesheets"
    (material,) = [p.name for p in sheets.glob("main.*.min.css")]
    (part,) = [p.name for p in sheets.glob("sunlight-frame.*.min.css")]
    frame.relink_stylesheets(again, {material: part})
    assert re.fullmatch(r"[0-9a-f]{64}", captured.fingerprint)
    one = captured.render("a/b/", "t", "<h1>t</h1>")
    assert one == captured.render("a/b/", "t", "<h1>t</h1>")
    assert one == frame.Frame(again, "x").render("a/b/", "t", "<h1>t</h1>")
    # A different shell, a different fingerprint.
    changed = pages["page"].replace("阳光公示", "阳光公示二", 1)
    site = {v: frame.capture_shell(h, frame.VARIANTS[v]) for v, h in pages.items()}
    site["page"] = frame.capture_shell(changed, frame.VARIANTS["page"])
    assert frame.fingerprint(site) != frame.fingerprint(again)
    assert frame.fingerprint(again) == captured.fingerprint


def test_frame_page_without_its_marker_is_a_clear_error(mkdocs_site):
    _, _, pages = mkdocs_site
    broken = pages["page"].replace(frame.BEGIN, "")
    with pytest.raises(frame.FrameError, match="找不到标记.*lacks the marker"):
        frame.capture_shell(broken, "_frame/")


def test_frame_with_a_link_it_cannot_place_is_an_error(mkdocs_site):
    _, _, pages = mkdocs_site
    broken = pages["page"].replace("</head>", '<link rel="icon" href="icon.svg"></head>', 1)
    with pytest.raises(frame.FrameError, match="icon.svg"):
        frame.capture_shell(broken, "_frame/")


def test_frame_pages_and_placeholders_are_not_published(built_site):
    assert not (built_site / frame.FRAME_DIR).exists()
    sitemap = (built_site / "sitemap.xml").read_text("utf-8")
    assert f"/{frame.FRAME_DIR}/" not in sitemap
    for page in built_site.rglob("*.html"):
        text = page.read_text("utf-8")
        assert "Sunlight placeholder" not in text, page
        assert frame.TITLE not in text and frame.BEGIN not in text, page
    # The home page is the generated one, in the frame.
    home = BeautifulSoup((built_site / "index.html").read_text("utf-8"), "html.parser")
    assert home.select_one("article h1").get_text(strip=True).startswith("阳光公示")
    assert home.select_one("nav.md-nav--primary") is not None


def test_no_mkdocs_internals_in_the_generator():
    # MkDocs is run as a command (generator/outputs/build.py) and read through its output HTML
    # only, so a successor reading the same mkdocs.yml can replace it.
    imports = re.compile(
        r"^\s*(?:import|from)\s+(?:mkdocs|material)\b|import_module\(\s*[\"'](?:mkdocs|material)",
        re.M,
    )
    for path in (REPO / "generator").rglob("*.py"):
        assert not imports.search(path.read_text("utf-8")), path
    build_py = (REPO / "generator/outputs/build.py").read_text("utf-8")
    assert build_py.count('"-m",\n        "mkdocs",') == 1  # the one subprocess command


def test_a_theme_that_drops_the_marker_fails_the_build_and_publishes_nothing(tmp_path):
    # A theme override that prints no page content: the frame page's marker is missing,
    # so `sunlight build` stops with a finding-style message and exit 1, and no site.
    from click.testing import CliRunner

    from generator.cli import main

    from .packages import write_package

    project = tmp_path / "project"
    shutil.copytree(REPO / "theme", project / "theme")
    shutil.copytree(REPO / "content", project / "content")
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
    main_html = project / "theme" / "main.html"
    main_html.write_text(
        main_html.read_text("utf-8") + "\n{% block content %}<p>无内容</p>{% endblock %}\n",
        "utf-8",
    )
    write_package(tmp_path / "data")
    result = CliRunner().invoke(main, [
        "build", str(tmp_path / "data"), "--site-dir", str(tmp_path / "site"),
        "--build-dir", str(tmp_path / "build"), "--as-of", "2026-11-20",
        "--config-file", str(project / "mkdocs.yml"),
    ])  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "找不到标记" in result.output and "lacks the marker" in result.output
    assert "页面框架无法使用" in result.output and "previous site is unchanged" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "site").exists()
    assert not list(tmp_path.glob(".site.*"))
