"""The pages that gather estates stay usable at a city's scale (issue 12; helper J).

At 16,000 estates the home page, the directory, a district page and the companies' index
listed every estate or company (up to 6.6 MB). Now they go city → district → street →
estate: the home page and the directory list districts and streets with counts, a
district page compares its streets and shows the first of its ranking and 换届 calendar,
the companies are listed per district (``companies/<district>/``, paged). These tests
build a small synthetic city and copies of the sample, and follow the figures down to the
estates' own pages.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.domain.status import Level
from generator.outputs import dashboard
from generator.pipeline.cache import Cache
from generator.pipeline.groups import GroupCache, Published

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data"
JIANGTING = "91310115MA1YC9K74W"  # 上海江庭物业服务有限公司 (浦东新区: 滨江华庭, 兰桂花园)
MEIYUAN = "91310104MA1WHXCN5U"  # 上海梅苑物业管理有限公司 (徐汇区: 梅林新村)
ESTATE_PAGE = re.compile(r"(^|/)estates/[^/]+/")
GZIP_LIMIT = 60 * 1024
RAW_LIMIT = 400 * 1024


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


def text(tag) -> str:
    return " ".join(tag.get_text(" ").split())


def _build(data: Path, out: Path):
    from click.testing import CliRunner

    from generator.cli import main

    return CliRunner().invoke(
        main,
        ["build", str(data), "--site-dir", str(out / "site"), "--build-dir", str(out / "b"),
         "--as-of", "2026-11-20"],
        catch_exceptions=False,
    )  # fmt: skip


def _target(page: Path, href: str) -> Path:
    """The file a relative link of ``page`` opens."""
    target = (page.parent / href.split("#")[0]).resolve()
    return target / "index.html" if target.is_dir() else target


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> Path:
    """A synthetic city of 160 estates (benchmarks/synth_city.py), built."""
    root = tmp_path_factory.mktemp("city")
    subprocess.run(
        [sys.executable, str(REPO / "benchmarks/synth_city.py"), "--n", "160", "--out",
         str(root / "data")],
        check=True, capture_output=True,
    )  # fmt: skip
    result = _build(root / "data", root)
    assert result.exit_code == 0, result.output
    return root / "site"


def _pages(site: Path):
    for path in sorted(site.rglob("*.html")):
        if "guide" not in path.relative_to(site).parts:
            yield path


def test_every_page_of_the_city_is_light_enough_for_a_phone(city):
    heaviest = max(_pages(city), key=lambda p: len(gzip.compress(p.read_bytes(), 6)))
    data = heaviest.read_bytes()
    assert len(gzip.compress(data, 6)) <= GZIP_LIMIT, heaviest
    assert max(len(p.read_bytes()) for p in _pages(city)) <= RAW_LIMIT


def test_city_pages_list_districts_and_streets_not_every_estate(city):
    """What grows with the city is a street's page, never the home page, the directory, a
    district page or the companies' index."""
    for path in ("index.html", "estates/index.html", "companies/index.html"):
        hrefs = [a["href"] for a in soup(city / path).select("a[href]")]
        assert [h for h in hrefs if ESTATE_PAGE.search(h)] == [], path
    for district in sorted((city / "districts").iterdir()):
        page = soup(district / "index.html")
        assert len(page.select("#ranked ~ div table.sl-ranked tbody tr")) <= (
            dashboard.DISTRICT_RANK_ROWS
        )
        assert len(page.select("#terms ~ div table.sl-terms tbody tr")) <= (
            dashboard.DISTRICT_TERM_ROWS
        )
        assert page.select("table.sl-compare") == [], district.name
    top = soup(city / "companies/index.html").select("table.sl-companies tbody tr")
    assert len(top) <= dashboard.COMPANY_TOP_ROWS


