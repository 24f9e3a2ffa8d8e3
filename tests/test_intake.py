"""sunlight intake: an uploaded workbook checked (format, uploader) and imported, or refused
with nothing written. Real workbooks (sunlight export), real validation, and a workbook
re-saved by LibreOffice headless."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from generator.cli import main
from generator.tools import intake, sheets

REPO = Path(__file__).resolve().parent.parent
ESTATE = "meilin-xincun"
AS_OF = "2026-11-20"
MAPPING = f"""maintainers: ["@sunlight-estates/maintainers"]
estates:
  {ESTATE}: ["@zhang-secretary", "@sunlight-estates/committee-{ESTATE}"]
"""


@pytest.fixture
def data(tmp_path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data/schemas", data / "schemas")
    shutil.copy(REPO / "data/rules.yaml", data / "rules.yaml")
    shutil.copytree(REPO / "data/estates" / ESTATE, data / "estates" / ESTATE)
    (data / "committees.yaml").write_text(MAPPING, "utf-8")
    return data


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def upload(data, tmp_path) -> Path:
    """The estate's own workbook, as a secretary downloads it, in uploads/<estate_id>/."""
    path = tmp_path / "uploads" / ESTATE / "2025年第一季度.xlsx"
    path.parent.mkdir(parents=True)
    sheets.export_estate(data, ESTATE, path)
    return path


def run(*args):
    return CliRunner().invoke(main, ["intake", *map(str, args)])


def _edit(path: Path, sheet_title_part: str, column: str, value, row: int | None = None):
    """Set one cell of the first data row (or ``row``) in the sheet whose title contains
    ``sheet_title_part`` (``*``: any sheet with that column), in the column whose header is
    ``column``."""
    wb = load_workbook(path)
    if sheet_title_part != "*":
        ws = next(ws for ws in wb.worksheets if sheet_title_part in ws.title)
    else:  # any sheet with that column
        ws = next(
            ws
            for ws in wb.worksheets
            if any(c.value == column for r in ws.iter_rows(max_row=10) for c in r)
        )
    for header_row in ws.iter_rows(min_row=1, max_row=10):
        for cell in header_row:
            if cell.value == column:
                target = ws.cell(row=row or cell.row + 1, column=cell.column)
                target.value = value
                wb.save(path)
                return target.coordinate
    raise AssertionError(f"no column {column} in {ws.title}")


