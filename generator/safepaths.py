"""Where Sunlight may write, checked before anything is written.

Every command that writes files asks here first, so a mistyped flag can never replace or
rewrite what it should not:

- ``sunlight build`` / ``serve``: the site and build folders must not be, contain or lie
  inside the sources (the data folder, ``content/``, ``theme/``, ``.git`` …), and must not
  be or contain the repository, the project holding ``mkdocs.yml``, or the home folder.
  An existing folder is replaced only when Sunlight made it: it carries a marker file
  (``.sunlight-site`` / ``.sunlight-build``), or it is empty.
- ``sunlight new-estate`` / ``import``: the estate's folder is ``data/estates/<id>/`` for an
  id the loader accepts, and neither it nor ``data/estates`` is a symbolic link — the
  loader refuses such folders, so writing through them would only put files elsewhere.
- ``sunlight fix-encoding``: never a file reached through a symbolic link below the data
  folder, never a folder outside a data folder.

Paths are compared after resolving symbolic links. Problems are :class:`UnsafePath`
errors whose message (Chinese, then English) names the folder, says why, and what to pass
instead; the commands turn them into misuse (exit 2). Nothing here prints or exits.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

SITE_MARKER = ".sunlight-site"
BUILD_MARKER = ".sunlight-build"
# Written into every folder Sunlight owns. Published with the site (a few hundred bytes,
# never indexed: Pagefind reads only HTML), the same bytes on every build.
MARKER_TEXT = (
    "本文件夹由 Sunlight（阳光公示）生成，下次构建时会被整个替换；请不要在这里存放自己的文件。\n"
    "This folder was made by Sunlight and is replaced whole by the next build; keep no files "
    "of your own here.\n"
)

# Folders of a Sunlight project that hold sources: never an output, never inside one,
# never holding one.
SOURCE_FOLDERS = ("data", "content", "theme", "generator", "tests", ".git")

# What new_staging_dir (generator/outputs/build.py) names its folders: tempfile.mkdtemp's eight
# random characters after the prefix.
_STAGING = r"\.{name}\.(?:tmp|old)-[a-z0-9_]{{8}}"


class UnsafePath(Exception):
    """A path Sunlight refuses to write to; ``str(error)`` is the bilingual message."""


@dataclass(frozen=True)
class Guarded:
    """A folder outputs must keep clear of: ``path`` resolved, ``what`` in (zh, en)."""

    path: Path
    what: tuple[str, str]


def real(path: Path | str) -> Path:
    """``path`` made absolute with every symbolic link resolved (it need not exist)."""
    return Path(os.path.realpath(Path(path).expanduser()))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _home() -> Path | None:
    try:
        return real(Path.home())
    except (RuntimeError, KeyError):
        return None


def guarded_folders(data_dir: Path, config_file: Path) -> tuple[list[Guarded], list[Guarded]]:
    """(roots, sources) for a build of ``data_dir`` with ``config_file``.

    An output may lie inside a root (``site/`` in the repository) but must not be or
    contain one; it must keep clear of a source entirely (not be it, contain it, or lie
    inside it)."""
    from .load import repository_root

    projects = [
        (real(repository_root(Path(data_dir))), ("仓库根目录", "the repository root")),
        (
            real(config_file).parent,
            ("存放 mkdocs.yml 的项目文件夹", "the project holding mkdocs.yml"),
        ),
        (
            real(Path(__file__)).parent.parent,
            ("Sunlight 程序所在的文件夹", "Sunlight's own folder"),
        ),
    ]
    roots = [Guarded(path, what) for path, what in projects]
    home = _home()
    if home is not None:
        roots.append(Guarded(home, ("你的主文件夹", "your home folder")))
    roots.append(Guarded(Path("/"), ("文件系统根目录", "the filesystem root")))
    sources = [Guarded(real(data_dir), ("数据文件夹", "the data folder"))]
    for project, _ in projects[:2]:
        for name in SOURCE_FOLDERS:
            folder = project / name
            if folder.exists():
                sources.append(
                    Guarded(real(folder), (f"源文件夹 {name}/", f"the source folder {name}/"))
                )
    return roots, sources


def _refusal(option: str, given: str, relation: tuple[str, str], guarded: Guarded) -> UnsafePath:
    default = "site" if option == "--site-dir" else "build"
    zh_rel, en_rel = relation
    zh_what = zh_rel.format(f"{guarded.what[0]}（{guarded.path}）")
    return UnsafePath(
        f"{option} {given} {zh_what}，构建会删除并替换其中的文件，"
        f"已拒绝，没有写入任何文件。请换一个只用来放输出的新文件夹，例如 {option} {default}。/ "
        f"{option} {given} {en_rel} {guarded.what[1]} ({guarded.path}); a build deletes and "
        f"replaces what is there, so it was refused and nothing was written. Pass a new folder "
        f"used only for output instead, e.g. {option} {default}."
    )


_IS = ("就是{}", "is")
_CONTAINS = ("包含了{}", "contains")
_LIES_IN = ("位于{}之内", "lies inside")


def check_output_dir(
    option: str, given: Path | str, roots: list[Guarded], sources: list[Guarded]
) -> Path:
    """The resolved output folder, or :class:`UnsafePath` when it would endanger sources."""
    out = real(given)
    for guarded in roots:
        if out == guarded.path:
            raise _refusal(option, str(given), _IS, guarded)
        if out in guarded.path.parents:
            raise _refusal(option, str(given), _CONTAINS, guarded)
    for guarded in sources:
        if out == guarded.path:
            raise _refusal(option, str(given), _IS, guarded)
        if out in guarded.path.parents:
            raise _refusal(option, str(given), _CONTAINS, guarded)
        if guarded.path in out.parents:
            raise _refusal(option, str(given), _LIES_IN, guarded)
    return out


def is_sunlight_folder(folder: Path, marker: str) -> bool:
    """True when ``folder`` carries Sunlight's marker (a regular file, not a link)."""
    path = folder / marker
    return path.is_file() and not path.is_symlink()


