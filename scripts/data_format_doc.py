"""Regenerate the table reference of content/guide/data-format.md from data/schemas/.

The guide's introduction (everything above "## 各表说明") is hand-written and kept; the
per-table reference below it is rewritten from the schemas, so the two cannot drift.
What a schema cannot say (why a table is shaped as it is, what never goes in it) is kept
in PROSE below and printed after that table's reference.
tests/test_docs.py checks every table and column is documented.

    .venv/bin/python scripts/data_format_doc.py
"""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
GUIDE = REPO / "content/guide/data-format.md"
MARKER = "## 各表说明 {#tables}"
ORDER = [
    "estate", "committees", "members", "member_events", "meetings", "resolutions",
    "common_income", "common_income_lines", "repair_fund", "repair_projects", "budgets",
    "audits", "contract", "fees", "service_standards", "work_orders", "evaluations", "contacts",
    "fee_collection", "priority_task", "priority_progress",
]  # fmt: skip
# Hand-written paragraphs after a table's reference. Examples stay masked or fictional:
# this page is published and scanned for personal data like everything else.
PROSE = {
    "contacts": """\
**电话号码只能写在这张表的 `phone` 列里，而且只能是单位对外公开的电话。** 这张表告诉居民有事找谁，写的是单位，不是个人：

- **可以写**：带区号的固定电话（上海是 021 加八位号码，例如 `021-` 后面接单位总机）、`400` 或 `800` 开头的服务电话、`95` 或 `96` 开头的服务号码、`12345`。
- **不能写**：任何手机号码，即使是单位或值班用的手机；某位工作人员、委员家里或个人的电话；微信号、电子邮箱。校验会报 [`no-personal-data`](rules.md#no-personal-data) 错误，并且不会发布。
- **别的列也不能写电话**：`note`、`address` 里出现的电话号码同样会被拒绝，电话只放在 `phone` 列。
- **地址只写到楼号**（“1号楼底层物业用房”），不写室号。
- 一个类别有两条线路（例如物业服务中心的客服电话和 24 小时报修热线），就写两行，`seq` 分别是 1 和 2。
- 没有公开电话的（例如业委会只有办公室、没有电话），`phone` 留空，写清接待地点和时间。
- 12345 这一行各小区都一样：

```csv
role,seq,organisation,phone,address,hours,note
12345,1,上海市12345市民服务热线,12345,,全天24小时,投诉、求助、咨询
```

哪些信息可以公示、哪些不可以，见 [个人信息](committee.md#personal-data)。
""",
}
TYPES = {"string": "文字", "integer": "整数", "number": "数字", "date": "日期",
         "boolean": "是/否", "yearmonth": "月份"}  # fmt: skip


class _RawNumbers(yaml.SafeLoader):
    """Keep numbers as written (46320.00, not 46320.0): examples show the format to type."""


_RawNumbers.add_constructor(
    "tag:yaml.org,2002:float", lambda loader, node: loader.construct_scalar(node)
)
_RawNumbers.add_constructor(
    "tag:yaml.org,2002:int", lambda loader, node: loader.construct_scalar(node)
)


def table_section(name: str, schema: dict) -> list[str]:
    out = [f"### {schema['title']} `{name}` {{#{name.replace('_', '-')}}}\n"]
    out.append(f"文件名 `{name}.csv`。{schema['description']}\n")
    if schema.get("primaryKey"):
        keys = "、".join(f"`{k}`" for k in schema["primaryKey"])
        out.append(f"每行由 {keys} 区分，不能重复。\n")
    out += ["| 列名 | 中文 | 类型 | 必填 | 说明 | 示例 |", "|---|---|---|---|---|---|"]
    for field in schema["fields"]:
        c = field.get("constraints", {})
        notes = [field["description"]] if field.get("description") else []
        if "enum" in c:
            notes.append("可填：" + "、".join(map(str, c["enum"])))
        if "minimum" in c and "maximum" in c:
            notes.append(f"{c['minimum']} 到 {c['maximum']}")
        elif str(c.get("minimum")) == "0":
            notes.append("不能为负")
        example = str(field.get("example", ""))
        shown = f"`{example}`" if example else "（留空）"
        required = "是" if c.get("required") else ""
        text = " ".join(notes).replace("|", "/")
        out.append(
            f"| `{field['name']}` | {field['title']} | {TYPES[field['type']]} | {required} "
            f"| {text} | {shown} |"
        )
    out += ["", "示例行：\n", "```csv", ",".join(f["name"] for f in schema["fields"])]
    out += [",".join(str(f.get("example", "")) for f in schema["fields"]), "```\n"]
    for fk in schema.get("foreignKeys", []):
        out.append(f"`{fk['fields'][0]}` 必须是 `{fk['reference']['resource']}` 表中已有的编号。\n")
    return out


def main() -> None:
    intro = GUIDE.read_text("utf-8").split(MARKER)[0]
    lines = [intro.rstrip("\n") + "\n", MARKER + "\n"]
    for name in ORDER:
        path = REPO / "data/schemas" / f"{name}.schema.yaml"
        schema = yaml.load(path.read_text("utf-8"), Loader=_RawNumbers)  # noqa: S506
        lines += table_section(name, schema)
        if name in PROSE:
            lines.append(PROSE[name])
    GUIDE.write_text("\n".join(lines), "utf-8")


if __name__ == "__main__":
    main()
