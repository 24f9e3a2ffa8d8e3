"""Issue 12's gaps: 质价双升 by a raised service standard, medians with too few estates,
same-sounding streets, and district data the repository does not hold.

Inline packages in tmp_path go through the real loader, validation and model; the sample
site is conftest's ``built_site``.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from generator.domain.indicators import (
    estate_inputs,
    indicators,
    standard_raised,
    standards_in_force,
    times_per_year,
)
from generator.load import load
from generator.model import build_estates
from generator.pipeline.summaries import dumps, loads, summarise
from generator.validate import validate

from .packages import COMMITTEES, ESTATE, MEMBERS, write_package

AS_OF = dt.date(2026, 11, 20)

MEETINGS = (
    "meeting_id,meeting_type,meeting_date,members_total,members_present,topic,posted_date\n"
    "2025-A1,业主大会,2025-03-01,,,调整物业服务费,2025-03-03\n"
)
RESOLUTIONS = (
    "resolution_id,meeting_id,title,matter,owners_total,area_total_m2,owners_voted,"
    "area_voted,owners_for,area_for,passed\n"
    "R2025-01,2025-A1,物业服务费调整为3.60元/㎡·月,一般事项,400,50000.00,300,40000.00,"
    "200,30000.00,是\n"
)
FEES = (
    "fee_id,unit_category,package,price_yuan,unit,effective_from,effective_to,resolution_id\n"
    "F01,高层住宅,基础包,3.30,元/㎡·月,2019-01-01,2025-03-31,\n"
    "F02,高层住宅,基础包,3.60,元/㎡·月,2025-04-01,,R2025-01\n"
)
# Satisfaction the same in 2024 and 2025: only a raised standard can make 质价双升.
WORK_ORDERS = (
    "month,channel,category,received,closed,closed_on_time,avg_hours,satisfaction_pct\n"
    + (
        "".join(
            f"{y}-{m:02d},12345,报修,10,10,10,20.0,90.0\n" for y in (2024, 2025) for m in (1, 6, 12)
        )
    )
)
STANDARDS = "standard_id,item,standard,frequency,staff{extra_header}\n"


def standards_csv(*rows: str, dated: bool = True) -> str:
    header = STANDARDS.format(extra_header=",effective_from" if dated else "")
    return header + "".join(row + "\n" for row in rows)


def estate_with(tmp_path: Path, standards: str | None):
    tables = {
        "estate": ESTATE,
        "committees": COMMITTEES,
        "members": MEMBERS,
        "meetings": MEETINGS,
        "resolutions": RESOLUTIONS,
        "fees": FEES,
        "work_orders": WORK_ORDERS,
    }
    if standards is not None:
        tables["service_standards"] = standards
    write_package(tmp_path, **tables)
    report = validate(load(tmp_path), AS_OF, workers=1)
    return report, build_estates(report, AS_OF)


# --- the pieces -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "times"),
    [
        ("每日", 365),
        ("每天两次", 730),
        ("每周两次", 104),
        ("每周3次", 156),
        ("每半月", 24),
        ("每月", 12),
        ("每季度", 4),
        ("每半年", 2),
        ("每年十二次", 12),
        ("随时", None),
        ("24小时", None),
        ("", None),
        (None, None),
    ],
)
def test_frequencies_are_read_as_times_a_year(text, times):
    assert times_per_year(text) == times


def test_the_standard_in_force_is_the_latest_dated_row_of_its_item():
    rows = [
        {"standard_id": "S1", "item": "保安", "staff": 7, "effective_from": None},
        {"standard_id": "S2", "item": "保安", "staff": 9, "effective_from": dt.date(2025, 4, 1)},
        {"standard_id": "S3", "item": "保洁", "staff": 4},  # a file without the column
        {"standard_id": "S4", "item": "保洁", "staff": 6, "effective_from": dt.date(2027, 1, 1)},
    ]
    ids = lambda day: sorted(r["standard_id"] for r in standards_in_force(rows, day))  # noqa: E731
    assert ids(dt.date(2025, 3, 31)) == ["S1", "S3"]
    assert ids(dt.date(2025, 4, 1)) == ["S2", "S3"]
    # Announced for next year: not in force yet.
    assert ids(dt.date(2026, 11, 20)) == ["S2", "S3"]
    assert standard_raised(rows, dt.date(2025, 3, 31), dt.date(2025, 12, 31))
    assert not standard_raised(rows, dt.date(2025, 4, 1), dt.date(2025, 12, 31))


def test_a_higher_frequency_is_a_raised_standard_and_fewer_staff_is_not():
    day0, day1 = dt.date(2025, 3, 31), dt.date(2025, 12, 31)
    start = dt.date(2025, 4, 1)
    more_often = [
        {"item": "保洁", "frequency": "每周", "staff": 4},
        {"item": "保洁", "frequency": "每日", "staff": 4, "effective_from": start},
    ]
    fewer = [
        {"item": "保洁", "frequency": "每日", "staff": 4},
        {"item": "保洁", "frequency": "每日", "staff": 3, "effective_from": start},
    ]
    unreadable = [
        {"item": "维修", "frequency": "每月", "staff": None},
        {"item": "维修", "frequency": "随时", "staff": None, "effective_from": start},
    ]
    assert standard_raised(more_often, day0, day1)
    assert not standard_raised(fewer, day0, day1)
    assert not standard_raised(unreadable, day0, day1)


# --- 质价双升 from the estate's own files ------------------------------------------------


def test_a_fee_rise_with_more_staff_is_quality_and_price_up(tmp_path):
    report, [estate] = estate_with(
        tmp_path,
        standards_csv(
            "S01,保安,主出入口24小时值守,每日,7,",
            "S02,保安,主出入口24小时值守，夜间每半小时巡逻一次,每日,9,2025-04-01",
            "S03,保洁,楼道每周拖扫两次,每周两次,4,",
        ),
    )
    assert report.valid, [f.message for f in report.findings]
    inputs = estate_inputs(estate)
    assert inputs["2025"]["zj"] is True
    assert inputs["2025"]["zjs"] == ["std"]
    assert inputs["2026"]["zj"] is False
    # The estate page shows the standard in force, not the one it replaced.
    assert [[r["standard_id"] for r in rows] for _, rows in estate.standards] == [
        ["S03"],
        ["S02"],
    ]
    assert estate.metrics.staff == 13

    # The worker's summary carries it to the district page (through its JSON form).
    summary = loads(dumps(summarise(estate)))
    row = next(i for i in indicators([summary], AS_OF) if i.key == "zjss")
    assert (row.this, row.last) == ("0 个", "1 个")
    assert "服务标准提高" in row.note


def test_a_standard_raised_before_the_rise_does_not_count(tmp_path):
    _, [estate] = estate_with(
        tmp_path,
        standards_csv(
            "S01,保安,主出入口24小时值守,每日,7,",
            "S02,保安,主出入口24小时值守，夜间每半小时巡逻一次,每日,9,2024-06-01",
        ),
    )
    assert estate_inputs(estate)["2025"]["zj"] is False


def test_standards_without_the_date_column_stay_valid_and_never_count(tmp_path):
    report, [estate] = estate_with(
        tmp_path,
        standards_csv(
            "S01,保安,主出入口24小时值守,每日,7", "S02,保安,夜间巡逻,每日,9", dated=False
        ),
    )
    assert report.valid, [f.message for f in report.findings]
    assert estate_inputs(estate)["2025"]["zj"] is False
    # Two undated rows of one item are both in force, as before the column existed.
    assert estate.metrics.staff == 16


def test_a_bad_effective_from_names_row_and_column(tmp_path):
    report, _ = estate_with(
        tmp_path, standards_csv("S01,保安,主出入口24小时值守,每日,7,2025-13-01")
    )
    bad = [
        (f.estate, Path(f.path).name, f.row, f.field, f.rule)
        for f in report.findings
        if f.severity == "error"
    ]
    assert bad == [("test-estate", "service_standards.csv", 2, "effective_from", "type-error")]


def test_the_sample_has_quality_and_price_up_by_a_raised_standard(built_site):
    """江湾悦庭 raised its fee in 2025 (R2024-03) with two more guards from the same day;
    its satisfaction did not rise, so 杨浦区's 1 for 2025 comes from the standard."""
    page = (built_site / "districts/yangpu/index.html").read_text("utf-8")
    cells = re.search(r'<tr[^>]*id="ind-zjss".*?</tr>', page, re.S)
    assert cells, "the 质价双升 row"
    text = re.sub(r"<[^>]+>", " ", cells.group())
    assert re.search(r"0 个\s+1 个", text), text
    # The page names the estate and why; its link opens the estate's fees and standards.
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page, "lxml")
    listed = soup.select_one("#ind-zjss-2025")
    assert listed.get_text(" ", strip=True) == (
        "2025 年质价双升的 1 个小区 江湾悦庭 （调价，服务标准提高）"
    )
    assert soup.select_one("#ind-zjss-2026") is None
    link = listed.select_one("a")["href"]
    target = (built_site / "districts/yangpu" / link).resolve() / "index.html"
    assert target == (built_site / "estates/jiangwan-yueting/service/index.html").resolve()
    service = target.read_text("utf-8")
    assert "夜间每半小时巡逻一次" in service
    assert "夜间每小时巡逻一次" not in service


