"""Bad input is bounded, and every crash it used to cause is a finding.

Each case writes one tiny package (or workbook) into ``tmp_path`` and asserts on the
flattened findings ``(file, row, field, rule)``. The memory cases (an alias bomb, zip
bombs) run the real command in a subprocess and check its peak RSS, because a bomb that
is refused late still costs the gigabytes it expands to.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from generator.cli import main
from generator.load import MAX_CELL_CHARS, is_money, load
from generator.tools import sheetimport, sheets
from generator.validate import validate

from .packages import COMMITTEES, COMMON_INCOME, ESTATE, MEMBERS, write_package

AS_OF = dt.date(2026, 11, 20)
REPO = Path(__file__).resolve().parent.parent
EST = ESTATE.format(id="test-estate")
MEETINGS = (
    "meeting_id,meeting_type,meeting_date,members_total,members_present,topic,posted_date\n"
    "2026-01,业委会,2026-10-10,5,5,讨论停车管理,2026-10-11\n"
)
EVENTS = "event_id,member_id,event_date,event_type,description\nE1,M2,2025-01-01,培训,参加培训\n"
# A process that imports the generator and reads a small package peaks around 100 MB;
# the bombs below would take gigabytes if they were expanded.
SMALL_RSS_MB = 250


def found(data_dir: Path) -> list[tuple]:
    """Errors as (file, row, field, rule)."""
    report = validate(load(data_dir), AS_OF, {})
    return [
        (f.path.rsplit("/", 1)[-1] if f.path else None, f.row, f.field, f.rule)
        for f in report.errors
    ]


def messages(data_dir: Path, rule: str) -> list[str]:
    report = validate(load(data_dir), AS_OF, {})
    return [f"{f.message} / {f.message_en}" for f in report.findings if f.rule == rule]


def descriptor(data_dir: Path) -> Path:
    return data_dir / "estates/test-estate/datapackage.yaml"


def cli(*args) -> object:
    return CliRunner().invoke(main, [str(a) for a in args])


def peak_rss_mb(code: str) -> tuple[float, float, str, str]:
    """Run ``code`` in a fresh interpreter; (peak RSS in MB, seconds, stdout, stderr)."""
    wrapper = (
        "import resource, sys\n"
        "try:\n" + textwrap.indent(textwrap.dedent(code), "    ") + "\n"
        "except SystemExit:\n    pass\n"
        "print('RSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", wrapper], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    seconds = time.monotonic() - start
    rss_kb = int(result.stderr.rsplit("RSS ", 1)[1].split()[0])
    return rss_kb / 1024, seconds, result.stdout, result.stderr


# --- YAML descriptors ----------------------------------------------------------------

RESOURCE = "  - name: estate\n    path: estate.csv\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: &n test-estate\nresources:\n" + RESOURCE, [(1, None, "yaml-alias")]),
        (
            "name: test-estate\nx: &r\n  - name: estate\n    path: estate.csv\nresources: *r\n",
            [(2, None, "yaml-alias")],
        ),
        (
            "name: test-estate\ntitle: 测试\nresources:\n" + RESOURCE + "name: other\n",
            [(6, None, "yaml-duplicate-key")],
        ),
        (
            "name: test-estate\nresources:\n" + RESOURCE + "    path: members.csv\n",
            [(5, None, "yaml-duplicate-key")],
        ),
        ("name: test-estate\nresources: " + "[" * 5000 + "]" * 5000 + "\n", [(2, None, "yaml-too-large")]),
        ("name: test-estate\n" + "".join("  " * i + f"k{i}:\n" for i in range(40)), [(21, None, "yaml-too-large")]),
        ("# " + "填" * 100_000 + "\nname: test-estate\nresources:\n" + RESOURCE, [(None, None, "yaml-too-large")]),
    ],
    ids=["anchor", "alias", "duplicate-top", "duplicate-in-entry", "deep-flow", "deep-block", "size"],
)  # fmt: skip
def test_descriptor_shapes_are_refused_with_the_line(tmp_path, text, expected):
    write_package(tmp_path, estate=ESTATE)
    descriptor(tmp_path).write_text(text, "utf-8")
    assert found(tmp_path) == [("datapackage.yaml", *e) for e in expected]


def test_duplicate_key_message_names_the_key_and_both_lines(tmp_path):
    write_package(tmp_path, estate=ESTATE)
    descriptor(tmp_path).write_text(
        "name: test-estate\nresources:\n" + RESOURCE + "    path: members.csv\n", "utf-8"
    )
    (message,) = messages(tmp_path, "yaml-duplicate-key")
    assert "第 5 行的键“path”与第 4 行重复" in message
    assert 'Line 5 repeats the key "path" of line 4' in message


def test_alias_bomb_is_refused_quickly_in_little_memory(tmp_path):
    write_package(tmp_path, estate=ESTATE)
    # Nine levels of nine aliases: 387 million strings if expanded.
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    descriptor(tmp_path).write_text(
        "\n".join(lines) + "\nname: test-estate\nresources:\n" + RESOURCE, "utf-8"
    )
    rss, seconds, output, _ = peak_rss_mb(
        f"""
        from generator.cli import main
        main(["validate", {str(tmp_path)!r}, "--format", "json", "--as-of", "2026-11-20"])
        """
    )
    assert rss < SMALL_RSS_MB and seconds < 30, (rss, seconds)
    report = json.loads(output)
    assert [(f["row"], f["rule"]) for f in report["findings"]] == [(1, "yaml-alias")]


def test_a_refused_rules_file_is_misuse_with_the_reason(tmp_path):
    write_package(tmp_path)
    (tmp_path / "rules.yaml").write_text("meeting_max_gap_days: 62\nmeeting_max_gap_days: 90\n")
    result = cli("validate", tmp_path, "--as-of", "2026-11-20")
    assert result.exit_code == 2, result.output
    assert "第 2 行的键“meeting_max_gap_days”与第 1 行重复" in result.output
    assert "Traceback" not in result.output


def test_a_shared_schema_with_aliases_is_a_broken_schema(tmp_path):
    write_package(tmp_path)
    shutil.copytree(REPO / "data/schemas", tmp_path / "schemas")
    path = tmp_path / "schemas/members.schema.yaml"
    path.write_text("x: &f [{name: a}]\nfields: *f\n", "utf-8")
    assert (None, None, "fields", "package-error") in [
        (None, *f[1:]) for f in found(tmp_path) if f[0] == "members.schema.yaml"
    ]


# --- CSV cells -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\ufeff"],
    ids=["NUL", "BEL", "ESC", "DEL", "NEL", "C1-last", "BOM"],
)  # fmt: skip
def test_control_characters_are_errors_naming_row_and_column(tmp_path, char):
    write_package(tmp_path, estate=EST.replace("测试居委会", f"测试{char}居委会"))
    assert found(tmp_path) == [("estate.csv", 2, "residents_committee", "control-character")]
    (message,) = messages(tmp_path, "control-character")
    assert f"U+{ord(char):04X}" in message and "重新输入" in message


def test_a_second_bom_mid_file_is_an_error_not_a_key_prefix(tmp_path):
    members = "\ufeff" + MEMBERS.replace("\nM2,", "\n\ufeffM2,")
    write_package(tmp_path, estate=ESTATE, committees=COMMITTEES, members=members.encode())
    assert found(tmp_path) == [("members.csv", 3, "member_id", "control-character")]
    # The BOM at the very start is still only the usual reminder.
    warnings = validate(load(tmp_path), AS_OF, {}).warnings
    assert [f.row for f in warnings if f.rule == "encoding-error"] == [1]
    assert "拼在一起" in messages(tmp_path, "control-character")[0]


def test_a_bom_inside_the_header_names_row_1(tmp_path):
    members = "\ufeff\ufeff" + MEMBERS
    write_package(tmp_path, estate=ESTATE, committees=COMMITTEES, members=members.encode())
    assert found(tmp_path) == [("members.csv", 1, None, "control-character")]


@pytest.mark.parametrize("length", [MAX_CELL_CHARS + 1, 200_000])
def test_an_overlong_cell_says_it_is_too_long(tmp_path, length):
    # 200,000 is past the csv module's default limit, which used to read as a quote error.
    write_package(tmp_path, estate=EST.replace("测试居委会", "长" * length))
    assert found(tmp_path) == [("estate.csv", 2, "residents_committee", "cell-too-long")]
    assert f"有 {length} 个字" in messages(tmp_path, "cell-too-long")[0]


def test_a_cell_at_the_limit_is_fine(tmp_path):
    write_package(
        tmp_path, estate=ESTATE, meetings=MEETINGS.replace("讨论停车管理", "议" * MAX_CELL_CHARS)
    )
    assert found(tmp_path) == []


def test_a_line_break_in_a_name_is_a_finding_and_in_a_topic_is_fine(tmp_path):
    estate = EST.replace("测试小区", '"测试\n小区"')
    meetings = MEETINGS.replace("讨论停车管理", '"讨论停车管理\n第二项：绿化"')
    write_package(tmp_path, estate=estate, meetings=meetings)
    assert found(tmp_path) == [("estate.csv", 2, "name", "line-break")]
    assert "Alt+回车" in messages(tmp_path, "line-break")[0]


def test_rows_are_records_after_a_multiline_cell(tmp_path):
    """A multi-line topic moves line numbers, not record numbers: the loader's findings
    and frictionless' count rows the same way (as Excel does)."""
    meetings = MEETINGS + (
        '2026-02,业委会,2026-10-20,5,5,"两行\n议题",2026-10-21\n'
        "2026-03,业委会,2026-10-30,5,5,=HYPERLINK(1),2026-10-31\n"
        "2026-04,业委会,不是日期,5,5,议题,2026-11-01\n"
    )
    write_package(tmp_path, estate=ESTATE, meetings=meetings)
    assert found(tmp_path) == [
        ("meetings.csv", 4, "topic", "formula-cell"),
        ("meetings.csv", 5, "meeting_date", "type-error"),
    ]


