"""Stage 5 — build: run MkDocs on the guide and the frame pages, and publish the site
atomically. (Generated pages never go through MkDocs: generator/outputs/frame.py.)

The MkDocs glue is deliberately thin: one derived config file and one subprocess. The
derived ``mkdocs.yml`` is the project's own with paths made absolute and the build's
facts (site URL, as-of date) filled in, so a successor that reads the same mkdocs.yml
can replace the command without touching the rest of the pipeline.

The finished site replaces ``site/`` in one rename; a failed build leaves the previous
site exactly as it was. Only folders Sunlight made are ever replaced or deleted: each
carries a marker file (generator/safepaths.py), and the published site is readable by a
web server running as another user, whatever the umask.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Collection
from pathlib import Path

import yaml

from .. import safepaths

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class BuildError(Exception):
    """MkDocs failed; ``output`` is what it printed."""

    def __init__(self, message: str, output: str = ""):
        super().__init__(message)
        self.output = output


def write_mkdocs_config(
    config_file: Path, docs_dir: Path, build_dir: Path, *, site_url: str | None, extra: dict
) -> Path:
    """Write ``build_dir/mkdocs.yml``: the project's config, pointed at the rendered docs."""
    config = yaml.safe_load(config_file.read_text("utf-8")) or {}
    base = config_file.resolve().parent
    config["docs_dir"] = str(docs_dir.resolve())
    theme = config.setdefault("theme", {})
    if theme.get("custom_dir"):
        theme["custom_dir"] = str((base / theme["custom_dir"]).resolve())
    if site_url:
        config["site_url"] = site_url
    config["extra"] = {**(config.get("extra") or {}), **extra}
    out = build_dir / "mkdocs.yml"
    out.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), "utf-8")
    return out


def epoch_of(day: dt.date) -> int:
    return calendar.timegm(day.timetuple())


def run_mkdocs(config_path: Path, out_dir: Path, as_of: dt.date) -> None:
    """Build with MkDocs into ``out_dir``; raise BuildError with its output on failure."""
    env = dict(os.environ)
    # MkDocs stamps the sitemap with the build date; pin it so two builds are identical.
    env.setdefault("SOURCE_DATE_EPOCH", str(epoch_of(as_of)))
    command = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--strict",
        "--quiet",
        "--config-file",
        str(config_path),
        "--site-dir",
        str(out_dir),
    ]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise BuildError("MkDocs build failed", (result.stdout + result.stderr).strip())


# Material's page shell marks its hidden drawer and search checkboxes autocomplete="off";
# the HTML standard allows autocomplete only on text-like inputs, so the Nu checker
# rejects every page. Browsers ignore it on checkboxes, so removing it changes nothing.
_TOGGLE_AUTOCOMPLETE = re.compile(r'(<input class="md-toggle"[^>]*?) autocomplete="off"')


# On a page that is not in the nav, Material still labels the table of contents
# for="__toc", but renders the __toc checkbox only inside the nav: a label for a control
# that does not exist (an HTML error). Without its target the attribute does nothing.
_TOC_LABEL = ' for="__toc"'


def clean_page(text: str) -> str:
    """Small, documented fixes to the theme's markup of one page (the hand-written pages
    and the site frame, which generated pages inherit them from)."""
    fixed = _TOGGLE_AUTOCOMPLETE.sub(r"\1", text)
    if 'id="__toc"' not in fixed:
        fixed = fixed.replace(_TOC_LABEL, "")
    return fixed


def clean_markup(site_dir: Path) -> None:
    """:func:`clean_page` on every page MkDocs built; run it before generated pages are
    written (they come out of the cleaned frame)."""
    for page in site_dir.rglob("*.html"):
        text = page.read_text("utf-8")
        fixed = clean_page(text)
        if fixed != text:
            page.write_text(fixed, "utf-8")


# The site is served by a web server that may run as another user: folders 0755 and
# files 0644, set explicitly because tempfile.mkdtemp makes 0700 and MkDocs and Pagefind
# write with the umask (0600 under umask 077).
DIR_MODE, FILE_MODE = 0o755, 0o644


def write_marker(folder: Path, marker: str) -> None:
    """Mark ``folder`` as Sunlight's own, so a later build may replace it."""
    path = folder / marker
    path.write_text(safepaths.MARKER_TEXT, "utf-8")
    path.chmod(FILE_MODE)


def prepare_outputs(site_dir: Path, build_dir: Path) -> Path:
    """Check both output folders may be replaced, then empty ``build_dir/docs`` for the
    rendered pages and return it. Raises :class:`safepaths.UnsafePath` before any write."""
    safepaths.check_replaceable("--site-dir", site_dir, site_dir, safepaths.SITE_MARKER)
    safepaths.check_replaceable("--build-dir", build_dir, build_dir, safepaths.BUILD_MARKER)
    build_dir.mkdir(parents=True, exist_ok=True)
    write_marker(build_dir, safepaths.BUILD_MARKER)
    docs = build_dir / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    docs.mkdir()
    return docs


