"""The committee workbook: one .xlsx, generated from the shared schemas, in and out.

A committee secretary works in Excel or WPS. ``template`` writes a workbook with one sheet
per table (row 1 the Chinese column titles, row 2 the column names the CSV uses, data from
row 3), a note on every column from its schema, drop-down lists for enumerations and 是/否,
real dates, number formats, ID columns as text so ``007`` stays ``007``, and one example
row per table on a separate sheet. ``export`` fills the same workbook with an estate's
CSVs; ``import`` writes the CSVs back and validates them.

Byte-for-byte round trip: each exported cell keeps what the CSV said. A number is stored
as a number whose format shows as many decimals as the CSV had (``46320.00`` → 0.00,
``52.5`` → 0.0), and :mod:`generator.tools.sheetimport` writes it back with the decimals its
cell shows; a date becomes an Excel date and comes back as ISO text; anything that would
not come back identical (``1e3``, ``2025/1/2`` …) is exported as the text it was. Empty
cells take their column's format: money (``x-money`` in the schema) two decimals, other numbers as many
as the schema's example shows, so a value typed later by hand is written the same way.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import click
import yaml
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from ..findings import ERROR, Finding, Report, format_table
from ..load import is_money
from . import packagefiles as pf
from ._clicktools import data_dir_option, usage_errors

# Layout of a table sheet.
TITLE_ROW, NAME_ROW, FIRST_DATA_ROW = 1, 2, 3
LAST_ROW = 1_048_576  # Excel's last row: validations and formats cover the whole column
README_SHEET, EXAMPLE_SHEET, LISTS_SHEET = "说明", "示例", "选项"
SPECIAL_SHEETS = (README_SHEET, EXAMPLE_SHEET, LISTS_SHEET)

TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
MONTH_FORMAT = "yyyy-mm"
INTEGER_FORMAT = "0"
MONEY_FORMAT = "#,##0.00"
BOOLEAN_VALUES = ("是", "否")
# Set on number fields by load_sheet_schemas: decimals of the schema's example.
DECIMALS_KEY = "x-sunlight-decimals"

# Fixed timestamps inside the .xlsx, so the same data gives the same bytes.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
FIXED_DOC_TIME = "1980-01-01T00:00:00Z"

REQUIRED_FILL = PatternFill("solid", fgColor="FFE0B2")
OPTIONAL_FILL = PatternFill("solid", fgColor="EEEEEE")
NAME_FILL = PatternFill("solid", fgColor="F7F7F7")
NAME_FONT = Font(color="808080", size=9)
BOLD = Font(bold=True)

KIND_ZH = {
    "text": ("文字", "text"),
    "enum": ("从下拉列表中选", "choose from the list"),
    "boolean": ("从下拉列表中选“是”或“否”", 'choose "是" or "否"'),
    "date": ("日期，例如 2025-06-30", "a date, e.g. 2025-06-30"),
    "yearmonth": ("月份，例如 2025-01", "a month, e.g. 2025-01"),
    "integer": ("整数", "a whole number"),
    "number": ("数字（不加逗号和单位）", "a number"),
    "money": ("金额（元），两位小数", "an amount in yuan, two decimals"),
}


class ExportRefused(Exception):
    """The package cannot be exported as it is; ``findings`` say why."""

    def __init__(self, findings: list[Finding]):
        super().__init__("package cannot be read completely")
        self.findings = findings


# ------------------------------------------------------------------------------ columns


def kind_of(spec: dict) -> str:
    """How a schema field is shown in the workbook (see KIND_ZH)."""
    kind = spec.get("type", "string")
    if kind == "string":
        return "enum" if (spec.get("constraints") or {}).get("enum") else "text"
    if kind == "number" and is_money(spec):
        return "money"
    if kind in ("integer", "number", "date", "yearmonth", "boolean"):
        return kind
    return "text"


def _constraints(spec: dict) -> dict:
    return spec.get("constraints") or {}


def _required(spec: dict) -> bool:
    return bool(_constraints(spec).get("required"))


def sheet_name(table: str, schema: dict) -> str:
    """The sheet of a table: its Chinese title when Excel allows it as a sheet name."""
    title = str(schema.get("title") or "").strip()
    if title and len(title) <= 31 and not re.search(r"[\[\]:*?/\\']", title):
        if title not in SPECIAL_SHEETS:
            return title
    return table


def _column_format(spec: dict) -> str:
    """Number format of the column's empty cells (what Excel gives a newly typed value):
    money with two decimals, other numbers with as many decimals as the schema's example
    shows (``0.60`` → 0.00), else as typed."""
    kind = kind_of(spec)
    if kind == "number":
        decimals = spec.get(DECIMALS_KEY) or 0
        return "#,##0." + "0" * decimals if decimals else "General"
    return {
        "text": TEXT_FORMAT,
        "enum": TEXT_FORMAT,
        "boolean": TEXT_FORMAT,
        "date": DATE_FORMAT,
        "yearmonth": MONTH_FORMAT,
        "integer": INTEGER_FORMAT,
        "money": MONEY_FORMAT,
    }[kind]


def load_sheet_schemas(data_dir: Path) -> dict[str, dict]:
    """The shared schemas, each number field carrying the decimals its example is written
    with (``example: 0.60`` → 2), read from the YAML text since parsing drops them."""
    schemas = pf.schemas_for(data_dir)
    for path in sorted(pf.schema_dir(data_dir).glob("*.schema.yaml")):
        table = path.name.removesuffix(".schema.yaml")
        if table not in schemas:
            continue  # refused by the loader (too large, too deep, aliases): not composed
        try:
            node = yaml.compose(path.read_text("utf-8"))
        except yaml.YAMLError:
            continue
        fields = _node_get(node, "fields")
        by_name = {spec["name"]: spec for spec in schemas.get(table, {}).get("fields", [])}
        for item in getattr(fields, "value", []) or []:
            name, example = _node_get(item, "name"), _node_get(item, "example")
            spec = by_name.get(getattr(name, "value", None))
            raw = getattr(example, "value", None)
            if spec is not None and isinstance(raw, str):
                match = re.fullmatch(r"-?\d+\.(\d+)", raw.strip())
                if match:
                    spec[DECIMALS_KEY] = len(match.group(1))
    return schemas


def _node_get(node, key: str):
    """The value node under ``key`` of a YAML mapping node (None when absent)."""
    pairs = getattr(node, "value", None)
    for pair in pairs if isinstance(pairs, list) else []:
        if isinstance(pair, tuple) and getattr(pair[0], "value", None) == key:
            return pair[1]
    return None


# ------------------------------------------------------------------------- writing cells

_INT_TEXT = re.compile(r"-?(0|[1-9]\d{0,14})")
_NUMBER_TEXT = re.compile(r"-?(0|[1-9]\d*)(?:\.(\d+))?")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ISO_MONTH = re.compile(r"(\d{4})-(\d{2})")


def _cell_value(spec: dict, text: str):
    """(value, number format) storing ``text`` so that import gives ``text`` back."""
    kind = kind_of(spec)
    if text == "":
        return None, _column_format(spec)
    if kind == "integer" and _INT_TEXT.fullmatch(text):
        return int(text), INTEGER_FORMAT
    if kind in ("number", "money"):
        match = _NUMBER_TEXT.fullmatch(text)
        digits = len(text.replace("-", "").replace(".", ""))
        if match and digits <= 15:
            decimals = len(match.group(2) or "")
            value = float(text)
            if f"{value:.{decimals}f}" == text:
                fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
                return (int(text) if decimals == 0 else value), fmt
    if kind == "date" and _ISO_DATE.fullmatch(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            day = None
        if day and day.year >= 1900:
            return day, DATE_FORMAT
    if kind == "yearmonth":
        match = _ISO_MONTH.fullmatch(text)
        if match and 1900 <= int(match.group(1)) and 1 <= int(match.group(2)) <= 12:
            return dt.date(int(match.group(1)), int(match.group(2)), 1), MONTH_FORMAT
    return text, TEXT_FORMAT


def _put(cell, spec: dict, text: str) -> None:
    value, fmt = _cell_value(spec, text)
    try:
        cell.value = value
    except IllegalCharacterError:
        # Control characters cannot be stored in .xlsx; nothing publishable has them.
        cell.value = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)
    if isinstance(value, str):
        cell.data_type = "s"  # text starting with "=" stays text, not a formula
    cell.number_format = fmt


def _example_text(spec: dict) -> str:
    value = spec.get("example")
    if value is None or value == "":
        return ""
    kind = kind_of(spec)
    if kind == "money":
        return f"{Decimal(str(value)):.2f}"
    if isinstance(value, float):
        return format(Decimal(f"{value:.15g}"), "f")
    if isinstance(value, bool):
        return BOOLEAN_VALUES[0] if value else BOOLEAN_VALUES[1]
    return str(value)


def _note(spec: dict) -> str:
    """The note (comment) on a column title: what to write, from the schema."""
    kind = kind_of(spec)
    lines = [f"{spec.get('title', spec['name'])}（{spec['name']}）"]
    if spec.get("description"):
        lines.append(str(spec["description"]))
    lines.append("填写：" + KIND_ZH[kind][0])
    constraints = _constraints(spec)
    lines.append("必填" if constraints.get("required") else "可以留空")
    if constraints.get("enum"):
        lines.append("可选：" + "、".join(str(v) for v in constraints["enum"]))
    if "minimum" in constraints or "maximum" in constraints:
        low, high = constraints.get("minimum"), constraints.get("maximum")
        if low is not None and high is not None:
            lines.append(f"范围：{low} 到 {high}")
        elif low is not None:
            lines.append(f"不能小于 {low}")
        else:
            lines.append(f"不能大于 {high}")
    if constraints.get("pattern"):
        example = _example_text(spec)
        lines.append(f"格式：照示例写，例如 {example}" if example else "格式有要求")
    if constraints.get("maxLength"):
        lines.append(f"最多 {constraints['maxLength']} 个字")
    example = _example_text(spec)
    if example:
        lines.append(f"示例：{example}")
    return "\n".join(lines)


def _text_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


# ------------------------------------------------------------------------ the workbook


@dataclass
class _Lists:
    """The hidden sheet of drop-down lists: Excel limits a list typed into a validation
    to 255 characters, a range on another sheet has no such limit."""

    sheet: object
    names: dict[tuple, str] = field(default_factory=dict)

    def name_for(self, values: tuple[str, ...], label: str) -> str:
        if values in self.names:
            return self.names[values]
        column = len(self.names) + 1
        letter = get_column_letter(column)
        self.sheet.cell(row=1, column=column, value=label).font = BOLD
        for row, value in enumerate(values, start=2):
            cell = self.sheet.cell(row=row, column=column, value=value)
            cell.data_type = "s"
        name = f"list{column}"
        ref = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
        self.sheet.parent.defined_names.add(DefinedName(name, attr_text=ref))
        self.names[values] = name
        return name


def _validation(spec: dict, lists: _Lists, table: str) -> DataValidation | None:
    """A data validation for one column: lists stop a typo, type checks only warn (import
    still reads dates and numbers typed as text)."""
    kind = kind_of(spec)
    constraints = _constraints(spec)
    title = str(spec.get("title", spec["name"]))[:32]
    hint = KIND_ZH[kind][0]
    common = {
        "allow_blank": True,
        "showErrorMessage": True,
        "showInputMessage": True,
        "promptTitle": title,
        "prompt": hint[:255],
        "errorTitle": title,
    }
    if kind in ("enum", "boolean"):
        values = tuple(str(v) for v in constraints.get("enum") or BOOLEAN_VALUES)
        label = f"{table}.{spec['name']}" if kind == "enum" else "是/否"
        name = lists.name_for(values, label)
        return DataValidation(
            type="list",
            formula1=f"={name}",
            errorStyle="stop",
            error=f"请从下拉列表中选择：{'、'.join(values)}"[:225],
            **common,
        )
    if kind == "date":
        return DataValidation(
            type="date",
            operator="between",
            formula1="DATE(1900,1,1)",
            formula2="DATE(2100,12,31)",
            errorStyle="warning",
            error="这里应当填日期，例如 2025-06-30。",
            **common,
        )
    if kind in ("integer", "number", "money"):
        low = constraints.get("minimum", -1_000_000_000_000)
        high = constraints.get("maximum", 1_000_000_000_000)
        what = "整数" if kind == "integer" else "数字"
        return DataValidation(
            type="whole" if kind == "integer" else "decimal",
            operator="between",
            formula1=str(low),
            formula2=str(high),
            errorStyle="warning",
            error=f"这里应当填{what}（{low} 到 {high}），不加单位。",
            **common,
        )
    if constraints.get("maxLength"):
        return DataValidation(
            type="textLength",
            operator="lessThanOrEqual",
            formula1=str(constraints["maxLength"]),
            errorStyle="warning",
            error=f"最多 {constraints['maxLength']} 个字。",
            **common,
        )
    return None


def _header(ws, schema: dict, top: int, *, notes: bool) -> None:
    for column, spec in enumerate(schema["fields"], start=1):
        required = _required(spec)
        title = ws.cell(row=top, column=column, value=str(spec.get("title", spec["name"])))
        if required:
            title.value += " *"
        title.font = BOLD
        title.fill = REQUIRED_FILL if required else OPTIONAL_FILL
        title.alignment = Alignment(wrap_text=True, vertical="center")
        name = ws.cell(row=top + 1, column=column, value=spec["name"])
        name.font, name.fill = NAME_FONT, NAME_FILL
        if notes:
            text = _note(spec)
            lines = text.count("\n") + 1 + len(text) // 24
            title.comment = Comment(text, "阳光公示", height=min(40 + 16 * lines, 400), width=260)


def _table_sheet(wb: Workbook, table: str, schema: dict, rows: list[dict], lists: _Lists):
    ws = wb.create_sheet(sheet_name(table, schema))
    fields = schema["fields"]
    _header(ws, schema, TITLE_ROW, notes=True)
    ws.row_dimensions[TITLE_ROW].height = 32
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1)
    for offset, row in enumerate(rows):
        for column, spec in enumerate(fields, start=1):
            text = row.get(spec["name"]) or ""
            _put(ws.cell(row=FIRST_DATA_ROW + offset, column=column), spec, text)
    for column, spec in enumerate(fields, start=1):
        letter = get_column_letter(column)
        dimension = ws.column_dimensions[letter]
        dimension.number_format = _column_format(spec)
        widest = max(
            [_text_width(spec.get("title", "")) + 4, len(spec["name"]) + 2]
            + [_text_width(row.get(spec["name"]) or "") + 2 for row in rows[:500]]
        )
        dimension.width = max(10, min(widest, 48))
        validation = _validation(spec, lists, table)
        if validation is not None:
            ws.add_data_validation(validation)
            validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_ROW}")
    return ws


def _readme(ws, schemas: dict[str, dict], tables: list[str], estate: str | None) -> None:
    ws.column_dimensions["A"].width = 100
    lines = [
        ("阳光公示 · 小区数据填写表", BOLD),
        (f"本文件是小区“{estate}”的现有数据，改好后导入。" if estate else "空白填写表。", None),
        ("", None),
        ("怎样填写", BOLD),
        (
            "1. 每张表一个工作表（见下方列表）。第 1 行是中文列名，第 2 行是数据文件用的列名：这两行不要改动，也不要改工作表的名字。",
            None,
        ),
        (
            "2. 从第 3 行起，每行填一条记录。列名带 * 的（橙色）必须填写，灰色的可以留空。鼠标停在列名上可以看到填写说明。",
            None,
        ),
        ("3. 有下拉箭头的格子从列表中选择；是/否 也从列表中选。", None),
        (
            "4. 日期直接输入 2025-06-30；月份输入 2025-01；季度写 2025Q1，半年度写 2025H1 或 2025H2。",
            None,
        ),
        ("5. 金额以元为单位，不要输入“元”字和逗号；编号、楼号按文字处理，007 不会变成 7。", None),
        ("6. 不要填写电话号码、身份证号、门牌号（室号）。姓名可以打码，例如 张*明。", None),
        (
            "7. 还没有的表可以空着（只保留前两行）。“示例”工作表中每张表有一行示例，仅供参考，不会导入。",
            None,
        ),
        ("", None),
        ("填好以后", BOLD),
        ("保存为 .xlsx（不要另存为 CSV），然后运行：sunlight import 本文件.xlsx 小区编号", None),
        ("命令会写出 CSV 文件并立即校验，指出第几个工作表、第几行、哪一列需要修改。", None),
        ("详细步骤见网站上的“业委会填报指南”。", None),
        ("", None),
        ("工作表", BOLD),
    ]
    for table in tables:
        schema = schemas[table]
        lines.append(
            (f"{sheet_name(table, schema)}（{table}.csv）：{schema.get('description', '')}", None)
        )
    for row, (text, font) in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font:
            cell.font = font


def _example_sheet(ws, schemas: dict[str, dict], tables: list[str]) -> None:
    """One example row per table, with the table's two header rows above it."""
    row = 1
    ws.cell(
        row=row, column=1, value="每张表的一行示例（仅供参考，导入时不读取这个工作表）"
    ).font = BOLD
    row += 2
    widths: dict[int, int] = {}
    for table in tables:
        schema = schemas[table]
        ws.cell(row=row, column=1, value=f"{sheet_name(table, schema)}（{table}）").font = Font(
            bold=True, size=12
        )
        _header(ws, schema, row + 1, notes=False)
        for column, spec in enumerate(schema["fields"], start=1):
            text = _example_text(spec)
            _put(ws.cell(row=row + 3, column=column), spec, text)
            widths[column] = max(
                widths.get(column, 10), min(_text_width(spec.get("title", "")) + 4, 30)
            )
        row += 5
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width


