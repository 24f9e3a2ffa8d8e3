"""``sunlight import``: a filled-in committee workbook back into an estate's CSVs.

The reading half of :mod:`generator.tools.sheets`, which lays the workbook out. Import is
forgiving where the intent is plain — numbers typed as text, thousands separators,
currency signs, stray spaces, full-width digits, dates typed as 2025/1/2 or 2025年1月2日,
TRUE/FALSE for 是/否 — and otherwise names sheet, row and column in a finding. A number
is written with the decimals its cell shows (what the secretary saw), a date as ISO text.

It writes nothing unless every sheet could be read, and never lets a sheet silently wipe
a table: an empty sheet leaves its table alone, a sheet that keeps none of the table's
rows (the blank template with only the new rows typed in) is refused without --replace,
and removed rows are listed.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
import sys
import unicodedata
import warnings
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import click
import yaml
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException

from .. import safepaths, safeyaml
from ..findings import ERROR, WARNING, Finding, Report, format_table
from ..load import OPTIONAL_KEY
from ..validate import TOO_BIG
from . import packagefiles as pf
from ._clicktools import as_of_option, as_of_or_default, data_dir_option, usage_errors
from .sheets import (
    BOOLEAN_VALUES,
    KIND_ZH,
    SPECIAL_SHEETS,
    TEXT_FORMAT,
    kind_of,
    load_sheet_schemas,
    sheet_name,
)

# ----------------------------------------------------------------------- reading cells


class _CellProblem(Exception):
    def __init__(self, message: str, message_en: str):
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


def _format_decimals(fmt: str | None) -> tuple[int, int] | None:
    """(fewest, most) decimals a number format shows, or None for General/text/dates."""
    if not fmt or fmt in ("General", TEXT_FORMAT):
        return None
    section = fmt.split(";")[0]
    section = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.', "", section)
    if re.search(r"[ymdhs]", section, re.IGNORECASE) or not re.search(r"[0#?]", section):
        return None
    if "." not in section:
        return (0, 0)
    digits = re.match(r"[0#?]*", section.split(".", 1)[1]).group()
    return (digits.count("0"), len(digits))


def _decimal_of(value) -> Decimal:
    if isinstance(value, int):
        return Decimal(value)
    # Excel shows 15 significant digits; so does the CSV.
    return Decimal(f"{value:.15g}")


def _plain(number: Decimal, fewest: int | None = None, most: int | None = None) -> str:
    if most is not None:
        number = number.quantize(Decimal(1).scaleb(-most), rounding=ROUND_HALF_UP)
        text = format(number, "f")
        if "." in text and fewest is not None and fewest < most:
            whole, frac = text.split(".")
            frac = frac.rstrip("0")
            frac = frac + "0" * (fewest - len(frac)) if len(frac) < fewest else frac
            text = f"{whole}.{frac}" if frac else whole
        return text
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def _number_from_text(text: str, spec: dict) -> Decimal | None:
    """A number typed as text, forgiving what a person would: spaces, full-width digits,
    thousands separators, ¥ and 元, a % on a percentage column."""
    value = unicodedata.normalize("NFKC", text)
    value = re.sub(r"[\s\u200b]", "", value)
    value = value.removeprefix("¥").removesuffix("元")
    if spec["name"].endswith("_pct"):
        value = value.removesuffix("%")
    if _GROUPED.fullmatch(value):
        value = value.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        return None


_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
)
_MONTH_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")


def _date_from_text(text: str) -> dt.date | None:
    value = unicodedata.normalize("NFKC", text).strip()
    match = _DATE_TEXT.fullmatch(value)
    if match:
        parts = match.groups()
    elif re.fullmatch(r"\d{8}", value):
        parts = (value[:4], value[4:6], value[6:])
    else:
        return None
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def _clean_text(value: str) -> str:
    return value.replace("\u200b", "").replace("\ufeff", "").strip()


def _as_text(value, fmt: str | None, spec: dict) -> str:
    """The CSV text for one cell's value, or raise :class:`_CellProblem`."""
    kind = kind_of(spec)
    if value is None:
        return ""
    if isinstance(value, str):
        value = _clean_text(value)
        if value == "":
            return ""
    hint, hint_en = KIND_ZH[kind]
    if isinstance(value, dt.time | dt.timedelta):
        raise _CellProblem(
            f"填的是时间，这里应当填{hint}。", f"holds a time; it should be {hint_en}."
        )

    if kind in ("text", "enum"):
        if isinstance(value, bool):
            raise _CellProblem(
                f"填的是 {value}，这里应当填文字。", f"holds {value}; it should be text."
            )
        if isinstance(value, dt.datetime | dt.date):
            raise _CellProblem(
                "被 Excel 当成了日期（例如把 2025-01 改成了日期）。请把这一格设为“文本”格式后重新输入。",
                "was turned into a date by Excel (e.g. 2025-01). Format the cell as Text and "
                "type it again.",
            )
        if isinstance(value, int | float):
            return _plain(_decimal_of(value))
        return value

    if kind == "boolean":
        if isinstance(value, bool):
            return BOOLEAN_VALUES[0] if value else BOOLEAN_VALUES[1]
        if isinstance(value, int | float) and value in (0, 1):
            return BOOLEAN_VALUES[0] if value == 1 else BOOLEAN_VALUES[1]
        allowed = {str(v) for v in spec.get("trueValues", []) + spec.get("falseValues", [])}
        if isinstance(value, str) and (value in allowed or value in BOOLEAN_VALUES):
            return value
        raise _CellProblem(
            f"填的是“{value}”，这里只能选“是”或“否”。", f'is "{value}"; choose "是" or "否".'
        )

    if kind in ("date", "yearmonth"):
        day = None
        if isinstance(value, dt.datetime | dt.date):
            day = value.date() if isinstance(value, dt.datetime) else value
        elif isinstance(value, bool):
            day = None
        elif isinstance(value, int | float):
            number = int(value)
            if kind == "date" and re.fullmatch(r"\d{8}", str(number)) and number == value:
                day = _date_from_text(str(number))
            elif kind == "yearmonth" and re.fullmatch(r"\d{6}", str(number)):
                day = _date_from_text(f"{str(number)[:4]}-{str(number)[4:]}-01")
            elif 1 <= value < 100_000:
                # A date whose cell lost its date format shows as a serial number.
                day = from_excel(value).date()
        else:
            day = _date_from_text(value)
            if day is None and kind == "yearmonth":
                match = _MONTH_TEXT.fullmatch(unicodedata.normalize("NFKC", value))
                if match and 1 <= int(match.group(2)) <= 12:
                    day = dt.date(int(match.group(1)), int(match.group(2)), 1)
                elif re.fullmatch(r"\d{6}", value) and 1 <= int(value[4:]) <= 12:
                    day = dt.date(int(value[:4]), int(value[4:]), 1)
        if day is None:
            raise _CellProblem(
                f"填的是“{value}”，这里应当填{hint}。", f'is "{value}"; it should be {hint_en}.'
            )
        return f"{day.year:04d}-{day.month:02d}" if kind == "yearmonth" else day.isoformat()

    # integer, number, money
    if isinstance(value, bool) or isinstance(value, dt.datetime | dt.date):
        raise _CellProblem(
            f"填的是“{value}”，这里应当填{hint}。", f'is "{value}"; it should be {hint_en}.'
        )
    if isinstance(value, str):
        number = _number_from_text(value, spec)
        if number is None:
            raise _CellProblem(
                f"填的是“{value}”，这里应当填{hint}（不加单位和文字）。",
                f'is "{value}"; it should be {hint_en} (no units or words).',
            )
        shown = None  # typed as text: keep the decimals as typed
    else:
        number = _decimal_of(value)
        if "%" in (fmt or "") and spec["name"].endswith("_pct"):
            number *= 100  # 91.3% shown in Excel is 91.3 in a percentage column
            shown = None
        elif "%" in (fmt or ""):
            shown = None
        else:
            shown = _format_decimals(fmt)
    if not number.is_finite() or abs(number) >= TOO_BIG:
        # No amount, area or count of an estate is this large (and rounding it to cents
        # would overflow): a typo, or a value Excel shows as 1E+30.
        raise _CellProblem(
            f"填的是“{_shown(value)}”，这个数大得不合理，请检查是否多打了数字。这里应当填{hint}。",
            f'is "{_shown(value)}", an implausibly large number: check for extra digits. It '
            f"should be {hint_en}.",
        )
    if kind == "integer":
        if number != number.to_integral_value():
            raise _CellProblem(
                f"填的是“{value}”，这里应当填整数。", f'is "{value}"; it should be a whole number.'
            )
        return str(int(number))
    if shown is not None:
        return _plain(number, *shown)
    if kind == "money":
        exponent = number.as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return _plain(number, 2, max(2, decimals))
    if isinstance(value, str):
        return format(number, "f").lstrip("+")
    return _plain(number)


