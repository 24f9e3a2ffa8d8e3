"""The committee workbook, tried as a secretary would: template, fill, export, import.

Real openpyxl workbooks on disk, real sample estates copied into tmp_path, the real CLI.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from generator.cli import main
from generator.load import load
from generator.tools import packagefiles as pf
from generator.tools import sheetimport, sheets
from generator.validate import validate

REPO = Path(__file__).resolve().parent.parent
SAMPLES = sorted(p.name for p in (REPO / "data/estates").iterdir() if p.is_dir())
AS_OF = "2026-11-20"


def copy_data(tmp_path: Path, *estates: str) -> Path:
    """A data folder in tmp_path with the shared schemas, the rules and ``estates``."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data/schemas", data / "schemas")
    shutil.copy(REPO / "data/rules.yaml", data / "rules.yaml")
    for estate in estates:
        shutil.copytree(REPO / "data/estates" / estate, data / "estates" / estate)
    (data / "estates").mkdir(exist_ok=True)
    return data


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# ---------------------------------------------------------------------------- template


def test_template_has_a_sheet_per_table_an_example_sheet_and_validations(tmp_path):
    out = tmp_path / "t.xlsx"
    result = run("template", "-o", out, "--data-dir", REPO / "data")
    assert result.exit_code == 0, result.output
    schemas = sheets.load_sheet_schemas(REPO / "data")
    wb = load_workbook(out)
    tables = pf.ordered_tables(schemas)
    expected = [sheets.sheet_name(t, schemas[t]) for t in tables]
    assert wb.sheetnames == ["说明", *expected, "示例", "选项"]
    assert wb["选项"].sheet_state == "hidden"
    assert len(set(expected)) == len(schemas) == 21
    assert expected[-1] == "联系与投诉"  # contacts: organisations' public numbers

    for table in tables:
        ws = wb[sheets.sheet_name(table, schemas[table])]
        fields = schemas[table]["fields"]
        # Chinese titles above the column names, a note on every title from the schema.
        assert [c.value for c in ws[2]] == [f["name"] for f in fields]
        for column, spec in enumerate(fields, start=1):
            title = ws.cell(row=1, column=column)
            assert title.value.removesuffix(" *") == spec["title"]
            assert title.value.endswith(" *") == bool(spec.get("constraints", {}).get("required"))
            assert title.comment is not None and spec["name"] in title.comment.text
            if spec.get("description"):
                assert spec["description"] in title.comment.text
        assert ws.freeze_panes == "A3"
        assert ws.max_row == 2  # blank: headers only

    ws = wb["工单"]
    formats = {c: ws.column_dimensions[c].number_format for c in "ABCDG"}
    assert formats == {"A": "yyyy-mm", "B": "@", "C": "@", "D": "0", "G": "#,##0.0"}
    assert wb["公共收益季度收支"].column_dimensions["B"].number_format == "#,##0.00"
    assert wb["会议"].column_dimensions["C"].number_format == "yyyy-mm-dd"
    assert wb["业委会成员"].column_dimensions["A"].number_format == "@"  # IDs stay text

    # Drop-downs: enumerations and 是/否 come from the hidden sheet (no 255-character
    # limit); the long category list of common_income_lines is one of them.
    lines = wb["公共收益明细"]
    lists = {
        str(dv.sqref)[0]: dv for dv in lines.data_validations.dataValidation if dv.type == "list"
    }
    assert set(lists) == {"C", "D"}
    name = lists["D"].formula1.lstrip("=")
    ref = wb.defined_names[name].attr_text
    assert ref.startswith("'选项'!")
    cells = wb["选项"][ref.split("!")[1].replace("$", "")]
    values = [row[0].value for row in cells]
    assert values == schemas["common_income_lines"]["fields"][3]["constraints"]["enum"]
    assert len("，".join(values)) > 40
    members = wb["业委会成员"]
    boolean = [dv for dv in members.data_validations.dataValidation if "E3" in dv.sqref]
    assert boolean and boolean[0].type == "list"
    dates = [dv for dv in wb["会议"].data_validations.dataValidation if dv.type == "date"]
    assert dates and str(dates[0].sqref).startswith("C3:C")

    # One example row per table, in its own sheet.
    example = wb["示例"]
    texts = [c.value for row in example.iter_rows() for c in row if c.value is not None]
    for table in tables:
        assert f"{sheets.sheet_name(table, schemas[table])}（{table}）" in texts
    assert dt.datetime(2025, 1, 12) in texts and "R2024-02" in texts