def check_replaceable(option: str, given: Path | str, folder: Path, marker: str) -> None:
    """:class:`UnsafePath` unless ``folder`` is new, empty, or carries ``marker``."""
    if not folder.exists() and not folder.is_symlink():
        return
    if not folder.is_dir():
        raise UnsafePath(
            f"{option} {given} 是一个文件，不是文件夹，已拒绝。请换一个文件夹名。/ "
            f"{option} {given} is a file, not a folder, and was refused. Pass a folder name."
        )
    if is_sunlight_folder(folder, marker) or not any(folder.iterdir()):
        return
    named = str(given) if str(given) == str(folder) else f"{given} ({folder})"
    raise UnsafePath(
        f"{option} {named} 已有文件，但不是 Sunlight 生成的（没有 {marker} 标记文件），"
        f"为免删除你的文件，已拒绝，没有写入任何文件。请换一个新的或空的文件夹；若它确是旧版 Sunlight "
        f"生成的，请先自己删除它。/ {option} {named} holds files but was not made by "
        f"Sunlight (it has no {marker} marker), so it was refused to avoid deleting your files; "
        f"nothing was written. Pass a new or empty folder; if an older Sunlight made it, delete "
        f"it yourself first."
    )


def check_output_dirs(
    site_dir: Path | str, build_dir: Path | str, *, data_dir: Path, config_file: Path
) -> tuple[Path, Path]:
    """Both output folders of a build, resolved; :class:`UnsafePath` when one would
    endanger a source or they overlap. Whether an existing folder may be replaced is
    :func:`check_replaceable`'s question, asked just before the first write."""
    roots, sources = guarded_folders(data_dir, config_file)
    site = check_output_dir("--site-dir", site_dir, roots, sources)
    build = check_output_dir("--build-dir", build_dir, roots, sources)
    if _inside(site, build) or _inside(build, site):
        raise UnsafePath(
            f"--site-dir {site_dir} 与 --build-dir {build_dir} 重叠（相同或一个在另一个里面），已拒绝。"
            f"请用两个分开的文件夹，例如 --site-dir site --build-dir build。/ --site-dir "
            f"{site_dir} and --build-dir {build_dir} overlap (the same folder, or one inside the "
            f"other) and were refused. Pass two separate folders, e.g. --site-dir site "
            f"--build-dir build."
        )
    return site, build


def stale_staging_dirs(site_dir: Path) -> list[Path]:
    """Folders a killed build left beside ``site_dir``: named as new_staging_dir and
    publish name them, and carrying Sunlight's marker or empty. Nothing else."""
    parent = site_dir.parent
    if not parent.is_dir():
        return []
    pattern = re.compile(_STAGING.format(name=re.escape(site_dir.name)))
    found = []
    for entry in sorted(parent.iterdir()):
        if not pattern.fullmatch(entry.name) or entry.is_symlink() or not entry.is_dir():
            continue
        if is_sunlight_folder(entry, SITE_MARKER) or not any(entry.iterdir()):
            found.append(entry)
    return found


# --------------------------------------------------------------------- estate folders


def _shown(value: str) -> str:
    """A value as the person can see it: line breaks and other controls made visible."""
    return ascii(value)[1:-1] if not value.isprintable() else value


