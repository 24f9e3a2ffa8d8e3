"""frictionless errors, said again in plain Chinese with the fix, English beside.

frictionless' messages ("Type error in the cell … type is 'date/default'") are written
for programmers. The error type keeps its frictionless name (type-error, constraint-error,
primary-key, foreign-key …) so the finding can be looked up; the words are ours.
"""

from __future__ import annotations

import re

from .findings import ERROR, Finding

TYPE_HINTS = {
    "date": ("日期，写成 2025-01-31", "a date written as 2025-01-31"),
    "integer": ("整数，例如 12", "a whole number, e.g. 12"),
    "number": (
        "数字，例如 1234.50（不要加逗号或“元”）",
        "a number, e.g. 1234.50 (no commas or units)",
    ),
    "boolean": ("“是”或“否”", '"是" or "否"'),
    "yearmonth": ("月份，写成 2025-01", "a month written as 2025-01"),
    "year": ("年份，例如 2025", "a year, e.g. 2025"),
}

CONSTRAINTS = {
    "required": ("这一格必须填写", "this cell must not be empty"),
    "enum": ("只能填写以下之一：{value}", "must be one of: {value}"),
    "pattern": ("格式不对（应符合 {value}）", "has the wrong format (expected {value})"),
    "minimum": ("不能小于 {value}", "must not be less than {value}"),
    "maximum": ("不能大于 {value}", "must not be greater than {value}"),
    "minLength": ("至少 {value} 个字", "must be at least {value} characters"),
    "maxLength": ("最多 {value} 个字", "must be at most {value} characters"),
    "unique": ("不能与其他行重复", "must be unique"),
}


def _type_name(error) -> str:
    note = getattr(error, "note", "") or ""
    match = re.search(r'type is "(\w+)', note)
    return match.group(1) if match else ""


def _label(schema: dict, field: str | None) -> str:
    titles = {f["name"]: f.get("title", f["name"]) for f in schema.get("fields", [])}
    return f"“{titles.get(field, field)}”（{field}）" if field else ""


def type_error(
    estate: str, resource: str, path: str | None, row, field, cell, kind, schema, *, why=""
) -> Finding:
    """A cell that does not hold a value of its column's type. ``why`` ("year", "size")
    is for values frictionless accepts but no record means: a date in the year 25, 1e400."""
    hint = TYPE_HINTS.get(kind, ("正确的格式", "the right format"))
    extra, extra_en = {
        "year": ("，年份应在 1900 到 2100 之间", ", with a year from 1900 to 2100"),
        "size": ("（这个数大得不合理，请检查是否多打了数字）", " (this number is implausibly large: check for extra digits)"),
    }.get(why, ("", ""))  # fmt: skip
    zh = f"{_label(schema, field)}填的是“{cell}”，这里应当填{hint[0]}{extra}。请改正这一格。"
    en = f'{field} is "{cell}", which should be {hint[1]}{extra_en}. Correct the cell.'
    return Finding(estate, resource, path, row, field, "type-error", ERROR, zh, en)


# A schema field's pattern in words, [Chinese, English], for the finding (a regular
# expression means nothing to the person fixing the cell).
PATTERN_HINT = "x-pattern-hint"


def _fullmatch(pattern: str, text: str) -> bool:
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return False


