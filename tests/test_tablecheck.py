"""tablecheck gives what frictionless gives: the same errors, findings and typed rows.

Every case runs both ways on the same files: ``validate._frictionless`` (tablecheck over
the loader's parse) and ``validate._frictionless_reference`` (frictionless'
``Package.validate()`` and a second read). Below the findings, the raw frictionless
errors (every property, in order, up to the error limit) and the typed rows of every
table are compared too, so an echo that the findings drop cannot hide a difference.
"""

from __future__ import annotations

import copy
import csv
import importlib
import io
import random
import shutil
from pathlib import Path

import frictionless
import pytest
import yaml

from generator import tablecheck
from generator.findings import sort_findings
from generator.load import load, load_package, load_schemas

from .packages import COMMITTEES, COMMON_INCOME, ESTATE, MEMBERS, write_package

validate = importlib.import_module("generator.validate")
DATA = Path(__file__).resolve().parent.parent / "data"
SAMPLE = "meilin-xincun"


def compare(data_dir: Path) -> list[bool]:
    """Assert both ways agree on every package under ``data_dir``; return, per package,
    whether tablecheck judged it (False: it left it to frictionless)."""
    judged = []
    loaded = load(data_dir)
    for pkg in loaded.packages:
        if not pkg.descriptor.get("resources"):
            continue
        # The reference, once: what validate._frictionless_reference does, keeping the
        # raw errors and every table's rows to compare below the findings.
        reference_pkg = copy.deepcopy(pkg)
        reference: list = []
        try:
            report = frictionless.Package(pkg.descriptor, basepath=str(pkg.folder)).validate()
        except frictionless.FrictionlessException:
            # A descriptor frictionless cannot open: the reference says so itself.
            report = None
            reference_tables = validate._frictionless_reference(
                reference_pkg, loaded.root, reference
            )
        else:
            errors = {task.name: list(task.errors) for task in report.tasks}
            rows = {d["name"]: validate._read_typed(pkg, d) for d in pkg.descriptor["resources"]}
            reference_tables = validate._passed(
                reference_pkg, loaded.root, reference, errors, rows_of(rows)
            )
        # As a build worker loads it: the loader's parse kept, no file read again.
        pkg = load_package(pkg.folder, loaded.root, loaded.schemas)
        checked = tablecheck.check_package(copy.deepcopy(pkg))
        judged.append(checked is not None)
        assert checked is None or report is not None
        if checked is not None:
            assert described(checked.errors) == described(errors), pkg.estate_id
            # repr: Decimal("NaN") is not equal to itself.
            assert repr(checked.rows) == repr(rows), pkg.estate_id
            # As load() leaves it for a whole city: tablecheck reads each file once.
            reread = tablecheck.check_package(reference_pkg)
            assert not reference_pkg.parsed
            assert described(reread.errors) == described(errors), pkg.estate_id
        fast: list = []
        tables = validate._frictionless(pkg, loaded.root, fast)
        assert sort_findings(fast) == sort_findings(reference), pkg.estate_id
        assert repr(tables) == repr(reference_tables), pkg.estate_id
    return judged


def rows_of(rows: dict[str, list[dict]]):
    return lambda descriptor: rows[descriptor["name"]]


def described(errors: dict[str, list]) -> dict[str, list[dict]]:
    return {name: [e.to_descriptor() for e in errs] for name, errs in errors.items()}


def test_the_reference_is_frictionless_own_validation(tmp_path):
    """What compare() takes for the reference is what validate._frictionless_reference gives."""
    data = write_package(tmp_path, estate=ESTATE, members=MEMBERS.replace("M2,1,", "M1,1,"))
    loaded = load(data)
    pkg = loaded.packages[0]
    findings: list = []
    tables = validate._frictionless_reference(copy.deepcopy(pkg), loaded.root, findings)
    assert [(f.row, f.rule) for f in findings] == [(3, "primary-key")]
    assert "members" not in tables and tables["estate"][0]["name"] == "测试小区"
    assert compare(data) == [True]