def check_estate_id(estate_id: str) -> str:
    """``estate_id`` when the loader accepts it as a folder name, else UnsafePath."""
    from .load import ESTATE_ID

    if not ESTATE_ID.match(estate_id or ""):
        shown = _shown(estate_id)
        raise UnsafePath(
            f"“{shown}”不能作小区编号：只能用小写字母、数字和减号（不能有空格或换行），例如 "
            f'meilin-xincun。没有写入任何文件。/ "{shown}" is not a valid estate id: lowercase '
            "letters, digits and dashes only (no spaces or line breaks), e.g. meilin-xincun. "
            "Nothing was written."
        )
    return estate_id


def estate_folder_for_writing(data_dir: Path, estate_id: str) -> Path:
    """``data_dir/estates/<estate_id>``, when writing there stays inside ``data/estates``:
    a valid id, neither the folder nor ``estates/`` a symbolic link, no link inside."""
    check_estate_id(estate_id)
    estates = Path(data_dir) / "estates"
    folder = estates / estate_id
    for path, zh, en in (
        (estates, "数据文件夹下的 estates", "the data folder's estates"),
        (folder, "小区文件夹", "the estate folder"),
    ):
        if path.is_symlink():
            raise UnsafePath(
                f"{zh}（{path}）是指向别处的链接：写入会把文件放到数据文件夹以外，校验也会拒绝它，"
                f"所以没有写入任何文件。请把真正的文件夹放在 {estates} 中。/ {en} ({path}) is a "
                f"symbolic link: writing would put files outside the data folder, and validation "
                f"refuses it, so nothing was written. Put the real folder in {estates}."
            )
    if folder.is_dir():
        links = sorted(p.name for p in folder.iterdir() if p.is_symlink())
        if links:
            names = ", ".join(links)
            raise UnsafePath(
                f"小区文件夹 {folder} 中有指向别处的链接（{names}），校验会拒绝它们，写入可能改动别处的文件，"
                f"所以没有写入任何文件。请用真正的文件替换这些链接。/ The estate folder {folder} holds "
                f"symbolic links ({names}); validation refuses them and writing could change "
                f"files elsewhere, so nothing was written. Replace the links by real files."
            )
    if folder.exists() and real(folder).parent != real(estates):
        raise UnsafePath(
            f"{folder} 不在 {estates} 之中，没有写入任何文件。/ {folder} is not inside {estates}; "
            "nothing was written."
        )
    return folder


# ------------------------------------------------------------------------- data files


def data_folder_of(path: Path) -> Path | None:
    """The Sunlight data folder holding ``path``: the nearest folder (``path`` itself
    included) that has an ``estates/`` folder, as written (links not resolved)."""
    absolute = Path(os.path.abspath(path))
    for folder in (absolute, *absolute.parents):
        if (folder / "estates").is_dir():
            return folder
    return None


def link_on_the_way(path: Path, data_dir: Path | None) -> Path | None:
    """The first symbolic link from ``data_dir`` down to ``path`` (``path`` included)
    when ``path`` is named inside ``data_dir``; else ``path`` itself if it is a link.
    Links above the data folder (a linked home folder, say) are the machine's own."""
    absolute = Path(os.path.abspath(path))
    bases = [Path(os.path.abspath(data_dir)), real(data_dir)] if data_dir is not None else []
    for base in bases:
        if base == absolute or base in absolute.parents:
            current = base
            for part in absolute.relative_to(base).parts:
                current = current / part
                if current.is_symlink():
                    return current
            return None
    return absolute if absolute.is_symlink() else None


def check_fix_targets(paths: list[Path], data_dir: Path | None) -> None:
    """:class:`UnsafePath` unless every path may be rewritten by ``fix-encoding``: no path
    reached through a symbolic link, and every folder inside a data folder (``data_dir``
    when given, else the one holding it), so a mistyped ``.`` or ``~`` never rewrites CSVs
    all over the machine. A file named on its own may lie anywhere: it was asked for."""
    problems = []
    for path in paths:
        base = data_dir if data_dir is not None else data_folder_of(path)
        link = link_on_the_way(path, base)
        if link is not None:
            problems.append(
                (f"{path}：经过链接 {link}", f"{path}: reached through the symbolic link {link}")
            )
        elif path.is_dir() and (base is None or not _inside(real(path), real(base))):
            problems.append(
                (f"{path}：不在数据文件夹中", f"{path}: a folder outside the data folder")
            )
    if problems:
        zh = "；".join(p[0] for p in problems)
        en = "; ".join(p[1] for p in problems)
        raise UnsafePath(
            f"{zh}。链接指向的文件和数据文件夹以外的文件夹不会被改写，没有修改任何文件。请指定 data/estates "
            f"之中真正的文件或文件夹。/ {en}. Files behind links and folders outside the data "
            f"folder are never rewritten; nothing was changed. Name real files or folders "
            f"inside data/estates."
        )
