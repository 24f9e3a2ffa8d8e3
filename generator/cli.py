"""The `sunlight` command: a thin layer over the library.

Each command composes the pipeline stages (load → validate → model → render → build)
and turns outcomes into exit codes: 0 fine (warnings allowed), 1 bad data or a failed
build, 2 misuse. Library errors become ClickExceptions here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click
import yaml

from . import config as config_mod
from . import safepaths
from .findings import format_github, format_json, format_table
from .load import load
from .validate import validate as validate_packages


class AsOfDate(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"日期应写成 2025-06-30 / a date is written 2025-06-30, not {value!r}")
        if not config_mod.MIN_AS_OF <= day <= config_mod.MAX_AS_OF:
            self.fail(
                f"日期应在 {config_mod.MIN_AS_OF.year} 到 {config_mod.MAX_AS_OF.year} 年之间 / "
                f"the date must lie between {config_mod.MIN_AS_OF.year} and "
                f"{config_mod.MAX_AS_OF.year}: {value}"
            )
        return day


def _as_of(value: dt.date | None) -> dt.date:
    if value:
        return value
    try:
        day = config_mod.default_as_of()
        if not config_mod.MIN_AS_OF <= day <= config_mod.MAX_AS_OF:
            raise ValueError(day)
        return day
    except (ValueError, OverflowError, OSError):
        raise click.UsageError(
            "SOURCE_DATE_EPOCH 应当是整数秒 / SOURCE_DATE_EPOCH must be whole seconds"
        ) from None


def _rules(data_dir: Path) -> dict:
    try:
        return config_mod.load_rules_config(data_dir)
    except config_mod.ConfigError as error:
        raise click.UsageError(str(error)) from None


def _guard(data_dir: Path):
    """The privacy guard with the maintainers' takedown list (data/redactions.yaml)."""
    from .privacy import Guard, RedactionError

    try:
        return Guard.for_data(data_dir)
    except RedactionError as error:
        raise click.UsageError(str(error)) from None


def _site_url(config_file: Path) -> str:
    """site_url from mkdocs.yml (the repository's own when there is none here), so
    findings can link to the guide's section on the published site."""
    from .outputs.build import PROJECT_ROOT

    for path in (config_file, PROJECT_ROOT / "mkdocs.yml"):
        if path.is_file():
            try:
                return str((yaml.safe_load(path.read_text("utf-8")) or {}).get("site_url") or "")
            except (yaml.YAMLError, UnicodeDecodeError, AttributeError):
                return ""
    return ""


def _data_dir(value: str) -> Path:
    path = Path(value)
    if not path.is_dir():
        raise click.UsageError(f"找不到数据文件夹 / no such data folder: {value}")
    return path


as_of_option = click.option(
    "--as-of",
    type=AsOfDate(),
    default=None,
    help="Date disclosures are judged against (default: SOURCE_DATE_EPOCH, else today in Shanghai).",
)


class SunlightGroup(click.Group):
    """Turns an unexpected exception into a short bilingual message (exit 1).

    Bad data never gets here (it becomes findings); this is for our own bugs, which a
    committee member should be able to report without reading a traceback.
    Set SUNLIGHT_DEBUG=1 to see the traceback.
    """

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as error:
            if os.environ.get("SUNLIGHT_DEBUG"):
                raise
            raise click.ClickException(
                f"程序内部错误，请把这条信息发给网站维护者 / internal error, please report it: "
                f"{type(error).__name__}: {error}"
            ) from None


@click.group(cls=SunlightGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sunlight")
def main() -> None:
    """阳光公示 Sunlight: estate data packages → validation → per-estate website."""


@main.command()
@click.argument("data_dir", default="data", metavar="[DATA_DIR]")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "github"]),
    default="table",
    show_default=True,
    help="table for people, json for programs, github for Actions annotations.",
)
@as_of_option
def validate(data_dir: str, fmt: str, as_of: dt.date | None) -> None:
    """Check every estate package: frictionless validation plus the estate rules.

    Exit 0 without errors (warnings allowed), 1 with errors.

    Example:

        sunlight validate data --format json
    """
    path = _data_dir(data_dir)
    report = validate_packages(load(path), _as_of(as_of), _rules(path))
    # CI output is public: a value on the takedown list is masked in messages too.
    guard = _guard(path)
    report.findings = [guard.finding(f) for f in report.findings]
    if fmt == "json":
        click.echo(format_json(report))
    else:
        printer = format_table if fmt == "table" else format_github
        click.echo(printer(report, _site_url(Path("mkdocs.yml"))))
    sys.exit(int(not report.valid))