def test_sample_estates_are_judged_alike_without_frictionless_packages():
    judged = compare(DATA)
    assert len(judged) == len(list((DATA / "estates").iterdir()))
    assert all(judged)


# --- one sample estate, every table broken the same way ------------------------------


def sample_copy(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    shutil.copytree(DATA / "schemas", data / "schemas")
    shutil.copytree(DATA / "estates" / SAMPLE, data / "estates" / SAMPLE)
    return data, data / "estates" / SAMPLE


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text("utf-8"), newline="")))


def write_csv(path: Path, rows: list[list[str]], tail: str = "") -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue() + tail, "utf-8")


def schema_of(data: Path, table: str) -> dict:
    return load_schemas(data / "schemas")[table]


NOT_A_VALUE = "不是值"
# Values that break a constraint of some field without breaking its type.
CANDIDATES = ["", "x", "不在列表里", "!!", "-1", "0", "-99999999", "999999999999", "1000-01-01",
              "9999-12-31", "1000-01", "9999-12", "x" * 600, "是", "否"]  # fmt: skip


def violation(spec: dict) -> str | None:
    """A value frictionless reads as the field's type but refuses by a constraint."""
    reader = frictionless.Field.from_descriptor(spec).create_cell_reader()
    for value in CANDIDATES:
        _, notes = reader(value)
        if notes and "type" not in notes:
            return value
    return None


def break_every_table(folder: Path, data: Path, kind: str) -> None:
    for path in sorted(folder.glob("*.csv")):
        rows = read_csv(path)
        header, body = rows[0], rows[1:]
        fields = {f["name"]: f for f in schema_of(data, path.stem)["fields"]}
        tail = ""
        if kind == "type" and body:
            for i, name in enumerate(header):
                if fields[name].get("type", "string") != "string":
                    body[0][i] = NOT_A_VALUE
        elif kind == "constraint" and body:
            for i, name in enumerate(header):
                value = violation(fields[name])
                if value is not None:
                    body[0][i] = value
        elif kind == "duplicate-key" and body:
            body.append(list(body[0]))
        elif kind == "dangling-key" and body:
            schema = schema_of(data, path.stem)
            for fk in schema.get("foreignKeys", []):
                body[0][header.index(fk["fields"][0])] = "没有这个编号"
        elif kind == "missing-column":
            rows = [row[:-1] for row in rows]
            header, body = rows[0], rows[1:]
        elif kind == "extra-column":
            header = header + ["extra"]
            body = [row + ["1"] for row in body]
        elif kind == "short-row" and body:
            body[0] = body[0][:-2]
        elif kind == "long-row" and body:
            body[0] = body[0] + ["多出来的一格", ""]
        elif kind == "blank-rows":
            body = body[:1] + [[""] * len(header), []] + body[1:]
            tail = "\n\n"
        elif kind == "spaces" and body:
            body[-1] = [f" {cell} " if cell else cell for cell in body[-1]]
        elif kind == "quotes" and body:
            # Quoted cells take the sniffer's own regular expressions.
            body[0] = [f"{cell}, 另" if fields[h].get("type", "string") == "string" else cell
                       for h, cell in zip(header, body[0], strict=True)]  # fmt: skip
        elif kind == "each-field" and body:
            # A bad cell in every column, each in another row where there are rows.
            for i, name in enumerate(header):
                row = body[i % len(body)]
                kind_of = fields[name].get("type", "string")
                bad = NOT_A_VALUE if kind_of != "string" else violation(fields[name])
                if bad is not None:
                    row[i] = bad
        elif kind == "empty":
            body = []
        write_csv(path, [header, *body], tail)