def build_workbook(
    schemas: dict[str, dict],
    tables: dict[str, list[dict]] | None = None,
    estate: str | None = None,
) -> Workbook:
    """The workbook for ``schemas``, filled with ``tables`` (name → rows of CSV text)."""
    tables = tables or {}
    order = pf.ordered_tables(schemas)
    wb = Workbook()
    readme = wb.active
    readme.title = README_SHEET
    lists_ws = wb.create_sheet(LISTS_SHEET)
    lists = _Lists(lists_ws)
    for table in order:
        _table_sheet(wb, table, schemas[table], tables.get(table, []), lists)
    _example_sheet(wb.create_sheet(EXAMPLE_SHEET), schemas, order)
    _readme(readme, schemas, order, estate)
    # The lists sheet last and hidden: it is only there for the drop-downs.
    wb.move_sheet(lists_ws, offset=len(wb.sheetnames) - 1 - wb.index(lists_ws))
    lists_ws.sheet_state = "hidden"
    wb.active = 0
    wb.properties.creator = "阳光公示 Sunlight"
    wb.properties.title = "阳光公示 数据填写表"
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    """The .xlsx bytes, with the timestamps openpyxl and zipfile add fixed, so the same
    data always gives the same file."""
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + FIXED_DOC_TIME.encode() + rb"\g<3>",
                    data,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, data)
    return out.getvalue()