@pytest.mark.parametrize(
    ("table", "text", "expected"),
    [
        ("estate", EST.replace("test-estate,", '"test-estate\n",'), ("estate.csv", 2, "estate_id", "key-whitespace")),
        ("estate", EST.replace("test-estate,", "test-estate ,"), ("estate.csv", 2, "estate_id", "key-whitespace")),
        ("members", MEMBERS.replace("M2,1", " M2,1"), ("members.csv", 3, "member_id", "key-whitespace")),
    ],
    ids=["estate-id-newline", "estate-id-space", "member-id-space"],
)  # fmt: skip
def test_ids_with_surrounding_spaces_or_line_breaks_are_one_finding(
    tmp_path, table, text, expected
):
    tables = {"estate": ESTATE, "committees": COMMITTEES, "members": MEMBERS, table: text}
    # An event refers to M2: the refused members table must not echo as "M2 not found".
    write_package(tmp_path, **tables, member_events=EVENTS)
    assert found(tmp_path) == [expected]


@pytest.mark.parametrize(
    ("cell", "rule"),
    [
        ("=1+1", "formula-cell"),
        ("+1 个车位", "formula-cell"),
        ("@SUM(A1)", "formula-cell"),
        ("\t居委会", "formula-cell"),
        ("-", None),
        ("-1 个车位", None),
        ("居委会=1", None),
    ],
)
def test_text_that_a_spreadsheet_would_run_is_refused(tmp_path, cell, rule):
    write_package(tmp_path, estate=EST.replace("测试居委会", f'"{cell}"'))
    expected = [("estate.csv", 2, "residents_committee", rule)] if rule else []
    assert found(tmp_path) == expected