def test_a_districts_count_is_its_streets_and_the_estates_they_list(city):
    """Home → district → street → estate: the district's estate count is the sum of its
    streets', which is the estates the street pages list, which is the paged overview's."""
    home = soup(city / "index.html")
    total = 0
    for card in home.select(".sl-district-card"):
        link = card.select_one("h3 a")
        count = int(text(card.select_one("h3 small")).split()[0])
        district_page = _target(city / "index.html", link["href"])
        district = soup(district_page)
        streets = district.select("#compare ~ div table.sl-streets tbody tr")
        per_street = [int(text(r.select_one('td[data-label="小区"]'))) for r in streets]
        assert sum(per_street) == count, link["href"]
        listed = []
        for row, n in zip(streets, per_street, strict=True):
            street_page = _target(district_page, row.select_one("th a")["href"])
            rows = soup(street_page).select("#compare ~ div table.sl-compare tbody tr")
            assert len(rows) == n, street_page
            listed += [r.select_one("th a")["href"].split("estates/")[1] for r in rows]
            # The street's supervised estates each say so on their own page.
            supervised = int(text(row.select_one('td[data-label="挂牌督办中"]')))
            ranked = soup(street_page).select("#ranked ~ div table.sl-ranked tbody tr")
            flagged = [
                r.select_one("th a")["href"]
                for r in ranked
                if int(r.select_one('td[data-label="挂牌督办"]')["data-value"]) == Level.ACT
            ]
            assert len(flagged) == supervised, street_page
            for href in flagged:
                assert "被区里挂牌督办" in _target(street_page, href).read_text("utf-8")
        assert len(set(listed)) == count
        # The paged overview list of the district has the same estates.
        overview = _target(district_page, district.select_one("#compare ~ div p a")["href"])
        paged = []
        for page_path in [overview, *sorted(overview.parent.glob("page-*/index.html"))]:
            paged += [
                a["href"].split("estates/")[1]
                for a in soup(page_path).select("table.sl-lights tbody th a")
            ]
        assert sorted(paged) == sorted(listed), overview
        total += count
    assert total == 160


def test_the_directory_names_every_street_and_the_name_search_every_estate(city):
    page = soup(city / "estates/index.html")
    rows = page.select("table.sl-directory-streets tbody tr")
    assert sum(int(text(r.select_one('td[data-label="小区"]'))) for r in rows) == 160
    names = json.loads((city / dashboard.NAMES_PATH).read_text("utf-8"))
    assert len(names["e"]) == len({e[0] for e in names["e"]}) == 160
    for e in names["e"][:20]:
        assert (city / "estates" / e[0] / "index.html").is_file()
        assert (city / names["s"][e[2]][2] / "index.html").is_file()


def test_every_company_is_on_its_districts_lists(city):
    """``companies/<district>/`` lists every company serving the district's estates, with
    the estates it serves there; summed over districts, each company's page's count."""
    index = soup(city / "companies/index.html")
    counted: dict[str, int] = {}
    for row in index.select("table.sl-company-districts tbody tr"):
        first = _target(city / "companies/index.html", row.select_one("th a")["href"])
        companies = 0
        for page_path in [first, *sorted(first.parent.glob("page-*/index.html"))]:
            for tr in soup(page_path).select("table.sl-companies tbody tr"):
                code = text(tr.select_one("code"))
                n = int(text(tr.select_one('td[data-label="本区服务小区"]')))
                counted[code] = counted.get(code, 0) + n
                companies += n > 0
        assert companies == int(text(row.select_one('td[data-label="企业"]'))), first
    pages = [p for p in (city / "companies").iterdir() if dashboard.CREDIT_CODE.match(p.name)]
    assert pages
    for page_path in pages:
        caption = text(soup(page_path / "index.html").select_one("#estates ~ div caption"))
        served = int(caption.rsplit("服务的 ", 1)[1].split()[0])
        assert counted.get(page_path.name, 0) == served, page_path.name


@pytest.fixture
def sample(tmp_path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data, ignore=shutil.ignore_patterns(".*"))
    return data


def test_a_company_serving_two_districts_is_listed_in_both_and_lists_page(
    sample, tmp_path, monkeypatch
):
    """江庭 takes over 梅林新村 (徐汇区) and keeps its two 浦东 estates: it is on both
    districts' lists with the estates it serves there; with one company a page, a
    district's list has a page 2 and each page links the others."""
    contract = sample / "estates/meilin-xincun/contract.csv"
    body = contract.read_text("utf-8").replace(MEIYUAN, JIANGTING)
    contract.write_text(
        body.replace("上海梅苑物业管理有限公司", "上海江庭物业服务有限公司"), "utf-8"
    )
    monkeypatch.setattr(dashboard, "COMPANY_PAGE_ROWS", 1)
    result = _build(sample, tmp_path / "out")
    assert result.exit_code == 0, result.output
    site = tmp_path / "out/site"

    def listed(district):
        rows = {}
        first = site / f"companies/{district}/index.html"
        for page_path in [first, *sorted(first.parent.glob("page-*/index.html"))]:
            for tr in soup(page_path).select("table.sl-companies tbody tr"):
                rows[text(tr.select_one("code"))] = text(
                    tr.select_one('td[data-label="本区服务小区"]')
                )
        return rows

    assert listed("xuhui")[JIANGTING] == "1" and listed("pudong")[JIANGTING] == "2"
    xuhui = soup(site / "companies/xuhui/index.html")
    pager = [a["href"] for a in xuhui.select("nav.sl-pager a")]
    # 江庭, 康途 and 梅苑 (in 徐汇区's pool, now serving none): three pages of one.
    assert sorted(set(pager)) == ["page-2/", "page-3/"]
    assert listed("xuhui")[MEIYUAN] == "0"
    assert (
        soup(site / "companies/xuhui/page-2/index.html").select("nav.sl-pager a")[0]["href"]
        == "../"
    )
    index = soup(site / "companies/index.html")
    top = next(r for r in index.select("table.sl-companies tbody tr") if JIANGTING in text(r))
    assert text(top.select_one('td[data-label="服务小区"]')) == "3"
    assert text(top.select_one('td[data-label="所在区"]')) == "徐汇区、浦东新区"
    company = soup(site / f"companies/{JIANGTING}/index.html")
    assert "服务的 3 个小区" in text(company.select_one("#estates ~ div caption"))


