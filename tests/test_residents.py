"""What residents on phones and older readers get: care mode, reflow, charts, comparisons."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from icalendar import Calendar

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests/.artifacts"
SCREENS = {
    "home": "",
    "overview": "estates/meilin-xincun/",
    "finances": "estates/meilin-xincun/finances/",
    "notice": "estates/meilin-xincun/notice/",
}


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


@pytest.mark.browser
def test_care_mode_is_large_remembered_and_switchable(page):
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("estates/meilin-xincun/")
    toggle = page.locator(".sl-care-toggle")
    assert toggle.get_attribute("aria-pressed") == "false"
    box = toggle.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    page.goto("estates/meilin-xincun/finances/")  # remembered on the next page
    size = page.evaluate(
        "Math.min(...[...document.querySelectorAll('.md-typeset p')]"
        ".map(p => parseFloat(getComputedStyle(p).fontSize)))"
    )
    assert size >= 20
    assert page.evaluate("document.documentElement.classList.contains('sl-care')")
    page.locator(".sl-care-toggle").click()
    page.reload()
    assert not page.evaluate("document.documentElement.classList.contains('sl-care')")


@pytest.mark.browser
@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_phone_screenshots_without_sideways_scrolling(page, care):
    ARTIFACTS.mkdir(exist_ok=True)
    if care:
        page.add_init_script("localStorage.setItem('sl-care', '1')")
    page.set_viewport_size({"width": 375, "height": 812})
    for name, path in SCREENS.items():
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, (name, care)
        page.screenshot(path=str(ARTIFACTS / f"375-{'care' if care else 'normal'}-{name}.png"))


@pytest.mark.browser
def test_reflows_at_200_percent_zoom(page):
    # 200% zoom of a 1280 px window leaves 640 CSS px; 400% (WCAG reflow) leaves 320.
    for width in (640, 320):
        page.set_viewport_size({"width": width, "height": 800})
        for path in ("", "estates/", "districts/pudong/", "estates/meilin-xincun/finances/"):
            page.goto(path)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (width, path)


@pytest.mark.browser
def test_comparison_table_sorts(page):
    page.goto("overview/")
    header = page.locator("table.sl-compare thead th").nth(1)  # 小区 count
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    values = page.eval_on_selector_all(
        "table.sl-compare tbody tr td:nth-child(2)", "cells => cells.map(c => +c.textContent)"
    )
    assert values == sorted(values)


def test_charts_are_inline_svg_beside_their_numbers(built_site):
    page = soup(built_site / "estates/meilin-xincun/finances/index.html")
    charts = page.select("figure.sl-figure svg.sl-chart")
    assert len(charts) == 3  # common income, maintenance fund, budget
    for svg in charts:
        assert svg.get("role") == "img" and svg.select_one("title").get_text()
        assert svg.find_parent("figure").find_next("table") is not None
    fund = page.select_one("#chart-fund")
    assert "30% 警戒线" in fund.get_text() and fund.select(".sl-hl")  # buildings below the floor
    assert soup(built_site / "estates/meilin-xincun/performance/index.html").select_one(
        "#chart-orders"
    )


def test_every_district_compares_its_estates(built_site):
    districts = sorted((built_site / "districts").iterdir())
    assert len(districts) >= 3
    for district in districts:
        # The district page compares its streets, each street page its estates.
        page = soup(district / "index.html")
        streets = page.select("table.sl-streets tbody tr")
        assert streets, district.name
        rows = [
            row
            for street in streets
            for row in soup(district / street.select_one("th a")["href"] / "index.html").select(
                "table.sl-compare tbody tr"
            )
        ]
        assert len(rows) == sum(int(r.select("td")[0].get_text()) for r in streets)
        for row in rows:
            cells = [c.get_text(" ", strip=True) for c in row.select("td")]
            assert len(cells) == 7
            fee, status, fund, orders, hours, satisfaction = cells[1:]
            assert "." in fee and status and fund.endswith("%"), (district.name, cells)
            assert orders != "—" and hours != "—" and satisfaction.endswith("%"), cells
        value = soup(district / "value/index.html")
        assert value.select("table.sl-compare tbody tr"), district.name
        streets = [p for p in district.iterdir() if p.is_dir() and p.name != "value"]
        assert streets and all((s / "index.html").is_file() for s in streets)


def test_city_overview_counts_overdue_by_district(built_site):
    page = soup(built_site / "overview/index.html")
    rows = page.select("table.sl-compare tbody tr")
    overdue = {r.select_one("th").get_text(strip=True): r.select("td")[1].get_text() for r in rows}
    assert overdue["浦东新区"] == "1"  # 兰桂花园 stopped publishing after 2026Q1
    most = page.select("#most-warnings ~ div table tbody tr th")
    # Worst status first (issue 12): 苓园小区 is under supervision (需整改); among the
    # 需关注 ones, 梅林新村 with its five buildings below the fund floor leads.
    names = [th.get_text(strip=True) for th in most]
    assert names[0] == "苓园小区" and names.index("梅林新村") < names.index("兰桂花园")


def test_disclosure_calendar_page_and_ics(built_site):
    page = soup(built_site / "estates/langui-huayuan/calendar/index.html")
    late = [r.get_text(" ", strip=True) for r in page.select("tr.sl-late")]
    # Periods in words on the page (issue 10); the .ics keeps the machine form below.
    assert any("2026年第3季度" in r and "公共收益" in r for r in late)
    ics = Calendar.from_ical((built_site / "estates/langui-huayuan/calendar.ics").read_bytes())
    events = [e for e in ics.walk("VEVENT")]
    assert events and all(e.get("uid") and e.get("dtstart") for e in events)
    summaries = [str(e.get("summary")) for e in events]
    assert any("2026Q4 公共收益" in s for s in summaries)
    assert any("任期届满" in s for s in summaries)