def test_a_refused_cell_is_not_reported_again_by_frictionless(tmp_path):
    # "=商品房" is also not one of the allowed property types: one cause, one finding.
    write_package(tmp_path, estate=EST.replace(",商品房,", ",=商品房,"))
    assert found(tmp_path) == [("estate.csv", 2, "property_type", "formula-cell")]


def test_a_carriage_return_starting_a_free_text_cell_is_a_formula_cell(tmp_path):
    write_package(tmp_path, estate=ESTATE, meetings=MEETINGS.replace("讨论停车管理", '"\r讨论"'))
    assert found(tmp_path) == [("meetings.csv", 2, "topic", "formula-cell")]


def test_a_leading_plus_message_says_to_write_it_in_words(tmp_path):
    write_package(tmp_path, estate=EST.replace("测试居委会", "+1 个车位"))
    (message,) = messages(tmp_path, "formula-cell")
    assert "删去开头的符号" in message and "增加 1 个车位" in message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("500.00,100.00", "500.005,100.00", [(2, "income_yuan", "money-decimals")]),
        ("500.00,100.00", "500.5,100", []),
        ("500.00,100.00", "1e-3,100.00", [(2, "income_yuan", "money-decimals")]),
        ("500.00,100.00", "５００.00,100.00", [(2, "income_yuan", "fullwidth-digits")]),
        ("2026-10-10", "２０２６-10-10", [(2, "posted_date", "fullwidth-digits")]),
    ],
    ids=["three-decimals", "fewer-decimals", "exponent", "fullwidth-number", "fullwidth-date"],
)
def test_money_keeps_two_decimals_and_numbers_are_half_width(tmp_path, old, new, expected):
    # 500.5 + … must still reconcile: keep the statement's arithmetic out of the way.
    income = COMMON_INCOME.replace(old, new)
    if new.startswith("500.5"):
        income = income.replace("1150.00", "1150.50")
    write_package(tmp_path, estate=ESTATE, common_income=income)
    assert found(tmp_path) == [("common_income.csv", *e) for e in expected]