def test_a_district_page_compares_its_streets_from_their_pages(built_site):
    page = soup(built_site / "districts/pudong/index.html")
    rows = page.select("#compare ~ div table.sl-streets tbody tr")
    by_street = {text(r.select_one("th")): r for r in rows}
    assert set(by_street) == {"塘桥街道", "花木街道"}
    huamu = by_street["花木街道"]
    street = soup(built_site / "districts/pudong/huamu/index.html")
    estates = street.select("#compare ~ div table.sl-compare tbody tr")
    assert text(huamu.select_one('td[data-label="小区"]')) == str(len(estates))
    late = [r for r in estates if "项逾期" in text(r)]
    assert text(huamu.select_one('td[data-label="有逾期未公示"]')) == str(len(late)) == "1"
    fees = sorted(
        float(r.select("td")[1]["data-value"]) for r in estates if r.select("td")[1]["data-value"]
    )
    if len(fees) == 1:
        assert float(huamu.select_one('td[data-label="物业费中位"]')["data-value"]) == fees[0]
    total = page.select_one("#compare ~ div table.sl-streets tfoot tr")
    assert text(total.select_one('td[data-label="小区"]')) == "2"
    links = [a["href"] for a in page.select("#compare ~ div a")]
    assert "../../overview/pudong/" in links and "../../companies/pudong/" in links


def test_the_service_page_says_from_when_a_standard_is_in_force(built_site):
    page = soup(built_site / "estates/jiangwan-yueting/service/index.html")
    cells = [text(th) for th in page.select("#standards ~ div table tbody th")]
    dated = [c for c in cells if "起" in c]
    assert dated and all(" 自 20" in c and c.endswith(" 起") for c in dated), cells
    # A standard without a date says nothing of one.
    plain = soup(built_site / "estates/binjiang-huating/service/index.html")
    assert not [th for th in plain.select("#standards ~ div table tbody th") if "起" in text(th)]


def test_a_value_page_sums_its_types_and_lists_only_the_flagged_estates(city):
    """质价: a row per property type (its estates sum to the district's count) and a row per
    estate flagged 多付少得, which pays more than its type's median for less satisfaction."""
    home = soup(city / "index.html")
    counts = {
        _target(city / "index.html", c.select_one("h3 a")["href"]).parent.name: int(
            text(c.select_one("h3 small")).split()[0]
        )
        for c in home.select(".sl-district-card")
    }
    flagged_anywhere = 0
    for slug, count in counts.items():
        page = soup(city / f"districts/{slug}/value/index.html")
        types = page.select("table.sl-compare tbody tr")
        assert sum(int(text(r.select_one('td[data-label="小区"]'))) for r in types) == count
        medians = {
            text(r.select_one("th")): (
                float(text(r.select_one('td[data-label="物业费中位数"]')).replace(",", "")),
                int(text(r.select_one('td[data-label="多付少得"]'))),
            )
            for r in types
        }
        flagged = sum(n for _, n in medians.values())
        # Per street: its own 质价 page lists each of its estates, judged by the district's
        # medians, and flags as many as the district page counts for it.
        streets = page.select("table.sl-value-streets tbody tr")
        value_page = city / f"districts/{slug}/value/index.html"
        assert sum(int(text(r.select_one('td[data-label="小区"]'))) for r in streets) == count
        assert sum(int(text(r.select_one('td[data-label="多付少得"]'))) for r in streets) == flagged
        for street in streets:
            street_page = soup(_target(value_page, street.select_one("th a")["href"]))
            listed = street_page.select("table.sl-compare tbody tr")
            assert len(listed) == int(text(street.select_one('td[data-label="小区"]')))
            assert len(street_page.select("table.sl-compare tbody tr.sl-late")) == int(
                text(street.select_one('td[data-label="多付少得"]'))
            )
            assert street_page.select_one("figure svg") is not None or not listed
        rows = page.select("table.sl-value-flagged tbody tr.sl-late")
        assert len(rows) == min(flagged, 50), slug
        for row in rows:
            fee = float(row.select_one('td[data-label="物业费"]')["data-value"])
            assert fee > medians[text(row.select_one('td[data-label="类型"]'))][0]
            sat = float(row.select_one('td[data-label="满意率"]')["data-value"])
            assert sat < float(text(row.select_one("td:last-child")))
        flagged_anywhere += len(rows)
    assert flagged_anywhere