KINDS = ["type", "constraint", "duplicate-key", "dangling-key", "missing-column", "extra-column",
         "short-row", "long-row", "blank-rows", "spaces", "quotes", "each-field", "empty"]  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_every_table_of_a_sample_estate_broken_the_same_way(tmp_path, kind):
    data, folder = sample_copy(tmp_path)
    break_every_table(folder, data, kind)
    # The loader refuses every table with a missing or unknown column, before frictionless.
    refused = kind in ("missing-column", "extra-column")
    assert compare(data) == ([] if refused else [True])


def test_more_errors_than_frictionless_keeps_stop_at_its_limit(tmp_path):
    lines = MEMBERS.splitlines()
    row = lines[1].split(",")
    many = [lines[0]]
    for n in range(1, 1100):
        cells = list(row)
        cells[0] = f"M{n}"
        cells[3] = "不是职务"  # enum
        cells[8] = "不是日期"  # type
        many.append(",".join(cells))
    data = write_package(
        tmp_path, estate=ESTATE, committees=COMMITTEES, members="\n".join(many) + "\n"
    )
    assert compare(data) == [True]
    pkg = load(data).packages[0]
    assert (
        len(tablecheck.check_package(pkg).errors["members"])
        == frictionless.settings.DEFAULT_LIMIT_ERRORS
    )


def test_self_references_and_unique_fields_as_frictionless_checks_them(tmp_path):
    """Not in today's schemas, but frictionless checks them: so does tablecheck."""
    data, folder = sample_copy(tmp_path)
    path = data / "schemas" / "members.schema.yaml"
    text = path.read_text("utf-8")
    text = text.replace("foreignKeys:", "foreignKeys:\n  - fields: [display_name]\n    reference: {resource: members, fields: [member_id]}", 1)  # fmt: skip
    schema = yaml.safe_load(text)
    for field in schema["fields"]:
        if field["name"] == "building_no":
            field.setdefault("constraints", {})["unique"] = True
    path.write_text(yaml.safe_dump(schema, allow_unicode=True), "utf-8")
    judged = compare(data)
    assert judged == [True]


@pytest.mark.parametrize(
    "tables",
    [
        # The inline packages of test_validate, test_robustness and test_bounds.
        {"estate": ESTATE, "committees": COMMITTEES, "members": MEMBERS},
        {"estate": ESTATE.replace("2010", "二〇一〇"), "members": MEMBERS},
        {"estate": ESTATE, "members": MEMBERS.replace("M2,1,", "M1,1,")},
        {"estate": ESTATE, "committees": COMMITTEES, "members": MEMBERS.replace("M3,1,", "M3,9,")},
        {"estate": ESTATE, "members": MEMBERS.replace(",1,2024-05-01,,\n", ",1\n", 1)},
        {"estate": ESTATE, "members": MEMBERS + ",,,,,,,,,,\n\n"},
        {"estate": ESTATE, "members": MEMBERS.replace("主任,", " 主任 ,", 1)},
        {"estate": ESTATE, "common_income": COMMON_INCOME.replace("1000.00", "NaN")},
        {"estate": ESTATE, "common_income": COMMON_INCOME.replace("2026Q3", "")},
        {"estate": ESTATE, "common_income": COMMON_INCOME.replace("1000.00", "1,000.00")},
        {"estate": ESTATE, "common_income": COMMON_INCOME.replace("2026-10-10", "25-1")},
        {"estate": ESTATE.replace("\n", "\r\n"), "members": MEMBERS.replace("\n", "\r")},
        {"estate": "\ufeff" + ESTATE, "members": MEMBERS.replace("是,是", '"是","是"')},
        {"estate": ESTATE, "members": MEMBERS.replace("M1,", "=M1,")},
        {"estate": ESTATE, "members": MEMBERS.replace("M1,", "M1 ,")},
        {"estate": ESTATE, "committees": COMMITTEES.replace("在任", "")},
        {"estate": ESTATE, "committees": COMMITTEES + COMMITTEES.splitlines()[1] + "\n"},
    ],
)
def test_inline_bad_packages_are_judged_alike(tmp_path, tables):
    compare(write_package(tmp_path, **tables))


