"""``sunlight fix-encoding``: CSVs saved by Excel or WPS, made plain UTF-8.

Excel and WPS on a Chinese Windows save "CSV" in GBK (the file reads as gibberish to
everything else) and "CSV UTF-8" with a byte-order mark; both end lines with CRLF. This
rewrites such files as UTF-8 without BOM and with LF line endings — what every sample
file uses and what GitHub's web editor writes — so a diff shows only the data that
changed. GB18030 is tried for anything that is not UTF-8: it contains GBK and GB2312.

A file that is already plain UTF-8 with LF endings is not touched. A file that is neither
UTF-8 nor readable Chinese text is reported and left alone.
"""

from __future__ import annotations

import codecs
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from .. import safepaths

# What the fix did, in words for the person who ran it.
CONVERTED = ("GB18030/GBK 转为 UTF-8", "GB18030/GBK converted to UTF-8")
BOM_REMOVED = ("去掉 BOM", "byte-order mark removed")
ENDINGS = ("换行改为 LF", "line endings changed to LF")

DESCRIPTORS = ("datapackage.yaml", "datapackage.yml", "datapackage.json")


@dataclass
class Outcome:
    path: Path
    changes: list[tuple[str, str]]
    problem: tuple[str, str] | None = None
    data: bytes | None = None  # the fixed bytes, when anything changed


def _looks_like_text(text: str) -> bool:
    """GB18030 decodes almost any bytes; a real Chinese CSV has no control characters or
    private-use code points, and has Chinese characters (else it would have been ASCII
    and therefore UTF-8 already)."""
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ue000-\uf8ff]", text):
        return False
    return re.search(r"[\u3400-\u9fff]", text) is not None


def fix_bytes(data: bytes) -> tuple[bytes, list[tuple[str, str]], tuple[str, str] | None]:
    """(fixed bytes, what changed, problem) for one file's content."""
    changes = []
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        changes.append(BOM_REMOVED)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            text = None
        if text is None or not _looks_like_text(text):
            return (
                data,
                [],
                (
                    "编码无法识别（既不是 UTF-8 也不是 GBK/GB18030），没有修改。请在 Excel 中“另存为 → CSV UTF-8”。",
                    "The encoding is neither UTF-8 nor GBK/GB18030; the file was left alone. Save it "
                    'from Excel with "Save As → CSV UTF-8".',
                ),
            )
        changes.append(CONVERTED)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        changes.append(ENDINGS)
    return text.encode("utf-8"), changes, None


def fix_file(path: Path, *, write: bool = True) -> Outcome:
    data = path.read_bytes()
    fixed, changes, problem = fix_bytes(data)
    outcome = Outcome(path, changes, problem, fixed if changes else None)
    if write and changes and not problem:
        path.write_bytes(fixed)
    return outcome


def candidate_files(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """(files, links): the files named, and under each folder named every CSV and package
    descriptor; and the symbolic links found on the way, which are skipped — a fix must
    never write outside the data (and the loader refuses links anyway)."""
    out: list[Path] = []
    links: list[Path] = []
    for path in paths:
        if path.is_symlink():
            links.append(path)
        elif path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_symlink():
                    links.append(child)
                elif child.is_file() and (
                    child.suffix.lower() == ".csv" or child.name in DESCRIPTORS
                ):
                    out.append(child)
        elif path.is_file():
            out.append(path)
    return out, links


@click.command("fix-encoding")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATHS]...")
@click.option(
    "--check",
    is_flag=True,
    help="Only report which files need fixing; exit 1 if any do (for CI and pre-commit).",
)
@click.option(
    "--data-dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="The data folder PATHS must lie in (default: the folder holding estates/ above each).",
)
def command(paths: tuple[Path, ...], check: bool, data_dir: Path | None) -> None:
    """Convert CSVs saved by Excel/WPS (GBK/GB18030, BOM, CRLF) to plain UTF-8 with LF.

    PATHS are files or folders (default: data/estates). Files that are already plain
    UTF-8 are left untouched; symbolic links are never written through: a path through
    one, or a folder outside the data folder, is refused before anything is changed
    (exit 2), and links found inside a folder are skipped and listed. Exit 1 when a
    file's encoding cannot be recognised (or, with --check, when any file needs fixing).

    Example:

        sunlight fix-encoding data/estates/meilin-xincun
    """
    targets = list(paths) or [(data_dir or Path("data")) / "estates"]
    missing = [str(p) for p in targets if not p.exists() and not p.is_symlink()]
    if missing:
        raise click.UsageError(f"找不到 / not found: {', '.join(missing)}")
    try:
        safepaths.check_fix_targets(targets, data_dir)
    except safepaths.UnsafePath as error:
        raise click.UsageError(str(error)) from None
    files, links = candidate_files(targets)
    for link in links:
        click.echo(
            f"跳过链接 / skipped link  {link}\n    链接不会被改写，校验也会拒绝它；请换成真正的文件。\n"
            "    Links are never rewritten, and validation refuses them: replace it by the real file."
        )
    failed = needs = 0
    for path in files:
        outcome = fix_file(path, write=not check)
        if outcome.problem:
            failed += 1
            click.echo(
                f"无法转换 / cannot fix  {path}\n    {outcome.problem[0]}\n    {outcome.problem[1]}"
            )
        elif outcome.changes:
            needs += 1
            verb = "需要转换 / needs fixing" if check else "已转换 / fixed"
            zh = "、".join(c[0] for c in outcome.changes)
            en = ", ".join(c[1] for c in outcome.changes)
            click.echo(f"{verb}  {path}  （{zh} / {en}）")
    if check:
        click.echo(f"{needs} 个文件需要转换 / file(s) need fixing", err=True)
    else:
        click.echo(f"{needs} 个文件已转换 / file(s) fixed", err=True)
    sys.exit(1 if failed or (check and needs) else 0)