def _shown(value) -> str:
    """A cell value short enough to quote in a message."""
    text = str(value)
    return text if len(text) <= 24 else text[:20] + "…"


# ------------------------------------------------------------------ bounding the archive

# What import reads, checked in the zip before openpyxl inflates anything. A committee's
# workbook is far below these (a sample estate's: 83 entries, 0.5 MB unpacked, the largest
# sheet 71 KB, compressed 13 to 1); openpyxl keeps every cell in memory (about 0.45 KB a
# cell, and import opens the workbook twice), so the cells are capped too.
MAX_ENTRIES = 2_000
MAX_MEMBER_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
# Ordinary XML deflates 5 to 30 times; a member inflating far more is built to do so.
MAX_RATIO, RATIO_FROM_BYTES = 200, 1024 * 1024
MAX_SHEET_CELLS = 200_000
MAX_WORKBOOK_CELLS = 300_000
MAX_SHEET_ROWS = 200_000
_EXCEL_ROWS, _EXCEL_COLUMNS = 1_048_576, 16_384
# Start tags as they appear in sheet XML, with or without a namespace prefix. openpyxl
# creates one object per <c>, one per <row>, and one per cell of each merged range and
# each hyperlink range (ref="A1:XFD1048576" would be 17 billion).
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(c|row|mergeCell|hyperlink)[\s/>]")
_REF = re.compile(rb'\sref="([^"]{1,40})"')