# --- medians: the city's where the district has too few -----------------------------------


def test_the_city_medians_stand_in_where_a_district_has_one_estate_of_a_type(built_site):
    import json

    city = json.loads((built_site / "overview/medians.json").read_text("utf-8"))
    # 梅林新村 (徐汇区) and 苓园小区 (杨浦区) are the city's two 售后公房 estates, each
    # alone of its type in its district; 动迁安置房 and 混合 have one estate in the city.
    assert sorted(city["types"]) == ["售后公房", "商品房"]
    assert city["types"]["售后公房"]["estates"] == 2
    assert city["types"]["售后公房"]["fee"] == "0.72 元"  # (0.60 + 0.85) / 2, rounded
    for slug in ("xuhui", "yangpu"):
        district = json.loads((built_site / f"districts/{slug}/medians.json").read_text("utf-8"))
        assert "售后公房" not in district["types"]
    page = (built_site / "estates/meilin-xincun/index.html").read_text("utf-8")
    assert 'data-city-medians="../../overview/medians.json"' in page


@pytest.mark.browser
def test_an_estate_alone_of_its_type_in_its_district_shows_the_city_median(page):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("estates/lingyuan-xiaoqu/performance/")
    page.wait_for_selector("html[data-sl-medians=shown]")
    median = page.locator('.sl-median[data-median="satisfaction"]')
    assert median.inner_text().startswith("全市同类（2 个小区）中位 ")
    # Pudong has two 商品房 estates: its own median, not the city's four.
    page.goto("estates/binjiang-huating/")
    page.wait_for_selector("html[data-sl-medians=shown]")
    assert page.locator('.sl-median[data-median="fee"]').inner_text().startswith("全区同类（2 个")


