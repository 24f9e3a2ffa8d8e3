"""Words for residents (issue 10): periods, the status headline, one sentence per warning,
latest figures that say their period and whether they are overdue.

Asserted on the real built site (the session ``built_site``, as of 2026-11-20) and, where
the behaviour lives in the browser, in Chromium (``page``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from generator.domain.periods import period_label
from generator.domain.status import THRESHOLDS
from generator.findings import Finding
from generator.history import FORMAT_ONLY
from generator.load import load
from generator.model import build_estates
from generator.outputs import plain
from generator.validate import validate

AS_OF = dt.date(2026, 11, 20)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


def text(node) -> str:
    return node.get_text(" ", strip=True)


@pytest.fixture(scope="module")
def estates():
    return {e.id: e for e in build_estates(validate(load("data"), AS_OF, workers=1), AS_OF)}


# --------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2026Q3", "2026年第3季度"),
        ("2026Q1", "2026年第1季度"),
        ("2026H1", "2026年上半年"),
        ("2026H2", "2026年下半年"),
        ("2026-09", "2026年9月"),
        ("2026-12", "2026年12月"),
        (dt.date(2026, 9, 30), "2026年9月"),
        ((2026, 9), "2026年9月"),
        (None, "—"),
        # Not a period: left as it is, never guessed at.
        ("2026Q5", "2026Q5"),
        ("2026H3", "2026H3"),
        ("2026-13", "2026-13"),
        ("2026年度", "2026年度"),
    ],
)
def test_period_label(value, words):
    assert period_label(value) == words


def test_plain_text_turns_periods_and_dates_into_words():
    assert plain.plain_text("公示 2026Q3 公共收益收支") == "公示 2026年第3季度 公共收益收支"
    assert plain.plain_text("应在 2026-10-31 前") == "应在 2026年10月31日 前"
    # A longer token is not a period: ids and codes stay.
    assert plain.plain_text("R2026Q3X 与 X2026H1") == "R2026Q3X 与 X2026H1"


# --------------------------------------------------------------------------- sentences


def test_meilin_five_fund_warnings_become_one_sentence(estates):
    meilin = estates["meilin-xincun"]
    warnings = plain.plain_warnings(meilin.warnings, meilin)
    assert len(warnings) == 1
    (w,) = warnings
    assert w.rule == "repair-fund-floor" and len(w.findings) == 5
    assert w.sentence == (
        "5 栋楼的维修资金低于首期的 30 % 续筹线（3号楼 21.1 %、8号楼 22.8 %、14号楼 24.1 %、"
        "19号楼 22.4 %、25号楼 21.5 %），共约需 30,651 元才能回到 30 %"
    )
    # The findings themselves are untouched: the fold shows validation's own messages.
    assert list(w.findings) == meilin.warnings


def test_one_building_under_the_floor_reads_as_the_issue_asks(estates):
    meilin = estates["meilin-xincun"]
    first = [f for f in meilin.warnings if f.row == 116]
    (w,) = plain.plain_warnings(first, meilin)
    assert w.sentence == "3号楼维修资金只剩首期的 21.1 %，低于 30 % 的续筹线，约需 7,907 元"


def test_langui_overdue_common_income_sentence(estates):
    langui = estates["langui-huayuan"]
    (w,) = plain.plain_warnings(langui.warnings, langui)
    assert w.sentence == (
        "公共收益季度收支只公示到 2026年第1季度，已逾期：应在 2026年10月31日前公示到 2026年第3季度"
    )
    item = next(d for d in langui.disclosure if d.kind == "common_income")
    assert plain.latest_text(item) == "2026年第1季度（已逾期，应公示到第3季度）"
    fund = next(d for d in langui.disclosure if d.kind == "repair_fund")
    assert plain.latest_text(fund) == "2026年上半年"


def test_a_rule_without_its_own_words_says_its_first_sentence(estates):
    meilin = estates["meilin-xincun"]
    finding = Finding(
        "meilin-xincun",
        "meetings",
        "data/estates/meilin-xincun/meetings.csv",
        5,
        "meeting_date",
        "meeting-cadence",
        "warning",
        "这次业委会会议（2026-09-30）距离上一次会议 2026-06-01 有 121 天，超过了 62 天。"
        "业委会至少每两个月开一次会。如果中间的会议漏填了，请补上。",
        "…",
    )
    (w,) = plain.plain_warnings([finding], meilin)
    assert w.sentence == (
        "这次业委会会议（2026年9月30日）距离上一次会议 2026年6月1日 有 121 天，超过了 62 天"
    )


# --------------------------------------------------------------------------- pages


def test_overview_leads_with_one_honest_status(built_site):
    meilin = soup(built_site / "estates/meilin-xincun/index.html")
    status = meilin.select_one("section.sl-status")
    assert "sl-level-watch" in status["class"]
    badge = status.select_one(".sl-badge")
    assert text(badge) == "需关注" and "sl-level-watch" in badge["class"]
    assert [text(li) for li in status.select("li")] == [
        "28 栋楼中有 5 栋维修资金低于首期的 30 %，需要续筹。"
    ]
    assert status.select_one('a[href$="guide/rules/#status"]')
    # No green 按时公示 badge anywhere on the page any more.
    assert not meilin.select(".sl-badge--ok")

    binjiang = soup(built_site / "estates/binjiang-huating/index.html")
    status = binjiang.select_one("section.sl-status")
    assert text(status.select_one(".sl-badge")) == "正常" and "sl-level-ok" in status["class"]
    assert "应公示的事项都已按时公示。" in [text(li) for li in status.select("li")]


def test_warnings_are_one_sentence_with_the_findings_in_a_fold(built_site):
    page = soup(built_site / "estates/meilin-xincun/index.html")
    items = page.select("ul.sl-warnings > li")
    assert len(items) == 1
    assert text(items[0].strong).startswith("5 栋楼的维修资金低于首期的 30 % 续筹线（3号楼 21.1 %")
    fold = items[0].select_one("details.sl-tech")
    assert text(fold.summary) == "给业委会：5 条检查结果与数据位置"
    rows = [text(li) for li in fold.select("li")]
    assert len(rows) == 5
    assert "repair-fund-floor" in rows[0] and "repair_fund 第 116 行" in rows[0]
    # The committee's words are only in the fold.
    outside = text(page.select_one("ul.sl-warnings")).replace(text(fold), "")
    assert "请改正" not in outside and "repair_fund" not in outside


def test_latest_figures_say_their_period_and_whether_overdue(built_site):
    langui = soup(built_site / "estates/langui-huayuan/index.html")
    stats = {text(li.span): li for li in langui.select("ul.sl-stats li")}
    income = stats["公共收益期末余额"]
    assert "sl-late" in income["class"]
    assert text(income.select_one(".sl-period")) == "2026年第1季度（已逾期，应公示到第3季度）"
    assert text(stats["维修资金余额"].select_one(".sl-period")) == "2026年上半年"

    finances = soup(built_site / "estates/langui-huayuan/finances/index.html")
    headings = [text(h) for h in finances.select(".sl-quarter h3")]
    assert headings[0] == "2026年第1季度"
    assert not any("Q" in h for h in headings)
    assert "最近一期： 2026年上半年" in text(finances.select_one("#repair-fund + div p"))


def test_no_machine_periods_on_resident_pages(built_site):
    import re

    machine = re.compile(r"\b20\d\d(?:Q[1-4]|H[12])\b")
    for slug in ("", "finances/", "performance/", "calendar/", "notice/"):
        page = soup(built_site / f"estates/langui-huayuan/{slug}index.html")
        for node in page.select("script, [hidden], code, .sl-tech, svg"):
            node.decompose()
        main = page.select_one("article") or page
        found = machine.findall(text(main))
        assert not found, (slug, found[:5])


def test_status_thresholds_are_the_shared_ones():
    # The page's status comes from generator/domain/status.py only: nothing here may hold
    # a second copy. The guide's section is checked against THRESHOLDS in test_docs.py.
    import generator.outputs.plain as module

    source = Path(module.__file__).read_text("utf-8")
    for key in THRESHOLDS:
        assert key not in source


# --------------------------------------------------------------------------- charts


def _svg(markup: str) -> BeautifulSoup:
    return BeautifulSoup(str(markup), "html.parser").svg


def test_bar_chart_counts_are_integers_and_bars_start_at_zero():
    from generator.outputs.charts import Series, bar_chart

    svg = _svg(
        bar_chart("c", "工单", ["2026年9月", "2026年10月"], [Series("受理", [77, 5], "sl-c1")])
    )
    assert [t.get_text() for t in svg.select("text.sl-value")] == ["77", "5"]
    bars = svg.select("rect.sl-c1")
    # Every bar starts at the same x (zero) and the lengths keep the values' ratio.
    assert len({b["x"] for b in bars}) == 1
    widths = [float(b["width"]) for b in bars]
    assert widths[0] / widths[1] == pytest.approx(77 / 5, rel=0.01)


def test_value_labels_never_cross_the_reference_line():
    from decimal import Decimal

    from generator.outputs.charts import Series, bar_chart, text_width

    shares = [Decimal("21.1"), Decimal("28.9"), Decimal("47.2"), Decimal("29.95")]
    svg = _svg(
        bar_chart(
            "f",
            "维修资金",
            ["3号楼", "4号楼", "5号楼", "6号楼"],
            [Series("余额占比", shares, "sl-c1")],
            unit="%",
            reference=(Decimal(30), "30% 警戒线"),
            highlight=[True, True, False, True],
        )
    )
    ref = float(svg.select("line.sl-ref")[-1]["x1"])
    labels = svg.select("text.sl-value")
    # Rounded down like the rules' messages: 29.95 % never reads as reaching 30 %.
    assert [t.get_text() for t in labels] == ["21.1%", "28.9%", "47.2%", "29.9%"]
    for label in labels:
        x = float(label["x"])
        assert not (x <= ref <= x + text_width(label.get_text())), label
    # Healthy bars are calm (sl-c1); only those under the floor are highlighted.
    assert [("sl-hl" in r["class"]) for r in svg.select("rect")] == [True, True, False, True]


def test_labels_fit_a_320px_phone():
    from generator.outputs.charts import LABEL_W, WIDTH, Series, bar_chart, text_width

    long = "维修资金·电梯大修与外墙渗漏修缮工程费用"
    svg = _svg(
        bar_chart("b", "预算", [long, "公共收益·保洁"], [Series("预算", [1200, 80], "sl-c1")])
    )
    assert svg["viewbox"] == f"0 0 {WIDTH} {svg['viewbox'].split()[3]}"
    first = svg.select("text.sl-label")[0].get_text()
    assert first.endswith("…") and text_width(first) <= LABEL_W
    # The whole label is in the table beside the chart, whose numbers no <desc> repeats.
    assert svg.desc is None and svg.title.get_text() == "预算"


def test_scatter_axes_are_round_and_do_not_stretch_a_small_spread():
    from decimal import Decimal

    from generator.outputs.charts import scatter_chart

    svg = _svg(
        scatter_chart(
            "v",
            "质价",
            [
                ("甲", Decimal("0.60"), Decimal("91.67"), False),
                ("乙", Decimal("3.2"), Decimal("93.23"), True),
            ],
            x_label="物业费",
            y_label="满意率 %",
        )
    )
    ticks = [t.get_text() for t in svg.select("text") if t.get_text().replace(".", "").isdigit()]
    assert ticks == ["100", "90", "0", "5"]
    ys = [float(c["cy"]) for c in svg.select("circle")]
    # 1.56 points on a 10-point axis: the two points sit close together.
    assert abs(ys[0] - ys[1]) < 0.2 * 212


def test_built_charts_use_period_words_and_integer_counts(built_site):
    page = soup(built_site / "estates/meilin-xincun/performance/index.html")
    svg = page.select_one("svg#chart-orders")
    labels = [t.get_text() for t in svg.select("text.sl-label")]
    assert labels and all(label.endswith("月") and "年" in label for label in labels)
    values = [t.get_text() for t in svg.select("text.sl-value")]
    assert values and all(v.replace(",", "").isdigit() for v in values), values


# --------------------------------------------------------------------------- 我的楼, medians


def test_building_notices_and_their_qr_urls(built_site):
    page = soup(built_site / "estates/meilin-xincun/notice/buildings/index.html")
    notice = page.select_one("#b-3")
    assert text(notice.select_one(".sl-notice__building")) == (
        "本楼：3号楼 3号楼维修资金余额 18,848.90 元，为首期的 21.1 %，低于 30 % 的续筹线，"
        "约需 7,907 元（2026年上半年）。"
    )
    url = notice.select_one(".sl-notice__qr")["data-qr-url"]
    assert url.startswith("https://sunlight.example.org/estates/meilin-xincun/?v=")
    assert url.endswith("&b=3")
    # One sheet per building of the latest ledger, on one page that is not a search result;
    # the sheets' shared blocks carry no duplicate ids.
    sheets = [a["id"] for a in page.select("article.sl-notice--building")]
    assert len(sheets) == 28 and sheets[0] == "b-1" and "b-28" in sheets
    ids = [tag["id"] for tag in page.select("[id]")]
    assert len(ids) == len(set(ids))
    assert [a["href"] for a in page.select(".sl-notice__buildings a[href^='#']")] == [
        f"#{sheet}" for sheet in sheets
    ]
    assert "在 30 % 的续筹线以上" in text(page.select_one("#b-4 .sl-notice__building"))


def test_medians_are_a_small_file_per_district_not_in_the_pages(built_site):
    import json

    data = json.loads((built_site / "districts/pudong/medians.json").read_text("utf-8"))
    # 滨江华庭 and 兰桂花园 are Pudong's two 商品房 estates.
    assert data["types"] == {
        "商品房": {
            "estates": 2,
            "fee": "2.90 元",
            "fund_share": "89.5 %",
            "hours": "19.7 小时",
            "satisfaction": "93.4 %",
        }
    }
    # Xuhui has one estate of each type: no median of one estate.
    assert (
        json.loads((built_site / "districts/xuhui/medians.json").read_text("utf-8"))["types"] == {}
    )
    # The estate's own pages carry no district figure: only the empty places for them.
    page = (built_site / "estates/binjiang-huating/performance/index.html").read_text("utf-8")
    assert "93.4" not in page and "19.7 小时" not in page
    assert 'data-median="satisfaction"' in page


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_medians_show_beside_the_figures_in_the_browser(page):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("estates/binjiang-huating/performance/")
    median = page.locator('.sl-median[data-median="satisfaction"]')
    before = median.bounding_box()
    page.wait_for_selector("html[data-sl-medians=shown]")
    assert median.inner_text() == "全区同类（2 个小区）中位 93.4 %"
    assert page.locator('.sl-median[data-median="hours"]').inner_text().endswith("中位 19.7 小时")
    # The place was kept: filling it moved nothing below it.
    after = median.bounding_box()
    assert (after["y"], after["height"]) == (before["y"], before["height"])
    page.goto("estates/binjiang-huating/")
    page.wait_for_selector("html[data-sl-medians=shown]")
    assert page.locator('.sl-median[data-median="fee"]').inner_text().endswith("中位 2.90 元")
    # An estate with no other of its type in the district gets the city's, said so.
    page.goto("estates/meilin-xincun/")
    page.wait_for_selector("html[data-sl-medians=shown]")
    assert page.locator('.sl-median[data-median="fee"]').inner_text() == (
        "全市同类（2 个小区）中位 0.72 元"
    )
    # One with no other of its type in the city shows nothing.
    page.goto("estates/pujin-jiayuan/")
    page.wait_for_load_state("networkidle")
    assert page.locator('.sl-median[data-median="fee"]').inner_text() == ""


@pytest.mark.browser
def test_my_building_is_chosen_once_and_leads_overview_and_finances(page):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("estates/meilin-xincun/")
    select = page.locator("#sl-mybuilding-select")
    assert select.is_visible() and select.input_value() == ""
    select.select_option("8")
    row = page.locator("#sl-mybuilding-row")
    assert row.inner_text() == (
        "8号楼维修资金余额 19,495.54 元，为首期的 22.8 %，低于 30 % 的续筹线，约需 6,078 元"
        "（2026年上半年）。"
    )
    # It leads the page: right under the status, above the key figures.
    assert (
        page.locator("#sl-mybuilding").bounding_box()["y"]
        < page.locator("ul.sl-stats").first.bounding_box()["y"]
    )
    # Remembered: finances leads with it too, and marks its row in the ledger.
    page.goto("estates/meilin-xincun/finances/")
    assert page.locator("#sl-mybuilding-select").input_value() == "8"
    assert page.locator("#sl-mybuilding-row").inner_text().startswith("8号楼维修资金余额")
    mine = page.locator("table.sl-fund tr.sl-mine th")
    assert mine.count() == 1 and mine.inner_text() == "8"
    assert _no_sideways_scroll(page)
    # Another estate has its own choice.
    page.goto("estates/binjiang-huating/")
    assert page.locator("#sl-mybuilding-select").input_value() == ""
    # Cleared, it is forgotten.
    page.goto("estates/meilin-xincun/")
    page.locator("#sl-mybuilding-select").select_option("")
    page.reload()
    assert page.locator("#sl-mybuilding-row").inner_text() == ""


@pytest.mark.browser
def test_without_script_my_building_and_medians_show_nothing(browser, site_server):
    context = browser.new_context(base_url=site_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("estates/meilin-xincun/")
        assert not page.locator("#sl-mybuilding").is_visible()
        assert page.locator(".sl-median").first.inner_text() == ""
    finally:
        context.close()


# --------------------------------------------------------------------------- directory, crumbs


@pytest.mark.browser
@pytest.mark.parametrize("query", ["meilin", "mlxc", "MLXC", "梅林", "tianlin"])
def test_directory_filter_accepts_pinyin_and_initials(page, query):
    page.goto("estates/")
    page.locator("#sl-filter-input").fill(query)
    # The estates come from overview/names.json, read when the box is first used.
    page.locator("#sl-filter-hits").wait_for(state="visible")
    shown = page.locator("table.sl-directory tbody tr th").all_inner_texts()
    assert "梅林新村" in shown and len(shown) < 8
    assert page.locator("#sl-filter-none").is_hidden()
    row = page.locator("table.sl-directory tbody tr", has_text="梅林新村")
    assert row.locator(".sl-badge").first.inner_text() == "需关注"
    assert row.locator("th a").get_attribute("href") == "../estates/meilin-xincun/"


@pytest.mark.browser
def test_directory_says_when_nothing_matches(page):
    page.goto("estates/")
    page.locator("#sl-filter-input").fill("zzzq")
    none = page.locator("#sl-filter-none")
    none.wait_for(state="visible")
    assert page.locator("table.sl-directory tbody tr").count() == 0
    assert page.locator("table.sl-directory-streets tbody tr:not([hidden])").count() == 0
    assert "没有找到符合“zzzq”的小区" in none.inner_text() and "mlxc" in none.inner_text()
    page.locator("#sl-filter-input").fill("")
    assert none.is_hidden() and page.locator("#sl-filter-hits").is_hidden()
    streets = page.locator("table.sl-directory-streets tbody tr")
    assert page.locator("table.sl-directory-streets tbody tr:not([hidden])").count() == (
        streets.count()
    )


def test_directory_rows_carry_pinyin_and_the_one_status(built_site):
    """The name search's data (overview/names.json) carries each estate's pinyin keys and
    the one status; the street rows carry their own pinyin."""
    names = json.loads((built_site / "overview/names.json").read_text("utf-8"))
    row = next(e for e in names["e"] if e[1] == "梅林新村")
    assert row[5].split()[:2] == ["meilinxincun", "mlxc"]
    assert names["l"][row[4]] == ["需关注", "sl-level-watch"]
    assert names["s"][row[2]][:2] == ["徐汇区", "田林街道"]
    page = soup(built_site / "estates/index.html")
    street = next(
        r for r in page.select("table.sl-directory-streets tbody tr") if "田林街道" in text(r)
    )
    assert street["data-pinyin"].split() == ["xuhuiqu", "xhq", "tianlinjiedao", "tljd"]


def test_breadcrumbs_link_every_level(built_site):
    page = soup(built_site / "estates/meilin-xincun/finances/index.html")
    crumbs = page.select_one("nav.sl-crumbs")
    links = [(text(a), a["href"]) for a in crumbs.select("a")]
    assert [t for t, _ in links] == ["首页", "徐汇区", "田林街道", "梅林新村"]
    base = built_site / "estates/meilin-xincun/finances"
    for _, href in links:
        target = (base / href).resolve()
        assert (target / "index.html").is_file() or target.is_file(), href
    assert text(crumbs.select_one("[aria-current=page]")) == "财务"
    overview = soup(built_site / "estates/meilin-xincun/index.html").select_one("nav.sl-crumbs")
    assert text(overview.select_one("[aria-current=page]")) == "梅林新村"


# --------------------------------------------------------------------------- history


def test_history_page_tells_versions_in_sentences(built_site):
    # The sample site is built from this repository: its history has at least one version.
    page = soup(built_site / "estates/binjiang-huating/history/index.html")
    entries = page.select("section.sl-entry")
    if not entries:
        pytest.skip("the build had no git history")
    for entry in entries:
        heading = text(entry.h3)
        sentence = heading.split("：", 1)[1]
        assert sentence == FORMAT_ONLY or (
            "业委会" in sentence and re.search(r"(公示|更新|撤下)了", sentence)
        ), heading
        assert not re.search(r"\b20\d\d(?:Q[1-4]|H[12])\b", heading)
        fold = entry.select_one("details.sl-tech")
        assert fold is not None and re.search(r"\b[0-9a-f]{7}\b", text(fold))
        # The commit id only in the fold; the checksum in sight (a printed notice has it).
        outside = text(entry).replace(text(fold), "")
        assert entry.select_one(".sl-entry__meta code[title^='sha256']")
        assert "提交" not in outside.replace("业委会", "")


@pytest.mark.slow
def test_one_estates_commit_changes_its_districts_medians_not_its_neighbours_pages(tmp_path):
    """The medians are loaded in the browser from districts/<slug>/medians.json, so a new fee
    at 兰桂花园 rewrites that file and 兰桂花园's pages, never 滨江华庭's (same district)."""
    import hashlib
    import shutil

    from click.testing import CliRunner

    from generator.cli import main
    from tests.conftest import DATA_DIR

    def build(data: Path, out: Path) -> Path:
        result = CliRunner().invoke(
            main,
            ["build", str(data), "--site-dir", str(out / "site"), "--build-dir", str(out / "b"),
             "--as-of", "2026-11-20"],
            catch_exceptions=False,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return out / "site"

    def files(folder: Path) -> dict[str, str]:
        return {
            str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*")
            if p.is_file()
        }

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    before = build(data, tmp_path / "one")
    fees = data / "estates/langui-huayuan/fees.csv"
    text_before = fees.read_text("utf-8")
    text_after = text_before.replace(",2.60,", ",3.60,", 1)
    assert text_after != text_before
    fees.write_text(text_after, "utf-8")
    after = build(data, tmp_path / "two")

    assert (before / "districts/pudong/medians.json").read_bytes() != (
        after / "districts/pudong/medians.json"
    ).read_bytes()
    neighbour = "estates/binjiang-huating"
    assert files(before / neighbour) == files(after / neighbour)
    assert files(before / "estates/langui-huayuan") != files(after / "estates/langui-huayuan")


def test_district_and_street_tables_show_the_one_status(built_site):
    # The district page compares its streets; each street page compares its estates.
    for path in ("districts/xuhui/tianlin/index.html",):
        page = soup(built_site / path)
        row = next(r for r in page.select("table.sl-compare tbody tr") if "梅林新村" in text(r))
        badges = [text(b) for b in row.select(".sl-badge")]
        assert badges == ["需关注"], (path, badges)  # not a green 按时公示
    langui = soup(built_site / "districts/pudong/huamu/index.html")
    row = next(r for r in langui.select("table.sl-compare tbody tr") if "兰桂花园" in text(r))
    assert [text(b) for b in row.select(".sl-badge")] == ["需关注", "1 项逾期"]


@pytest.mark.browser
def test_care_mode_hides_the_committees_details_but_not_the_sentences(page):
    page.add_init_script("localStorage.setItem('sl-care', '1')")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("estates/meilin-xincun/")
    assert page.evaluate("document.documentElement.classList.contains('sl-care')")
    sentence = page.locator("ul.sl-warnings > li > strong").first
    assert sentence.is_visible() and sentence.inner_text().startswith("5 栋楼的维修资金")
    assert page.locator("details.sl-findings").first.is_hidden()
    assert page.locator("section.sl-status").is_visible()
    page.goto("estates/meilin-xincun/history/")
    folds = page.locator("details.sl-entry__more")
    assert folds.count() == 0 or folds.first.is_hidden()
