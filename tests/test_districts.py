"""The data districts keep (data/districts/<slug>/) and the new estate tables.

Tiny packages written into tmp_path go through the real loader, frictionless' checks and
the rules; findings are compared exactly as ``(row, field, rule)``. The CLI is driven
with click's CliRunner, the build with the library's ``pipeline.build`` on a copy of the
sample data.
"""

from __future__ import annotations

import datetime as dt
import pickle
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from generator import districts, pipeline
from generator.cli import main
from generator.config import load_rules_config
from generator.districts import DistrictData, check_districts
from generator.load import load
from generator.privacy import Guard
from generator.tools import codeowners
from generator.validate import validate

from .packages import COMMITTEES, ESTATE, MEMBERS, write_package

REPO = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 20)
SUPERVISION = "listing_id,estate_id,listed_date,reason,unit,delisted_date,delisted_reason\n"
VISITS = "listing_id,visit_date,checked\n"
POOL = "credit_code,company_name,listed_date,removed_date,removed_reason\n"
GOOD_CODE = "91310104MA1WHXCN5U"  # 上海梅苑物业管理有限公司 of the sample: a valid check digit
BAD_CODE = "91310104MA1WHXCN5A"  # the same with its check character mistyped


def write_district(data: Path, slug: str = "xuhui", **tables: str | bytes) -> Path:
    """``data/districts/<slug>/`` with the given CSV texts (name → text)."""
    folder = data / "districts" / slug
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"name: {slug}", "title: 测试区", "resources:"]
    for name, text in tables.items():
        data_ = text.encode("utf-8") if isinstance(text, str) else text
        (folder / f"{name}.csv").write_bytes(data_)
        lines += [
            f"  - name: {name}",
            f"    path: {name}.csv",
            f"    schema: ../../schemas/districts/{name}.schema.yaml",
        ]
    (folder / "datapackage.yaml").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


@pytest.fixture
def city(tmp_path) -> Path:
    """Two valid estates: test-estate in 徐汇区, far-estate in 浦东新区."""
    write_package(tmp_path)
    write_package(
        tmp_path,
        "far-estate",
        estate=ESTATE.replace("徐汇区,田林街道", "浦东新区,花木街道"),
        committees=COMMITTEES,
        members=MEMBERS,
    )
    return tmp_path


def flat(findings, rules=None) -> list[tuple]:
    return [(f.row, f.field, f.rule) for f in findings if rules is None or f.rule in rules]


def district_findings(data: Path, as_of: dt.date = AS_OF, config: dict | None = None):
    return check_districts(data, as_of, config or {"supervision_visit_days": 30})


# --- district rules, exact findings ------------------------------------------------------


def test_a_good_district_package_has_no_findings_and_gives_the_record(city):
    write_district(
        city,
        supervision=SUPERVISION
        + "XH-1,test-estate,2026-10-01,后进小区：公共收益未公示,徐汇区房管局,,\n",
        supervision_visits=VISITS + "XH-1,2026-10-15,查看台账\nXH-1,2026-11-12,复查公示栏\n",
        company_pool=POOL + f"{GOOD_CODE},上海梅苑物业管理有限公司,2025-01-01,,\n",
    )
    findings, data = district_findings(city)
    assert findings == []
    record = data.supervision_of("test-estate")
    assert record == {
        "listing_id": "XH-1",
        "district": "xuhui",
        "estate_id": "test-estate",
        "listed_date": dt.date(2026, 10, 1),
        "delisted_date": None,
        "delisted_reason": None,
        "reason": "后进小区：公共收益未公示",
        "unit": "徐汇区房管局",
        "visits": [
            {"visit_date": dt.date(2026, 11, 12), "checked": "复查公示栏"},
            {"visit_date": dt.date(2026, 10, 15), "checked": "查看台账"},
        ],
        "last_visit": dt.date(2026, 11, 12),
        "open": True,
    }
    assert data.supervision_of("far-estate") is None
    assert data.in_pool(GOOD_CODE, AS_OF) and not data.in_pool(GOOD_CODE, dt.date(2024, 12, 31))
    assert data.district_of_pool(GOOD_CODE) == "xuhui" and data.district_of_pool("x") is None
    # Plain values: it travels to the build's workers and into the cache keys.
    assert pickle.loads(pickle.dumps(data)).supervision_of("test-estate") == record


