"""The real site, built once from the sample data: HTML asserted with selectors."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import frictionless
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from generator.cli import main

from .packages import ESTATE, write_package

REPO = Path(__file__).resolve().parent.parent
SAMPLE_IDS = sorted(p.name for p in (REPO / "data/estates").iterdir() if p.is_dir())


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


def text(path: Path) -> str:
    return " ".join(soup(path).get_text(" ").split())


def cell(tag) -> str:
    return " ".join(tag.get_text(" ").split())


def test_every_sample_estate_has_all_its_pages(built_site):
    assert len(SAMPLE_IDS) >= 8
    for estate_id in SAMPLE_IDS:
        base = built_site / "estates" / estate_id
        for page in (
            "",
            "committee/",
            "finances/",
            "service/",
            "governance/",
            "performance/",
            "notice/",
        ):
            assert (base / page / "index.html").is_file(), f"{estate_id}/{page}"


def test_meilin_figures_appear(built_site):
    base = built_site / "estates/meilin-xincun"
    overview = soup(base / "index.html")
    assert overview.select_one("h1").get_text(strip=True).startswith("梅林新村")
    finances = text(base / "finances/index.html")
    for figure in (
        "46,320.00",
        "95,580.00",
        "24,300.00",
        "40,000.00",
        "4,500.00",
        "73,100.00",
        "81,000.00",
    ):
        assert figure in finances
    quarter = soup(base / "finances/index.html").select_one("#q-2025Q1")
    assert "✓" in quarter.select_one(".sl-formula").get_text()
    service = text(base / "service/index.html")
    assert "0.60" in service and "包干制" in service and "150.00" in service
    committee = text(base / "committee/index.html")
    assert "执行秘书" in committee and "第 3 届" in committee


def test_binjiang_vote_against_thresholds(built_site):
    page = soup(built_site / "estates/binjiang-huating/governance/index.html")
    rows = [r for r in page.select("table.sl-votes tbody tr") if "78/96" in r.get_text()]
    assert rows, "the lift vote (78 of 96 owners) is shown"
    cells = rows[0].get_text(" ")
    assert "81.2%" in cells and "89.7%" in cells and "通过" in cells and "与票数相符" in cells


def test_every_page_shows_as_of_and_version(built_site):
    for page in (built_site / "estates/meilin-xincun").rglob("index.html"):
        content = text(page)
        assert "2026-11-20" in content, page
    overview = text(built_site / "estates/meilin-xincun/index.html")
    assert re.search(r"数据版本 [0-9a-f]{12}", overview)


def test_nav_stays_small(built_site):
    for page in (
        built_site / "index.html",
        built_site / "estates/meilin-xincun/finances/index.html",
    ):
        nav = soup(page).select_one("nav.md-nav--primary")
        links = nav.select("a.md-nav__link")
        assert len(links) <= 12, [a.get_text(strip=True) for a in links]
        assert "梅林新村" not in nav.get_text()


def test_directory_lists_every_street_and_its_estates_are_one_click_down(built_site):
    """The directory lists districts and streets with counts (a city's 16,000 estates would
    make it megabytes); each street's page lists its estates; the name search reads every
    estate from overview/names.json."""
    rows = soup(built_site / "estates/index.html").select("table.sl-directory-streets tbody tr")
    assert sum(int(cell(r.select_one('td[data-label="小区"]'))) for r in rows) == len(SAMPLE_IDS)
    listed = set()
    for row in rows:
        href = row.select_one("th a")["href"]
        street = soup(built_site / "estates" / href / "index.html")
        links = street.select("table.sl-compare tbody th a")
        assert len(links) == int(cell(row.select_one('td[data-label="小区"]'))), href
        listed |= {a["href"].split("estates/")[1].strip("/") for a in links}
    assert listed == set(SAMPLE_IDS)
    names = json.loads((built_site / "overview/names.json").read_text("utf-8"))
    assert sorted(e[0] for e in names["e"]) == sorted(SAMPLE_IDS)


def test_home_browses_district_to_street(built_site):
    home = soup(built_site / "index.html")
    districts = home.select(".sl-district-card")
    assert len(districts) >= 3
    link = home.select_one('.sl-district-card a[href="districts/xuhui/tianlin/"]')
    assert link is not None and "1 个" in cell(link.parent)
    # Streets, not every estate: the home page stays small at 16,000 estates.
    assert home.select_one('.sl-district-card a[href^="estates/"]') is None


def test_downloads_validate_with_frictionless(built_site):
    for estate_id in SAMPLE_IDS:
        descriptor = built_site / "estates" / estate_id / "data/datapackage.json"
        report = frictionless.validate(str(descriptor))
        assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_notice_points_to_the_estate_url(built_site):
    page = soup(built_site / "estates/meilin-xincun/notice/index.html")
    assert page.select_one(".sl-notice__qr svg") is not None
    url = page.select_one(".sl-notice__url").get_text(strip=True)
    assert url == "https://sunlight.example.org/estates/meilin-xincun/"


def test_no_asset_from_another_host(built_site):
    # Everything a browser fetches by itself: scripts, styles, icons, images, frames.
    # (<link rel="canonical"> and ordinary <a href> are not fetched.)
    fetched = "script[src], img[src], iframe[src], source[src], link[href]:not([rel=canonical])"
    for page in built_site.rglob("*.html"):
        for element in soup(page).select(fetched):
            url = element.get("src") or element.get("href")
            assert not re.match(r"(?:https?:)?//", url), (page, url)
    for css in built_site.rglob("*.css"):
        assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", css.read_text("utf-8")), css


def test_no_personal_numbers_published(built_site):
    phone = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
    ident = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
    for page in (built_site / "estates").rglob("*"):
        if page.suffix in (".html", ".csv", ".json"):
            content = page.read_text("utf-8")
            assert not phone.search(content), page
            assert not ident.search(content), page


def _tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


def _build(data: Path, out: Path):
    return CliRunner().invoke(main, [
        "build", str(data), "--site-dir", str(out / "site"), "--build-dir", str(out / "build"),
        "--as-of", "2026-11-20", "--config-file", str(REPO / "mkdocs.yml"),
    ], catch_exceptions=False)  # fmt: skip


def test_values_from_data_are_escaped(tmp_path):
    members = (
        "member_id,term_no,display_name,role,is_voting,is_party_member,is_rc_cross,building_no,"
        "start_date,end_date,end_reason\n"
        "M1,1,<script>x</script>,主任,是,是,否,1,2024-05-01,,\n"
        "M2,1,李*华,副主任,是,否,否,2,2024-05-01,,\n"
        "M3,1,王*,委员,是,否,否,3,2024-05-01,,\n"
        "M4,1,赵*,委员,是,否,否,4,2024-05-01,,\n"
        "M5,1,钱*,委员,是,否,是,5,2024-05-01,,\n"
    )
    from .packages import COMMITTEES

    estate = ESTATE.replace("测试小区", "<b>坏</b>小区")
    write_package(tmp_path / "data", estate=estate, committees=COMMITTEES, members=members)
    result = _build(tmp_path / "data", tmp_path)
    assert result.exit_code == 0, result.output
    site = tmp_path / "site"
    for page in site.rglob("*.html"):
        html = page.read_text("utf-8")
        assert "<script>x" not in html and "<b>坏" not in html, page
    committee = soup(site / "estates/test-estate/committee/index.html")
    assert "<script>x</script>" in committee.select_one("table tbody th").get_text()
    assert (
        soup(site / "estates/test-estate/index.html").title.get_text().startswith("<b>坏</b>小区")
    )


@pytest.mark.slow
def test_two_builds_are_identical(tmp_path):
    first, second = _build(REPO / "data", tmp_path / "a"), _build(REPO / "data", tmp_path / "b")
    assert first.exit_code == 0 and second.exit_code == 0
    assert _tree_hash(tmp_path / "a/site") == _tree_hash(tmp_path / "b/site")
    # The tree includes Pagefind's index (pagefind/), so it is deterministic too.
    assert list((tmp_path / "a/site/pagefind/site/index").glob("*.pf_index"))
