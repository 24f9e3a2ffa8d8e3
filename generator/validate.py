"""Stage 2 — validate: frictionless validation, then every estate rule.

Input is what :mod:`load` read; output is a :class:`Report`: the findings, and the typed
rows of every table that passed frictionless validation (so the later stages never parse
a CSV again). Rules only see tables that passed, which is why a broken CSV gives one
clear type error rather than a cascade of rule findings built on half-typed values.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools
import logging
import os
from decimal import Decimal
from pathlib import Path

import frictionless

from . import errors_zh, tablecheck
from .checks import CHECKS, Context
from .districts import check_districts
from .findings import ERROR, Finding, Report, sort_findings
from .load import EstatePackage, Loaded, _rel

# frictionless logs its own warnings about inference; our findings already say it all.
logging.getLogger("frictionless").setLevel(logging.ERROR)


# Below this many packages a process pool costs more than it saves.
PARALLEL_FROM = 64


def validate(
    loaded: Loaded, as_of: dt.date, config: dict | None = None, workers: int | None = None
) -> Report:
    """Validate every package of ``loaded`` as of ``as_of``; returns the full report.

    Packages are independent, so a city's worth is spread over ``workers`` processes
    (default: one per CPU); frictionless is the slow part and runs in pure Python. The
    result does not depend on the number of workers: packages come back in order and
    findings are sorted.
    """
    config = config or {}
    report = Report()
    findings = list(loaded.findings)
    jobs = [pkg for pkg in loaded.packages]
    workers = workers or os.cpu_count() or 1
    one = functools.partial(_validate_one, as_of=as_of, config=config, root=loaded.root)
    if workers > 1 and len(jobs) >= PARALLEL_FROM:
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(one, jobs, chunksize=16))
    else:
        results = [one(pkg) for pkg in jobs]
    for pkg, (pkg_findings, tables) in zip(jobs, results, strict=True):
        findings.extend(pkg_findings)
        if tables is not None:
            report.tables[pkg.estate_id] = tables
            report.estate_dirs[pkg.estate_id] = str(pkg.folder)
    # The districts' packages (data/districts/), judged against the estates' folders.
    findings.extend(check_districts(loaded.data_dir, as_of, config, loaded.root)[0])
    report.findings = sort_findings(findings)
    return report


def _validate_one(
    pkg: EstatePackage, as_of: dt.date, config: dict, root: Path
) -> tuple[list[Finding], dict[str, list[dict]] | None]:
    """One package's findings and typed tables (None when nothing could be read)."""
    findings = list(pkg.findings)
    if not pkg.descriptor.get("resources"):
        return findings, None
    tables = _frictionless(pkg, root, findings)
    findings.extend(_estate_row(pkg, tables, root))
    findings.extend(_dangling(pkg, tables, root))
    findings.extend(run_rules(pkg, tables, as_of, config, root))
    return findings, tables


def _frictionless(pkg: EstatePackage, root: Path, findings: list[Finding]) -> dict[str, list[dict]]:
    """frictionless' checks of the package; return typed rows of the resources that passed.

    :mod:`tablecheck` gives the errors ``frictionless.Package.validate()`` gives, and the
    typed rows, from the loader's one parse of each CSV; a package only frictionless
    itself can judge (an odd dialect, header or schema) takes the full way.
    """
    checked = tablecheck.check_package(pkg)
    pkg.parsed = {}  # read once; the typed rows are all later stages need
    if checked is None:
        return _frictionless_reference(pkg, root, findings)
    return _passed(
        pkg, root, findings, checked.errors, lambda descriptor: checked.rows[descriptor["name"]]
    )


def _frictionless_reference(
    pkg: EstatePackage, root: Path, findings: list[Finding]
) -> dict[str, list[dict]]:
    """The same with frictionless' own ``Package.validate()`` and a second read of each
    table for its typed rows: slow (every descriptor turned into objects, every table read
    twice), and the reference the tests hold :mod:`tablecheck` to."""
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
    errors = {task.name: list(task.errors) for task in fl_report.tasks}
    return _passed(pkg, root, findings, errors, functools.partial(_read_typed, pkg))


def _read_typed(pkg: EstatePackage, descriptor: dict) -> list[dict]:
    # Keys were checked already; reading again with them would rebuild every foreign
    # key's lookup table, which costs as much as the validation itself.
    schema = {k: v for k, v in descriptor["schema"].items() if k not in _KEYS}
    resource = frictionless.Resource(dict(descriptor, schema=schema), basepath=str(pkg.folder))
    with resource:
        return [_typed(row) for row in resource.row_stream]


