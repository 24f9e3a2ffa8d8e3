"""A broken copy of a sample estate: every kind of damage gives its own clear finding."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from generator.config import load_rules_config
from generator.load import load
from generator.validate import validate

REPO = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 20)


def edit_line(path: Path, line_no: int, old: str, new: str) -> None:
    lines = path.read_text("utf-8").splitlines(keepends=True)
    assert old in lines[line_no - 1], (path, line_no, lines[line_no - 1])
    lines[line_no - 1] = lines[line_no - 1].replace(old, new, 1)
    path.write_text("".join(lines), "utf-8")


def broken_meilin(tmp_path: Path) -> Path:
    estate = tmp_path / "data/estates/meilin-xincun"
    shutil.copytree(REPO / "data/estates/meilin-xincun", estate)
    shutil.copytree(REPO / "data/schemas", tmp_path / "data/schemas")
    # An unbalanced statement: 2024Q1's closing no longer follows from its numbers.
    closing = (estate / "common_income.csv").read_text().splitlines()[1].split(",")[6]
    edit_line(estate / "common_income.csv", 2, f",{closing},", ",99999.99,")
    # An even committee.
    edit_line(estate / "committees.csv", 2, ",7,在任", ",8,在任")
    # A phone number in a name.
    name = (estate / "members.csv").read_text().splitlines()[2].split(",")[2]
    edit_line(estate / "members.csv", 3, f",{name},", f",{name}13812345678,")
    # A broken foreign key: an event about a member who does not exist.
    events = (estate / "member_events.csv").read_text().splitlines()
    member = events[1].split(",")[1]
    edit_line(estate / "member_events.csv", 2, f",{member},", ",M999,")
    # A CSV saved by Excel as plain "CSV" (GBK).
    orders = estate / "work_orders.csv"
    orders.write_bytes(orders.read_text("utf-8").encode("gbk"))
    return tmp_path / "data"


def test_sample_estates_validate(tmp_path):
    report = validate(load(REPO / "data"), AS_OF, {})
    assert report.errors == []
    assert len(report.tables) >= 8


def test_each_break_gives_its_finding(tmp_path):
    report = validate(load(broken_meilin(tmp_path)), AS_OF, {})
    errors = {(f.rule, f.path, f.row, f.field) for f in report.errors}
    base = "data/estates/meilin-xincun/"
    expected = {
        ("statement-reconciles", base + "common_income.csv", 2, "closing_yuan"),
        ("committee-size", base + "committees.csv", 2, "seats"),
        ("no-personal-data", base + "members.csv", 3, "display_name"),
        ("foreign-key", base + "member_events.csv", 2, "member_id"),
        ("encoding-error", base + "work_orders.csv", 2, None),
    }
    assert expected <= errors, sorted(errors)
    for finding in report.errors:
        assert finding.estate == "meilin-xincun"
        assert finding.message and finding.message_en and finding.message != finding.message_en
    phone = next(f for f in report.errors if f.rule == "no-personal-data")
    assert "13812345678" not in phone.message  # the number is masked in the message


def test_broken_copy_through_the_cli(tmp_path):
    data = broken_meilin(tmp_path)
    result = CliRunner().invoke(
        main, ["validate", str(data), "--as-of", "2026-11-20", "--format", "json"]
    )
    assert result.exit_code == 1
    rules = {f["rule"] for f in json.loads(result.output)["findings"] if f["severity"] == "error"}
    assert {"statement-reconciles", "committee-size", "no-personal-data", "foreign-key",
            "encoding-error"} <= rules  # fmt: skip


def test_a_failed_city_build_ends_with_its_errors_and_counts_the_other_warnings(
    tmp_path, monkeypatch
):
    """In a city thousands of estates have warnings: a failed build prints the estates with
    an error in full, last, and counts the others' warnings instead of burying the error in
    their lines (here the limit is lowered so the eight sample estates count as many)."""
    from generator import findings

    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    edit_line(data / "estates/meilin-xincun/committees.csv", 2, ",7,在任", ",8,在任")
    report = validate(load(data), AS_OF, load_rules_config(data))
    quiet = [f for f in report.findings if f.estate != "meilin-xincun"]
    quiet_estates = sorted({f.estate for f in quiet})
    assert quiet and all(f.severity == "warning" for f in quiet)

    def build():
        args = ["build", str(data), "--site-dir", str(tmp_path / "site"), "--build-dir",
                str(tmp_path / "build"), "--as-of", "2026-11-20", "--config-file",
                str(REPO / "mkdocs.yml"), "--site-url", "https://sunlight.example.org/"]  # fmt: skip
        return CliRunner().invoke(main, args)

    monkeypatch.setattr(findings, "QUIET_ESTATES_LISTED", 0)
    result = build()
    assert result.exit_code == 1 and not (tmp_path / "site").exists()
    lines = result.output.splitlines()
    counted = next(i for i, line in enumerate(lines) if "other estates have" in line)
    assert f"另有 {len(quiet_estates)} 个小区共 {len(quiet)} 个提醒" in lines[counted]
    assert f"{len(quiet_estates)} other estates have {len(quiet)} warnings" in lines[counted]
    blocks = [line for line in lines if line.startswith("== ")]
    own = sum(f.estate == "meilin-xincun" for f in report.warnings)
    assert blocks == [f"== meilin-xincun: 1 个错误 errors, {own} 个提醒 warnings"], blocks
    assert counted < lines.index(blocks[0])
    assert any("committee-size" in line for line in lines[lines.index(blocks[0]) :])
    errors, warnings = len(report.errors), len(report.warnings)
    assert f"{errors} 个错误，{warnings} 个提醒" in lines[-2]  # every finding still counted
    assert "nothing was built" in lines[-1]

    # Few estates with warnings: every one is listed, as sunlight validate lists them.
    monkeypatch.setattr(findings, "QUIET_ESTATES_LISTED", len(quiet_estates))
    result = build()
    assert result.exit_code == 1
    blocks = {
        line.split(":")[0][3:] for line in result.output.splitlines() if line.startswith("== ")
    }
    assert blocks == {"meilin-xincun", *quiet_estates}