def test_supervision_estate_exists_and_is_in_the_district(city):
    write_district(
        city,
        supervision=SUPERVISION
        + "XH-1,no-such-estate,2026-10-01,原因,徐汇区房管局,2026-11-01,已整改\n"
        + "XH-2,far-estate,2026-10-01,原因,徐汇区房管局,2026-11-01,已整改\n",
    )
    findings, _ = district_findings(city)
    assert flat(findings) == [
        (2, "estate_id", "supervision-estate"),
        (3, "estate_id", "supervision-estate"),
    ]
    assert "far-estate" in findings[1].message and "pudong" in findings[1].message


def test_supervision_dates_in_order(city):
    write_district(
        city,
        supervision=SUPERVISION
        + "XH-1,test-estate,2026-06-01,原因,单位,2026-05-01,已整改\n"  # delisted before listed
        + "XH-2,test-estate,2026-12-01,原因,单位,,\n"  # listed after the as-of date
        + "XH-3,test-estate,2026-07-01,原因,单位,2026-08-01,\n"  # delisted without a reason
        + "XH-4,test-estate,2026-09-01,原因,单位,,写了理由\n",  # a reason without a date
        supervision_visits=VISITS
        + "XH-3,2026-06-15,走访\n"  # before listing
        + "XH-3,2026-08-15,走访\n"  # after delisting
        + "XH-4,2026-11-25,走访\n",  # after the as-of date
    )
    findings, _ = district_findings(city)
    assert flat(findings, {"supervision-dates"}) == [
        (2, "delisted_date", "supervision-dates"),
        (3, "listed_date", "supervision-dates"),
        (4, "delisted_reason", "supervision-dates"),
        (5, "delisted_date", "supervision-dates"),
        (2, "visit_date", "supervision-dates"),
        (3, "visit_date", "supervision-dates"),
        (4, "visit_date", "supervision-dates"),
    ]
    assert {f.path for f in findings if f.rule == "supervision-dates"} == {
        f"{city.name}/districts/xuhui/supervision.csv",
        f"{city.name}/districts/xuhui/supervision_visits.csv",
    }


def test_supervision_visits_every_n_days_while_listed(city):
    write_district(
        city,
        supervision=SUPERVISION
        + "XH-1,test-estate,2026-09-01,原因,单位,,\n"  # last visit 2026-10-20: 31 days
        + "XH-2,far-estate,2026-10-21,原因,单位,,\n"  # no visit, listed 30 days ago: fine
        + "XH-3,test-estate,2025-01-01,原因,单位,2025-06-01,已整改\n",  # delisted: not judged
        supervision_visits=VISITS + "XH-1,2026-09-20,走访\nXH-1,2026-10-20,走访\n",
    )
    findings, _ = district_findings(city)
    judged = [f for f in findings if f.rule == "supervision-visits"]
    assert flat(judged) == [(2, "listing_id", "supervision-visits")]
    assert judged[0].severity == "warning" and "2026-10-20" in judged[0].message
    assert "31 天" in judged[0].message and "31 days" in judged[0].message_en
    # The setting in rules.yaml decides the gap allowed.
    findings, _ = district_findings(city, config={"supervision_visit_days": 20})
    assert flat(findings, {"supervision-visits"}) == [
        (2, "listing_id", "supervision-visits"),
        (3, "listing_id", "supervision-visits"),
    ]
    findings, _ = district_findings(city, config={"supervision_visit_days": 60})
    assert flat(findings, {"supervision-visits"}) == []


def test_at_most_one_open_listing_and_no_overlap(city):
    write_district(
        city,
        supervision=SUPERVISION
        + "XH-1,test-estate,2026-01-01,原因,单位,,\n"
        + "XH-2,test-estate,2026-03-01,原因,单位,,\n"  # a second open listing
        + "XH-3,far-estate,2025-01-01,原因,单位,2025-12-31,已整改\n"
        + "XH-4,far-estate,2025-06-01,原因,单位,2025-09-01,已整改\n",  # overlaps XH-3
    )
    findings, _ = district_findings(city)
    assert flat(findings, {"supervision-one-open"}) == [
        (3, "listed_date", "supervision-one-open"),
        (5, "listed_date", "supervision-one-open"),
    ]