def translate(estate: str, resource: str, path: str | None, error, schema: dict) -> Finding:
    kind = error.type
    row = getattr(error, "row_number", None)
    field = getattr(error, "field_name", None) or None
    cell = getattr(error, "cell", None)
    titles = {f["name"]: f.get("title", f["name"]) for f in schema.get("fields", [])}
    label = f"“{titles.get(field, field)}”（{field}）" if field else ""
    zh = en = None
    if kind == "type-error":
        return type_error(estate, resource, path, row, field, cell, _type_name(error), schema)
    elif kind == "constraint-error":
        note = getattr(error, "note", "") or ""
        match = re.match(r'constraint "(\w+)" is "(.*)"', note)
        name, value = (match.group(1), match.group(2)) if match else ("", "")
        if name == "enum":
            options = _enum(schema, field)
            value = "、".join(options) if options else value
        pattern = CONSTRAINTS.get(
            name, ("不符合要求（{value}）", "violates a constraint ({value})")
        )
        if name == "required":
            cell = None  # empty by definition; a short row reports it as "None"
        shown = f"填的是“{cell}”，" if cell not in (None, "") else ""
        spec = next((f for f in schema.get("fields", []) if f.get("name") == field), {})
        hint = spec.get(PATTERN_HINT) if name == "pattern" else None
        if hint:
            # Said in words: a district clerk does not read [0-9A-HJ-NPQRTUWXY]{18}.
            pattern = (
                f"格式不对，应当是{hint[0]}",
                f"has the wrong format: it should be {hint[1]}",
            )
        zh = f"{label}{shown}{pattern[0].format(value=value)}。请改正这一格。"
        en_value = ", ".join(_enum(schema, field)) if name == "enum" else value
        got = f' is "{cell}" but' if cell not in (None, "") else ""
        en = f"{field}{got} " + pattern[1].format(value=en_value) + ". Correct the cell."
        if name == "pattern" and isinstance(cell, str) and cell != cell.strip().upper():
            fixed = cell.strip().upper()
            if _fullmatch(value, fixed):
                zh += f"（字母要大写、前后不留空格：写成“{fixed}”即可。）"
                en += f' (Letters in capitals, no spaces around: write "{fixed}".)'
        if name == "enum" and isinstance(cell, str) and cell.strip() in _enum(schema, field):
            # " 在任" or "在任 ": right word, invisible spaces.
            zh += "（这一格的前后有多余的空格，删去空格即可。）"
            en += " (The cell has spaces before or after the word; remove them.)"
    elif kind in ("primary-key", "unique-error"):
        keys = schema.get("primaryKey") or ([field] if field else [])
        field = field or (keys[0] if keys else None)
        names = "、".join(titles.get(k, k) for k in keys)
        # frictionless' note, said in Chinese: "the same as in the row at position 2".
        note = getattr(error, "note", "") or ""
        same = re.search(r"row at position (\d+)", note)
        if same:
            what = f"与第 {same.group(1)} 行重复"
            what_en = f"repeats the key ({', '.join(keys)}) of line {same.group(1)}"
        else:
            what, what_en = "为空", f"leaves the key ({', '.join(keys)}) empty"
        zh = f"这一行的{names}{what}。每一行的{names}必须填写且各不相同，请改正或删去重复的行。"
        en = f"This row {what_en}. Each row needs its own key: correct it or delete the duplicate."
    elif kind == "foreign-key":
        note = getattr(error, "note", "") or ""
        match = re.search(
            r'for "([^"]+)": values "([^"]*)" not found in the lookup table "([^"]+)"', note
        )
        if match:
            field = match.group(1).split(",")[0]
            value, target = match.group(2), match.group(3)
            zh = (
                f"{titles.get(field, field)}（{field}）填的是“{value}”，但在“{target}”表中找不到这个编号。"
                f"请先在 {target}.csv 中加上它，或改成已有的编号。"
            )
            en = (
                f'{field} is "{value}", which is not in the "{target}" table. Add it to '
                f"{target}.csv first or use an existing id."
            )
    elif kind == "blank-row":
        zh, en = "这一行是空的。请删去空行。", "This row is empty. Delete it."
    elif kind == "extra-cell":
        zh = f"这一行比表头多出一格（“{cell}”）。可能是内容里有英文逗号：请把这一格用引号括起来，或改用中文逗号。"
        en = (
            f'This row has more cells than the header ("{cell}"). A value probably contains a '
            "comma: quote it or use a Chinese comma."
        )
    elif kind == "missing-cell":
        zh = f"这一行少了{label}这一格。请补上（没有内容也要留一个空格位置）。"
        en = f"This row lacks the {field} cell. Add it (an empty cell still needs its comma)."
    elif kind == "encoding-error":
        zh = "文件编码有误，无法读取。请在 Excel 中用“另存为 → CSV UTF-8”保存。"
        en = 'The file encoding is wrong. Save it from Excel with "Save As → CSV UTF-8".'
    if zh is None:
        zh = f"数据格式有误（{kind}）：{error.message}"
        en = f"{error.message}"
    return Finding(estate, resource, path, row, field, kind, ERROR, zh, en)


def _enum(schema: dict, field: str | None) -> list[str]:
    for f in schema.get("fields", []):
        if f["name"] == field:
            return [str(v) for v in f.get("constraints", {}).get("enum", [])]
    return []
