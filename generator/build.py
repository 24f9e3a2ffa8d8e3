"""Stage 5 — build: run MkDocs on the rendered pages and publish the site atomically.

The MkDocs glue is deliberately thin: one derived config file and one subprocess. The
derived ``mkdocs.yml`` is the project's own with paths made absolute and the build's
facts (site URL, as-of date) filled in, so a successor that reads the same mkdocs.yml
can replace the command without touching the rest of the pipeline.

The finished site replaces ``site/`` in one rename; a failed build leaves the previous
site exactly as it was.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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


def clean_markup(site_dir: Path) -> None:
    """Small, documented fixes to the theme's markup, applied to the built pages."""
    for page in site_dir.rglob("*.html"):
        text = page.read_text("utf-8")
        fixed = _TOGGLE_AUTOCOMPLETE.sub(r"\1", text)
        if 'id="__toc"' not in fixed:
            fixed = fixed.replace(_TOC_LABEL, "")
        if fixed != text:
            page.write_text(fixed, "utf-8")


def new_staging_dir(site_dir: Path) -> Path:
    """An empty folder beside ``site_dir`` (same filesystem, so the swap is a rename)."""
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    # Absolute: MkDocs resolves a relative --site-dir against its config file's folder
    # (build/), not the working directory.
    return Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.tmp-", dir=site_dir.parent)).resolve()


def publish(staging: Path, site_dir: Path) -> None:
    """Swap the finished build into place; the old site is removed only afterwards."""
    old = None
    if site_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}.old-", dir=site_dir.parent))
        old.rmdir()
        site_dir.rename(old)
    staging.rename(site_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