# --- same-sounding streets ----------------------------------------------------------------


def _build(data: Path, out: Path, as_of: str = "2026-11-20"):
    from click.testing import CliRunner

    from generator.cli import main

    return CliRunner().invoke(
        main,
        ["build", str(data), "--site-dir", str(out / "site"), "--build-dir", str(out / "b"),
         "--as-of", as_of],
        catch_exceptions=False,
    )  # fmt: skip


def test_same_sounding_streets_never_send_an_estate_to_the_other_street(tmp_path):
    from bs4 import BeautifulSoup

    from generator.outputs.render import street_slug, street_slugs

    # 田林 and 填林 both read "tianlin"; the slugs depend on the names alone, not on order.
    slugs, shared = street_slugs(["填林街道", "田林街道", "漕河泾街道"])
    assert slugs == street_slugs(["田林街道", "漕河泾街道", "填林街道"])[0]
    assert slugs["漕河泾街道"] == "caohejing"
    assert shared == {"tianlin": ["填林街道", "田林街道"]}
    assert slugs["田林街道"] != slugs["填林街道"]
    assert {slugs["田林街道"][:8], slugs["填林街道"][:8]} == {"tianlin-"}
    assert street_slug("田林街道") == street_slug("填林街道") == "tianlin"

    data = tmp_path / "data"
    write_package(data, "tian-estate")
    write_package(
        data,
        "tian2-estate",
        estate=ESTATE.replace("田林街道", "填林街道").replace("测试小区", "同音小区"),
        committees=COMMITTEES,
        members=MEMBERS,
    )
    result = _build(data, tmp_path)
    assert result.exit_code == 0, result.output
    site = tmp_path / "site"

    def crumb(estate_id: str) -> Path:
        page = BeautifulSoup((site / f"estates/{estate_id}/index.html").read_text("utf-8"), "lxml")
        links = page.select("nav.sl-crumbs a")
        street = next(a for a in links if a.get_text() in ("田林街道", "填林街道"))
        return (site / f"estates/{estate_id}" / street["href"]).resolve()

    for estate_id, street, name in (
        ("tian-estate", "田林街道", "测试小区"),
        ("tian2-estate", "填林街道", "同音小区"),
    ):
        landing = BeautifulSoup((crumb(estate_id) / "index.html").read_text("utf-8"), "lxml")
        # The shared slug names both streets; the estate's own street links to its page.
        link = next(a for a in landing.select(".sl-street-choice a") if a.get_text() == street)
        own = (crumb(estate_id) / link["href"]).resolve() / "index.html"
        assert own.parent.name == "tianlin-" + own.parent.name.split("-")[1]
        text = BeautifulSoup(own.read_text("utf-8"), "lxml").get_text(" ", strip=True)
        assert street in text and name in text
        other = "同音小区" if name == "测试小区" else "测试小区"
        assert other not in text