def test_three_decimals_are_fine_where_the_column_is_not_money(tmp_path):
    write_package(tmp_path, estate=EST.replace("50000.00", "50000.125"))
    assert found(tmp_path) == []


def test_every_yuan_column_is_marked_as_money():
    for path in sorted((REPO / "data/schemas").glob("*.schema.yaml")):
        for spec in yaml.safe_load(path.read_text("utf-8"))["fields"]:
            if spec["name"].endswith("_yuan"):
                assert spec.get("x-money") is True and is_money(spec), (path.name, spec["name"])


def test_a_file_with_a_problem_in_every_row_gives_a_bounded_list(tmp_path):
    lines = "quarter,line_no,direction,category,description,amount_yuan\n" + "".join(
        f"2026Q3,{n},收入,停车费,=A{n},10.00\n" for n in range(1, 1001)
    )
    write_package(tmp_path, estate=ESTATE, common_income=COMMON_INCOME, common_income_lines=lines)
    rules = [f[-1] for f in found(tmp_path)]
    assert set(rules) == {"formula-cell"} and len(rules) == 200


# --- what used to crash --------------------------------------------------------------


def build(data: Path, tmp_path: Path):
    return cli("build", data, "--site-dir", tmp_path / "site", "--build-dir", tmp_path / "b",
               "--as-of", "2026-11-20", "--config-file", REPO / "mkdocs.yml")  # fmt: skip


@pytest.mark.parametrize(
    "estate",
    [
        EST.replace("测试小区", '"测试\n小区"'),
        EST.replace("test-estate,", '"test-estate\n",'),
        EST.replace("测试居委会", "测试\x00居委会"),
    ],
    ids=["name-line-break", "id-newline", "nul"],
)
def test_what_crashed_the_build_is_a_finding_and_nothing_is_published(tmp_path, estate):
    data = write_package(tmp_path / "data", estate=estate.encode(), committees=COMMITTEES)
    result = build(data, tmp_path)
    assert result.exit_code == 1, result.output
    assert "内部错误" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize(
    "estate",
    [
        EST.replace("测试居委会", "=1+1"),
        EST.replace("测试居委会", "测试\x00居委会"),
        EST.replace("测试居委会", "长" * 200_000),
    ],
    ids=["formula", "nul", "long"],
)
def test_validate_exits_1_with_json_findings_and_no_traceback(tmp_path, estate):
    write_package(tmp_path, estate=estate.encode())
    result = cli("validate", tmp_path, "--format", "json", "--as-of", "2026-11-20")
    assert result.exit_code == 1 and "Traceback" not in result.output
    (finding,) = [f for f in json.loads(result.output)["findings"] if f["severity"] == "error"]
    assert finding["path"].endswith("estate.csv") and finding["row"] == 2
    assert finding["field"] == "residents_committee" and "\x00" not in result.output


# --- workbooks -----------------------------------------------------------------------