class _TooLarge(Exception):
    def __init__(self, sheet: str | None, message: str, message_en: str):
        super().__init__(message_en)
        self.sheet, self.message, self.message_en = sheet, message, message_en


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Archive member → sheet title, from xl/workbook.xml and its relationships (empty
    when they are missing or odd; findings then name the member)."""
    try:
        for member in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            if archive.getinfo(member).file_size > RATIO_FROM_BYTES:
                return {}  # a sheet list is a few KB; a large one is checked below
        book = ET.fromstring(archive.read("xl/workbook.xml"))
        rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError, zipfile.BadZipFile, zlib.error):
        return {}
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[rel.get("Id")] = target
    names = {}
    for element in book.iter():
        if element.tag.rsplit("}", 1)[-1] == "sheet":
            rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            if rid in targets:
                names[targets[rid]] = element.get("name", "")
    return names


def _area(ref: bytes) -> int:
    """Cells in a range like A1:C3 (a whole column or row counts in full)."""
    try:
        low_col, low_row, high_col, high_row = range_boundaries(ref.decode("ascii"))
    except (ValueError, TypeError, UnicodeDecodeError):
        return 1
    columns = (high_col or _EXCEL_COLUMNS) - (low_col or 1) + 1
    rows = (high_row or _EXCEL_ROWS) - (low_row or 1) + 1
    return max(columns, 1) * max(rows, 1)


def _count_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """(cells, rows) openpyxl would create for one sheet, read in 1 MB chunks and stopping
    as soon as a cap is passed."""
    cells = rows = 0
    carry = b""
    with archive.open(info) as stream:
        while chunk := stream.read(1024 * 1024):
            data = carry + chunk
            # A tag cut at the chunk's end is counted with the next chunk.
            cut = data.rfind(b"<")
            cut = cut if cut >= 0 and len(data) - cut < 200 else len(data)
            data, carry = data[:cut], data[cut:]
            for match in _TAG.finditer(data):
                tag = match.group(1)
                if tag == b"c":
                    cells += 1
                elif tag == b"row":
                    rows += 1
                else:
                    ref = _REF.search(data, match.end() - 1, match.end() + 400)
                    cells += _area(ref.group(1)) if ref else 1
            if cells > MAX_SHEET_CELLS or rows > MAX_SHEET_ROWS:
                break
    return cells, rows


def _check_archive(path: Path) -> None:
    """Refuse a workbook whose unpacked size or cell count is out of bounds, reading no
    more than the zip's directory and one pass over each sheet; raises _TooLarge.

    The sizes are the ones the zip declares; zipfile never inflates a member beyond its
    declared size (a member that would is cut there and fails its checksum), so a
    lying directory gives a damaged-file finding, not a bomb."""
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise _TooLarge(
                None,
                f"这个工作簿里有 {len(infos)} 个内部文件，超过了 {MAX_ENTRIES} 个的上限，没有读取。"
                "请在 Excel 或 WPS 中打开它，另存为新的 .xlsx 后再导入。",
                f"The workbook holds {len(infos)} internal files, over the limit of {MAX_ENTRIES}, "
                "and was not read. Open it in Excel or WPS, save it as a new .xlsx and import "
                "that.",
            )  # fmt: skip
        names = _sheet_names(archive)

        def sheet_of(info):
            name = names.get(info.filename)
            return (
                name,
                (f"工作表“{name}”" if name else f"工作簿中的“{info.filename}”"),
                (f"sheet {name}" if name else f"the workbook's {info.filename}"),
            )

        total = sum(i.file_size for i in infos)
        for info in infos:
            sheet, where, where_en = sheet_of(info)
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > MAX_MEMBER_BYTES or (
                info.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO
            ):
                raise _TooLarge(
                    sheet,
                    f"{where}解压后有 {_mb(info.file_size)}（压缩了 {ratio:.0f} 倍），超过了上限"
                    f"（每个工作表 {_mb(MAX_MEMBER_BYTES)}，压缩比 {MAX_RATIO} 倍），没有读取。"
                    "多半是表格下方或右侧留下了大片设置过格式的空格子：请删去这些行列（选中后“删除”，"
                    "不是“清除内容”），保存后再导入。",
                    f"{where_en[0].upper()}{where_en[1:]} unpacks to {_mb(info.file_size)} "
                    f"(compressed {ratio:.0f} to 1), over the limit ({_mb(MAX_MEMBER_BYTES)} a "
                    f"sheet, {MAX_RATIO} to 1), and was not read. Usually a large block of "
                    "formatted empty cells below or right of the table: delete those rows and "
                    "columns (Delete, not Clear Contents), save, and import again.",
                )  # fmt: skip
        if total > MAX_TOTAL_BYTES:
            raise _TooLarge(
                None,
                f"这个工作簿解压后有 {_mb(total)}，超过了 {_mb(MAX_TOTAL_BYTES)} 的上限，没有读取。"
                "一个小区的数据远小于这个大小：请删去多余的工作表、图片和大片空格子，保存后再导入。",
                f"The workbook unpacks to {_mb(total)}, over the limit of "
                f"{_mb(MAX_TOTAL_BYTES)}, and was not read. One estate's data is far smaller: "
                "remove extra sheets, pictures and large blocks of empty cells, then import again.",
            )  # fmt: skip
        all_cells = 0
        for info in infos:
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            sheet, where, where_en = sheet_of(info)
            cells, rows = _count_sheet(archive, info)
            all_cells += cells
            if cells > MAX_SHEET_CELLS or rows > MAX_SHEET_ROWS or all_cells > MAX_WORKBOOK_CELLS:
                limit, limit_en = (
                    (f"整个工作簿最多 {MAX_WORKBOOK_CELLS:,} 格", f"{MAX_WORKBOOK_CELLS:,} in the workbook")
                    if cells <= MAX_SHEET_CELLS and rows <= MAX_SHEET_ROWS
                    else (f"每个工作表最多 {MAX_SHEET_CELLS:,} 格、{MAX_SHEET_ROWS:,} 行",
                          f"{MAX_SHEET_CELLS:,} cells and {MAX_SHEET_ROWS:,} rows a sheet")
                )  # fmt: skip
                raise _TooLarge(
                    sheet,
                    f"{where}的格子太多（{limit}，包括设置过格式的空格子和合并的格子），没有读取。"
                    "请删去表格下方和右侧多余的行列（选中后“删除”，不是“清除内容”），取消大范围的合并，"
                    "保存后再导入。",
                    f"{where_en[0].upper()}{where_en[1:]} has too many cells (at most "
                    f"{limit_en}, counting formatted empty and merged cells) and was not read. "
                    "Delete the unused rows and columns below and right of the table (Delete, "
                    "not Clear Contents), unmerge large ranges, save, and import again.",
                )  # fmt: skip


# ---------------------------------------------------------------------- reading sheets


@dataclass
class SheetTable:
    """One table read from its sheet: rows of CSV text and the sheet row of each."""

    table: str
    sheet: str
    rows: list[dict[str, str]] = field(default_factory=list)
    sheet_rows: list[int] = field(default_factory=list)


@dataclass
class WorkbookData:
    tables: dict[str, SheetTable] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)


def _sheet_tables(schemas: dict[str, dict]) -> dict[str, str]:
    """Sheet names (and other names a sheet may carry) → table."""
    names = {}
    for table, schema in schemas.items():
        names[table] = table
        names[sheet_name(table, schema)] = table
        if schema.get("title"):
            names[str(schema["title"]).strip()] = table
    return names


def _header_row(ws, fields: list[str]) -> tuple[int, dict[str, int], dict[int, str]]:
    """The row naming the columns (row 2 in our workbooks; row 1 in a sheet made from a
    CSV) → (row, field → column, other headed columns)."""
    labels: dict[int, dict[int, str]] = {}
    for (row, column), cell in ws._cells.items():  # stored cells only (see _read_sheet)
        if row <= 5 and _clean_str(cell.value):
            labels.setdefault(row, {})[column] = _clean_str(cell.value)
    counts = {row: sum(v in fields for v in cells.values()) for row, cells in labels.items()}
    best_row = max(sorted(counts), key=lambda row: counts[row], default=None)
    if best_row is None or counts[best_row] == 0:
        return 0, {}, {}
    columns, others = {}, {}
    for column, label in sorted(labels[best_row].items()):
        if label in fields and label not in columns:
            columns[label] = column
        else:
            others[column] = label
    return best_row, columns, others


def _clean_str(value) -> str:
    return _clean_text(value) if isinstance(value, str) else ""


def _where(sheet: str, row: int | None, column: int | None, spec: dict | None) -> tuple[str, str]:
    zh, en = f"工作表“{sheet}”", f"sheet {sheet}"
    if row is not None:
        zh += f"第 {row} 行"
        en += f", row {row}"
    if column is not None and spec is not None:
        letter = get_column_letter(column)
        zh += f"“{spec.get('title', spec['name'])}”列（{letter} 列）"
        en += f", column {letter} ({spec['name']})"
    return zh, en


def read_workbook(path: Path, schemas: dict[str, dict], estate_id: str) -> WorkbookData:
    """Every table sheet of the workbook as CSV text, with findings for what could not be
    read. Never raises for a bad workbook."""
    result = WorkbookData()
    label = str(path)

    def finding(table, row, name, rule, severity, zh, en):
        result.findings.append(Finding(estate_id, table, label, row, name, rule, severity, zh, en))

    try:
        _check_archive(path)
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it drops (extensions, slicers): harmless.
            warnings.simplefilter("ignore")
            values = load_workbook(path, data_only=True)
            formulas = load_workbook(path, data_only=False)
    except _TooLarge as refused:
        table = _sheet_tables(schemas).get((refused.sheet or "").strip())
        finding(table, None, None, "workbook-too-large", ERROR, refused.message, refused.message_en)
        return result
    except (
        InvalidFileException, zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError,
        ValueError, NotImplementedError, RuntimeError,
    ) as error:  # fmt: skip
        finding(
            None,
            None,
            None,
            "workbook-error",
            ERROR,
            f"无法打开这个文件：它不是 Excel 的 .xlsx 工作簿，或者已损坏（{type(error).__name__}）。"
            "请在 Excel 或 WPS 中打开，另存为“Excel 工作簿（.xlsx）”后再导入。",
            f"The file cannot be opened: it is not an .xlsx workbook or it is damaged "
            f"({type(error).__name__}). Open it in Excel or WPS and save it as an Excel "
            "Workbook (.xlsx).",
        )
        return result

    by_name = _sheet_tables(schemas)
    for ws in values.worksheets:
        title = ws.title.strip()
        table = by_name.get(title)
        if table is None:
            if title not in SPECIAL_SHEETS and ws.max_row > 1:
                finding(
                    None,
                    None,
                    None,
                    "workbook-error",
                    WARNING,
                    f"工作表“{ws.title}”不是任何一张表，已忽略。若它是某张表，请把名字改回原来的名字。",
                    f'Sheet "{ws.title}" is not one of the tables and was skipped. If it is, '
                    "give it back its original name.",
                )
            continue
        if table in result.tables:
            finding(
                table,
                None,
                None,
                "workbook-error",
                ERROR,
                f"“{table}”表出现在两个工作表中（“{result.tables[table].sheet}”和“{ws.title}”）。请删去一个。",
                f'Table "{table}" appears on two sheets ("{result.tables[table].sheet}" and '
                f'"{ws.title}"). Delete one.',
            )
            continue
        _read_sheet(ws, formulas[ws.title], table, schemas[table], result, finding)

    estate = result.tables.get("estate")
    if estate and estate.rows:
        declared = estate.rows[0].get("estate_id", "")
        if declared and declared != estate_id:
            zh, en = _where(estate.sheet, estate.sheet_rows[0], None, None)
            finding(
                "estate",
                estate.sheet_rows[0],
                "estate_id",
                "workbook-error",
                ERROR,
                f"{zh}的小区编号是“{declared}”，但要导入到“{estate_id}”。请确认选对了文件和小区。",
                f'{en}: the estate id is "{declared}" but the import is into "{estate_id}". '
                "Check the file and the estate.",
            )
    return result


def _read_sheet(ws, formula_ws, table: str, schema: dict, result: WorkbookData, finding) -> None:
    fields = [spec["name"] for spec in schema["fields"]]
    specs = {spec["name"]: spec for spec in schema["fields"]}
    header, columns, others = _header_row(ws, fields)
    sheet = ws.title
    # Cells that hold something, by row (ws._cells: openpyxl's own map of stored cells;
    # walking every row up to a formatted row 1,048,576 would take minutes).
    stored: dict[int, dict[int, object]] = {}
    for (row, column), cell in ws._cells.items():
        if row > header and cell.value is not None and not _blank(cell.value):
            stored.setdefault(row, {})[column] = cell
    if not columns:
        if stored or header:
            zh, _ = _where(sheet, None, None, None)
            finding(
                table,
                None,
                None,
                "missing-label",
                ERROR,
                f"{zh}找不到列名行（第 2 行应当是 {fields[0]}、{fields[1] if len(fields) > 1 else ''} 等列名）。"
                "请从空白填写表复制前两行。",
                f"Sheet {sheet} has no row of column names (row 2 should hold {fields[0]} …). "
                "Copy the first two rows from the blank workbook.",
            )
        return
    data = SheetTable(table, sheet)
    result.tables[table] = data
    missing = [name for name in fields if name not in columns]
    if missing:
        names = "、".join(f"{n}（{specs[n].get('title', n)}）" for n in missing)
        finding(
            table,
            header,
            missing[0],
            "missing-label",
            ERROR,
            f"工作表“{sheet}”第 {header} 行缺少列：{names}。请把列加回来（没有内容也要保留这一列）。",
            f"Sheet {sheet}, row {header}, lacks column(s): {', '.join(missing)}. Put them back "
            "(keep a column even when it is empty).",
        )
        return
    ignored = sorted(
        {others[c] for row in stored.values() for c in row if c in others and others[c]}
    )
    if ignored:
        finding(
            table,
            header,
            None,
            "workbook-error",
            WARNING,
            f"工作表“{sheet}”中的列 {'、'.join(ignored)} 不是这张表的列，没有导入。",
            f"Sheet {sheet}: column(s) {', '.join(ignored)} are not part of the table and were "
            "not imported.",
        )
    for row in sorted(stored):
        if not any(column in stored[row] for column in columns.values()):
            continue
        record = {}
        for name, column in columns.items():
            spec = specs[name]
            cell = stored[row].get(column)
            value = cell.value if cell is not None else None
            zh, en = _where(sheet, row, column, spec)
            if cell is not None and cell.data_type == "e":
                finding(
                    table, row, name, "workbook-error", ERROR,
                    f"{zh}是错误值 {value}。请改正公式或直接填写数值。",
                    f"{en} holds the error {value}. Fix the formula or type the value.",
                )  # fmt: skip
                continue
            if value is None:
                stored_formula = formula_ws._cells.get((row, column))
                formula = stored_formula.value if stored_formula is not None else None
                if isinstance(formula, str) and formula.startswith("="):
                    finding(
                        table, row, name, "workbook-error", ERROR,
                        f"{zh}的公式 {formula} 没有计算结果。请用 Excel 或 WPS 打开文件，保存一次后再导入。",
                        f"{en}: the formula {formula} has no saved result. Open and save the "
                        "file in Excel or WPS, then import again.",
                    )  # fmt: skip
                    continue
            try:
                record[name] = _as_text(value, cell.number_format if cell else None, spec)
                _check_rounding(value, record[name], spec, zh, en, table, row, finding)
            except _CellProblem as problem:
                finding(
                    table, row, name, "type-error", ERROR,
                    f"{zh}{problem.message}", f"{en} {problem.message_en}",
                )  # fmt: skip
                record[name] = ""
        if any(record.values()):
            data.rows.append({name: record.get(name, "") for name in fields})
            data.sheet_rows.append(row)


def _check_rounding(value, text, spec, zh, en, table, row, finding) -> None:
    """A number typed with more decimals than its cell shows is saved as shown: say so."""
    if kind_of(spec) not in ("number", "money") or isinstance(value, bool | str):
        return
    if not isinstance(value, int | float) or text == "":
        return
    if Decimal(text) != _decimal_of(value) and not spec["name"].endswith("_pct"):
        finding(
            table, row, spec["name"], "workbook-error", WARNING,
            f"{zh}填的是 {_plain(_decimal_of(value))}，按单元格显示的小数位保存为 {text}。"
            "如需保留更多小数，请增加这一格的小数位数。",
            f"{en} holds {_plain(_decimal_of(value))}; it was saved as shown: {text}. Add "
            "decimal places to the cell to keep more.",
        )  # fmt: skip


def _blank(value) -> bool:
    return isinstance(value, str) and _clean_text(value) == ""


# ------------------------------------------------------------------------ writing CSVs


def _resource_paths(descriptor_path: Path | None) -> dict[str, str]:
    """Table → file name, for the resources a descriptor lists with a plain file name."""
    if descriptor_path is None:
        return {}
    try:
        raw = safeyaml.load(safeyaml.read(descriptor_path))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    resources = raw.get("resources") if isinstance(raw, dict) else None
    out = {}
    for resource in resources if isinstance(resources, list) else []:
        if isinstance(resource, dict) and isinstance(resource.get("name"), str):
            out[resource["name"]] = str(resource.get("path") or "")
    return out


def _existing_rows(path: Path) -> list[dict[str, str]] | None:
    try:
        return pf.read_csv(path)[1] if path.is_file() else []
    except (UnicodeDecodeError, csv.Error, OSError):
        return None


def _key_of(row: dict[str, str], keys: list[str]) -> tuple[str, ...]:
    return tuple((row.get(k) or "").strip() for k in keys)


def _removals(
    estate_id: str, sheet: SheetTable, before: list[dict[str, str]], schema: dict, replace: bool
) -> list[Finding]:
    """Guard the rows the import would remove. A sheet that keeps none of the table's rows
    is almost always the blank template with only the new rows typed in: refused unless
    ``replace``. Otherwise the removed rows are listed, so a deletion is never silent."""
    keys = schema.get("primaryKey") or [f["name"] for f in schema["fields"]]
    keys = [keys] if isinstance(keys, str) else list(keys)
    now = {_key_of(row, keys) for row in sheet.rows}
    gone = [_key_of(row, keys) for row in before if _key_of(row, keys) not in now]
    if not gone:
        return []
    shown = "、".join("/".join(k) for k in gone[:5]) + ("……" if len(gone) > 5 else "")
    table = sheet.table
    if len(gone) == len(before) and not replace:
        return [
            Finding(
                estate_id,
                table,
                None,
                None,
                None,
                "workbook-error",
                ERROR,
                f"工作表“{sheet.sheet}”里没有 {table}.csv 现有 {len(before)} 行中的任何一行，导入会把它们全部删除"
                f"（{shown}）。如果只想添加新的行：请先用 sunlight export 导出现有数据，在导出的文件中添加后再导入。"
                "确实要用这张工作表替换全部数据，请加 --replace。",
                f"Sheet {sheet.sheet} keeps none of the {len(before)} rows of {table}.csv; the "
                f"import would delete them all ({shown}). To add rows, export the current data "
                "with sunlight export and add them there; to replace the table, use --replace.",
            )  # fmt: skip
        ]
    return [
        Finding(
            estate_id,
            table,
            None,
            None,
            None,
            "workbook-error",
            WARNING,
            f"工作表“{sheet.sheet}”中删去了 {table}.csv 的 {len(gone)} 行：{shown}。"
            "如果不是有意删除，请先用 sunlight export 导出最新数据再修改。",
            f"Sheet {sheet.sheet} drops {len(gone)} row(s) of {table}.csv: {shown}. If that was "
            "not intended, export the current data with sunlight export and edit that.",
        )  # fmt: skip
    ]


def write_tables(
    data_dir: Path,
    estate_id: str,
    data: WorkbookData,
    schemas: dict[str, dict],
    replace: bool = False,
) -> tuple[list[Path], list[Finding]]:
    """Write the CSVs of ``data`` into the estate's folder (creating the package when it is
    new). Only files whose bytes change are written; an empty sheet leaves its table as it
    is. Returns (changed files, findings); nothing is written when a finding is an error."""
    folder = pf.estate_folder(data_dir, estate_id)
    descriptor_path = next(
        (folder / n for n in ("datapackage.yaml", "datapackage.yml", "datapackage.json")
         if (folder / n).is_file()),
        None,
    )  # fmt: skip
    listed = _resource_paths(descriptor_path)
    planned: dict[Path, str] = {}
    new_tables: list[str] = []
    notes: list[Finding] = []
    for table in pf.ordered_tables(schemas):
        sheet = data.tables.get(table)
        if sheet is None or (not sheet.rows and table not in listed):
            continue
        name = listed.get(table) or f"{table}.csv"
        target = folder / name
        if Path(name).name != name or name in ("", ".", "..") or target.is_symlink():
            notes.append(
                Finding(
                    estate_id,
                    table,
                    str(target),
                    None,
                    None,
                    "package-error",
                    ERROR,
                    f"datapackage 中“{table}”的文件“{name}”不在本小区文件夹里，或是链接，没有写入。",
                    f'The file "{name}" of table "{table}" is outside the estate folder or a '
                    "link; it was not written.",
                )  # fmt: skip
            )
            continue
        before = _existing_rows(target)
        if not sheet.rows and before:
            notes.append(
                Finding(
                    estate_id,
                    table,
                    None,
                    None,
                    None,
                    "workbook-error",
                    WARNING,
                    f"工作表“{sheet.sheet}”是空的，{name} 保持不变。",
                    f"Sheet {sheet.sheet} is empty; {name} was left as it is.",
                )  # fmt: skip
            )
            continue
        if before:
            notes += _removals(estate_id, sheet, before, schemas[table], replace)
        fields = [spec["name"] for spec in schemas[table]["fields"]]
        # A column added to the schema later (x-optional) and empty in every row is not
        # added to a file written without it: an export and import changes nothing.
        had = pf.read_csv(target)[0] if before else []
        fields = [
            name
            for name, spec in zip(fields, schemas[table]["fields"], strict=True)
            if not spec.get(OPTIONAL_KEY)
            or name in had
            or any(row.get(name) not in (None, "") for row in sheet.rows)
        ]
        header, newline = pf.file_layout(target, fields)
        rows = [[row[f] for f in header] for row in sheet.rows]
        planned[target] = pf.csv_text(header, rows, newline)
        if table not in listed:
            new_tables.append(table)
    if any(f.severity == ERROR for f in notes):
        return [], notes
    changed = []
    if descriptor_path is None:
        folder.mkdir(parents=True, exist_ok=True)
        estate = data.tables.get("estate")
        title = (estate.rows[0].get("name") if estate and estate.rows else "") or estate_id
        descriptor_path = folder / "datapackage.yaml"
        descriptor_path.write_text(pf.descriptor_text(estate_id, title, new_tables), "utf-8")
        changed.append(descriptor_path)
    elif new_tables:
        pf.add_resources(descriptor_path, new_tables)
        changed.append(descriptor_path)
    for target, text in planned.items():
        if pf.write_if_changed(target, text):
            changed.append(target)
    return changed, notes


def import_workbook(
    path: Path, data_dir: Path, estate_id: str, replace: bool = False
) -> tuple[WorkbookData, list[Path]]:
    """Read the workbook and, when every sheet could be read and no table would lose all
    its rows by accident, write the estate's CSVs. Findings of both steps are in
    ``data.findings``; nothing was written when one of them is an error."""
    pf.check_estate_id(estate_id)
    schemas = load_sheet_schemas(data_dir)
    data = read_workbook(path, schemas, estate_id)
    if not data.ok:
        return data, []
    changed, notes = write_tables(data_dir, estate_id, data, schemas, replace)
    data.findings += notes
    return data, changed


def locate_in_sheets(report: Report, data: WorkbookData) -> list[Finding]:
    """The report's findings, each CSV row also named as the sheet row it came from."""
    out = []
    for f in report.findings:
        sheet = data.tables.get(f.resource or "")
        if sheet and f.row and 2 <= f.row < len(sheet.sheet_rows) + 2:
            row = sheet.sheet_rows[f.row - 2]
            f = dataclasses.replace(
                f,
                message=f"{f.message}（工作表“{sheet.sheet}”第 {row} 行）",
                message_en=f"{f.message_en} (sheet {sheet.sheet}, row {row})",
            )
        out.append(f)
    return out