# --- /overview/ on a phone ---------------------------------------------------------------


@pytest.mark.browser
def test_overview_on_a_phone_starts_with_the_estates_and_a_jump_list(page):
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto("overview/")
    page.wait_for_selector("#sl-dash .sl-dash__table tbody tr")

    def top(selector: str) -> float:
        return page.locator(selector).first.bounding_box()["y"]

    jump = page.locator("nav.sl-jump")
    assert jump.is_visible()
    assert [a.get_attribute("href") for a in jump.locator("a").all()] == [
        "#estates", "#most-warnings", "#overdue", "#lights",
    ]  # fmt: skip
    # The estate table starts within the second screen, before the district tables.
    table = top("#sl-dash .sl-dash__table")
    assert table < 2 * 812, table
    assert top("nav.sl-jump") < top("#estates") < table < top("#most-warnings")
    assert top("#most-warnings") < top("#overdue") < top("#lights")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_overview_district_table_headers_sit_over_their_numbers_on_a_desktop(page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("overview/")
    table = page.locator("#overdue + div table")
    heads = table.locator("thead th")
    cells = table.locator("tbody tr").first.locator("td")
    assert cells.count() == heads.count() - 1 == 5
    for i in range(cells.count()):
        head, cell = heads.nth(i + 1).bounding_box(), cells.nth(i).bounding_box()
        # Right-aligned numbers under right-aligned headers: the right edges agree.
        assert abs((head["x"] + head["width"]) - (cell["x"] + cell["width"])) < 2
        assert heads.nth(i + 1).evaluate("e => getComputedStyle(e).textAlign") == "right"


# --- district data the repository does not hold -------------------------------------------

SAMPLE = Path(__file__).resolve().parent.parent / "data"
JIANGTING = "91310115MA1YC9K74W"  # 上海江庭物业服务有限公司 of the sample (浦东新区's pool)
MEIYUAN = "91310104MA1WHXCN5U"  # 上海梅苑物业管理有限公司 (徐汇区's pool, 梅林新村)


@pytest.fixture
def sample(tmp_path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data, ignore=shutil.ignore_patterns(".*"))
    return data


def _district_findings(data: Path):
    from generator.districts import check_districts

    findings, district_data = check_districts(data, AS_OF, {"supervision_visit_days": 30})
    return [f for f in findings if f.estate.startswith("districts/")], district_data


def _flat(findings):
    return [(f.estate, Path(f.path).name, f.row, f.field, f.rule, f.severity) for f in findings]


def _descriptor(folder: Path, names: list[str]) -> None:
    lines = [f"name: {folder.name}", "title: 测试区", "resources:"]
    for name in names:
        lines += [
            f"  - name: {name}",
            f"    path: {name}.csv",
            f"    schema: ../../schemas/districts/{name}.schema.yaml",
        ]
    (folder / "datapackage.yaml").write_text("\n".join(lines) + "\n", "utf-8")


def test_odd_but_valid_district_packages_build(sample, tmp_path):
    """A district with only a pool, one with an empty supervision list, Excel's CSV UTF-8
    (BOM, CRLF), and a company in two districts' pools serving estates in both."""
    # 闵行区: a pool only (its sample folder already is); 杨浦区: the pool and an empty list.
    yangpu = sample / "districts/yangpu"
    (yangpu / "supervision.csv").write_text(
        "listing_id,estate_id,listed_date,reason,unit,delisted_date,delisted_reason\n", "utf-8"
    )
    (yangpu / "supervision_visits.csv").write_text("listing_id,visit_date,checked\n", "utf-8")
    # 徐汇区 saved its files from Excel: a byte-order mark and Windows line ends.
    for path in (sample / "districts/xuhui").glob("*.csv"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    # 江庭 joins 徐汇区's pool too and takes over 梅林新村 (徐汇区) from 梅苑.
    pool = sample / "districts/xuhui/company_pool.csv"
    pool.write_bytes(
        pool.read_bytes() + f"{JIANGTING},上海江庭物业服务有限公司,2026-01-01,,\r\n".encode()
    )
    contract = sample / "estates/meilin-xincun/contract.csv"
    text = contract.read_text("utf-8")
    text = text.replace(MEIYUAN, JIANGTING).replace(
        "上海梅苑物业管理有限公司", "上海江庭物业服务有限公司"
    )
    contract.write_text(text, "utf-8")

    findings, data = _district_findings(sample)
    assert [f for f in findings if f.severity == "error"] == []
    # Only the BOM is mentioned, once per file, as a warning.
    assert sorted({(f.estate, f.rule, f.severity) for f in findings}) == [
        ("districts/xuhui", "encoding-error", "warning")
    ]
    assert data.supervision_of("lingyuan-xiaoqu") is None
    assert data.supervision_of("kangxin-yuan")["delisted_date"] == dt.date(2026, 1, 15)
    assert sorted(r["district"] for r in data.pools["xuhui"] + data.pools["pudong"]
                  if r["credit_code"] == JIANGTING) == ["pudong", "xuhui"]  # fmt: skip

    result = _build(sample, tmp_path / "out")
    assert result.exit_code == 0, result.output
    company = (tmp_path / f"out/site/companies/{JIANGTING}/index.html").read_text("utf-8")
    for estate in ("梅林新村", "滨江华庭", "兰桂花园"):
        assert estate in company
    assert "徐汇区" in company and "浦东新区" in company
    yangpu_page = (tmp_path / "out/site/districts/yangpu/index.html").read_text("utf-8")
    assert "苓园小区" in yangpu_page


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), "utf-8")


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text("utf-8") + line + "\n", "utf-8")