def write_template(path: Path, schemas: dict[str, dict]) -> None:
    Path(path).write_bytes(workbook_bytes(build_workbook(schemas)))


def estate_tables(data_dir: Path, estate_id: str) -> tuple[dict[str, list[dict]], str]:
    """The estate's tables as CSV text (name → rows), and its title.

    Raises :class:`ExportRefused` when a table the package lists cannot be read (not UTF-8,
    missing, wrong columns …): exporting around it would lose that table on import.
    """
    folder = pf.estate_folder(data_dir, estate_id)
    if not folder.is_dir():
        raise pf.PackageFileError(
            f"没有这个小区：{folder}。/ No such estate folder: {folder}. "
            "（新小区请先运行 sunlight new-estate / for a new estate run sunlight new-estate）"
        )
    _, pkg = pf.load_estate(data_dir, estate_id)
    listed = pf.listed_tables(pkg.descriptor_path) if pkg.descriptor_path else []
    unread = [name for name in listed if name not in pkg.files]
    if pkg.descriptor_path is None or unread:
        refused = [f for f in pkg.findings if f.severity == ERROR] or [
            Finding(
                estate_id,
                None,
                str(folder),
                None,
                None,
                "package-error",
                ERROR,
                "数据包无法完整读取。",
                "The package cannot be read completely.",
            )
        ]
        raise ExportRefused(refused)
    tables = {}
    for name, path in pkg.files.items():
        _, rows = pf.read_csv(path)
        tables[name] = rows
    title = pkg.descriptor.get("title") or estate_id
    return tables, f"{title}（{estate_id}）"