def test_company_pool_codes_and_dates(city):
    write_district(
        city,
        company_pool=POOL
        + f"{BAD_CODE},甲物业,2025-01-01,,\n"
        + "91310115MA1YC9K74W,乙物业,2025-06-01,2025-01-01,考评不合格\n"
        + "91310110MA1MY4PJX4,丙物业,2026-12-01,,\n"
        + "91310110MA1FRMT477,丁物业,2025-01-01,2026-01-01,\n"
        + "91310112MA17E4Q676,戊物业,2025-01-01,,写了原因\n",
    )
    findings, _ = district_findings(city)
    assert flat(findings) == [
        (2, "credit_code", "credit-code"),
        (3, "removed_date", "company-pool-dates"),
        (4, "listed_date", "company-pool-dates"),
        (5, "removed_reason", "company-pool-dates"),
        (6, "removed_date", "company-pool-dates"),
    ]
    assert findings[0].estate == "districts/xuhui"
    assert findings[0].path == f"{city.name}/districts/xuhui/company_pool.csv"


def test_no_personal_data_in_a_district_package(city):
    write_district(
        city,
        supervision=SUPERVISION + "XH-1,test-estate,2026-11-01,原因,联系 13812345678,,\n",
    )
    findings, _ = district_findings(city)
    assert flat(findings) == [(2, "unit", "no-personal-data")]
    assert "13812345678" not in findings[0].message


# --- a bad district package: findings, never a traceback -----------------------------------


def test_a_missing_file_an_unknown_slug_and_no_descriptor(city):
    folder = write_district(city, "xuhui", company_pool=POOL)
    (folder / "company_pool.csv").unlink()
    write_district(city, "atlantis", company_pool=POOL)
    (city / "districts/yangpu").mkdir()
    findings, data = district_findings(city)
    where = city.name + "/districts/"
    assert [(f.estate, f.path, f.field, f.rule) for f in findings] == [
        ("districts/atlantis", where + "atlantis", None, "package-error"),
        ("districts/xuhui", where + "xuhui/datapackage.yaml", "resources", "package-error"),
        ("districts/yangpu", where + "yangpu/datapackage.yaml", None, "package-error"),
    ]
    assert "atlantis" in findings[0].message and "xuhui" in findings[0].message
    assert "company_pool.csv" in findings[1].message
    assert (
        "datapackage.yaml" in findings[2].message and "datapackage.yaml" in findings[2].message_en
    )
    assert data.listings == [] and data.pool == {}


def test_a_district_csv_saved_in_gbk_is_an_encoding_error(city):
    write_district(
        city,
        supervision=(SUPERVISION + "XH-1,test-estate,2026-11-01,原因,徐汇区房管局,,\n").encode(
            "gbk"
        ),
    )
    findings, data = district_findings(city)
    assert [(f.estate, f.resource, f.rule) for f in findings] == [
        ("districts/xuhui", "supervision", "encoding-error")
    ]
    assert data.listings == []


def test_a_district_table_with_wrong_types_or_keys(city):
    write_district(
        city,
        supervision=SUPERVISION
        + "XH-1,test-estate,2026-13-01,原因,单位,,\n"
        + "XH-1,test-estate,2026-10-01,原因,单位,,\n",
        supervision_visits=VISITS + "XH-9,2026-10-15,走访\n",
        company_pool="credit_code,company_name\n" + f"{GOOD_CODE},甲\n",
    )
    findings, data = district_findings(city)
    # The visit of an unknown listing is not reported: its table is broken, and the key
    # error would be an echo of the two above.
    assert [(f.resource, f.row, f.field, f.rule) for f in findings] == [
        ("company_pool", 1, "listed_date", "missing-label"),
        ("supervision", 2, "listed_date", "type-error"),
        ("supervision", 3, "listing_id", "primary-key"),
    ]
    assert all(f.estate == "districts/xuhui" and f.message and f.message_en for f in findings)
    assert data.listings == []  # a table with errors contributes nothing