def _unsafe_paths_are_misuse(func, *args, **kwargs):
    """``func(...)``, with a refused output folder (generator/safepaths.py) as exit 2."""
    try:
        return func(*args, **kwargs)
    except safepaths.UnsafePath as error:
        raise click.UsageError(str(error)) from None


def _build(
    data_dir, site_dir, build_dir, as_of, site_url, config_file, quiet=False, shard=None,
    parts=None, stages=False,
):  # fmt: skip
    """Check the options, then call the library's build (generator/pipeline); returns its
    result. Raises click exceptions on failure."""
    import time

    from . import pipeline
    from .outputs import frame as frame_mod
    from .outputs import search
    from .outputs.build import BuildError

    started = time.monotonic()
    say = (lambda *a, **k: None) if quiet else (lambda msg: click.echo(msg, err=True))
    data_path = _data_dir(data_dir)
    config_path = Path(config_file)
    if not config_path.is_file():
        raise click.UsageError(f"找不到 MkDocs 配置 / no such config file: {config_file}")
    # A mistyped --site-dir data would otherwise swap the data away: refused up front.
    site_path, build_path = _unsafe_paths_are_misuse(
        safepaths.check_output_dirs,
        site_dir,
        build_dir,
        data_dir=data_path,
        config_file=config_path,
    )
    settings = yaml_safe(config_path)
    url = site_url or settings.get("site_url")
    if not url:
        # QR codes, feeds and calendars carry absolute URLs: a build without the site's
        # address would print notices that lead nowhere.
        raise click.UsageError(
            "没有网站地址：请在 mkdocs.yml 中设置 site_url，或使用 --site-url。/ No site URL: set "
            "site_url in mkdocs.yml or pass --site-url."
        )
    if not url.endswith("/"):
        url += "/"
    options = pipeline.BuildOptions(
        data_dir=data_path,
        site_dir=site_path,
        build_dir=build_path,
        config_file=config_path,
        as_of=as_of,
        site_url=url,
        repo_url=settings.get("repo_url"),
        rules=_rules(data_path),
        guard=_guard(data_path),
        shard=shard,
        say=say,
    )
    try:
        if parts:
            result = _unsafe_paths_are_misuse(pipeline.merge, options, parts)
        else:
            result = _unsafe_paths_are_misuse(pipeline.build, options)
    except pipeline.BuildFailed as failed:
        if failed.findings:
            from .findings import format_failure

            click.echo(format_failure(failed.findings), err=True)
        raise click.ClickException(str(failed)) from None
    except (search.SearchError, BuildError, frame_mod.FrameError) as error:
        click.echo(getattr(error, "output", ""), err=True)
        what = (
            ("搜索索引失败", "Indexing for search failed")
            if isinstance(error, search.SearchError)
            else ("页面框架无法使用", "The site frame is not usable")
            if isinstance(error, frame_mod.FrameError)
            else ("MkDocs 构建失败", "The MkDocs build failed")
        )
        raise click.ClickException(
            f"{what[0]}，原有网站保持不变。/ {what[1]}; the previous site is unchanged."
        ) from None
    times = ""
    if stages:
        times = ": " + ", ".join(
            f"{k} {v['wall']:.1f} s wall / {v['cpu']:.1f} s cpu" for k, v in result.stages.items()
        )
    say(
        f"4/4 完成 / done: {site_dir}  ({result.estates} 个小区 estates, "
        f"{len(result.warnings)} 个提醒 warnings; {result.computed} computed, "
        f"{result.cached} from the cache, {result.kept} of them kept as published, "
        f"{result.unread} not read again; "
        f"{time.monotonic() - started:.1f} s{times})"
    )
    return result