BAD = {
    "visits without a supervision list": (
        lambda d: (
            (d / "districts/yangpu/supervision.csv").unlink(),
            _descriptor(d / "districts/yangpu", ["supervision_visits", "company_pool"]),
        ),
        [("districts/yangpu", "supervision_visits.csv", None, "listing_id", "package-error")],
    ),
    "a supervised estate not in the data": (
        lambda d: _append(
            d / "districts/yangpu/supervision.csv",
            "YP-2026-09,no-such-estate,2026-11-01,后进小区,杨浦区房屋管理局,,",
        ),
        [("districts/yangpu", "supervision.csv", 3, "estate_id", "supervision-estate")],
    ),
    "a credit code with a lower-case letter": (
        lambda d: _edit(d / "districts/xuhui/company_pool.csv", MEIYUAN, MEIYUAN.lower()),
        [("districts/xuhui", "company_pool.csv", 2, "credit_code", "constraint-error")],
    ),
    "a mistyped check character": (
        lambda d: _edit(d / "districts/xuhui/company_pool.csv", MEIYUAN, MEIYUAN[:-1] + "A"),
        [("districts/xuhui", "company_pool.csv", 2, "credit_code", "credit-code")],
    ),
    "a GBK file": (
        lambda d: (d / "districts/yangpu/supervision.csv").write_bytes(
            (d / "districts/yangpu/supervision.csv").read_text("utf-8").encode("gb18030")
        ),
        [("districts/yangpu", "supervision.csv", 2, None, "encoding-error")],
    ),
    "a date Excel turned into text": (
        lambda d: _edit(d / "districts/yangpu/supervision.csv", "2026-05-12", "2026/13/12"),
        [("districts/yangpu", "supervision.csv", 2, "listed_date", "type-error")],
    ),
    "a listed table whose file is missing": (
        lambda d: (d / "districts/pudong/company_pool.csv").unlink(),
        [("districts/pudong", "datapackage.yaml", 4, "resources", "package-error")],
    ),
    "a visit of an unknown listing": (
        lambda d: _append(d / "districts/yangpu/supervision_visits.csv", "YP-9999,2026-07-01,走访"),
        [("districts/yangpu", "supervision_visits.csv", 9, "listing_id", "foreign-key")],
    ),
    "a stray file": (
        lambda d: (d / "districts/yangpu/备注.txt").write_text("见纸质台账", "utf-8"),
        [("districts/yangpu", "备注.txt", None, None, "package-error")],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_district_data_names_district_file_row_and_column(sample, case):
    edit, expected = BAD[case]
    edit(sample)
    findings, _ = _district_findings(sample)
    errors = [f for f in findings if f.severity == "error"]
    assert [t[:5] for t in _flat(errors)] == expected
    for f in errors:
        # Chinese, with English beside it.
        assert re.search(r"[\u4e00-\u9fff]", f.message) and re.search(r"[A-Za-z]{4}", f.message_en)
        assert f.message.rstrip().endswith(("。", "）")), f.message
        assert "[0-9A-" not in f.message  # a pattern said in words, not as a regex


def test_lower_case_credit_code_says_to_write_capitals(sample):
    _edit(sample / "districts/xuhui/company_pool.csv", MEIYUAN, MEIYUAN.lower())
    _edit(sample / "estates/binjiang-huating/contract.csv", JIANGTING, JIANGTING.lower())
    findings, _ = _district_findings(sample)
    [pool] = [f for f in findings if f.severity == "error"]
    assert f"写成“{MEIYUAN}”" in pool.message and f'write "{MEIYUAN}"' in pool.message_en
    report = validate(load(sample), AS_OF, workers=1)
    [contract] = [
        f for f in report.findings if f.estate == "binjiang-huating" and f.severity == "error"
    ]
    assert (Path(contract.path).name, contract.row, contract.field) == (
        "contract.csv", 2, "credit_code",
    )  # fmt: skip
    assert f"写成“{JIANGTING}”" in contract.message


def test_bad_district_data_fails_validate_and_build_without_a_traceback(sample, tmp_path):
    from click.testing import CliRunner

    from generator.cli import main

    (sample / "districts/yangpu/supervision.csv").unlink()
    _descriptor(sample / "districts/yangpu", ["supervision_visits", "company_pool"])
    _edit(sample / "districts/xuhui/company_pool.csv", MEIYUAN, MEIYUAN.lower())
    result = CliRunner().invoke(main, ["validate", str(sample), "--as-of", "2026-11-20"])
    assert (
        result.exit_code == 1
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    ), result.output
    assert "Traceback" not in result.output
    assert "districts/yangpu" in result.output and "districts/xuhui" in result.output
    built = _build(sample, tmp_path / "out")
    assert built.exit_code == 1 and "Traceback" not in built.output
    assert not (tmp_path / "out/site/index.html").exists()


@pytest.fixture(scope="module")
def sixteen_districts(tmp_path_factory) -> Path:
    """One tiny estate in each of Shanghai's 16 districts, built."""
    from generator.places import DISTRICT_SLUGS

    root = tmp_path_factory.mktemp("sixteen")
    data = root / "data"
    for n, name in enumerate(DISTRICT_SLUGS):
        write_package(
            data,
            f"estate-{n:02d}",
            estate=ESTATE.replace("徐汇区", name).replace("测试小区", f"测试{n:02d}小区"),
            committees=COMMITTEES,
            members=MEMBERS,
        )
    result = _build(data, root)
    assert result.exit_code == 0, result.output
    return root / "site"


@pytest.mark.browser
def test_overview_with_sixteen_districts_keeps_the_estates_near_the_top(browser, sixteen_districts):
    from generator.outputs.localserve import serve

    with serve(sixteen_districts) as base_url:
        context = browser.new_context(
            base_url=base_url, bypass_csp=True, viewport={"width": 375, "height": 812}
        )
        page = context.new_page()
        page.goto("overview/")
        page.wait_for_selector("#sl-dash .sl-dash__table tbody tr")
        assert page.locator("#overdue + div tbody tr").count() == 16
        table = page.locator("#sl-dash .sl-dash__table").bounding_box()["y"]
        # QA 15 extrapolated ~11,000 px at 16 districts; now within the second screen.
        assert table < 2 * 812, table
        context.close()
