"""Loading and validating real packages on disk: bad input gives findings, never tracebacks."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from generator.load import load
from generator.validate import validate

from .packages import COMMON_INCOME, ESTATE, MEMBERS, write_package

AS_OF = dt.date(2026, 11, 20)
REPO = Path(__file__).resolve().parent.parent


def findings(data_dir: Path, severity: str | None = "error"):
    report = validate(load(data_dir), AS_OF, {})
    return [
        (f.estate, f.resource, f.path.split("/", 1)[-1] if f.path else None, f.row, f.field, f.rule)
        for f in report.findings
        if severity is None or f.severity == severity
    ]


def test_small_valid_package_has_no_errors(tmp_path):
    assert findings(write_package(tmp_path)) == []


def test_type_error_names_row_and_column(tmp_path):
    bad = MEMBERS.replace(
        "M3,1,王*,委员,是,否,否,3,2024-05-01", "M3,1,王*,委员,是,否,否,3,2024年5月1日"
    )
    write_package(tmp_path, estate=ESTATE, members=bad)
    out = findings(tmp_path)
    assert (
        "test-estate",
        "members",
        "estates/test-estate/members.csv",
        4,
        "start_date",
        "type-error",
    ) in out


def test_gbk_csv_is_explained(tmp_path):
    write_package(tmp_path, estate=ESTATE.format(id="test-estate").encode("gbk"))
    report = validate(load(tmp_path), AS_OF, {})
    (finding,) = [f for f in report.findings if f.rule == "encoding-error"]
    assert finding.severity == "error"
    assert finding.path.endswith("estates/test-estate/estate.csv")
    assert "GBK" in finding.message and "UTF-8" in finding.message
    assert "CSV UTF-8" in finding.message_en


def test_bom_is_read_with_a_warning(tmp_path):
    write_package(tmp_path, estate=b"\xef\xbb\xbf" + ESTATE.format(id="test-estate").encode())
    assert findings(tmp_path) == []
    warnings = findings(tmp_path, "warning")
    assert (
        "test-estate",
        "estate",
        "estates/test-estate/estate.csv",
        1,
        None,
        "encoding-error",
    ) in warnings


def test_missing_and_extra_columns(tmp_path):
    header, row = ESTATE.splitlines()
    missing = "\n".join([header.replace(",households", ""), row.replace(",400", "")]) + "\n"
    write_package(tmp_path, "a", estate=missing)
    extra = "\n".join([header + ",phone", row + ",x"]) + "\n"
    write_package(tmp_path, "b", estate=extra)
    out = findings(tmp_path)
    assert ("a", "estate", "estates/a/estate.csv", 1, "households", "missing-label") in out
    assert ("b", "estate", "estates/b/estate.csv", 1, "phone", "extra-label") in out


def test_empty_file(tmp_path):
    write_package(tmp_path, estate="")
    assert (
        "test-estate",
        "estate",
        "estates/test-estate/estate.csv",
        None,
        None,
        "empty-file",
    ) in findings(tmp_path)


def test_unreadable_yaml(tmp_path):
    write_package(tmp_path)
    (tmp_path / "estates/test-estate/datapackage.yaml").write_text(
        "name: x\nresources:\n\t- a: [\n"
    )
    out = findings(tmp_path)
    assert [(e, r, p, f, rule) for e, r, p, _, f, rule in out] == [
        ("test-estate", None, "estates/test-estate/datapackage.yaml", None, "package-error")
    ]


def test_paths_leaving_the_package_are_refused(tmp_path):
    write_package(tmp_path)
    secret = tmp_path / "secret.csv"
    secret.write_text("x\n")
    descriptor = tmp_path / "estates/test-estate/datapackage.yaml"
    text = descriptor.read_text()
    descriptor.write_text(text.replace("path: members.csv", "path: ../../secret.csv"))
    os.symlink(secret, tmp_path / "estates/test-estate/audits.csv")
    descriptor.write_text(
        descriptor.read_text()
        + "- name: audits\n  path: audits.csv\n  schema: ../../schemas/audits.schema.yaml\n"
    )
    report = validate(load(tmp_path), AS_OF, {})
    refused = [f for f in report.findings if f.rule == "package-error"]
    # The two refused entries, and members.csv which is now listed by no entry.
    assert len(refused) == 3
    assert any("../../secret.csv" in f.message for f in refused)
    assert any("链接" in f.message for f in refused)
    # Nothing outside the folder was read into the report.
    assert "members" not in report.tables["test-estate"]


def test_other_schema_is_refused(tmp_path):
    write_package(tmp_path)
    descriptor = tmp_path / "estates/test-estate/datapackage.yaml"
    descriptor.write_text(
        descriptor.read_text().replace("../../schemas/members.schema.yaml", "my.schema.yaml")
    )
    out = findings(tmp_path)
    assert (
        "test-estate",
        None,
        "estates/test-estate/datapackage.yaml",
        10,  # the line of the members entry in datapackage.yaml
        "resources",
        "package-error",
    ) in out


def test_folder_and_estate_id_must_agree_and_be_unique(tmp_path):
    write_package(tmp_path, "one")
    write_package(tmp_path, "two")
    (tmp_path / "estates/two/datapackage.yaml").write_text(
        (tmp_path / "estates/two/datapackage.yaml").read_text().replace("name: two", "name: one")
    )
    rules = {f[-1] for f in findings(tmp_path)}
    assert {"duplicate-estate", "package-error"} <= rules


def test_foreign_key_and_primary_key(tmp_path):
    members = MEMBERS.replace("M5,1,", "M5,4,").replace("M4,1,", "M3,1,")
    write_package(
        tmp_path,
        estate=ESTATE,
        committees=(
            "term_no,election_date,filing_date,term_start,term_end,seats,status\n"
            "1,2024-05-01,2024-05-20,2024-05-01,2029-04-30,5,在任\n"
        ),
        members=members,
    )
    out = findings(tmp_path)
    assert (
        "test-estate",
        "members",
        "estates/test-estate/members.csv",
        5,
        "member_id",
        "primary-key",
    ) in out
    assert (
        "test-estate",
        "members",
        "estates/test-estate/members.csv",
        6,
        "term_no",
        "foreign-key",
    ) in out


def test_rules_run_on_valid_tables(tmp_path):
    unbalanced = COMMON_INCOME.replace("1150.00,2026-10-10", "1250.00,2026-10-10")
    write_package(tmp_path, estate=ESTATE, common_income=unbalanced)
    out = findings(tmp_path)
    assert out == [
        ("test-estate", "common_income", "estates/test-estate/common_income.csv", 2,
         "closing_yuan", "statement-reconciles"),
    ]  # fmt: skip


# --- the CLI -------------------------------------------------------------------------


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_json_shape_and_exit_codes(tmp_path):
    write_package(tmp_path)
    ok = run("validate", str(tmp_path), "--as-of", "2026-11-20", "--format", "json")
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.output)
    assert data["valid"] is True
    keys = {
        "estate",
        "resource",
        "path",
        "row",
        "field",
        "rule",
        "severity",
        "message",
        "message_en",
    }
    assert all(set(f) == keys for f in data["findings"])
    assert {f["severity"] for f in data["findings"]} <= {"warning"}

    write_package(tmp_path / "bad", estate=ESTATE.replace("商品房", "别墅"))
    bad = run("validate", str(tmp_path / "bad"), "--as-of", "2026-11-20", "--format", "json")
    assert bad.exit_code == 1
    (finding,) = [f for f in json.loads(bad.output)["findings"] if f["severity"] == "error"]
    assert (finding["row"], finding["field"], finding["rule"]) == (
        2,
        "property_type",
        "constraint-error",
    )
    assert "售后公房" in finding["message"]


def test_cli_misuse_exits_2(tmp_path):
    assert run("validate", str(tmp_path / "nope")).exit_code == 2
    assert run("validate", str(tmp_path), "--as-of", "yesterday").exit_code == 2
    assert run("validate", "--format", "xml").exit_code == 2


def test_cli_table_and_github_formats(tmp_path):
    write_package(tmp_path, estate=ESTATE.replace("2010,", "2010年,"))
    table = run("validate", str(tmp_path), "--as-of", "2026-11-20")
    assert table.exit_code == 1
    assert "== test-estate" in table.output and "completion_year" in table.output
    github = run("validate", str(tmp_path), "--as-of", "2026-11-20", "--format", "github")
    line = next(x for x in github.output.splitlines() if x.startswith("::error"))
    assert "/estates/test-estate/estate.csv," in line and "line=2" in line


def test_source_date_epoch_sets_as_of(tmp_path, monkeypatch):
    write_package(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not-a-number")
    assert run("validate", str(tmp_path)).exit_code == 2
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798761600")  # 2027-01-01 in Shanghai
    out = json.loads(run("validate", str(tmp_path), "--format", "json").output)
    # As of 2027 the 2026Q4 statement is not due yet (due end of January).
    assert out["valid"] is True


def test_build_failure_keeps_previous_site(tmp_path):
    data = write_package(tmp_path / "data")
    site = tmp_path / "site"
    args = [
        "build",
        str(data),
        "--site-dir",
        str(site),
        "--build-dir",
        str(tmp_path / "b"),
        "--as-of",
        "2026-11-20",
        "--config-file",
        str(REPO / "mkdocs.yml"),
    ]
    first = run(*args)
    assert first.exit_code == 0, first.output
    before = sorted(p.relative_to(site) for p in site.rglob("*"))
    (site / "marker.txt").write_text("previous build")
    shutil.copy(data / "estates/test-estate/estate.csv", tmp_path / "estate.bak")
    (data / "estates/test-estate/estate.csv").write_bytes("损坏".encode("gbk"))
    second = run(*args)
    assert second.exit_code == 1
    assert "encoding-error" in second.output
    assert (site / "marker.txt").read_text() == "previous build"
    assert sorted(p.relative_to(site) for p in site.rglob("*") if p.name != "marker.txt") == before
    assert not list(tmp_path.glob(".site.tmp-*"))


def test_files_not_in_the_package_are_refused(tmp_path):
    write_package(tmp_path)
    folder = tmp_path / "estates/test-estate"
    (folder / "notes.xlsx").write_bytes(b"PK")
    (folder / "old").mkdir()
    (folder / ".DS_Store").write_bytes(b"")
    out = findings(tmp_path)
    assert (
        "test-estate",
        None,
        "estates/test-estate/notes.xlsx",
        None,
        None,
        "package-error",
    ) in out
    assert ("test-estate", None, "estates/test-estate/old", None, None, "package-error") in out
    assert not any(".DS_Store" in (f[2] or "") for f in out)


def test_as_of_outside_the_rules_range_is_misuse(tmp_path):
    write_package(tmp_path)
    assert run("validate", str(tmp_path), "--as-of", "0001-01-01").exit_code == 2
    assert run("validate", str(tmp_path), "--as-of", "9999-12-31").exit_code == 2


def test_broken_rules_yaml_is_misuse_not_a_traceback(tmp_path):
    write_package(tmp_path)
    (tmp_path / "rules.yaml").write_text("- just\n- a list\n")
    result = run("validate", str(tmp_path), "--as-of", "2026-11-20")
    assert result.exit_code == 2 and "rules.yaml" in result.output
    (tmp_path / "rules.yaml").write_text("fee_bands: [\n")
    assert run("validate", str(tmp_path), "--as-of", "2026-11-20").exit_code == 2


def test_parallel_validation_gives_the_same_report(monkeypatch):
    import importlib

    # generator.validate is also the name of the function the package re-exports.
    validate_mod = importlib.import_module("generator.validate")

    serial = validate(load(REPO / "data"), AS_OF, {}, workers=1)
    monkeypatch.setattr(validate_mod, "PARALLEL_FROM", 1)
    parallel = validate(load(REPO / "data"), AS_OF, {}, workers=2)
    assert parallel.findings == serial.findings
    assert parallel.tables == serial.tables
    assert parallel.estate_dirs == serial.estate_dirs


def test_rules_yaml_settings_must_be_numbers(tmp_path):
    write_package(tmp_path)
    (tmp_path / "rules.yaml").write_text("meeting_max_gap_days: two months\n")
    result = run("validate", str(tmp_path), "--as-of", "2026-11-20")
    assert result.exit_code == 2 and "meeting_max_gap_days" in result.output


def test_build_with_relative_folders_as_make_site_runs_it(tmp_path, monkeypatch):
    # `make site` runs `sunlight build` with the defaults: relative data, build and site.
    write_package(tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    result = run(
        "build", "data", "--as-of", "2026-11-20", "--config-file", str(REPO / "mkdocs.yml")
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site/estates/test-estate/index.html").is_file()
    assert (tmp_path / "site/pagefind/site/pagefind.js").is_file()
