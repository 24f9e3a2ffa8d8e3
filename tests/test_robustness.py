"""Broken and unusual packages: every one gives findings (or a site), never a traceback.

Each test writes a tiny package into ``tmp_path`` and asserts on the flattened findings
``(resource, file, row, field, rule)`` — the things a committee member needs to find and
fix the problem.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.load import load
from generator.validate import validate

from .packages import COMMITTEES, COMMON_INCOME, ESTATE, MEMBERS, write_package

AS_OF = dt.date(2026, 11, 20)
REPO = Path(__file__).resolve().parent.parent
EVENTS = "event_id,member_id,event_date,event_type,description\nE1,M1,2025-01-01,培训,x\n"


def errors(data_dir: Path) -> list[tuple]:
    report = validate(load(data_dir), AS_OF, {})
    return [
        (f.resource, f.path.rsplit("/", 1)[-1] if f.path else None, f.row, f.field, f.rule)
        for f in report.errors
    ]


def messages(data_dir: Path, rule: str) -> list[str]:
    report = validate(load(data_dir), AS_OF, {})
    return [f"{f.message} / {f.message_en}" for f in report.errors if f.rule == rule]


def descriptor(data_dir: Path, estate: str = "test-estate") -> Path:
    return data_dir / "estates" / estate / "datapackage.yaml"


# --- datapackage.yaml --------------------------------------------------------------------

RESOURCE = "  - name: estate\n    path: estate.csv\n"


@pytest.mark.parametrize(
    "text",
    [
        "- a\n- b\n",
        "just text\n",
        "",
        "name: test-estate\nresources:\n  estate: {path: estate.csv}\n",
        "name: test-estate\nresources: [\n",
        "name: test-estate\n\tresources: x\n",
        "name: test-estate\nresources:\n  - null\n" + RESOURCE,
        "name: test-estate\nresources:\n  - [estate, estate.csv]\n",
        "name: [1, 2]\nresources:\n" + RESOURCE,
        "name: test-estate\nresources:\n" + RESOURCE + "    schema: {fields: []}\n",
        "!!python/object/apply:os.system [echo hi]\n",
    ],
)
def test_odd_descriptors_give_package_errors(tmp_path, text):
    write_package(tmp_path)
    descriptor(tmp_path).write_text(text, "utf-8")
    found = errors(tmp_path)
    assert found and {rule for *_, rule in found} <= {"package-error"}, found


def test_entry_findings_name_the_line_and_say_what_is_wrong(tmp_path):
    write_package(tmp_path, estate=ESTATE)
    descriptor(tmp_path).write_text(
        "name: test-estate\nresources:\n"  # lines 1-2
        + RESOURCE  # 3-4
        + "  - name: 5\n    path: x.csv\n"  # 5-6
        + "  - name: committees\n    path: 7\n"  # 7-8
        + RESOURCE,  # 9-10: listed twice
        "utf-8",
    )
    found = errors(tmp_path)
    assert {(row, field) for _, file, row, field, _ in found if file == "datapackage.yaml"} == {
        (5, "resources"),
        (7, "resources"),
        (9, "resources"),
    }
    text = "\n".join(messages(tmp_path, "package-error"))
    assert "“5”，不是表名" in text and "现在写的是“7”" in text and "列出了两次" in text


def test_broken_json_descriptor_is_named(tmp_path):
    write_package(tmp_path)
    descriptor(tmp_path).unlink()
    (tmp_path / "estates/test-estate/datapackage.json").write_text('{"name": "x", "resources": [')
    assert errors(tmp_path)[0][1:] == ("datapackage.json", 1, None, "package-error")


def test_overlong_path_and_folder_paths_are_findings(tmp_path):
    write_package(tmp_path, estate=ESTATE, committees=COMMITTEES)
    folder = tmp_path / "estates/test-estate"
    (folder / "committees.csv").unlink()
    (folder / "committees.csv").mkdir()  # a folder named like a CSV
    descriptor(tmp_path).write_text(
        descriptor(tmp_path).read_text().replace("path: estate.csv", f"path: {'a' * 5000}.csv")
    )
    found = [f for f in errors(tmp_path) if f[1] == "datapackage.yaml"]
    assert [(row, field) for _, _, row, field, _ in found] == [(4, "resources"), (7, "resources")]
    text = "\n".join(messages(tmp_path, "package-error"))
    assert "无法读取文件" in text and "是一个文件夹" in text


def test_a_refused_estate_table_is_not_also_called_missing(tmp_path):
    write_package(tmp_path, estate=ESTATE.format(id="test-estate").encode("gbk"))
    assert errors(tmp_path) == [("estate", "estate.csv", 2, None, "encoding-error")]


# --- one cause, one finding ------------------------------------------------------------


def test_a_refused_table_does_not_cascade_into_tables_that_refer_to_it(tmp_path):
    gbk = MEMBERS.format(id="test-estate").encode("gbk")
    write_package(tmp_path, estate=ESTATE, committees=COMMITTEES, members=gbk, member_events=EVENTS)
    assert errors(tmp_path) == [("members", "members.csv", 2, None, "encoding-error")]


def test_a_table_left_out_is_reported_once_at_its_first_row(tmp_path):
    lines = "quarter,line_no,direction,category,description,amount_yuan\n" + "".join(
        f"2026Q3,{n},收入,停车费,,10\n" for n in range(1, 40)
    )
    write_package(tmp_path, estate=ESTATE, common_income_lines=lines)
    assert errors(tmp_path) == [
        ("common_income_lines", "common_income_lines.csv", 2, "quarter", "foreign-key")
    ]
    assert "共 39 行" in messages(tmp_path, "foreign-key")[0]


def test_a_bad_key_cell_gives_one_type_error_not_key_echoes(tmp_path):
    committees = COMMITTEES.replace("\n1,2024", "\nx,2024")
    write_package(tmp_path, estate=ESTATE, committees=committees, members=MEMBERS)
    assert errors(tmp_path) == [("committees", "committees.csv", 2, "term_no", "type-error")]


def test_short_and_blank_rows_say_so_once(tmp_path):
    members = MEMBERS.replace("M3,1,王*,委员,是,否,否,3,2024-05-01,,", "M3") + ",,,,,,,,,,\n"
    write_package(tmp_path, estate=ESTATE, committees=COMMITTEES, members=members)
    found = errors(tmp_path)
    assert {rule for *_, rule in found} == {"missing-cell", "blank-row"}, found
    assert ("members", "members.csv", 4, "display_name", "missing-cell") in found
    assert ("members", "members.csv", 7, None, "blank-row") in found
    assert not any("None" in m for m in messages(tmp_path, "missing-cell"))


def test_duplicate_key_names_the_other_line_in_chinese(tmp_path):
    write_package(
        tmp_path,
        estate=ESTATE,
        committees=COMMITTEES,
        members=MEMBERS + "M1,1,张*明,委员,是,否,否,1,2024-05-01,,\n",
    )
    (message,) = messages(tmp_path, "primary-key")
    assert "与第 2 行重复" in message and "position" not in message.split(" / ")[0]


# --- CSV files -------------------------------------------------------------------------


def test_an_unclosed_quote_is_found_instead_of_swallowing_rows(tmp_path):
    members = MEMBERS.replace("M2,1,李*华", 'M2,1,"李*华')
    write_package(tmp_path, estate=ESTATE, committees=COMMITTEES, members=members)
    assert errors(tmp_path) == [("members", "members.csv", 3, None, "source-error")]


def test_old_mac_line_endings_are_read(tmp_path):
    members = MEMBERS.replace("\n", "\r").encode()
    write_package(tmp_path, estate=ESTATE, committees=COMMITTEES, members=members)
    assert errors(tmp_path) == []


@pytest.mark.parametrize(
    ("data", "rule", "words"),
    [
        (MEMBERS.encode("utf-16"), "encoding-error", "UTF-16"),
        (MEMBERS.replace(",", ";").encode(), "missing-label", "分号"),
        (MEMBERS.replace(",", "\t").encode(), "missing-label", "制表符"),
        (MEMBERS.replace("\n", ",\n").encode(), "extra-label", "第 12 列没有列名"),
        (MEMBERS.replace("member_id,", "Member_ID,", 1).encode(), "missing-label", "Member_ID"),
        (b"\xef\xbb\xbf", "empty-file", "空"),
    ],
)
def test_header_and_encoding_problems_say_how_to_fix(tmp_path, data, rule, words):
    write_package(tmp_path, estate=ESTATE, committees=COMMITTEES, members=data)
    found = errors(tmp_path)
    assert [(f[0], f[-1]) for f in found] == [("members", rule)], found
    assert words in messages(tmp_path, rule)[0]


# --- values frictionless accepts but nobody means ----------------------------------------


@pytest.mark.parametrize(
    ("table", "old", "new", "field"),
    [
        ("common_income", "1000.00,500.00", "NaN,500.00", "opening_yuan"),
        ("common_income", "1000.00,500.00", "1000.00,Infinity", "income_yuan"),
        ("common_income", "1000.00,500.00", "1e400,500.00", "opening_yuan"),
        ("committees", ",5,在任", ",99999999999999999999999,在任", "seats"),
        ("committees", "2029-04-30", "0202-04-30", "term_end"),
        ("work_orders", "2026-10,", "25-1,", "month"),
    ],
)
def test_implausible_values_are_type_errors_with_row_and_column(tmp_path, table, old, new, field):
    texts = {
        "common_income": COMMON_INCOME,
        "committees": COMMITTEES,
        "work_orders": "month,channel,category,received,closed,closed_on_time,avg_hours,"
        "satisfaction_pct\n2026-10,12345,报修,3,3,3,5,90\n",
    }
    write_package(tmp_path, estate=ESTATE, **{table: texts[table].replace(old, new)})
    assert errors(tmp_path) == [(table, f"{table}.csv", 2, field, "type-error")]


def test_enum_with_stray_spaces_says_so(tmp_path):
    write_package(tmp_path, estate=ESTATE, committees=COMMITTEES.replace(",在任", ", 在任"))
    assert "多余的空格" in messages(tmp_path, "constraint-error")[0]


# --- data folders ----------------------------------------------------------------------


def test_a_data_folder_without_estates_is_an_error(tmp_path):
    (tmp_path / "estates").mkdir()
    result = CliRunner().invoke(
        main, ["validate", str(tmp_path), "--format", "json", "--as-of", "2026-11-20"]
    )
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.output)["findings"]
    assert finding["rule"] == "package-error" and "没有找到任何小区" in finding["message"]


def test_a_broken_shared_schema_is_a_finding(tmp_path):
    write_package(tmp_path)
    (tmp_path / "schemas").mkdir()
    for path in (REPO / "data/schemas").glob("*.yaml"):
        (tmp_path / "schemas" / path.name).write_text(path.read_text("utf-8"), "utf-8")
    (tmp_path / "schemas/members.schema.yaml").write_text("fields: [\n")
    found = errors(tmp_path)
    assert (None, "members.schema.yaml", None, "fields", "package-error") in found


# --- the build -------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script>{{ 7*7 }}"


def build(data: Path, tmp_path: Path):
    args = ["build", str(data), "--site-dir", str(tmp_path / "site"), "--build-dir",
            str(tmp_path / "b"), "--as-of", "2026-11-20", "--config-file", str(REPO / "mkdocs.yml")]  # fmt: skip
    return CliRunner().invoke(main, args)


def test_empty_tables_and_hostile_text_build_and_stay_literal(tmp_path):
    headers = {
        p.stem: p.read_text("utf-8").splitlines()[0] + "\n"
        for p in (REPO / "data/estates/meilin-xincun").glob("*.csv")
    }
    meetings = (
        "meeting_id,meeting_type,meeting_date,members_total,members_present,topic,posted_date\n"
        '2026-01,业委会,2026-10-10,5,5,"{% if true %}JINJA{% endif %} *a* _b_ | # [x](javascript:y)'
        '\n第二行 \\ ""引号""",2026-10-11\n'
    )
    estate = ESTATE.format(id="test-estate").replace("测试小区", HOSTILE)
    # Bytes, so write_package does not read the braces as str.format fields.
    data = write_package(
        tmp_path / "data",
        **{
            **headers,
            "estate": estate.replace("测试居委会", "😀居委会").encode(),
            "committees": COMMITTEES,
            "members": MEMBERS.replace("张*明", "{% raw %}张").encode(),
            "meetings": meetings.encode(),
        },
    )
    assert validate(load(data), AS_OF, {}).errors == []
    result = build(data, tmp_path)
    assert result.exit_code == 0, result.output
    page = (tmp_path / "site/estates/test-estate/index.html").read_text("utf-8")
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "{{ 7*7 }}" in page and "😀居委会" in page
    pages = "".join(p.read_text("utf-8") for p in (tmp_path / "site").rglob("*.html"))
    assert "{% raw %}张" in pages
    governance = (tmp_path / "site/estates/test-estate/governance/index.html").read_text("utf-8")
    assert "{% if true %}JINJA{% endif %} *a* _b_ | # [x](javascript:y)" in governance
    assert not re.search(r'href="javascript', pages)


def test_an_empty_data_folder_never_replaces_the_site(tmp_path):
    (tmp_path / "data/estates").mkdir(parents=True)
    (tmp_path / "site").mkdir()
    (tmp_path / "site/index.html").write_text("previous")
    result = build(tmp_path / "data", tmp_path)
    assert result.exit_code == 1
    assert (tmp_path / "site/index.html").read_text() == "previous"