def _passed(
    pkg: EstatePackage, root: Path, findings: list[Finding], errors: dict[str, list], read_rows
) -> dict[str, list[dict]]:
    """Findings from frictionless' ``errors`` (resource → errors), less its echoes; typed
    rows (``read_rows(descriptor)``) of the resources that passed."""
    schemas = {r["name"]: r["schema"] for r in pkg.descriptor["resources"]}
    # Cells the loader already refused (a control character, a formula, a line break in
    # a name …): frictionless' error about the same cell is an echo, and the table must
    # not reach the rules or the pages.
    flagged: dict[str, set] = {}
    for f in pkg.findings:
        if f.severity == ERROR and f.resource and f.row:
            flagged.setdefault(f.resource, set()).add((f.row, f.field))
    # Tables with errors in their cells or rows: their key values may be half-read, so
    # "not found" in another table that refers to them is an echo, not a finding.
    broken = {name for name, errs in errors.items() if any(e.type != "foreign-key" for e in errs)}
    broken |= set(flagged)
    failed = set(flagged)
    for name, errs in errors.items():
        kept = _without_echoes(errs, broken, schemas.get(name, {}), flagged.get(name, set()))
        # The path only for a table with findings: resolving it costs more than the rest.
        path = _rel(pkg.files[name], root) if kept and name in pkg.files else None
        for error in kept:
            failed.add(name)
            findings.append(
                errors_zh.translate(pkg.estate_id, name, path, error, schemas.get(name, {}))
            )
    tables: dict[str, list[dict]] = {}
    for descriptor in pkg.descriptor["resources"]:
        name = descriptor["name"]
        if name in failed:
            continue
        try:
            rows = read_rows(descriptor)
        except frictionless.FrictionlessException as error:
            # The file changed or vanished since it was validated: report, don't crash.
            path = _rel(pkg.files[name], root)
            findings.append(errors_zh.translate(pkg.estate_id, name, path, error.error, {}))
            continue
        # Asked without the path first (almost every table has nothing odd), then again
        # with it for the findings.
        if _implausible(pkg.estate_id, name, None, rows, schemas[name]):
            path = _rel(pkg.files[name], root)
            findings.extend(_implausible(pkg.estate_id, name, path, rows, schemas[name]))
            continue
        tables[name] = rows
    return tables


_KEYS = ("primaryKey", "foreignKeys", "uniqueKeys")


def _without_echoes(
    errors: list, broken: set[str], schema: dict, flagged: set[tuple] = frozenset()
) -> list:
    """frictionless reports some problems twice; keep the one that says what to fix.

    A short row gives missing-cell *and* "required" for the same cell; a blank row, or a
    key cell that is not a number, also gives a primary-key error ("all None"); a key
    into a broken table gives foreign-key errors for values that are really there; a
    cell the loader refused (``flagged``: (row, field)) already has its finding.
    """
    missing = {(e.row_number, e.field_name) for e in errors if e.type == "missing-cell"}
    blank = {e.row_number for e in errors if e.type == "blank-row"}
    bad_cells = {
        (e.row_number, e.field_name)
        for e in errors
        if e.type in ("type-error", "constraint-error", "missing-cell")
    } | set(flagged)
    keys = schema.get("primaryKey") or []
    kept = []
    for e in errors:
        row = getattr(e, "row_number", None)
        if (row, getattr(e, "field_name", None) or None) in flagged:
            continue
        if e.type == "constraint-error" and (row, e.field_name) in missing:
            continue
        if e.type == "primary-key" and (
            row in blank or any((row, key) in bad_cells for key in keys)
        ):
            continue
        if e.type == "foreign-key" and getattr(e, "reference_name", None) in broken:
            continue
        kept.append(e)
    return kept


# Years a date in an estate's records can plausibly have; like the schemas' bounds for
# completion_year and fiscal_year. frictionless reads "25-1" as the month January of
# year 25, and "0202-05-01" as a date; both are typos that would mislead every rule.
YEARS = (1900, 2100)
# No amount, area or count of one estate reaches a thousand trillion: such a value is a
# typo (or "1e400"), and printing it would fill a page.
TOO_BIG = Decimal("1e15")


