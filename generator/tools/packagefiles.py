"""Writing an estate's package files the one way Sunlight writes them.

Shared by the commands that write data (``new-estate``, ``import``) and those that read
it back (``export``, ``summary``): where an estate's folder is, the order of the tables,
how a CSV is written (UTF-8 without BOM, minimal quoting, the file's own column order and
line ending kept, so a diff shows only what changed), how ``datapackage.yaml`` gains a
table, and validating one estate without reading the others.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import yaml

from .. import safeyaml
from ..config import load_rules_config
from ..findings import Report
from ..load import (
    BUNDLED_SCHEMAS,
    ESTATE_ID,
    EstatePackage,
    Loaded,
    _load_package,
    load_schemas,
    repository_root,
)
from ..validate import validate

# The order committees think in (and the sample packages use): who, what they decided,
# the money, the service. Tables a schema folder adds later follow, by name.
TABLE_ORDER = (
    "estate", "committees", "members", "member_events", "meetings", "resolutions",
    "common_income", "common_income_lines", "repair_fund", "repair_projects", "budgets",
    "audits", "contract", "fees", "service_standards", "work_orders", "evaluations",
    "fee_collection", "priority_task", "priority_progress", "contacts",
)  # fmt: skip


class PackageFileError(Exception):
    """A problem with the user's request rather than the data (bad estate id …)."""


def ordered_tables(schemas: dict[str, dict]) -> list[str]:
    known = [name for name in TABLE_ORDER if name in schemas]
    return known + sorted(set(schemas) - set(known))


def schema_dir(data_dir: Path) -> Path:
    """The schemas ``load`` would use for ``data_dir``."""
    return data_dir / "schemas" if (data_dir / "schemas").is_dir() else BUNDLED_SCHEMAS


def schemas_for(data_dir: Path) -> dict[str, dict]:
    return load_schemas(schema_dir(data_dir))


def check_estate_id(estate_id: str) -> str:
    if not ESTATE_ID.match(estate_id or ""):
        raise PackageFileError(
            f"“{estate_id}”不能作小区编号：只能用小写字母、数字和减号，例如 meilin-xincun。/ "
            f'"{estate_id}" is not a valid estate id: lowercase letters, digits and dashes, '
            "e.g. meilin-xincun."
        )
    return estate_id


def estates_dir(data_dir: Path) -> Path:
    return data_dir / "estates"


def estate_folder(data_dir: Path, estate_id: str) -> Path:
    return estates_dir(data_dir) / check_estate_id(estate_id)


def schema_ref(table: str) -> str:
    return f"../../schemas/{table}.schema.yaml"


# ---------------------------------------------------------------------------- CSV files


def csv_text(header: list[str], rows: list[list[str]], newline: str = "\n") -> str:
    """The CSV as Sunlight writes it: quotes only where needed, one line ending."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a UTF-8 CSV (a BOM is allowed), as text, unchanged."""
    text = path.read_bytes().decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, [])
    header = [label.strip() for label in header]
    rows = []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        padded = record + [""] * (len(header) - len(record))
        rows.append(dict(zip(header, padded, strict=False)))
    return header, rows


def file_layout(path: Path, fields: list[str]) -> tuple[list[str], str]:
    """Column order and line ending to write ``path`` with: the file's own when it has
    exactly the schema's columns (in any order), else the schema's order and ``\\n``."""
    if not path.is_file():
        return list(fields), "\n"
    data = path.read_bytes()
    first_line = data.split(b"\n", 1)[0]
    newline = "\r\n" if first_line.endswith(b"\r") else "\n"
    try:
        header, _ = read_csv(path)
    except (UnicodeDecodeError, csv.Error):
        return list(fields), newline
    if sorted(header) == sorted(fields) and len(set(header)) == len(header):
        return header, newline
    return list(fields), newline


def write_if_changed(path: Path, text: str) -> bool:
    """Write UTF-8 (no BOM) only when the bytes differ; True when the file changed."""
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


# ---------------------------------------------------------------------- datapackage.yaml


def descriptor_text(estate_id: str, title: str, tables: list[str]) -> str:
    """A ``datapackage.yaml`` in the layout of the sample packages."""
    lines = [f"name: {estate_id}", f"title: {_yaml_scalar(title)}", "resources:"]
    for table in tables:
        lines += _resource_lines(table, "  ")
    return "\n".join(lines) + "\n"


def _resource_lines(table: str, indent: str) -> list[str]:
    return [
        f"{indent}- name: {table}",
        f"{indent}  path: {table}.csv",
        f"{indent}  schema: {schema_ref(table)}",
    ]


def _yaml_scalar(value: str) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1000)
    return dumped.removesuffix("\n...\n").strip()


def listed_tables(descriptor_path: Path) -> list[str]:
    """Table names a descriptor lists (empty when it cannot be read)."""
    try:
        raw = safeyaml.load(descriptor_path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    resources = raw.get("resources") if isinstance(raw, dict) else None
    if not isinstance(resources, list):
        return []
    return [r["name"] for r in resources if isinstance(r, dict) and isinstance(r.get("name"), str)]


def add_resources(descriptor_path: Path, tables: list[str]) -> None:
    """List ``tables`` in an existing ``datapackage.yaml`` by appending lines at the end of
    its resources list, so the rest of the file (comments, order) stays as it was."""
    if not tables:
        return
    text = descriptor_path.read_bytes().decode("utf-8-sig")
    lines = text.splitlines()
    indent = "  "
    for line in lines:
        stripped = line.lstrip(" ")
        if stripped.startswith("- name:"):
            indent = line[: len(line) - len(stripped)]
            break
    added = [line for table in tables for line in _resource_lines(table, indent)]
    raw = safeyaml.load(text)
    last_key = list(raw)[-1] if isinstance(raw, dict) and raw else None
    if last_key == "resources" and isinstance(raw.get("resources"), list):
        # resources is the last key: append after the last line that has content.
        end = len(lines)
        while end and not lines[end - 1].strip():
            end -= 1
        lines[end:end] = added
        new_text = "\n".join(lines) + "\n"
    else:
        raw = raw if isinstance(raw, dict) else {}
        resources = list(raw.get("resources") or [])
        resources += [{"name": t, "path": f"{t}.csv", "schema": schema_ref(t)} for t in tables]
        raw["resources"] = resources
        new_text = yaml.safe_dump(raw, allow_unicode=True, sort_keys=False)
    descriptor_path.write_text(new_text, "utf-8")


# ---------------------------------------------------------------------------- validation


def load_estate(data_dir: Path, estate_id: str) -> tuple[Loaded, EstatePackage]:
    """Load one estate as ``load`` would, without reading every other estate."""
    schemas = schemas_for(data_dir)
    root = repository_root(data_dir)
    pkg = _load_package(estate_folder(data_dir, estate_id), root, schemas)
    return Loaded(root, data_dir, schemas, [pkg], []), pkg


def validate_estate(data_dir: Path, estate_id: str, as_of: dt.date) -> Report:
    loaded, _ = load_estate(data_dir, estate_id)
    return validate(loaded, as_of, load_rules_config(data_dir))