def make_world_readable(folder: Path, ready: Collection[str] = ()) -> None:
    """Folders DIR_MODE, files FILE_MODE; links are left alone (never followed).

    ``ready``: folders (relative to ``folder``) whose contents were made so as they were
    written (the estates' folders, by pipeline/worker.py): the folder itself is checked,
    what is inside it is not walked.

    scandir's cached entry types and a chmod only where the mode differs keep this to
    about half a second per 100,000 files."""
    folder.chmod(DIR_MODE)
    root = str(folder)
    skip = {f"{root}/{rel}" for rel in ready}
    pending = [root]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_symlink():
                    continue
                if entry.is_dir(follow_symlinks=False):
                    if entry.path not in skip:
                        pending.append(entry.path)
                    wanted = DIR_MODE
                else:
                    wanted = FILE_MODE
                if stat.S_IMODE(entry.stat(follow_symlinks=False).st_mode) != wanted:
                    os.chmod(entry.path, wanted)


def remove_stale_staging(site_dir: Path) -> list[Path]:
    """Delete what a killed build left beside ``site_dir`` (see
    :func:`safepaths.stale_staging_dirs`: Sunlight's names and marker only). Assumes one
    build at a time per site folder, as the swap itself does."""
    stale = safepaths.stale_staging_dirs(site_dir)
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return stale


def new_staging_dir(site_dir: Path) -> Path:
    """An empty folder beside ``site_dir`` (same filesystem, so the swap is a rename),
    already marked as Sunlight's, so a killed build's leftover is recognisably ours."""
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_staging(site_dir)
    # Absolute: MkDocs resolves a relative --site-dir against its config file's folder
    # (build/), not the working directory.
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.tmp-", dir=site_dir.parent))
    staging = staging.resolve()
    staging.chmod(DIR_MODE)
    # MkDocs empties its output folder before building but keeps dot-files, so the
    # marker survives into the published site.
    write_marker(staging, safepaths.SITE_MARKER)
    return staging


def publish(
    staging: Path,
    site_dir: Path,
    keep: list[str] = (),
    keep_files: list[str] = (),
    ready: Collection[str] = (),
) -> None:
    """Swap the finished build into place; the old site is removed only afterwards.

    ``keep``: folders of the published site (site-relative, e.g. ``estates/<id>``) that
    the build did not write because they are unchanged; ``keep_files``: files likewise
    (the city's pages a commit did not change). They are moved into the new site just
    before the swap, a rename each, so a city whose one estate changed neither rewrites
    nor walks its other folders, nor deletes the old site's copies afterwards. For that
    moment (about a second for 16,000 folders) those pages are missing from the old site;
    should a move fail, everything already moved is moved back and the old site stays as
    it was.

    ``ready``: folders of the staging site whose contents are world-readable already
    (:func:`make_world_readable`).

    Raises :class:`safepaths.UnsafePath` (and changes nothing) when ``site_dir`` exists,
    is not empty and was not made by Sunlight."""
    safepaths.check_replaceable("--site-dir", site_dir, site_dir, safepaths.SITE_MARKER)
    write_marker(staging, safepaths.SITE_MARKER)
    # Before the kept folders come in: they are world-readable since their own build.
    make_world_readable(staging, ready)
    moved: list[str] = []
    old = None
    # Strings, not Path objects: some 28,000 moves at 16,000 estates.
    new_root, old_root = f"{staging}/", f"{site_dir}/"
    made: set[str] = {""}
    try:
        for rel in [*keep, *keep_files]:
            _make_parents(rel.rpartition("/")[0], new_root, made)
            os.rename(old_root + rel, new_root + rel)
            moved.append(rel)
        if site_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.old-", dir=site_dir.parent))
            old.rmdir()
            site_dir.rename(old)
        staging.rename(site_dir)
    except BaseException:
        if old is not None and not site_dir.exists():
            old.rename(site_dir)
        for rel in reversed(moved):
            os.rename(new_root + rel, old_root + rel)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _make_parents(folder: str, root: str, made: set[str]) -> None:
    """``folder`` (relative to ``root``, which ends in a slash) and its missing parents,
    world-readable like the rest of the site (make_world_readable has already run)."""
    missing = []
    while folder not in made and not os.path.isdir(root + folder):
        missing.append(folder)
        folder = folder.rpartition("/")[0]
    for rel in reversed(missing):
        os.mkdir(root + rel)
        os.chmod(root + rel, DIR_MODE)
    made.update(missing)
    made.add(folder)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
