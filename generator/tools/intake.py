"""``sunlight intake``: a workbook a committee uploaded through the forge's web page, checked
and imported by a workflow (deploy/intake/intake.yml) into the public repository's CSVs.

The raw workbook never reaches the public repository: it is uploaded to a private intake
repository (``uploads/<estate_id>/<any name>.xlsx``), whose workflow runs this command on a
checkout of the public one and opens a pull request with the CSVs only.

Before anything is written, the upload must be

- an ``.xlsx`` workbook: an old ``.xls`` or a WPS ``.et`` (both OLE2 files, whatever their
  name says) is refused with how to save it as ``.xlsx`` in Excel, WPS or LibreOffice;
- from a member of the estate's committee in ``data/committees.yaml`` (``@login``, or a
  ``@org/team`` the workflow found the uploader in, passed as ``--member-of``);

and after the import the estate must pass validation (the privacy guard included): a
workbook with errors gives findings by sheet, row and column, and the estate's folder is
left exactly as it was.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .. import safepaths
from ..findings import Report, format_table
from . import packagefiles as pf
from ._clicktools import as_of_option, as_of_or_default, data_dir_option
from .codeowners import load_mapping
from .packagefiles import PackageFileError

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et, .doc: the pre-2007 container
ZIP = b"PK\x03\x04"

SAVE_AS_XLSX = (
    "请另存为 .xlsx 后重新上传：Excel 选“文件 → 另存为 → Excel 工作簿（*.xlsx）”；WPS 表格选"
    "“文件 → 另存为 → Excel 文件（*.xlsx）”；LibreOffice 选“文件 → 另存为 → Excel 2007-365"
    "（.xlsx）”。/ Save it as .xlsx and upload again: Excel: File → Save As → Excel Workbook "
    "(*.xlsx); WPS: File → Save As → Excel file (*.xlsx); LibreOffice: File → Save As → "
    "Excel 2007-365 (.xlsx)."
)


class IntakeRefused(Exception):
    """The upload is refused before anything is written; the message says what to do."""


def check_format(path: Path) -> None:
    """Refuse anything but an .xlsx workbook, judged by its bytes as well as its name."""
    suffix = path.suffix.lower()
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as error:
        raise IntakeRefused(f"读不到上传的文件 / cannot read the upload {path}: {error}") from None
    if suffix in (".xls", ".et", ".ett") or head.startswith(OLE2):
        kind = {".et": "WPS 表格（.et）", ".ett": "WPS 模板（.ett）"}.get(
            suffix, "旧版 Excel（.xls）"
        )
        raise IntakeRefused(
            f"{path.name} 是{kind}文件，无法导入 / is an old-format spreadsheet "
            f"(.xls or WPS .et), which cannot be imported. {SAVE_AS_XLSX}"
        )
    if suffix not in (".xlsx", ".xlsm") or not head.startswith(ZIP):
        raise IntakeRefused(
            f"{path.name} 不是 Excel 工作簿（.xlsx）/ is not an Excel workbook (.xlsx). "
            f"{SAVE_AS_XLSX}"
        )


def estate_of(upload: Path, estate: str | None) -> str:
    """The estate an upload is for: ``--estate``, else its folder (uploads/<estate_id>/)."""
    estate_id = estate or upload.parent.name
    try:
        pf.check_estate_id(estate_id)
    except PackageFileError:
        raise IntakeRefused(
            f"无法确定 {upload} 属于哪个小区 / cannot tell which estate {upload} is for: "
            "请上传到 uploads/小区编号/ 文件夹下 / upload it into the folder uploads/<estate_id>/"
        ) from None
    return estate_id


def check_uploader(mapping_path: Path, estate_id: str, uploader: str, teams: list[str]) -> str:
    """The committee entry that lets ``uploader`` submit this estate's data; refuse others."""
    try:
        mapping = load_mapping(mapping_path)
    except PackageFileError as error:
        raise IntakeRefused(str(error)) from None
    owners = mapping.estates.get(estate_id)
    if not owners:
        raise IntakeRefused(
            f"{mapping_path} 里没有 {estate_id} 的业委会账号 / no committee is listed for "
            f"{estate_id} in {mapping_path}: 请网站维护者先登记 / ask the maintainers to add it"
        )
    login = "@" + uploader.lstrip("@").lower()
    member_of = {"@" + team.lstrip("@").lower() for team in teams}
    for owner in owners:
        if owner.lower() == login or owner.lower() in member_of:
            return owner
    raise IntakeRefused(
        f"{uploader} 不是 {estate_id} 业委会登记的账号（{', '.join(owners)}），上传未被导入 / "
        f"{uploader} is not one of the accounts of {estate_id}'s committee "
        f"({', '.join(owners)}); nothing was imported. 请由业委会成员上传，或请维护者更新 "
        f"{mapping_path.name} / upload from a committee member's account, or ask the "
        f"maintainers to update {mapping_path.name}"
    )