def yaml_safe(path: Path) -> dict:
    """mkdocs.yml as a mapping; plain YAML only (see mkdocs.yml's header)."""
    try:
        config = yaml.safe_load(path.read_text("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise click.UsageError(
            f"{path} 无法读取：只支持普通 YAML（不支持 !!python 标签）。/ {path} cannot be read: "
            f"plain YAML only, no !!python tags ({type(error).__name__})."
        ) from None
    if not isinstance(config, dict):
        raise click.UsageError(f"{path}: 应当是键值对 / must be a mapping")
    return config


build_options = [
    click.argument("data_dir", default="data", metavar="[DATA_DIR]"),
    click.option("--site-dir", default="site", show_default=True, help="Where the site goes."),
    click.option(
        "--build-dir",
        default="build",
        show_default=True,
        help="Where the rendered Markdown and derived mkdocs.yml go.",
    ),
    click.option(
        "--site-url",
        default=None,
        help="Absolute URL of the site (default: site_url in mkdocs.yml); QR codes use it.",
    ),
    click.option("--config-file", default="mkdocs.yml", show_default=True),
    as_of_option,
]


def _with_build_options(func):
    for option in reversed(build_options):
        func = option(func)
    return func


class ShardSpec(click.ParamType):
    name = "K/N"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        try:
            k, n = (int(x) for x in str(value).split("/"))
        except ValueError:
            k = n = 0
        if not 1 <= k <= n <= 1000:
            self.fail(f"分片写成 K/N，例如 2/4 / a shard is written K/N, e.g. 2/4, not {value!r}")
        return k, n


@main.command()
@_with_build_options
@click.option(
    "--shard",
    type=ShardSpec(),
    default=None,
    help="Build only slice K of N (whole districts) into --site-dir, for `sunlight merge`.",
)
@click.option("--stages", is_flag=True, help="Print each stage's wall and CPU time at the end.")
def build(data_dir, site_dir, build_dir, site_url, config_file, as_of, shard, stages):
    """Validate, render every estate's pages and build the site into site/.

    Errors stop the build and leave the previous site/ as it was. With --shard K/N, only
    the estates of the K-th of N slices (whole districts) are built, into a partial
    output that `sunlight merge` assembles with the others.

    Example:

        sunlight build --as-of 2026-06-30
        sunlight build --shard 1/2 --site-dir part-1 --build-dir build-1
    """
    _build(
        data_dir, site_dir, build_dir, _as_of(as_of), site_url, config_file, shard=shard,
        stages=stages,
    )  # fmt: skip


@main.command()
@click.argument("parts", nargs=-1, required=True, type=click.Path(file_okay=False))
@click.option(
    "--data-dir", default="data", show_default=True, help="The data the parts were built from."
)
@click.option("--site-dir", default="site", show_default=True, help="Where the site goes.")
@click.option("--build-dir", default="build", show_default=True)
@click.option("--site-url", default=None, help="As given to the shard builds.")
@click.option("--config-file", default="mkdocs.yml", show_default=True)
@as_of_option
def merge(parts, data_dir, site_dir, build_dir, site_url, config_file, as_of):
    """Assemble the site from the partial outputs of `sunlight build --shard K/N`.

    The parts must come from the same commit and settings and cover every estate once;
    the site is byte-identical to a one-machine build.

    Example:

        sunlight merge part-1 part-2 --as-of 2026-06-30
    """
    _build(
        data_dir, site_dir, build_dir, _as_of(as_of), site_url, config_file,
        parts=[Path(p) for p in parts],
    )  # fmt: skip


@main.command()
@_with_build_options
@click.option("--port", default=8000, show_default=True)
def serve(data_dir, site_dir, build_dir, site_url, config_file, as_of, port):
    """Build the site, then preview it at http://127.0.0.1:PORT/.

    Example:

        sunlight serve --port 8001
    """
    import functools
    import http.server

    url = site_url or f"http://127.0.0.1:{port}/"
    _build(data_dir, site_dir, build_dir, _as_of(as_of), url, config_file)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=site_dir)
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        click.echo(f"预览 / preview: {url}  (Ctrl+C 停止 / to stop)", err=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


# Commands that live in their own modules (each module imports nothing from this one).
# One line per command, so changes to different commands never touch the same lines.
from .tools.codeowners import command as codeowners_command  # noqa: E402
from .tools.recode import command as fix_encoding_command  # noqa: E402
from .tools.scaffold import command as new_estate_command  # noqa: E402
from .tools.sheetimport import command as import_command  # noqa: E402
from .tools.sheets import export as export_command  # noqa: E402
from .tools.sheets import template as template_command  # noqa: E402
from .tools.summary import command as summary_command  # noqa: E402

main.add_command(new_estate_command)
main.add_command(template_command)
main.add_command(export_command)
main.add_command(import_command)
main.add_command(fix_encoding_command)
main.add_command(summary_command)
main.add_command(codeowners_command)
from .outputs.notices import command as notices_command  # noqa: E402

main.add_command(notices_command)
from .outputs.deploy import command as deploy_command  # noqa: E402

main.add_command(deploy_command)
from .tools.intake import command as intake_command  # noqa: E402

main.add_command(intake_command)