def test_sunlight_validate_and_build_fail_on_a_bad_district_never_a_traceback(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    write_district(
        data,
        "xuhui",
        supervision=SUPERVISION
        + "XH-1,meilin-xincun,2026-01-01,原因,单位,,\n"
        + "XH-2,meilin-xincun,2026-02-01,原因,单位,,\n"
        + "XH-3,no-such-estate,2026-02-01,原因,单位,,\n",
        company_pool=POOL + f"{BAD_CODE},上海梅苑物业管理有限公司,2025-01-01,,\n",
    )
    runner = CliRunner()
    result = runner.invoke(main, ["validate", str(data), "--as-of", "2026-11-20"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    out = result.output
    for expected in (
        "districts/xuhui",
        "data/districts/xuhui/supervision.csv:3 [listed_date]",
        "(supervision-one-open)",
        "data/districts/xuhui/supervision.csv:4 [estate_id]",
        "(supervision-estate)",
        "data/districts/xuhui/company_pool.csv:2 [credit_code]",
        "(credit-code)",
        "(supervision-visits)",
    ):
        assert expected in out, (expected, out)
    result = runner.invoke(
        main,
        ["build", str(data), "--site-dir", str(tmp_path / "site"), "--build-dir",
         str(tmp_path / "build"), "--as-of", "2026-11-20"],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "(credit-code)" in result.output
    assert not (tmp_path / "site" / "index.html").exists()


# --- the estate tables: fee_collection, priority_task, priority_progress -------------------

FEES = "quarter,households_billed,households_paid,amount_due_yuan,amount_collected_yuan\n"
TASKS = "task_id,title,lead,set_date,target_date,status,done_date\n"
NOTES = "task_id,note_date,note\n"
CONTRACT = "contract_id,company_name,credit_code,fee_mode,start_date,end_date,resolution_id\n"
NEW_RULES = {
    "fee-collection-consistent", "priority-task-dates", "priority-task-single", "credit-code"
}  # fmt: skip


def estate_findings(root: Path, **tables: str):
    base = {"estate": ESTATE, "committees": COMMITTEES, "members": MEMBERS}
    write_package(root, **base, **tables)
    report = validate(load(root), AS_OF, load_rules_config(root), workers=1)
    return [f for f in report.findings if f.rule in NEW_RULES]


def test_fee_collection_consistent(tmp_path):
    findings = estate_findings(
        tmp_path,
        fee_collection=FEES
        + "2026Q2,400,380,60000.00,57000.00\n"
        + "2026Q3,400,401,60000.00,61000.00\n",  # paid > billed (error); collected > due (warning)
    )
    assert [(f.row, f.field, f.rule, f.severity) for f in findings] == [
        (3, "amount_collected_yuan", "fee-collection-consistent", "warning"),
        (3, "households_paid", "fee-collection-consistent", "error"),
    ]
    assert findings[0].path.endswith("estates/test-estate/fee_collection.csv")


def test_priority_task_dates_and_a_single_open_task(tmp_path):
    findings = estate_findings(
        tmp_path,
        priority_task=TASKS
        + "T1,雨污混接,业委会,2026-03-10,2026-03-01,进行中,\n"  # target before set
        + "T2,车棚,业委会,2026-01-10,2026-06-30,已完成,\n"  # done without a date
        + "T3,楼道,业委会,2026-01-10,2026-06-30,已搁置,2026-05-01\n"  # a date but not done
        + "T4,绿化,业委会,2026-01-10,2026-06-30,进行中,\n",  # a second open task
        priority_progress=NOTES
        + "T1,2026-03-01,开会\n"  # before the task was set
        + "T4,2026-12-01,开会\n"  # after the as-of date
        + "T4,2026-02-01,开会\n",
    )
    assert flat(findings) == [
        (2, "note_date", "priority-task-dates"),
        (3, "note_date", "priority-task-dates"),
        (2, "target_date", "priority-task-dates"),
        (3, "done_date", "priority-task-dates"),
        (4, "done_date", "priority-task-dates"),
        (5, "status", "priority-task-single"),
    ]


def test_the_contract_credit_code_is_checked_with_the_same_rule(tmp_path):
    findings = estate_findings(
        tmp_path,
        contract=CONTRACT + f"C1,甲物业,{BAD_CODE},包干制,2024-01-01,2026-12-31,\n",
    )
    assert flat(findings) == [(2, "credit_code", "credit-code")]


def test_the_model_gives_rates_newest_first_and_the_open_task(tmp_path):
    from generator.model import build_estates

    write_package(
        tmp_path,
        estate=ESTATE,
        committees=COMMITTEES,
        members=MEMBERS,
        fee_collection=FEES + "2026Q2,400,300,60000.00,45000.00\n2026Q3,400,390,60000.00,0.00\n",
        priority_task=TASKS
        + "T1,车棚,业委会,2025-01-10,2025-06-30,已完成,2025-05-01\n"
        + "T2,雨污混接,业委会,2026-03-10,2026-12-31,进行中,\n",
        priority_progress=NOTES + "T2,2026-04-01,排查\nT2,2026-06-01,施工\nT1,2025-02-01,选址\n",
    )
    estate = build_estates(validate(load(tmp_path), AS_OF, workers=1), AS_OF)[0]
    assert [(r["quarter"], r["rate"], r["households_rate"]) for r in estate.fee_collection] == [
        ("2026Q3", 0, 97.5),
        ("2026Q2", 75, 75),
    ]
    assert estate.priority["task_id"] == "T2"
    assert [n["note"] for n in estate.priority["progress"]] == ["施工", "排查"]
    # The status light reads the same latest quarter.
    assert estate.status.lights["collection"].text == "2026年第3季度物业费收缴率 0.0 %"


# --- the build: the cache follows the supervision list; the page shows it -----------------


def _options(data: Path, out: Path) -> pipeline.BuildOptions:
    return pipeline.BuildOptions(
        data_dir=data,
        site_dir=out / "site",
        build_dir=out / "build",
        config_file=REPO / "mkdocs.yml",
        as_of=AS_OF,
        site_url="https://sunlight.example.org/",
        rules=load_rules_config(data),
        guard=Guard.for_data(data),
        workers=1,
    )


def test_editing_a_supervision_list_recomputes_only_the_estate_it_names(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    first = pipeline.build(_options(data, tmp_path / "a"))
    assert (first.computed, first.cached) == (8, 0)
    page = tmp_path / "a/site/estates/lingyuan-xiaoqu/index.html"
    section = BeautifulSoup(page.read_text("utf-8"), "html.parser").select_one(
        "section.sl-supervision"
    )
    assert section is not None
    text = section.get_text(" ", strip=True)
    assert "挂牌督办" in text and "2026年5月12日" in text and "杨浦区房屋管理局物业管理科" in text
    assert "最近一次督办走访：2026年11月5日" in text
    # 攻坚第一题 with its progress, newest first; the collection rate on the service page.
    soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
    task = soup.select_one("section.sl-priority")
    assert "物业费收缴率低于八成，保洁和维修跟不上" in task.get_text()
    notes = [li.get_text(" ", strip=True) for li in task.select("ol.sl-priority__progress li")]
    assert len(notes) == 3 and notes[0].startswith("2026年11月5日")
    service = BeautifulSoup((page.parent / "service/index.html").read_text("utf-8"), "html.parser")
    heading = service.select_one("h2#fee-collection")
    rows = heading.find_next("table").select("tbody tr")
    first = [c.get_text(strip=True) for c in rows[0].find_all(["th", "td"])]
    assert first == ["2026年第3季度", "131", "98", "17,846.37", "13,510.10", "75.7 %"]
    listing = data / "districts/yangpu/supervision.csv"
    listing.write_text(
        listing.read_text("utf-8").replace("公共区域保洁和维修不到位", "公共区域保洁不到位"),
        "utf-8",
    )
    second = pipeline.build(_options(data, tmp_path / "a"))
    assert (second.computed, second.cached) == (1, 7)
    section = BeautifulSoup(page.read_text("utf-8"), "html.parser").select_one(
        "section.sl-supervision"
    )
    assert "公共区域保洁不到位" in section.get_text(" ", strip=True)
    # The pool is not in any estate's record: a change to it recomputes no estate.
    pool = data / "districts/yangpu/company_pool.csv"
    pool.write_text(pool.read_text("utf-8").replace("2024-01-01", "2024-02-01"), "utf-8")
    third = pipeline.build(_options(data, tmp_path / "a"))
    assert (third.computed, third.cached) == (0, 8)


def test_the_sample_districts_as_the_issue_asks():
    findings, data = check_districts(REPO / "data", AS_OF, load_rules_config(REPO / "data"))
    assert findings == []
    open_ = [x for x in data.listings if x["open"]]
    closed = [x for x in data.listings if not x["open"]]
    assert [x["estate_id"] for x in open_] == ["lingyuan-xiaoqu"]
    assert [x["estate_id"] for x in closed] == ["kangxin-yuan"]
    # One company serving two estates, with one credit code in both contracts and the pool.
    codes = {}
    for folder in sorted((REPO / "data/estates").iterdir()):
        for line in (folder / "contract.csv").read_text("utf-8").splitlines()[1:]:
            cells = line.split(",")
            codes.setdefault(cells[2], set()).add(folder.name)
    shared = {code: estates for code, estates in codes.items() if len(estates) > 1}
    assert shared == {"91310115MA1YC9K74W": {"binjiang-huating", "langui-huayuan"}}
    assert data.in_pool("91310115MA1YC9K74W", AS_OF)
    assert data.district_of_pool("91310115MA1YC9K74W") == "pudong"
    assert isinstance(data, DistrictData) and districts.DISTRICT_TABLES


def test_codeowners_gives_each_district_folder_to_its_staff(tmp_path):
    mapping = tmp_path / "committees.yaml"
    mapping.write_text(
        'maintainers: ["@org/maintainers"]\n'
        'estates: {a-estate: ["@org/committee-a"]}\n'
        'districts: {xuhui: ["@org/district-xuhui"]}\n',
        "utf-8",
    )
    text = codeowners.render(codeowners.load_mapping(mapping))
    lines = [line.split() for line in text.splitlines() if line and not line.startswith("#")]
    assert ["/data/districts/", "@org/maintainers"] in lines
    # The last matching line wins: the district's line comes after the maintainers'.
    assert lines.index(["/data/districts/xuhui/", "@org/district-xuhui"]) > lines.index(
        ["/data/districts/", "@org/maintainers"]
    )
    mapping.write_text('maintainers: ["@org/m"]\ndistricts: {"Xu Hui": ["@org/x"]}\n', "utf-8")
    with pytest.raises(codeowners.PackageFileError, match="区编号"):
        codeowners.load_mapping(mapping)


def test_build_estates_takes_the_district_records_into_the_status():
    from generator.domain.status import Level
    from generator.model import build_estates

    _, data = check_districts(REPO / "data", AS_OF, load_rules_config(REPO / "data"))
    report = validate(load(REPO / "data"), AS_OF, load_rules_config(REPO / "data"), workers=1)
    estates = {e.id: e for e in build_estates(report, AS_OF, districts=data)}
    supervised = estates["lingyuan-xiaoqu"].status.lights["supervision"]
    assert supervised.level is Level.ACT
    assert supervised.text == "自 2026年5月12日 起被区里挂牌督办，最近一次督办走访 2026年11月5日"
    assert estates["kangxin-yuan"].status.lights["supervision"].level is Level.WATCH
    assert estates["meilin-xincun"].status.lights["supervision"].level is Level.OK
    # 苓园小区 collects under 80 % of its fees: the collection light says so.
    assert estates["lingyuan-xiaoqu"].status.lights["collection"].level is Level.ACT


def test_the_takedown_list_masks_district_text_on_the_estate_page(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    (data / "redactions.yaml").write_text(
        '- value: "欠费户走访记录"\n  reason: 测试撤下\n  date: 2026-11-20\n', "utf-8"
    )
    pipeline.build(_options(data, tmp_path / "a"))
    page = (tmp_path / "a/site/estates/lingyuan-xiaoqu/index.html").read_text("utf-8")
    visits = BeautifulSoup(page, "html.parser").select_one("details.sl-supervision__visits")
    assert "查看物业费收缴台账和" in visits.get_text() and "欠费户走访记录" not in page


def test_personal_data_advice_in_a_district_table_speaks_to_district_staff():
    from generator import districts
    from generator.checks import no_personal_data

    assert no_personal_data.DISTRICT_TABLES == set(districts.DISTRICT_TABLES)
    number = "139" + "0012" + "3456"  # split so the repository's own scan skips it
    (issue,) = no_personal_data._issues("supervision_visits", 2, "checked", f"电话 {number}")
    assert "督办记录只写单位和事由" in issue.message and "contacts" not in issue.message
    (issue,) = no_personal_data._issues("meetings", 2, "note", f"电话 {number}")
    assert "联系与投诉表（contacts）" in issue.message


def test_estate_districts_reads_only_the_profiles_that_changed(city, tmp_path, monkeypatch):
    """The build's memo of each estate's district (16,000 profiles at city scale): a profile
    whose stat data are as remembered is not read again; a changed one is, and so is every
    one under another memo key (other code)."""
    from generator.pipeline import ledger

    monkeypatch.setattr(ledger, "RACY_NS", 0)
    memo = tmp_path / "build/cache/estate-districts.json"
    read = []
    real = districts._district_of_profile
    monkeypatch.setattr(
        districts, "_district_of_profile", lambda path: read.append(path) or real(path)
    )
    first = districts.estate_districts(city, memo, "code-1")
    assert first == {"far-estate": "pudong", "test-estate": "xuhui"} and len(read) == 2
    read.clear()
    assert districts.estate_districts(city, memo, "code-1") == first and read == []
    profile = city / "estates" / "far-estate" / "estate.csv"
    profile.write_text(profile.read_text("utf-8").replace("浦东新区,花木街道", "徐汇区,田林街道"))
    moved = districts.estate_districts(city, memo, "code-1")
    assert moved["far-estate"] == "xuhui" and read == [str(profile)]
    read.clear()
    assert districts.estate_districts(city, memo, "code-2") == moved and len(read) == 2
    memo.write_text("{not json", "utf-8")
    assert districts.estate_districts(city, memo, "code-2") == moved


def test_the_districts_verdict_is_kept_until_something_it_read_changes(city, tmp_path, monkeypatch):
    """A build whose districts did not change takes their findings and data from
    build/cache/district-verdict.json; a changed district file, another as-of date, another
    estate's district or a broken file means they are judged again."""
    from generator.pipeline import ledger

    monkeypatch.setattr(ledger, "RACY_NS", 0)
    folder = write_district(
        city,
        supervision=SUPERVISION
        + "XH-1,test-estate,2026-10-01,原因,徐汇区房管局,,\n"
        + "XH-2,far-estate,2026-10-01,原因,徐汇区房管局,2026-11-01,已整改\n",
    )
    judged = tmp_path / "build/cache/district-verdict.json"
    memo = tmp_path / "build/cache/estate-districts.json"
    calls = []
    real = districts.validate_districts
    monkeypatch.setattr(
        districts, "validate_districts", lambda *a, **k: calls.append(1) or real(*a, **k)
    )

    def judge(as_of=AS_OF):
        return check_districts(city, as_of, {}, memo=memo, memo_key="code", judged=judged)

    first = judge()
    assert len(calls) == 1 and (3, "estate_id", "supervision-estate") in flat(first[0])
    assert first[1].supervision_of("test-estate")["listing_id"] == "XH-1"
    again = judge()
    assert len(calls) == 1
    assert [f.as_dict() for f in again[0]] == [f.as_dict() for f in first[0]]
    assert again[1] == first[1]
    judge(AS_OF + dt.timedelta(days=1))
    assert len(calls) == 2
    judge()
    assert len(calls) == 3
    csv_path = folder / "supervision.csv"
    csv_path.write_text(csv_path.read_text("utf-8").replace("XH-2,far-estate", "XH-2,test-estate"))
    changed = judge()
    assert len(calls) == 4 and changed[0] != first[0]
    profile = city / "estates" / "far-estate" / "estate.csv"
    profile.write_text(profile.read_text("utf-8").replace("浦东新区,花木街道", "徐汇区,田林街道"))
    judge()
    assert len(calls) == 5
    judged.write_text("{broken", "utf-8")
    assert [f.as_dict() for f in judge()[0]] == [f.as_dict() for f in changed[0]]
    assert len(calls) == 6
    # The same bytes behind a link: refused, so judged again, not taken from the verdict.
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_bytes(csv_path.read_bytes())
    csv_path.unlink()
    csv_path.symlink_to(elsewhere)
    linked = judge()
    assert len(calls) == 7 and any(f.severity == "error" for f in linked[0])