def exported(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(REPO / "data/schemas", data / "schemas")
    shutil.copytree(REPO / "data/estates/meilin-xincun", data / "estates/meilin-xincun")
    book = tmp_path / "book.xlsx"
    sheets.export_estate(data, "meilin-xincun", book)
    return data, book


def run_import(book: Path, data: Path):
    return cli("import", book, "meilin-xincun", "--data-dir", data, "--as-of", "2026-11-20")


@pytest.mark.parametrize(
    ("value", "shown"),
    [(10**30, "1e+30"), (1e300, "1e+300"), ("9" * 400, "9" * 20 + "…"), ("1e400", "1e400")],
    ids=["int-1e30", "float-1e300", "400-nines", "text-1e400"],
)
def test_extreme_numbers_in_a_workbook_are_findings_naming_the_cell(tmp_path, value, shown):
    data, book = exported(tmp_path)
    wb = load_workbook(book)
    wb["公共收益季度收支"]["B3"].value = value  # opening_yuan, money
    wb["业委会成员"]["B3"].value = value  # term_no, integer
    wb.save(book)
    before = {p.name: p.read_bytes() for p in (data / "estates/meilin-xincun").iterdir()}
    result = run_import(book, data)
    assert result.exit_code == 1, result.output
    assert "内部错误" not in result.output and "Traceback" not in result.output
    out = result.output
    assert f"工作表“公共收益季度收支”第 3 行“期初余额（元）”列（B 列）填的是“{shown}”" in out
    assert "工作表“业委会成员”第 3 行“届次”列（B 列）" in out
    assert before == {p.name: p.read_bytes() for p in (data / "estates/meilin-xincun").iterdir()}


def workbook_with(tmp_path: Path, member: str, write, *, name: str = "bomb.xlsx") -> Path:
    """A real workbook whose sheet ``member`` is replaced by what ``write(stream)`` writes,
    deflated as Excel would (streamed: the test never holds the inflated bytes)."""
    plain = io.BytesIO()
    wb = Workbook()
    wb.active.title = "业委会任期"
    wb.active["A1"] = "term_no"
    wb.save(plain)
    path = tmp_path / name
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:  # fmt: skip
        for info in src.infolist():
            if info.filename == member:
                target = zipfile.ZipInfo(member, date_time=info.date_time)
                target.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(target, "w", force_zip64=True) as stream:
                    write(stream)
            else:
                dst.writestr(info, src.read(info.filename))
    return path


SHEET = "xl/worksheets/sheet1.xml"
HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'


def _rows(count: int, *, numbered: bool = False):
    """``count`` empty rows: repeated (compresses a thousandfold, like a bomb) or numbered
    (compresses like ordinary sheet XML)."""

    def write(stream):
        stream.write(HEAD)
        if numbered:
            for start in range(1, count + 1, 10_000):
                stop = min(start + 10_000, count + 1)
                stream.write(b"".join(b'<row r="%d"/>' % n for n in range(start, stop)))
        else:
            chunk = b"<row/>" * 100_000
            for _ in range(count // 100_000):
                stream.write(chunk)
        stream.write(b"</sheetData></worksheet>")

    return write


def _cells(count: int):
    def write(stream):
        stream.write(HEAD + b'<row r="1">')
        for start in range(1, count + 1, 10_000):
            stop = min(start + 10_000, count + 1)
            stream.write(b"".join(b'<c r="A%d"><v>%d</v></c>' % (n, n) for n in range(start, stop)))
        stream.write(b"</row></sheetData></worksheet>")

    return write


def _merged(ref: bytes):
    def write(stream):
        stream.write(HEAD + b'</sheetData><mergeCells count="1">')
        stream.write(b'<mergeCell ref="' + ref + b'"/></mergeCells></worksheet>')

    return write


def refused(book: Path) -> list[tuple]:
    schemas = sheets.load_sheet_schemas(REPO / "data")
    data = sheetimport.read_workbook(book, schemas, "test-estate")
    return [(f.resource, f.rule, f.message) for f in data.findings]


def test_a_sheet_inflating_past_the_limit_is_refused_in_little_memory(tmp_path):
    book = workbook_with(tmp_path, SHEET, _rows(10_000_000))  # 60 MB of <row/>, 90 KB zipped
    assert book.stat().st_size < 1024 * 1024
    data = tmp_path / "data"
    shutil.copytree(REPO / "data/schemas", data / "schemas")
    (data / "estates").mkdir()
    rss, seconds, stdout, stderr = peak_rss_mb(
        f"""
        from generator.cli import main
        main(["import", {str(book)!r}, "test-estate", "--data-dir", {str(data)!r}])
        """
    )
    output = stdout + stderr
    assert rss < SMALL_RSS_MB and seconds < 30, (rss, seconds)
    assert "workbook-too-large" in output and "工作表“业委会任期”解压后有 57 MB" in output
    assert "没有写入任何文件" in output and "Traceback" not in output
    assert not (data / "estates/test-estate").exists()


@pytest.mark.parametrize(
    ("write", "words"),
    [
        (_cells(200_001), "每个工作表最多 200,000 格"),
        (_rows(300_000, numbered=True), "200,000 行"),
        (_merged(b"A1:XFD1048576"), "合并的格子"),
        (_merged(b"A:A"), "合并的格子"),
    ],
    ids=["cells", "rows", "merged-range", "merged-column"],
)
def test_sheets_with_too_many_cells_are_refused_before_reading(tmp_path, write, words):
    book = workbook_with(tmp_path, SHEET, write)
    start = time.monotonic()
    ((table, rule, message),) = refused(book)
    assert (table, rule) == ("committees", "workbook-too-large")
    assert words in message and "工作表“业委会任期”" in message
    assert time.monotonic() - start < 10


def test_a_member_compressed_implausibly_well_is_refused(tmp_path):
    def zeros(stream):
        stream.write(HEAD + b" " * 30_000_000 + b"</sheetData></worksheet>")

    ((_, rule, message),) = refused(workbook_with(tmp_path, SHEET, zeros))
    assert rule == "workbook-too-large" and "压缩了" in message


def test_a_workbook_with_thousands_of_entries_is_refused(tmp_path):
    book = tmp_path / "many.xlsx"
    with zipfile.ZipFile(book, "w") as archive:
        for n in range(2_001):
            archive.writestr(f"xl/media/{n}.txt", "")
    ((_, rule, message),) = refused(book)
    assert rule == "workbook-too-large" and "2001 个内部文件" in message


def test_a_zip_directory_that_understates_a_size_reads_as_damaged(tmp_path):
    """zipfile never inflates past the declared size, so lying about it cannot get a bomb
    past the check: the member is cut short and fails its checksum."""
    book = workbook_with(tmp_path, SHEET, _rows(10_000_000))
    raw = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as archive:
        info = archive.getinfo(SHEET)
    # The central directory entry: "PK\1\2", uncompressed size at offset 24.
    entry = raw.index(b"PK\x01\x02")
    while raw[entry + 46 : entry + 46 + len(SHEET)] != SHEET.encode():
        entry = raw.index(b"PK\x01\x02", entry + 4)
    assert int.from_bytes(raw[entry + 24 : entry + 28], "little") == info.file_size
    raw[entry + 24 : entry + 28] = (1024 * 1024).to_bytes(4, "little")
    book.write_bytes(bytes(raw))
    start = time.monotonic()
    ((_, rule, _),) = refused(book)
    assert rule == "workbook-error" and time.monotonic() - start < 10


def test_the_sample_workbooks_are_well_inside_the_limits(tmp_path):
    _, book = exported(tmp_path)
    with zipfile.ZipFile(book) as archive:
        infos = archive.infolist()
    assert len(infos) * 10 < sheetimport.MAX_ENTRIES
    assert max(i.file_size for i in infos) * 100 < sheetimport.MAX_MEMBER_BYTES
    assert max(i.file_size / max(i.compress_size, 1) for i in infos) * 5 < sheetimport.MAX_RATIO


def test_import_of_a_refused_workbook_exits_1_and_writes_nothing(tmp_path):
    book = workbook_with(tmp_path, SHEET, _cells(200_001))
    data = tmp_path / "data"
    shutil.copytree(REPO / "data/schemas", data / "schemas")
    (data / "estates").mkdir()
    result = cli("import", book, "test-estate", "--data-dir", data)
    assert result.exit_code == 1, result.output
    assert "(workbook-too-large)" in result.output and "没有写入任何文件" in result.output
    assert "guide/rules/#workbook-too-large" in result.output
    assert "Traceback" not in result.output and not (data / "estates/test-estate").exists()


def test_full_width_digits_are_normalised_on_import(tmp_path):
    """The CSV refuses them (fullwidth-digits); import, where a Chinese IME typed them,
    converts them (NFKC), as the guide says."""
    data, book = exported(tmp_path)
    before = (data / "estates/meilin-xincun/common_income.csv").read_bytes()
    wb = load_workbook(book)
    income = wb["公共收益季度收支"]
    assert income["H3"].value.date() == dt.date(2024, 4, 22)  # posted_date of 2024Q1
    income["H3"].value = "２０２４－０４－２２"
    income["B3"].number_format = "@"
    income["B3"].value = "６９７２３.６１"
    wb.save(book)
    result = run_import(book, data)
    assert result.exit_code == 0, result.output
    assert (data / "estates/meilin-xincun/common_income.csv").read_bytes() == before