@pytest.mark.browser
def test_the_officers_tour_of_the_sample_traces_every_figure(browser, site_server, built_site):
    """benchmarks/bench_tour.py's tour at 375 px: no page scrolls sideways, every page is
    within the phone budget, and every traced figure agrees with the estates' pages."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_tour import WIDTH, tour

    context = browser.new_context(viewport={"width": WIDTH, "height": 800}, bypass_csp=True)
    try:
        t = tour(built_site, site_server, context.new_page())
    finally:
        context.close()
    names = [p["name"] for p in t.pages]
    assert {"home", "district", "street", "estate", "company", "companies", "overview"} <= set(
        names
    )
    assert [p["path"] for p in t.pages if p["sideways_scroll"]] == []
    assert all(p["within_limits"] for p in t.pages)
    assert t.traces and [x["what"] for x in t.traces if not x["agree"]] == []


def test_the_next_build_finds_its_groups_and_pinyin_without_opening_their_entries(
    tmp_path, monkeypatch
):
    """A build's groups are listed in one index and its names' pinyin kept in one memo:
    the next build opens those two entries, not one per group, and computes no pinyin it
    has. A changed estate's group is rendered again; a damaged index is only slower."""
    cache = Cache(tmp_path / "groups")
    keys = {"a": "key-a", "b": "key-b"}

    def produce(name):
        return lambda: {f"districts/x/{name}/index.html": name.encode()}

    first = GroupCache(cache, "base", keys, published=lambda path, sha: True)
    for name in ("a", "b"):
        first.files("street", f"x/{name}", [name], produce(name))
    assert first.memo("pinyin", dashboard_pinyin, ["梅林新村", "田林街道"]) == {
        "梅林新村": "meilinxincun mlxc",
        "田林街道": "tianlinjiedao tljd",
    }
    first.save()

    opened = []
    get = Cache.get
    monkeypatch.setattr(Cache, "get", lambda self, key: opened.append(key) or get(self, key))

    def not_again(*args):
        raise AssertionError("rendered or computed again")

    second = GroupCache(cache, "base", keys, published=lambda path, sha: True)
    files = second.files("street", "x/a", ["a"], not_again)
    assert files == {"districts/x/a/index.html": Published(files["districts/x/a/index.html"].sha)}
    assert second.memo("pinyin", not_again, ["梅林新村"]) == {"梅林新村": "meilinxincun mlxc"}
    assert len(opened) == 2  # the index and the memo
    changed = GroupCache(cache, "base", {**keys, "b": "key-b2"}, published=lambda p, s: True)
    rendered = changed.files("street", "x/b", ["b"], produce("b"))
    assert rendered == {"districts/x/b/index.html": b"b"} and changed.rendered == 1

    index = next(
        p for p in (tmp_path / "groups").rglob("*.pack") if b'"json":"index"' in p.read_bytes()
    )
    index.write_bytes(b"damaged")
    opened.clear()
    third = GroupCache(cache, "base", keys, published=lambda path, sha: True)
    assert isinstance(
        third.files("street", "x/a", ["a"], not_again)["districts/x/a/index.html"], Published
    )
    assert len(opened) == 2  # the index, then the group's own entry


def dashboard_pinyin(name: str) -> str:
    from generator.outputs.render import pinyin_keys

    return pinyin_keys(name)


def test_a_synthetic_estate_never_takes_a_pinned_sample_id():
    """sample_data gives 梅林新村 and the other pinned estates figures of their own: the
    city of seed 20261204 drew the id meilin-xincun and could not be written. It is spelled
    meilin-xincun-2 now; the default city is unchanged."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from synth_city import PINNED_IDS, identities

    ids = [who.estate_id for who in identities(1500, 20261204)]
    assert "meilin-xincun-2" in ids and not PINNED_IDS & set(ids)
    assert len(set(ids)) == len(ids)
