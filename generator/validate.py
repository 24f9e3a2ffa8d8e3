"""Stage 2 — validate: frictionless validation, then every estate rule.

Input is what :mod:`load` read; output is a :class:`Report`: the findings, and the typed
rows of every table that passed frictionless validation (so the later stages never parse
a CSV again). Rules only see tables that passed, which is why a broken CSV gives one
clear type error rather than a cascade of rule findings built on half-typed values.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import frictionless

from . import errors_zh
from .checks import CHECKS, Context
from .findings import ERROR, Finding, Report, sort_findings
from .load import EstatePackage, Loaded, _rel

# frictionless logs its own warnings about inference; our findings already say it all.
logging.getLogger("frictionless").setLevel(logging.ERROR)


def validate(loaded: Loaded, as_of: dt.date, config: dict | None = None) -> Report:
    """Validate every package of ``loaded`` as of ``as_of``; returns the full report."""
    config = config or {}
    report = Report()
    findings = list(loaded.findings)
    for pkg in loaded.packages:
        findings.extend(pkg.findings)
        if not pkg.descriptor.get("resources"):
            continue
        tables = _frictionless(pkg, loaded.root, findings)
        findings.extend(_estate_row(pkg, tables, loaded.root))
        findings.extend(_dangling(pkg, tables, loaded.root))
        findings.extend(run_rules(pkg, tables, as_of, config, loaded.root))
        report.tables[pkg.estate_id] = tables
        report.estate_dirs[pkg.estate_id] = str(pkg.folder)
    report.findings = sort_findings(findings)
    return report


def _frictionless(pkg: EstatePackage, root: Path, findings: list[Finding]) -> dict[str, list[dict]]:
    """Run frictionless on the package; return typed rows of the resources that passed."""
    try:
        package = frictionless.Package(pkg.descriptor, basepath=str(pkg.folder))
        fl_report = package.validate()
    except Exception as error:  # frictionless raises on descriptors it cannot open
        findings.append(
            Finding(
                pkg.estate_id,
                None,
                _rel(pkg.descriptor_path or pkg.folder, root),
                None,
                None,
                "package-error",
                ERROR,
                f"数据包无法打开：{error}。请对照其他小区的 datapackage.yaml 检查。",
                f"The package could not be opened: {error}. Compare it with another estate's.",
            )
        )
        return {}
    schemas = {r["name"]: r["schema"] for r in pkg.descriptor["resources"]}
    failed = set()
    for task in fl_report.tasks:
        name = task.name
        path = _rel(pkg.files[name], root) if name in pkg.files else None
        for error in task.errors:
            failed.add(name)
            findings.append(
                errors_zh.translate(pkg.estate_id, name, path, error, schemas.get(name, {}))
            )
    tables: dict[str, list[dict]] = {}
    for resource in package.resources:
        if resource.name in failed:
            continue
        try:
            with resource:
                tables[resource.name] = [_typed(row) for row in resource.row_stream]
        except frictionless.FrictionlessException as error:
            # The file changed or vanished since it was validated: report, don't crash.
            path = _rel(pkg.files[resource.name], root)
            findings.append(
                errors_zh.translate(pkg.estate_id, resource.name, path, error.error, {})
            )
    return tables


def _typed(row) -> dict:
    values = row.to_dict()
    for key, value in values.items():
        # yearmonth arrives as a (year, month) tuple; a "2025-01" string sorts and prints.
        if type(value).__name__ == "yearmonth":
            values[key] = f"{value.year:04d}-{value.month:02d}"
    values["_row"] = row.row_number
    return values


def _estate_row(pkg: EstatePackage, tables: dict, root: Path) -> list[Finding]:
    rows = tables.get("estate")
    if rows is None:
        return []
    path = _rel(pkg.files["estate"], root)
    if len(rows) != 1:
        tables.pop("estate")
        return [
            Finding(
                pkg.estate_id,
                "estate",
                path,
                None,
                None,
                "package-error",
                ERROR,
                f"estate.csv 应当正好有一行数据，现在有 {len(rows)} 行。",
                f"estate.csv must hold exactly one data row; it has {len(rows)}.",
            )
        ]
    if rows[0].get("estate_id") != pkg.estate_id:
        return [
            Finding(
                pkg.estate_id,
                "estate",
                path,
                rows[0]["_row"],
                "estate_id",
                "package-error",
                ERROR,
                f"小区编号写的是“{rows[0].get('estate_id')}”，但文件夹名是“{pkg.estate_id}”。两者必须相同。",
                f'estate_id is "{rows[0].get("estate_id")}" but the folder is '
                f'"{pkg.estate_id}". Make them the same.',
            )
        ]
    return []


def _dangling(pkg: EstatePackage, tables: dict, root: Path) -> list[Finding]:
    """Rows that refer to a table the estate has not published."""
    out = []
    for name, keys in pkg.dangling.items():
        for fk in keys:
            target = fk["reference"]["resource"]
            for row in tables.get(name, []):
                values = [row.get(f) for f in fk["fields"]]
                if all(v is None for v in values):
                    continue
                field = fk["fields"][0]
                out.append(
                    Finding(
                        pkg.estate_id,
                        name,
                        _rel(pkg.files[name], root),
                        row["_row"],
                        field,
                        "foreign-key",
                        ERROR,
                        f"“{field}”填了“{values[0]}”，但本小区没有公示“{target}”表，无法对应。"
                        f"请加上 {target}.csv，或清空这一格。",
                        f'"{field}" is "{values[0]}" but this estate publishes no "{target}" '
                        f"table to match it. Add {target}.csv or clear the cell.",
                    )
                )
    return out


def run_rules(
    pkg: EstatePackage, tables: dict, as_of: dt.date, config: dict, root: Path
) -> list[Finding]:
    ctx = Context(pkg.estate_id, tables, as_of, config)
    out = []
    for rule_id, check_class in CHECKS.items():
        check = check_class()
        if check.resources and not ctx.has(check.resources[0]):
            continue
        for issue in check.run(ctx):
            file = pkg.files.get(issue.resource) if issue.resource else None
            out.append(
                Finding(
                    pkg.estate_id,
                    issue.resource,
                    _rel(file, root) if file else _rel(pkg.descriptor_path or pkg.folder, root),
                    issue.row,
                    issue.field,
                    rule_id,
                    issue.severity or check.severity,
                    issue.message,
                    issue.message_en,
                )
            )
    return out
