"""``sunlight new-estate``: a new estate's package, every table's header ready to fill.

Writes ``data/estates/<estate_id>/`` with a ``datapackage.yaml`` listing every shared
table, ``estate.csv`` with the one profile row, and for every other table a CSV holding
only its header row. Then validates it: a new package has no errors, only the reminders
that nothing has been published yet.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import safepaths
from ..findings import format_table
from . import packagefiles as pf
from ._clicktools import as_of_option, as_of_or_default, data_dir_option, usage_errors

PROPERTY_TYPES = ("售后公房", "商品房", "动迁安置房", "混合")


def scaffold(data_dir: Path, estate_id: str, profile: dict[str, str]) -> list[Path]:
    """Write the new package; returns the files written. ``profile`` holds the estate
    row's values by column name (missing columns stay empty). Raises
    :class:`safepaths.UnsafePath` for an id or folder the loader would refuse."""
    folder = safepaths.estate_folder_for_writing(data_dir, estate_id)
    if folder.exists():
        raise pf.PackageFileError(
            f"{folder} 已经存在，没有改动。要修改已有小区，请用 sunlight export / import。/ "
            f"{folder} already exists and was left alone; use sunlight export / import to "
            "change an existing estate."
        )
    schemas = pf.schemas_for(data_dir)
    tables = pf.ordered_tables(schemas)
    folder.mkdir(parents=True)
    written = []
    descriptor = folder / "datapackage.yaml"
    descriptor.write_text(
        pf.descriptor_text(estate_id, profile.get("name") or estate_id, tables), "utf-8"
    )
    written.append(descriptor)
    for table in tables:
        fields = [spec["name"] for spec in schemas[table]["fields"]]
        rows = []
        if table == "estate":
            values = dict(profile, estate_id=estate_id)
            rows.append([str(values.get(name) or "") for name in fields])
        path = folder / f"{table}.csv"
        path.write_text(pf.csv_text(fields, rows), "utf-8", newline="")
        written.append(path)
    return written


def _positive(kind):
    return click.IntRange(min=0) if kind is int else click.FloatRange(min=0)


@click.command("new-estate")
@click.argument("estate_id")
@click.option("--name", required=True, help="小区名称, e.g. 梅林新村.")
@click.option("--district", required=True, help="区 (full name), e.g. 徐汇区.")
@click.option("--street", required=True, help="街道（镇）, e.g. 田林街道.")
@click.option(
    "--residents-committee", prompt="居委会 residents' committee", help="居委会, e.g. 梅林居委会."
)
@click.option(
    "--property-type",
    type=click.Choice(PROPERTY_TYPES),
    prompt="房屋类型 property type",
    help="房屋类型.",
)
@click.option(
    "--total-gfa-m2",
    type=_positive(float),
    prompt="总建筑面积（㎡）total floor area",
    help="总建筑面积（㎡）.",
)
@click.option("--households", type=_positive(int), prompt="户数 households", help="户数.")
@click.option("--completion-year", type=click.IntRange(1900, 2100), help="建成年份.")
@click.option("--buildings", type=_positive(int), help="楼栋数.")
@click.option("--lift-buildings", type=_positive(int), help="有电梯的楼栋数.")
@data_dir_option
@as_of_option
@usage_errors
def command(estate_id: str, data_dir: Path, as_of, **values) -> None:
    """Create data/estates/ESTATE_ID/ with every table's header, ready to fill.

    The estate row is filled from the options (asked for when missing); every other
    table is a header row. The new package is validated at once: exit 0 when it has no
    errors (reminders of what is still unpublished are expected).

    Example:

    \b
        sunlight new-estate meilin-xincun --name 梅林新村 --district 徐汇区 --street 田林街道
    """
    profile = {key: "" if value is None else str(value) for key, value in values.items()}
    if values.get("total_gfa_m2") is not None:
        profile["total_gfa_m2"] = f"{values['total_gfa_m2']:.2f}"
    try:
        written = scaffold(data_dir, estate_id, profile)
    except safepaths.UnsafePath as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"已创建 / created {written[0].parent} （{len(written)} 个文件 files）", err=True)
    report = pf.validate_estate(data_dir, estate_id, as_of_or_default(as_of))
    click.echo(format_table(report))
    click.echo(
        "下一步：sunlight export 导出填写表，或直接编辑各 CSV。/ Next: sunlight export "
        f"{estate_id} for the workbook, or edit the CSVs.",
        err=True,
    )
    sys.exit(int(not report.valid))