# --- files frictionless reads otherwise: left to frictionless --------------------------


def test_a_file_frictionless_would_split_on_semicolons_is_left_to_it(tmp_path):
    # Every line has one ";" but rows of different widths: frictionless' sniffer picks
    # ";" and reads one column; only frictionless can say what it then reports.
    members = MEMBERS.replace("张*明", "张;明").replace("李*华", "李;华").replace("王*", "王;")
    members = members.replace("赵*", "赵;").replace("钱*", "钱;")
    members = members.replace("display_name,", "display_name;x,", 1)
    lines = members.splitlines()
    lines[2] = lines[2] + ",多,多"
    data = write_package(tmp_path, estate=ESTATE, members="\n".join(lines) + "\n")
    pkg = load_package(data / "estates" / "test-estate", data, load(data).schemas)
    if "members" in pkg.files:
        assert not tablecheck._sniffs_as_excel(pkg.parsed["members"][0])
    assert compare(data) == [False] or "members" not in pkg.files


def test_a_header_frictionless_would_look_for_lower_down_is_left_to_it(tmp_path):
    # Most rows far wider than the header: frictionless takes a later row for the header.
    lines = COMMITTEES.splitlines()
    wide = lines[1] + ",x,x,x,x,x,x"
    data = write_package(
        tmp_path, estate=ESTATE, committees="\n".join([lines[0]] + [wide] * 5) + "\n"
    )
    pkg = load_package(data / "estates" / "test-estate", data, load(data).schemas)
    assert tablecheck._header_row(pkg.parsed["committees"][1]) != 1
    assert compare(data) == [False]


# --- the two things frictionless decides before reading --------------------------------


def random_sample(rng: random.Random) -> str:
    alphabet = [",", ",", ";", "\t", "|", " ", "a", "字", "1", "\n", "\r\n", ", "]
    lines = []
    for _ in range(rng.randint(0, 30)):
        lines.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25))))
    return "\n".join(lines)


def test_the_delimiter_guess_is_the_standard_librarys():
    rng = random.Random(9)
    sniffer = csv.Sniffer()
    for _ in range(800):
        sample = random_sample(rng)
        expected = sniffer._guess_delimiter(sample, tablecheck.DELIMITERS)
        got = tablecheck._guess_delimiter(sample, tablecheck.DELIMITERS)
        assert (got[0], bool(got[1])) == (expected[0], bool(expected[1])), repr(sample)


def test_sniffing_as_frictionless_does():
    rng = random.Random(10)
    for _ in range(500):
        sample = random_sample(rng)
        if rng.random() < 0.2:
            sample = sample.replace("a", '"a,b"')
        try:
            dialect = csv.Sniffer().sniff(sample, tablecheck.DELIMITERS)
            expected = dialect.delimiter == "," and not dialect.skipinitialspace
        except csv.Error:
            expected = True
        assert tablecheck._sniffs_as_excel(sample) == expected, repr(sample)


def test_the_header_row_is_the_one_frictionless_detects():
    rng = random.Random(11)
    for _ in range(2000):
        rows = [["x"] * rng.choice([0, 1, 3, 5, 8, 12]) for _ in range(rng.randint(1, 120))]
        # frictionless sees the first 100 records (its sample).
        dialect = frictionless.Detector().detect_dialect(rows[: tablecheck.SAMPLE_ROWS])
        assert tablecheck._header_row(rows) == dialect.header_rows[0]


def test_a_schema_frictionless_refuses_is_left_to_it(tmp_path):
    data, folder = sample_copy(tmp_path)
    path = data / "schemas" / "members.schema.yaml"
    path.write_text(path.read_text("utf-8").replace("type: date", "type: datum", 1), "utf-8")
    assert compare(data) == [False]