def forge_teams(api: str, token: str | None, uploader: str, owners: list[str]) -> list[str]:
    """The ``@org/team`` entries among ``owners`` that ``uploader`` belongs to, asked of a
    Forgejo/Gitea API (``https://forge.example/api/v1``): the team's id by its name, then
    its membership. A team the API does not know counts as not a member."""
    import json
    import urllib.error
    import urllib.parse
    import urllib.request

    def get(path: str):
        request = urllib.request.Request(api.rstrip("/") + path)
        if token:
            request.add_header("Authorization", f"token {token}")
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return 404, None
            raise IntakeRefused(
                f"代码托管平台的接口报错 / the forge API answered {error.code} for {path}: "
                "检查工作流的令牌权限（需能读取组织的团队）/ check the workflow token can read "
                "the organisation's teams"
            ) from None
        except (urllib.error.URLError, OSError) as error:
            raise IntakeRefused(
                f"连不上代码托管平台 / cannot reach the forge API {api}: {error}"
            ) from None

    quote = urllib.parse.quote
    found = []
    for owner in owners:
        if "/" not in owner:
            continue
        org, team = owner.lstrip("@").split("/", 1)
        _status, body = get(f"/orgs/{quote(org)}/teams/search?q={quote(team)}")
        teams = (body.get("data") or []) if isinstance(body, dict) else []
        ids = [t["id"] for t in teams if str(t.get("name", "")).lower() == team.lower()]
        for team_id in ids:
            status, _ = get(f"/teams/{team_id}/members/{quote(uploader.lstrip('@'))}")
            if status == 200:
                found.append(f"{org}/{team}")
    return found


def _snapshot(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file() and not p.is_symlink()}


def _restore(folder: Path, before: dict[Path, bytes]) -> None:
    for path in [p for p in folder.rglob("*") if p.is_file() and p not in before]:
        path.unlink()
    for path, data in before.items():
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)


def intake(upload: Path, estate_id: str, data_dir: Path, as_of) -> tuple[Report, list[Path]]:
    """Import and validate; on any error put the estate's folder back as it was.

    Returns the validation report (findings located in the sheets) and the files written."""
    from .sheetimport import import_workbook, locate_in_sheets

    try:
        folder = safepaths.estate_folder_for_writing(data_dir, estate_id)
    except safepaths.UnsafePath as error:
        raise IntakeRefused(str(error)) from None
    before = _snapshot(folder) if folder.is_dir() else {}
    data, changed = import_workbook(upload, data_dir, estate_id)
    if not data.ok:
        return Report(findings=data.findings), []
    try:
        report = pf.validate_estate(data_dir, estate_id, as_of)
        report.findings = data.findings + locate_in_sheets(report, data)
    except BaseException:
        _restore(folder, before)
        raise
    if not report.valid:
        _restore(folder, before)
        return report, []
    return report, changed


@click.command("intake")
@click.argument("upload", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--uploader", required=True, help="The forge account that uploaded the file.")
@click.option("--estate", help="The estate id (default: the upload's folder name).")
@click.option(
    "--member-of",
    "teams",
    multiple=True,
    metavar="ORG/TEAM",
    help="A team the workflow found the uploader in (repeatable).",
)
@click.option(
    "--mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="committees.yaml (default: DATA_DIR/committees.yaml).",
)
@click.option(
    "--forge-api",
    metavar="URL",
    help="Forgejo/Gitea API (https://forge/api/v1) to look up the uploader's teams; the "
    "token comes from SUNLIGHT_FORGE_TOKEN.",
)
@data_dir_option
@as_of_option
def command(upload, uploader, estate, teams, mapping, forge_api, data_dir, as_of) -> None:
    """Check an uploaded committee workbook (format, uploader) and import it into the CSVs.

    For the intake workflow (deploy/intake/intake.yml). Exit 0 when the estate's data is
    valid after the import (warnings allowed); 1 when the upload is refused or has errors,
    and then nothing in the estate's folder has changed.

    Example:

        sunlight intake uploads/meilin-xincun/2025Q1.xlsx --uploader zhang-secretary
    """
    as_of = as_of_or_default(as_of)
    try:
        estate_id = estate_of(upload, estate)
        check_format(upload)
        mapping_path = mapping or data_dir / "committees.yaml"
        teams = list(teams)
        if forge_api:
            owners = load_mapping(mapping_path).estates.get(estate_id) or []
            token = os.environ.get("SUNLIGHT_FORGE_TOKEN")
            teams += forge_teams(forge_api, token, uploader, owners)
        allowed_by = check_uploader(mapping_path, estate_id, uploader, teams)
        click.echo(f"上传者 / uploader: {uploader}（{allowed_by}）→ {estate_id}", err=True)
        report, changed = intake(upload, estate_id, data_dir, as_of)
    except (IntakeRefused, PackageFileError) as error:
        click.echo(f"未导入 / not imported: {error}", err=True)
        sys.exit(1)
    click.echo(format_table(report))
    if not report.valid:
        click.echo("有错误，没有写入任何文件。/ There are errors; nothing was written.", err=True)
        sys.exit(1)
    for path in changed:
        click.echo(f"已写入 / wrote: {path}", err=True)
    if not changed:
        click.echo("数据没有变化。/ Nothing changed.", err=True)