def _implausible(estate: str, resource: str, path: str, rows: list[dict], schema: dict):
    """Values frictionless accepts but no record can mean: NaN, Infinity and absurdly
    large numbers, and dates or months outside 1900–2100. Reported as type errors with
    row and column, and the table is then treated as failed."""
    checked = [
        (f["name"], f.get("type"))
        for f in schema.get("fields", [])
        if f.get("type") in ("number", "integer", "date", "yearmonth")
        and not _plausible_column([row.get(f["name"]) for row in rows], f.get("type"))
    ]
    if not checked:
        return []
    out = []
    for row in rows:
        for name, kind in checked:
            value = row.get(name)
            if value is None:
                continue
            if type(value) is int:
                # Most cells: a plain count, checked without a Decimal.
                if -TOO_BIG < value < TOO_BIG:
                    continue
                odd, why = True, "size"
            elif kind in ("number", "integer"):
                number = value if isinstance(value, Decimal) else Decimal(str(value))
                if number.is_finite() and abs(number) < TOO_BIG:
                    continue
                odd, why = True, "size" if number.is_finite() else ""
            else:
                year = value.year if kind == "date" else int(value[:-3])
                if YEARS[0] <= year <= YEARS[1]:
                    continue
                odd, why = True, "year"
            shown = str(value) if len(str(value)) <= 24 else str(value)[:20] + "…"
            if odd:
                out.append(
                    errors_zh.type_error(
                        estate, resource, path, row["_row"], name, shown, kind, schema,
                        why=why,
                    )
                )  # fmt: skip
    return out


def _plausible_column(values: list, kind: str) -> bool:
    """Whether no cell of a column can be implausible, judged from its least and greatest
    value (in C) instead of cell by cell; False when that cannot be told so (a NaN or an
    infinity, other types), and the column is then read cell by cell."""
    present = [value for value in values if value is not None]
    if not present:
        return True
    types = set(map(type, present))
    if kind in ("number", "integer") and types <= {int, Decimal}:
        if Decimal in types:
            decimals = present if types == {Decimal} else [v for v in present if type(v) is Decimal]
            if not all(map(Decimal.is_finite, decimals)):
                return False  # NaN or Infinity: cell by cell says which
        return -TOO_BIG < min(present) and max(present) < TOO_BIG
    if kind == "date" and types == {dt.date}:
        return YEARS[0] <= min(present).year and max(present).year <= YEARS[1]
    return False


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
                f"estate.csv 应当正好有一行数据（第 2 行，在列名下面），现在有 {len(rows)} 行。"
                "请只保留本小区的那一行。",
                f"estate.csv must hold exactly one data row (line 2, under the header); it has "
                f"{len(rows)}. Keep only this estate's row.",
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
    """Rows that refer to a table the estate has not published.

    One finding per table and key, at the first such row: the fix is one file to add,
    and a hundred identical lines (one per statement line) would hide everything else.
    """
    out = []
    for name, keys in pkg.dangling.items():
        for fk in keys:
            target = fk["reference"]["resource"]
            field = fk["fields"][0]
            using = [
                r for r in tables.get(name, []) if any(r.get(f) is not None for f in fk["fields"])
            ]
            if not using:
                continue
            first, value = using[0]["_row"], using[0].get(field)
            more, more_en = (
                (
                    f"（共 {len(using)} 行，第一处在第 {first} 行）",
                    f" ({len(using)} rows, the first on line {first})",
                )
                if len(using) > 1
                else ("", "")
            )
            out.append(
                Finding(
                    pkg.estate_id,
                    name,
                    _rel(pkg.files[name], root),
                    first,
                    field,
                    "foreign-key",
                    ERROR,
                    f"“{field}”填了“{value}”{more}，但本小区没有公示“{target}”表，无法对应。"
                    f"请加上 {target}.csv 并在 datapackage.yaml 中列出，或清空这一列。",
                    f'"{field}" is "{value}"{more_en} but this estate publishes no "{target}" '
                    f"table to match it. Add {target}.csv (and list it in datapackage.yaml) or "
                    "clear the column.",
                )
            )
    return out


def run_rules(
    pkg: EstatePackage, tables: dict, as_of: dt.date, config: dict, root: Path
) -> list[Finding]:
    ctx = Context(pkg.estate_id, tables, as_of, config, descriptor=pkg.descriptor)
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


def validate_package(
    pkg: EstatePackage, as_of: dt.date, config: dict, root: Path
) -> tuple[list[Finding], dict[str, list[dict]] | None]:
    """One package's findings and typed tables, as :func:`validate` computes each (the
    build's workers use it; city-wide findings such as duplicate ids come from load)."""
    return _validate_one(pkg, as_of, config, root)