@click.command("import")
@click.argument("workbook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("estate_id")
@click.option(
    "--replace",
    is_flag=True,
    help="Let a sheet replace a table even when it keeps none of the table's rows.",
)
@data_dir_option
@as_of_option
@usage_errors
def command(workbook: Path, estate_id: str, replace: bool, data_dir: Path, as_of) -> None:
    """Write an estate's CSVs from a filled-in workbook, then validate them.

    Each sheet replaces its table; an empty sheet leaves the table as it is, and a sheet
    that keeps none of the table's rows (the blank template with only new rows) is refused
    without --replace. Nothing is written when a sheet cannot be read; findings name
    sheet, row and column. Exit 0 when the data is valid (warnings allowed), 1 otherwise.

    Example:

        sunlight import 梅林新村.xlsx meilin-xincun
    """
    if workbook.suffix.lower() not in (".xlsx", ".xlsm"):
        raise click.UsageError(
            f"{workbook.name} 不是 .xlsx 文件。请在 Excel/WPS 中另存为“Excel 工作簿（.xlsx）”。/ "
            f"{workbook.name} is not an .xlsx file; save it as an Excel Workbook (.xlsx)."
        )
    try:
        # Before the workbook is read: the loader refuses linked or misnamed estate
        # folders, so writing through one would only put files outside data/estates.
        safepaths.estate_folder_for_writing(data_dir, estate_id)
    except safepaths.UnsafePath as error:
        raise click.UsageError(str(error)) from None
    as_of = as_of_or_default(as_of)
    data, changed = import_workbook(workbook, data_dir, estate_id, replace)
    if not data.ok:
        click.echo(format_table(Report(findings=data.findings)), err=True)
        click.echo("没有写入任何文件。/ Nothing was written.", err=True)
        sys.exit(1)
    for path in changed:
        click.echo(f"已写入 / wrote: {path}", err=True)
    if not changed:
        click.echo("数据没有变化。/ Nothing changed.", err=True)
    report = pf.validate_estate(data_dir, estate_id, as_of)
    report.findings = data.findings + locate_in_sheets(report, data)
    click.echo(format_table(report))
    sys.exit(int(not report.valid))