def test_a_committee_members_workbook_is_imported(data, upload):
    _edit(upload, "工单", "closed", 23)
    before = files_of(data / "estates" / ESTATE)
    result = run(upload, "--uploader", "zhang-secretary", "--data-dir", data, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    after = files_of(data / "estates" / ESTATE)
    assert {k for k in after if after[k] != before.get(k)} == {"work_orders.csv"}
    assert "2025-01,12345,报修,23,23," in after["work_orders.csv"].decode()


def test_a_team_member_is_accepted_when_the_workflow_found_them_in_the_team(data, upload):
    args = [upload, "--uploader", "li-weiyuan", "--data-dir", data, "--as-of", AS_OF]
    refused = run(*args)
    assert refused.exit_code == 1 and "不是" in refused.output and "committee" in refused.output
    accepted = run(*args, "--member-of", f"sunlight-estates/committee-{ESTATE}")
    assert accepted.exit_code == 0, accepted.output


def test_anyone_else_is_refused_and_nothing_is_written(data, upload):
    _edit(upload, "工单", "closed", 23)
    before = files_of(data / "estates" / ESTATE)
    result = run(
        upload, "--uploader", "someone-else", "--member-of", "other/team", "--data-dir", data
    )
    assert result.exit_code == 1
    assert "someone-else 不是 meilin-xincun 业委会登记的账号" in result.output
    assert "nothing was imported" in result.output and "Traceback" not in result.output
    assert files_of(data / "estates" / ESTATE) == before


def test_an_estate_without_a_committee_on_file_is_refused(data, upload):
    (data / "committees.yaml").write_text('maintainers: ["@m"]\nestates: {}\n', "utf-8")
    result = run(upload, "--uploader", "zhang-secretary", "--data-dir", data)
    assert result.exit_code == 1 and "no committee is listed" in result.output


@pytest.mark.parametrize(
    "name, content",
    [
        ("旧表格.xls", intake.OLE2 + b"\0" * 504),
        ("wps表格.et", intake.OLE2 + b"\0" * 504),
        ("改了名字的旧表格.xlsx", intake.OLE2 + b"\0" * 504),
        ("数据.csv", b"month,channel\n2025-01,12345\n"),
        ("不是表格.xlsx", b"%PDF-1.7\n"),
    ],
)
def test_old_formats_and_other_files_are_refused_with_how_to_save_as_xlsx(
    data, tmp_path, name, content
):
    path = tmp_path / "uploads" / ESTATE / name
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    before = files_of(data / "estates" / ESTATE)
    result = run(path, "--uploader", "zhang-secretary", "--data-dir", data)
    assert result.exit_code == 1, result.output
    assert "另存为" in result.output and "Save As" in result.output and "xlsx" in result.output
    assert "Traceback" not in result.output
    assert files_of(data / "estates" / ESTATE) == before


def test_an_upload_outside_an_estate_folder_is_refused(data, upload, tmp_path):
    stray = tmp_path / "uploads" / "Not An Id" / "a.xlsx"
    stray.parent.mkdir(parents=True)
    shutil.copy(upload, stray)
    result = run(stray, "--uploader", "zhang-secretary", "--data-dir", data)
    assert result.exit_code == 1 and "uploads/<estate_id>/" in result.output


def test_a_workbook_with_a_bad_cell_gives_findings_by_sheet_row_column_and_nothing_else(
    data, upload
):
    cell = _edit(upload, "工单", "closed", "二十二")
    before = files_of(data / "estates" / ESTATE)
    result = run(upload, "--uploader", "zhang-secretary", "--data-dir", data, "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    assert "工单" in result.output and cell[1:] in result.output  # the sheet and its row
    assert "nothing was written" in result.output.lower() or "没有写入" in result.output
    assert files_of(data / "estates" / ESTATE) == before


def test_a_workbook_that_fails_validation_leaves_the_folder_as_it_was(data, upload):
    """Readable cells, but more closed than received: the CSVs are put back byte for byte."""
    _edit(upload, "工单", "closed", 99)
    before = files_of(data / "estates" / ESTATE)
    result = run(upload, "--uploader", "zhang-secretary", "--data-dir", data, "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    assert "work-orders-consistent" in result.output
    assert files_of(data / "estates" / ESTATE) == before


def test_a_mobile_number_in_a_cell_is_refused_by_the_privacy_guard(data, upload):
    _edit(upload, "*", "display_name", "张三 13812345678")
    before = files_of(data / "estates" / ESTATE)
    result = run(upload, "--uploader", "zhang-secretary", "--data-dir", data, "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    assert "no-personal-data" in result.output
    assert "13812345678" not in result.output
    assert files_of(data / "estates" / ESTATE) == before


def test_a_workbook_resaved_by_libreoffice_imports_the_same(data, upload, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        if os.environ.get("SUNLIGHT_SKIP_BROWSER") == "1":  # the install script skipped too
            pytest.skip("SUNLIGHT_SKIP_BROWSER=1 and no LibreOffice")
        pytest.fail("LibreOffice is missing: run scripts/install-test-deps.sh", pytrace=False)
    _edit(upload, "工单", "closed", 23)
    out = tmp_path / "resaved"
    converted = subprocess.run(
        [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "xlsx", "--outdir", str(out), str(upload)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    resaved = out / upload.name
    assert converted.returncode == 0 and resaved.exists(), converted.stdout + converted.stderr
    assert resaved.read_bytes() != upload.read_bytes()  # really written by LibreOffice

    excel_data = data.parent / "excel"
    shutil.copytree(data, excel_data)
    first = run(upload, "--uploader", "zhang-secretary", "--data-dir", excel_data, "--as-of", AS_OF)
    assert first.exit_code == 0, first.output
    second = run(
        resaved,
        "--uploader",
        "zhang-secretary",
        "--estate",
        ESTATE,
        "--data-dir",
        data,
        "--as-of",
        AS_OF,
    )
    assert second.exit_code == 0, second.output
    assert files_of(data / "estates" / ESTATE) == files_of(excel_data / "estates" / ESTATE)


# --------------------------------------------------------------------------- the forge's teams


@pytest.fixture
def fake_forge():
    """A Forgejo/Gitea API on loopback with one team (id 7) whose only member is li-weiyuan."""
    import http.server
    import json
    import threading

    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.headers.get("Authorization")))
            if self.path == f"/api/v1/orgs/sunlight-estates/teams/search?q=committee-{ESTATE}":
                body = {"ok": True, "data": [{"id": 7, "name": f"committee-{ESTATE}"}]}
                self._send(200, body)
            elif self.path == "/api/v1/teams/7/members/li-weiyuan":
                self._send(200, {"login": "li-weiyuan"})
            else:
                self._send(404, {"message": "not found"})

        def _send(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v1", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_team_membership_is_asked_of_the_forge(data, upload, fake_forge, monkeypatch):
    api, seen = fake_forge
    monkeypatch.setenv("SUNLIGHT_FORGE_TOKEN", "forge-token-123")
    member = run(
        upload, "--uploader", "li-weiyuan", "--forge-api", api, "--data-dir", data, "--as-of", AS_OF
    )
    assert member.exit_code == 0, member.output
    assert ("/api/v1/teams/7/members/li-weiyuan", "token forge-token-123") in seen
    assert "forge-token-123" not in member.output
    stranger = run(upload, "--uploader", "wang-outsider", "--forge-api", api, "--data-dir", data)
    assert stranger.exit_code == 1 and "wang-outsider 不是" in stranger.output


def test_an_unreachable_forge_is_a_clean_refusal(data, upload):
    result = run(
        upload,
        "--uploader",
        "li-weiyuan",
        "--forge-api",
        "http://127.0.0.1:9/api/v1",
        "--data-dir",
        data,
    )
    assert result.exit_code == 1 and "cannot reach the forge API" in result.output
    assert "Traceback" not in result.output