def export_estate(data_dir: Path, estate_id: str, path: Path) -> None:
    tables, label = estate_tables(data_dir, estate_id)
    schemas = load_sheet_schemas(data_dir)
    Path(path).write_bytes(workbook_bytes(build_workbook(schemas, tables, label)))


# ----------------------------------------------------------------------------- commands


@click.command("template")
@click.option(
    "-o",
    "--output",
    default="sunlight-template.xlsx",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the workbook.",
)
@data_dir_option
@usage_errors
def template(output: Path, data_dir: Path) -> None:
    """Write the blank committee workbook (.xlsx) made from the shared schemas.

    One sheet per table with Chinese column titles above the column names, a note on
    every column, drop-down lists, date and number formats, and an example sheet.

    Example:

        sunlight template -o 填写表.xlsx
    """
    write_template(output, load_sheet_schemas(data_dir))
    click.echo(f"已写出空白填写表 / wrote the blank workbook: {output}", err=True)


@click.command("export")
@click.argument("estate_id")
@click.option(
    "-o",
    "--output",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the workbook (default: <estate_id>.xlsx).",
)
@data_dir_option
@usage_errors
def export(estate_id: str, output: Path | None, data_dir: Path) -> None:
    """Write an estate's current data into the committee workbook (.xlsx).

    `sunlight import` of the unchanged workbook gives back the same CSVs, byte for byte.
    Exit 1 when a table of the package cannot be read (fix that first).

    Example:

        sunlight export meilin-xincun -o 梅林新村.xlsx
    """
    output = output or Path(f"{estate_id}.xlsx")
    try:
        export_estate(data_dir, estate_id, output)
    except ExportRefused as refused:
        click.echo(format_table(Report(findings=refused.findings)), err=True)
        click.echo(
            "有的表读不出来，未导出；请先按上面的提示改正（编码问题可用 sunlight fix-encoding）。/ "
            "Some tables cannot be read, nothing was exported; fix them first.",
            err=True,
        )
        sys.exit(1)
    click.echo(f"已导出 / exported: {output}", err=True)