def test_template_bytes_are_reproducible(tmp_path):
    run("template", "-o", tmp_path / "a.xlsx", "--data-dir", REPO / "data")
    run("template", "-o", tmp_path / "b.xlsx", "--data-dir", REPO / "data")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


# -------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("estate", SAMPLES)
def test_export_then_import_changes_nothing_byte_for_byte(tmp_path, estate):
    data = copy_data(tmp_path, estate)
    before = files_of(data / "estates" / estate)
    book = tmp_path / f"{estate}.xlsx"
    result = run("export", estate, "-o", book, "--data-dir", data)
    assert result.exit_code == 0, result.output
    result = run("import", book, estate, "--data-dir", data, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "数据没有变化" in result.output
    assert files_of(data / "estates" / estate) == before


def test_exported_cells_are_typed_as_excel_users_expect(tmp_path):
    data = copy_data(tmp_path, "meilin-xincun")
    book = tmp_path / "m.xlsx"
    sheets.export_estate(data, "meilin-xincun", book)
    wb = load_workbook(book)
    income = wb["公共收益季度收支"]
    assert income["B2"].value == "opening_yuan"
    assert isinstance(income["B3"].value, float) and income["B3"].number_format == "#,##0.00"
    assert isinstance(income["H3"].value, dt.datetime)  # a real date: Excel's date picker
    orders = wb["工单"]
    assert orders["A3"].value == dt.datetime(2025, 1, 1) and orders["A3"].number_format == "yyyy-mm"
    assert orders["B3"].value == "12345" and orders["B3"].number_format == "@"
    assert orders["G3"].value == 52.5 and orders["G3"].number_format == "#,##0.0"
    fees = wb["收费标准"]
    assert fees["D4"].value == 0.6 and fees["D4"].number_format == "#,##0.00"


def _type_like_a_person(wb, data: Path, estate: str, schemas: dict) -> None:
    """Fill the blank template with an estate's CSVs, typed as Excel stores what a person
    types into cells formatted like their column: numbers, dates, text."""
    for table in pf.ordered_tables(schemas):
        path = data / "estates" / estate / f"{table}.csv"
        if not path.exists():
            continue
        ws = wb[sheets.sheet_name(table, schemas[table])]
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for offset, row in enumerate(rows):
            for column, spec in enumerate(schemas[table]["fields"], start=1):
                text = row.get(spec["name"], "")  # an optional column may be absent
                if text == "":
                    continue
                cell = ws.cell(row=3 + offset, column=column)
                cell.number_format = ws.column_dimensions[cell.column_letter].number_format
                kind = sheets.kind_of(spec)
                if kind == "integer":
                    cell.value = int(text)
                elif kind in ("number", "money"):
                    cell.value = float(text)
                elif kind == "date":
                    cell.value = dt.datetime.fromisoformat(text)
                elif kind == "yearmonth":
                    cell.value = dt.datetime(int(text[:4]), int(text[5:]), 1)
                else:
                    cell.value = text


def test_template_filled_by_hand_imports_into_the_same_data(tmp_path):
    """A new secretary: blank template, type one sample estate's data, import, validate."""
    estate = "meilin-xincun"
    data = copy_data(tmp_path)
    blank = tmp_path / "blank.xlsx"
    assert run("template", "-o", blank, "--data-dir", data).exit_code == 0
    schemas = sheets.load_sheet_schemas(data)
    wb = load_workbook(blank)
    _type_like_a_person(wb, REPO / "data", estate, schemas)
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)

    result = run("import", filled, estate, "--data-dir", data, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output

    as_of = dt.date.fromisoformat(AS_OF)
    original = validate(load(REPO / "data"), as_of, pf.load_rules_config(REPO / "data"))
    imported = validate(load(data), as_of, pf.load_rules_config(data))
    assert imported.tables[estate] == original.tables[estate]  # the same typed values

    def keyed(report):
        return sorted((f.resource, f.row, f.field, f.rule) for f in report.for_estate(estate))

    assert keyed(imported) == keyed(original)
    # The package lists the same tables, in the same order, with the same title.
    assert (data / "estates" / estate / "datapackage.yaml").read_bytes() == (
        REPO / "data/estates" / estate / "datapackage.yaml"
    ).read_bytes()
    # Money, dates, months, IDs and 是/否 come back exactly as the CSV writes them.
    for table in ("common_income", "repair_fund", "fees", "members", "work_orders", "meetings"):
        new = (data / "estates" / estate / f"{table}.csv").read_bytes()
        assert new == (REPO / "data/estates" / estate / f"{table}.csv").read_bytes(), table


# Examples written with fewer decimals than the sample data uses (0.5 for 0.50, 9840 for
# areas written 9840.00). A column's format comes from its example, so until the schemas
# show the decimals, this test writes them into its copy; once they do, this is a no-op.
EXAMPLE_DECIMALS = {
    "estate.schema.yaml": [("example: 0.5\n", "example: 0.50\n")],
    "resolutions.schema.yaml": [
        ("example: 9840\n", "example: 9840.00\n"),
        ("example: 8120\n", "example: 8120.00\n"),
        ("example: 7350\n", "example: 7350.00\n"),
    ],
}


@pytest.mark.parametrize("estate", SAMPLES)
def test_every_sample_estate_typed_by_hand_comes_back_byte_for_byte(tmp_path, estate):
    data = copy_data(tmp_path)
    for name, edits in EXAMPLE_DECIMALS.items():
        path = data / "schemas" / name
        text = path.read_text("utf-8")
        for old, new in edits:
            text = text.replace(old, new)
        path.write_text(text, "utf-8")
    blank = tmp_path / "blank.xlsx"
    sheets.write_template(blank, sheets.load_sheet_schemas(data))
    wb = load_workbook(blank)
    _type_like_a_person(wb, REPO / "data", estate, sheets.load_sheet_schemas(data))
    wb.save(blank)
    result = run("import", blank, estate, "--data-dir", data, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert files_of(data / "estates" / estate) == files_of(REPO / "data/estates" / estate)


def test_import_adds_a_new_table_to_the_package(tmp_path):
    estate = "xiangzhang-yayuan"  # publishes no audits yet
    data = copy_data(tmp_path, estate)
    book = tmp_path / "x.xlsx"
    sheets.export_estate(data, estate, book)
    wb = load_workbook(book)
    ws = wb["审计"]
    for column, value in enumerate(
        ["A2025", "年度审计", "2025年度公共收益", "上海某会计师事务所", dt.datetime(2026, 2, 10),
         dt.datetime(2026, 2, 20), dt.datetime(2026, 3, 31), "无保留意见"], start=1
    ):  # fmt: skip
        ws.cell(row=3, column=column, value=value)
    wb.save(book)
    result = run("import", book, estate, "--data-dir", data, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    folder = data / "estates" / estate
    assert (folder / "audits.csv").read_text("utf-8").splitlines()[1] == (
        "A2025,年度审计,2025年度公共收益,上海某会计师事务所,2026-02-10,2026-02-20,2026-03-31,无保留意见"
    )
    descriptor = (folder / "datapackage.yaml").read_text("utf-8")
    assert descriptor.endswith(
        "  - name: audits\n    path: audits.csv\n    schema: ../../schemas/audits.schema.yaml\n"
    )
    assert "audits" in pf.listed_tables(folder / "datapackage.yaml")


def test_contacts_sheet_keeps_public_numbers_and_refuses_a_mobile(tmp_path):
    estate = "meilin-xincun"
    data = copy_data(tmp_path, estate)
    folder = data / "estates" / estate
    before = files_of(folder)
    book = tmp_path / "m.xlsx"
    sheets.export_estate(data, estate, book)
    wb = load_workbook(book)
    ws = wb["联系与投诉"]
    assert [c.value for c in ws[2]][:4] == ["role", "seq", "organisation", "phone"]
    assert ws["D3"].value == "021-55551101" and ws["D3"].number_format == "@"
    last = ws.max_row
    assert ws.cell(row=last, column=1).value == "12345"
    ws.cell(row=last, column=1).value = 12345  # the role picked as a number stays the text
    wb.save(book)
    result = run("import", book, estate, "--data-dir", data, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert files_of(folder) == before

    # A mobile is refused even as an organisation's number; the message masks it.
    ws["D3"].value = "139 0000 1111"
    wb.save(book)
    result = run("import", book, estate, "--data-dir", data, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "contacts.csv:2 [phone]  (no-personal-data)" in result.output
    assert "工作表“联系与投诉”第 3 行" in result.output
    assert "guide/committee/#personal-data" in result.output
    assert "0000 1111" not in result.output and "00001111" not in result.output


# ------------------------------------------------------------------- damaged workbooks


def _exported(tmp_path: Path, estate: str = "meilin-xincun"):
    data = copy_data(tmp_path, estate)
    book = tmp_path / "book.xlsx"
    sheets.export_estate(data, estate, book)
    return data, book, load_workbook(book)


def test_sloppy_typing_is_normalised(tmp_path):
    data, book, wb = _exported(tmp_path)
    income = wb["公共收益季度收支"]  # row 3 is 2024Q1
    income["B3"].value = " 69,723.61 "  # number typed as text, thousands separator, spaces
    income["C3"].value = "９０１５４.３４"  # full-width digits from a Chinese IME
    income["D3"].value = "¥22910"  # currency sign, no decimals: money gets two
    income["H3"].value = "2024年4月22日"  # date typed as Chinese text
    income["I3"].value = "我的备注"  # a column of their own (header in row 2 below)
    income["I2"].value = "备注"
    orders = wb["工单"]
    orders["A3"].value = "2025/1"  # month as text
    orders["H3"].value = "91.3%"  # percentage typed with its sign
    members = wb["业委会成员"]
    members["E3"].value = True  # Excel's TRUE for 是
    members["F3"].value = "是 "  # trailing space
    members["H3"].value = 23  # building number typed into a General cell
    wb.save(book)
    before = files_of(data / "estates/meilin-xincun")
    result = run("import", book, "meilin-xincun", "--data-dir", data, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "备注" in result.output and "没有导入" in result.output  # the extra column: warned
    assert files_of(data / "estates/meilin-xincun") == before


def test_damaged_workbook_gives_findings_naming_sheet_row_and_column(tmp_path):
    data, book, wb = _exported(tmp_path)
    meetings = wb["会议"]
    meetings["C5"].value = "下周三"  # not a date
    income = wb["公共收益季度收支"]
    income["C4"].value = "九万元"  # not a number
    income["D4"].value = "=C4*0.25"  # a formula openpyxl saves without its result
    members = wb["业委会成员"]
    members["E4"].value = "可能"  # neither 是 nor 否
    members["B5"].value = 3.5  # half a term
    wb["收费标准"].delete_cols(4)  # the price column is gone
    wb.create_sheet("我的草稿")["A1"] = "随便写写"
    wb["我的草稿"]["A2"] = "x"
    wb.save(book)
    before = files_of(data / "estates/meilin-xincun")

    result = run("import", book, "meilin-xincun", "--data-dir", data, "--as-of", AS_OF)
    assert result.exit_code == 1
    out = result.output
    assert "Traceback" not in out
    assert "工作表“会议”第 5 行“会议日期”列（C 列）" in out and "sheet 会议, row 5" in out
    assert "九万元" in out and "工作表“公共收益季度收支”第 4 行" in out
    assert "公式 =C4*0.25 没有计算结果" in out
    assert "只能选“是”或“否”" in out
    assert "应当填整数" in out
    assert "缺少列：price_yuan（单价（元））" in out
    assert "“我的草稿”不是任何一张表" in out
    assert "没有写入任何文件" in out
    # Nothing was written.
    assert files_of(data / "estates/meilin-xincun") == before


def test_validation_findings_after_import_name_the_sheet_row(tmp_path):
    data, book, wb = _exported(tmp_path)
    wb["收费标准"]["B4"].value = "别墅"  # a valid choice …
    wb["收费标准"]["D4"].value = 9.5  # … but a price far outside the band: a warning
    wb["业委会任期"]["F3"].value = 6  # an even number of seats: an error
    wb.save(book)
    result = run("import", book, "meilin-xincun", "--data-dir", data, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "committee-size" in result.output
    assert "（工作表“业委会任期”第 3 行）" in result.output
    assert "已写入 / wrote" in result.output


def test_import_refuses_another_estates_workbook(tmp_path):
    data, book, _ = _exported(tmp_path)
    shutil.copytree(REPO / "data/estates/binjiang-huating", data / "estates/binjiang-huating")
    before = files_of(data / "estates/binjiang-huating")
    result = run("import", book, "binjiang-huating", "--data-dir", data)
    assert result.exit_code == 1
    assert "小区编号是“meilin-xincun”，但要导入到“binjiang-huating”" in result.output
    assert files_of(data / "estates/binjiang-huating") == before


def test_import_misuse_and_broken_files(tmp_path):
    data = copy_data(tmp_path, "meilin-xincun")
    csv_file = tmp_path / "fees.csv"
    csv_file.write_text("a,b\n", "utf-8")
    result = run("import", csv_file, "meilin-xincun", "--data-dir", data)
    assert result.exit_code == 2 and ".xlsx" in result.output
    assert run("import", tmp_path / "nope.xlsx", "meilin-xincun").exit_code == 2
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook", "utf-8")
    result = run("import", fake, "Meilin Xincun", "--data-dir", data)
    assert result.exit_code == 2 and "小区编号" in result.output
    result = run("import", fake, "meilin-xincun", "--data-dir", data)
    assert result.exit_code == 1
    assert "workbook-error" in result.output and "Traceback" not in result.output
    assert run("export", "no-such-estate", "--data-dir", data).exit_code == 2


def test_export_refuses_a_package_it_cannot_read_completely(tmp_path):
    data = copy_data(tmp_path, "meilin-xincun")
    fees = data / "estates/meilin-xincun/fees.csv"
    fees.write_bytes(fees.read_text("utf-8").encode("gbk"))
    out = tmp_path / "m.xlsx"
    result = run("export", "meilin-xincun", "-o", out, "--data-dir", data)
    assert result.exit_code == 1
    assert "encoding-error" in result.output and "fix-encoding" in result.output
    assert not out.exists()


def test_number_formats_decide_the_decimals_written():
    spec = {"name": "price_yuan", "type": "number"}
    assert sheetimport._as_text(0.6, "#,##0.00", spec) == "0.60"
    assert sheetimport._as_text(150, "General", spec) == "150.00"  # money: two decimals
    assert sheetimport._as_text("150.5", "@", spec) == "150.50"
    hours = {"name": "avg_hours", "type": "number"}
    assert sheetimport._as_text(43, "#,##0.0", hours) == "43.0"
    assert sheetimport._as_text(0.1 + 0.2, "General", hours) == "0.3"  # Excel's 15 digits
    assert sheetimport._as_text("1,234.50", "General", hours) == "1234.50"  # as typed
    pct = {"name": "satisfaction_pct", "type": "number"}
    assert sheetimport._as_text(0.913, "0.0%", pct) == "91.3"
    share = {"name": "transfer_min_share", "type": "number"}
    assert sheetimport._as_text(0.5, "0%", share) == "0.5"  # shown as 50%, stored as 0.5
    day = {"name": "meeting_date", "type": "date"}
    assert sheetimport._as_text("2025.1.2", None, day) == "2025-01-02"
    assert sheetimport._as_text(20250102, "General", day) == "2025-01-02"
    assert sheetimport._as_text(45659, "General", day) == "2025-01-02"  # lost its date format
    with pytest.raises(sheetimport._CellProblem):
        sheetimport._as_text("2025-02-30", None, day)


def test_a_blank_template_with_only_new_rows_does_not_wipe_the_table(tmp_path):
    """A secretary types only the new quarter into the blank template: the import must not
    delete the estate's history, nor empty the tables whose sheets they left blank."""
    data = copy_data(tmp_path, "meilin-xincun")
    folder = data / "estates/meilin-xincun"
    before = files_of(folder)
    blank = tmp_path / "blank.xlsx"
    sheets.write_template(blank, sheets.load_sheet_schemas(data))
    wb = load_workbook(blank)
    row = ["2026Q4", 68806.0, 90000.0, 22000.0, 60000.0, 4500.0, 72306.0, dt.datetime(2027, 1, 20)]
    for column, value in enumerate(row, start=1):
        wb["公共收益季度收支"].cell(row=3, column=column, value=value)
    wb.save(blank)

    result = run("import", blank, "meilin-xincun", "--data-dir", data, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "导入会把它们全部删除" in result.output and "--replace" in result.output
    assert files_of(folder) == before

    result = run("import", blank, "meilin-xincun", "--replace", "--data-dir", data)
    text = (folder / "common_income.csv").read_text("utf-8")
    assert text.splitlines()[1:] == [
        "2026Q4,68806.00,90000.00,22000.00,60000.00,4500.00,72306.00,2027-01-20"
    ]
    # Every other table's sheet was empty: left as it was.
    assert "是空的" in result.output
    changed = {name for name, data_ in files_of(folder).items() if before[name] != data_}
    assert changed == {"common_income.csv"}


def test_deleting_rows_is_reported(tmp_path):
    data, book, wb = _exported(tmp_path)
    wb["收费标准"].delete_rows(3)  # F01, the old price
    wb.save(book)
    result = run("import", book, "meilin-xincun", "--data-dir", data, "--as-of", AS_OF)
    assert "删去了 fees.csv 的 1 行：F01" in result.output
    fees = (data / "estates/meilin-xincun/fees.csv").read_text("utf-8")
    assert "F01," not in fees and "F02," in fees
