"""``sunlight summary``: what a change does, in Chinese, for a pull request's job summary.

Compares the work tree with a base revision (on a pull request: the base branch) and
prints Markdown: per estate that changed, the findings of validation (each linked to its
section of the rules guide), and what would change on the site, in the plain words of
the change log (:func:`generator.history.describe_changes`), with the rows added, removed
and changed per table. A change to a district's folder (``data/districts/<slug>/``: its
supervision list and company pool) is reported the same way, as that district's data,
for the district's staff to review. A change to shared files (schemas, rules, templates,
workflows) is listed for the maintainers, and then every estate's findings are shown,
since a schema change can break any estate.

The workflow ``.github/workflows/pr-summary.yml`` appends the output to
``$GITHUB_STEP_SUMMARY``. Locally: ``sunlight summary --base origin/main``.

A job summary is public (anyone can open a pull request's checks), so it is an output
like the site: every cell, row, estate name, path, account and message it prints passes
the privacy guard with the takedown list (:meth:`generator.privacy.Guard.for_data`). A
pull request that adds a mobile number is summarised as 138****5678, and the finding
still names estate, file, row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import click
import yaml

from ..config import load_rules_config
from ..districts import (
    DISTRICTS_DIR,
    SCHEMA_PREFIX,
    DistrictPackage,
    estate_districts,
    schema_dir,
    validate_districts,
)
from ..districts import label as district_label
from ..findings import ERROR, Finding, sort_findings
from ..guide import guide_url
from ..history import Change, describe_changes
from ..load import Loaded, _load_package, load, load_schemas, repository_root
from ..privacy import Guard, RedactionError
from ..validate import validate
from . import packagefiles as pf
from ._clicktools import as_of_option, as_of_or_default, data_dir_option, usage_errors
from .codeowners import load_mapping

MAX_FINDINGS = 40  # per estate; the rest are counted (the validate step lists them all)
MAX_CHANGES = 30  # change lines shown before the rest fold into <details>
ROW_KINDS = {"added": 0, "removed": 1, "changed": 2, "table-added": 0, "table-removed": 1}


@dataclass
class EstateSummary:
    estate_id: str
    name: str
    status: str  # "changed", "added", "removed", "unchanged"
    findings: list[Finding] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    # Findings the base version did not have (all of them for a new estate).
    new: set[Finding] = field(default_factory=set)
    # A district's folder (data/districts/<slug>/) rather than an estate's: estate_id
    # is then the slug, and the findings are the district package's.
    district: bool = False


@dataclass
class Summary:
    base: str
    base_label: str
    estates: list[EstateSummary]
    shared_paths: list[str]
    site_url: str
    titles: dict[str, str]  # table → Chinese title
    field_titles: dict[tuple[str, str], str]
    # With shared files changed: (estates validated, errors, warnings) over all estates.
    totals: tuple[int, int, int] | None = None
    # What every printed text passes through (findings are masked by their patterns
    # already; this adds the takedown list).
    guard: Guard = field(default_factory=Guard)

    @property
    def errors(self) -> int:
        return sum(f.severity == ERROR for e in self.estates for f in e.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity != ERROR for e in self.estates for f in e.findings)


# ----------------------------------------------------------------------------------- git


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, input=stdin, capture_output=True, check=True
        )
    except FileNotFoundError:
        raise pf.PackageFileError("找不到 git 命令 / git is not installed") from None
    except subprocess.CalledProcessError as error:
        message = error.stderr.decode("utf-8", "replace").strip().splitlines()
        raise pf.PackageFileError(
            f"git {' '.join(args[:2])} 失败 / failed: {message[-1] if message else error}"
        ) from None
    return done.stdout


def _merge_base(root: Path, base: str) -> str:
    _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    try:
        return _git(root, "merge-base", base, "HEAD").decode().strip()
    except pf.PackageFileError:
        # No common history (or no HEAD yet): compare with the base as it is.
        return _git(root, "rev-parse", f"{base}^{{commit}}").decode().strip()


def _changed_paths(root: Path, base: str, data_prefix: str) -> list[str]:
    """Repository paths that differ between ``base`` and the work tree, with files not yet
    added to git under the data folder (a new estate made locally)."""
    tracked = _git(root, "diff", "--name-only", "-z", "--no-renames", base, "--")
    untracked = _git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", data_prefix)
    names = {n for n in (tracked + untracked).decode("utf-8", "surrogateescape").split("\0") if n}
    return sorted(names)


def _files_at(root: Path, rev: str, folder: str) -> dict[str, bytes]:
    """{file name: bytes} of the files directly in ``folder`` at ``rev`` (one git call
    for the listing, one for all the contents)."""
    listing = _git(root, "ls-tree", "-z", rev, "--", folder + "/")
    entries = []
    for item in listing.decode("utf-8", "surrogateescape").split("\0"):
        if not item:
            continue
        meta, path = item.split("\t", 1)
        mode, kind, _ = meta.split()
        if kind == "blob" and mode != "120000":  # symbolic links are not package files
            entries.append(path)
    if not entries:
        return {}
    out = _git(
        root,
        "cat-file",
        "--batch",
        stdin="".join(f"{rev}:{p}\n" for p in entries).encode("utf-8", "surrogateescape"),
    )
    files, pos = {}, 0
    for path in entries:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] != b"blob":
            continue
        size = int(header[2])
        files[PurePosixPath(path).name] = out[pos : pos + size]
        pos += size + 1
    return files


def _files_now(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.is_symlink()
    }


# ------------------------------------------------------------------------------ analysis


def summarise(data_dir: Path, base: str, as_of: dt.date, site_url: str | None = None) -> Summary:
    """Everything the job summary says, as data, already guarded (see the module
    docstring); raises PackageFileError when the takedown list cannot be read, since a
    summary must not go out without the takedowns a maintainer asked for."""
    data_dir = Path(data_dir)
    try:
        guard = Guard.for_data(data_dir)
    except RedactionError as error:
        raise pf.PackageFileError(str(error)) from None
    root = repository_root(data_dir)
    merge_base = _merge_base(root, base)
    estates_dir = pf.estates_dir(data_dir)
    try:
        prefix = estates_dir.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise pf.PackageFileError(
            f"{estates_dir} 不在 git 仓库 {root} 中 / is not inside the repository"
        ) from None
    data_prefix = data_dir.resolve().relative_to(root.resolve()).as_posix()
    changed = _changed_paths(root, merge_base, data_prefix)
    district_prefix = f"{data_prefix}/{DISTRICTS_DIR}" if data_prefix != "." else DISTRICTS_DIR
    estate_ids, district_slugs, shared = set(), set(), []
    for path in changed:
        parts = PurePosixPath(path).parts
        if path.startswith(prefix + "/") and len(parts) > len(PurePosixPath(prefix).parts) + 1:
            estate_ids.add(parts[len(PurePosixPath(prefix).parts)])
        elif (
            path.startswith(district_prefix + "/")
            and len(parts) > len(PurePosixPath(district_prefix).parts) + 1
        ):
            # A district's own files: its staff's data, not a file every estate shares.
            district_slugs.add(parts[len(PurePosixPath(district_prefix).parts)])
        else:
            shared.append(path)
    schemas = pf.schemas_for(data_dir)
    rules = load_rules_config(data_dir)
    owners = _owners(data_dir)

    # Findings: the changed estates; every estate when shared files changed.
    if shared:
        loaded = load(data_dir)
    else:
        packages = [
            _load_package(estates_dir / e, root, schemas)
            for e in sorted(estate_ids)
            if (estates_dir / e).is_dir()
        ]
        loaded = Loaded(root, data_dir, schemas, packages, [])
    report = validate(loaded, as_of, rules)
    by_estate: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_estate.setdefault(f.estate, []).append(f)

    summaries = []
    # With shared files changed, every estate is validated; those with errors are shown
    # (the change may have broken them), the others only counted.
    broken = {e for e, fs in by_estate.items() if any(f.severity == ERROR for f in fs)}
    # District packages' findings are filed under districts/<slug> (no estate id has "/").
    broken_districts = {e.split("/", 1)[1] for e in broken if e.startswith(DISTRICTS_DIR + "/")}
    broken -= {district_label(d) for d in broken_districts}
    shown = sorted(estate_ids | (broken if shared else set()))
    for estate_id in shown:
        folder = estates_dir / estate_id
        before = (
            _files_at(root, merge_base, f"{prefix}/{estate_id}") if estate_id in estate_ids else {}
        )
        after = _files_now(folder)
        if estate_id not in estate_ids:
            status, changes = "unchanged", []
        elif not after:
            status = "removed"
            changes = describe_changes(before, after, schemas, estate=estate_id, guard=guard)
        else:
            status = "added" if not before else "changed"
            changes = describe_changes(before, after, schemas, estate=estate_id, guard=guard)
        findings = sort_findings(by_estate.get(estate_id, []))
        known = _finding_keys(before, estate_id, schemas, as_of, rules) if before else set()
        summaries.append(
            EstateSummary(
                estate_id,
                _estate_name(after or before, estate_id, guard),
                status,
                findings,
                changes,
                # Accounts may be e-mail addresses (CODEOWNERS allows them).
                [guard.text(o) for o in owners.get(estate_id, [])],
                {f for f in findings if _key(f) not in known} if status != "unchanged" else set(),
            )
        )
    district_schemas = load_schemas(schema_dir(data_dir))
    summaries += _district_summaries(
        data_dir, root, merge_base, district_prefix, sorted(district_slugs),
        sorted(broken_districts - district_slugs) if shared else [],
        by_estate, as_of, rules, guard, district_schemas,
    )  # fmt: skip
    # Findings and changes name a district's tables and columns by their titles too.
    titled = {**district_schemas, **schemas}
    short = _git(root, "rev-parse", "--short", merge_base).decode().strip()
    return Summary(
        merge_base,
        guard.text(f"{base} @ {short}" if not merge_base.startswith(base) else short),
        summaries,
        # A file name may hold anything someone typed.
        [guard.text(p) for p in shared],
        site_url or _site_url(root),
        {t: str(s.get("title") or t) for t, s in titled.items()},
        {
            (t, f["name"]): str(f.get("title") or f["name"])
            for t, s in titled.items()
            for f in s["fields"]
        },
        (len(loaded.packages), len(report.errors), len(report.warnings)) if shared else None,
        guard,
    )


def _district_summaries(
    data_dir: Path,
    root: Path,
    merge_base: str,
    district_prefix: str,
    changed: list[str],
    broken: list[str],
    by_estate: dict[str, list[Finding]],
    as_of: dt.date,
    rules: dict,
    guard: Guard,
    schemas: dict,
) -> list[EstateSummary]:
    """The changed districts' folders (and, with shared files changed, the districts that
    now have errors), in the estates' shape: findings, what changes, who reviews."""
    if not changed and not broken:
        return []
    owners = _district_owners(data_dir)
    estates = estate_districts(data_dir)
    out = []
    for slug in sorted(set(changed) | set(broken)):
        label = district_label(slug)
        findings = sort_findings(by_estate.get(label, []))
        if slug not in changed:
            before = after = _files_now(data_dir / DISTRICTS_DIR / slug)
            status, changes, known = "unchanged", [], set()
        else:
            before = _files_at(root, merge_base, f"{district_prefix}/{slug}")
            after = _files_now(data_dir / DISTRICTS_DIR / slug)
            status = "removed" if not after else "added" if not before else "changed"
            changes = describe_changes(before, after, schemas, estate=label, guard=guard)
            known = (
                _district_keys(before, slug, schemas, estates, as_of, rules) if before else set()
            )
        out.append(
            EstateSummary(
                slug,
                _district_name(after or before, slug, guard),
                status,
                findings,
                changes,
                [guard.text(o) for o in owners.get(slug, [])],
                {f for f in findings if _key(f) not in known} if status != "unchanged" else set(),
                district=True,
            )
        )
    return out


def _district_keys(
    files: dict[str, bytes],
    slug: str,
    schemas: dict,
    estates: dict[str, str],
    as_of: dt.date,
    rules: dict,
) -> set[tuple]:
    """The findings of the base version of one district's folder, judged against today's
    estates, schemas and rules (as :func:`_finding_keys` does for an estate)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / DISTRICTS_DIR / slug
        folder.mkdir(parents=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        pkg = _load_package(folder, Path(tmp), schemas, required=None, schema_prefix=SCHEMA_PREFIX)
        pkg.estate_id = district_label(slug)
        findings, _ = validate_districts(
            [DistrictPackage(slug, folder, pkg)], estates, as_of, rules, Path(tmp)
        )
        return {_key(f) for f in findings}


def _district_owners(data_dir: Path) -> dict[str, list[str]]:
    path = data_dir / "committees.yaml"
    if not path.is_file():
        return {}
    try:
        return load_mapping(path).districts
    except pf.PackageFileError:
        return {}


def _district_name(files: dict[str, bytes], slug: str, guard: Guard) -> str:
    """The district's Chinese name: its descriptor's title (杨浦区), else the slug."""
    for name in ("datapackage.yaml", "datapackage.yml", "datapackage.json"):
        if name in files:
            try:
                descriptor = yaml.safe_load(files[name].decode("utf-8-sig"))
            except (UnicodeDecodeError, yaml.YAMLError):
                return slug
            title = descriptor.get("title") if isinstance(descriptor, dict) else None
            return guard.text(str(title).strip()) if title and str(title).strip() else slug
    return slug


def _key(f: Finding) -> tuple:
    # Row numbers shift when rows are added above; the message names the row's content.
    return (f.rule, f.resource, f.field, f.severity, f.message_en)


def _finding_keys(
    files: dict[str, bytes], estate_id: str, schemas: dict, as_of: dt.date, rules: dict
) -> set[tuple]:
    """The findings of the base version of one estate (validated with today's schemas and
    rules, so only what the change itself did shows as new)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "estates" / estate_id
        folder.mkdir(parents=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        loaded = Loaded(
            Path(tmp), Path(tmp), schemas, [_load_package(folder, Path(tmp), schemas)], []
        )
        return {_key(f) for f in validate(loaded, as_of, rules).findings}


def _owners(data_dir: Path) -> dict[str, list[str]]:
    path = data_dir / "committees.yaml"
    if not path.is_file():
        return {}
    try:
        return load_mapping(path).estates
    except pf.PackageFileError:
        return {}


def _site_url(root: Path) -> str:
    try:
        settings = yaml.safe_load((root / "mkdocs.yml").read_text("utf-8")) or {}
    except (OSError, yaml.YAMLError):
        settings = {}
    url = str(settings.get("site_url") or "")
    return url if not url or url.endswith("/") else url + "/"


def _estate_name(files: dict[str, bytes], fallback: str, guard: Guard) -> str:
    data = files.get("estate.csv")
    if data:
        try:
            rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
            if rows and (rows[0].get("name") or "").strip():
                row = {(k or "").strip(): (v or "").strip() for k, v in rows[0].items()}
                return guard.cell(fallback, "estate", row, "name", row["name"])
        except (UnicodeDecodeError, csv.Error, AttributeError):
            pass
    return fallback


# ------------------------------------------------------------------------------ Markdown


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def _counts(changes: list[Change]) -> dict[str, list[int]]:
    """Rows added, removed and changed per table title."""
    out: dict[str, list[int]] = {}
    for change in changes:
        if change.kind in ROW_KINDS:
            counts = out.setdefault(change.table_title, [0, 0, 0])
            counts[ROW_KINDS[change.kind]] += change.rows
    return out


def render_markdown(summary: Summary) -> str:
    lines = ["## 阳光公示 · 本次修改的检查结果", ""]
    errors, warnings = summary.errors, summary.warnings
    if errors:
        lines.append(
            f"❌ **不能发布：有 {errors} 个错误**（另有 {warnings} 个提醒）。合并前必须改正错误；"
            "每条错误后面的链接说明了原因和改法。"
        )
    elif summary.estates or summary.shared_paths:
        tail = f"，有 {warnings} 个提醒（提醒会发布，并显示在小区概况页）" if warnings else ""
        lines.append(f"✅ **可以发布：没有错误**{tail}。")
    else:
        lines.append("本次修改没有涉及任何小区的数据。")
    lines += ["", f"对比基准：`{summary.base_label}`。", ""]

    if summary.shared_paths:
        lines += [
            "### 共用文件（需要网站维护者审核）",
            "",
            "本次修改涉及所有小区共用的文件（表结构、规则、模板或工作流程），会影响每个小区的校验和页面：",
            "",
        ]
        shown = summary.shared_paths[:20]
        lines += [f"- `{p}`" for p in shown]
        if len(summary.shared_paths) > len(shown):
            lines.append(f"- ……另有 {len(summary.shared_paths) - len(shown)} 个文件")
        lines.append("")
        if summary.totals:
            count, n_err, n_warn = summary.totals
            lines += [
                f"按修改后的共用文件重新校验了全部 {count} 个小区：{n_err} 个错误，{n_warn} 个提醒"
                + ("；有错误的小区列在下面。" if n_err else "。"),
                "",
            ]

    for estate in summary.estates:
        lines += _estate_markdown(estate, summary)
    if summary.site_url:
        lines += [
            "---",
            f"规则说明见 [校验规则]({summary.site_url}guide/rules/)；"
            f"填写和提交的步骤见 [业委会填报指南]({summary.site_url}guide/committee/)。",
            "",
        ]
    return "\n".join(lines)


STATUS_ZH = {
    "changed": "数据有修改",
    "added": "新增的小区",
    "removed": "小区数据被删除",
    "unchanged": "数据未改，但受共用文件修改影响",
}


DISTRICT_STATUS_ZH = {
    "changed": "区级数据有修改",
    "added": "新增的区级数据",
    "removed": "区级数据被删除",
    "unchanged": "区级数据未改，但受共用文件修改影响",
}


def _estate_markdown(estate: EstateSummary, summary: Summary) -> list[str]:
    if estate.district:
        where = f"{DISTRICTS_DIR}/{estate.estate_id}"
        title = f"{estate.name} · 区级数据（`{where}`）"
        meta = [DISTRICT_STATUS_ZH[estate.status]]
        page, reviewers, nobody = (
            f"{where}/",
            "由区里审核：",
            "没有登记区里的账号，由网站维护者审核",
        )
    else:
        title = (
            estate.name
            if estate.name == estate.estate_id
            else f"{estate.name}（`{estate.estate_id}`）"
        )
        meta = [STATUS_ZH[estate.status]]
        page, reviewers, nobody = (
            f"estates/{estate.estate_id}/",
            "由业委会审核：",
            "没有登记业委会账号，由网站维护者审核",
        )
    lines = [f"### {title}", ""]
    if estate.status != "removed" and summary.site_url:
        meta.append(f"[网站上的页面]({summary.site_url}{page})")
    if estate.status != "unchanged":
        if estate.owners:
            meta.append(reviewers + " ".join(f"`{o}`" for o in estate.owners))
        else:
            meta.append(nobody)
    lines += [" · ".join(meta), ""]
    if estate.district:
        lines += [
            "区级数据是区里维护的挂牌督办名单（含走访记录）和物业企业预选库，"
            "显示在区页面、被督办小区的页面和物业企业的页面上。",
            "",
        ]

    n_err = sum(f.severity == ERROR for f in estate.findings)
    n_warn = len(estate.findings) - n_err
    if estate.status == "removed" and estate.district:
        lines += [
            "这个区的文件夹被删除：合并后网站上将不再有这个区的督办名单和预选库。",
            "",
        ]
    elif estate.status == "removed":
        lines += ["这个小区的文件夹被删除：合并后网站上将不再有这个小区的页面。", ""]
    elif not estate.findings:
        lines += ["**检查结果：** ✅ 没有错误，也没有提醒。", ""]
    else:
        if estate.status == "changed":
            # What this change brought first; warnings the estate already had fold away.
            shown = [f for f in estate.findings if f in estate.new or f.severity == ERROR]
            folded = [f for f in estate.findings if f not in shown]
        else:
            shown, folded = list(estate.findings), []
        fresh = ""
        if estate.status == "changed":
            fresh = (
                f"，其中 {len(estate.new)} 个是这次修改带来的"
                if estate.new
                else "，都是修改前就有的"
            )
        lines += [f"**检查结果：** {n_err} 个错误，{n_warn} 个提醒{fresh}", ""]
        if shown:
            lines += _findings_table(shown, estate, summary)
        if folded:
            lines += [
                f"<details><summary>修改前就有的 {len(folded)} 个提醒</summary>",
                "",
                *_findings_table(folded, estate, summary),
                "</details>",
                "",
            ]

    if estate.status == "unchanged":
        return lines
    if not estate.changes:
        lines += ["**网站上的变化：** 没有数据变化（只改了格式，例如列的顺序或换行）。", ""]
        return lines
    lines += ["**合并后网站上会有这些变化：**", ""]
    counts = _counts(estate.changes)
    if counts:
        lines += ["| 表 | 新增 | 删除 | 修改 |", "|---|--:|--:|--:|"]
        for table, (added, removed, changed) in counts.items():
            lines.append(f"| {_cell(table)} | {added} | {removed} | {changed} |")
        lines.append("")
    texts = [f"- {c.table_title}：{c.text_zh}" for c in estate.changes]
    lines += [_escape_line(t) for t in texts[:MAX_CHANGES]]
    if len(texts) > MAX_CHANGES:
        lines += ["", f"<details><summary>另有 {len(texts) - MAX_CHANGES} 项修改</summary>", ""]
        lines += [_escape_line(t) for t in texts[MAX_CHANGES:]]
        lines += ["", "</details>"]
    lines.append("")
    return lines


def _findings_table(findings: list[Finding], estate: EstateSummary, summary: Summary) -> list[str]:
    lines = ["| | 位置 | 问题和改法 | 规则 |", "|---|---|---|---|"]
    ordered = sorted(findings, key=lambda f: (f.severity != ERROR, f not in estate.new))
    for f in ordered[:MAX_FINDINGS]:
        new = "新" if f in estate.new and estate.status == "changed" else ""
        badge = f"❌ {new}错误" if f.severity == ERROR else f"⚠️ {new}提醒"
        lines.append(
            f"| {badge} | {_cell(_place(f, summary))} | {_cell(summary.guard.text(f.message))} | "
            f"{_rule_link(f.rule, summary.site_url)} |"
        )
    if len(ordered) > MAX_FINDINGS:
        lines.append(f"| | | ……另有 {len(ordered) - MAX_FINDINGS} 条，见检查步骤的完整输出 | |")
    lines.append("")
    return lines


def _rule_link(rule: str, site_url: str) -> str:
    # A job summary has no base address: without the site's, show the id alone.
    return f"[{rule}]({guide_url(rule, site_url)})" if site_url else f"`{rule}`"


def _escape_line(text: str) -> str:
    return text.replace("<", "&lt;").replace("\r", " ").replace("\n", " ")


def _place(f: Finding, summary: Summary) -> str:
    where = summary.guard.text(PurePosixPath(f.path).name if f.path else f.estate)
    if f.row:
        where += f" 第 {f.row} 行"
    if f.field:
        title = summary.field_titles.get((f.resource or "", f.field))
        where += f"，{title}（{f.field}）" if title else f"，{f.field}"
    return where


# ----------------------------------------------------------------------------- command


@click.command("summary")
@click.option(
    "--base",
    default="origin/main",
    show_default=True,
    help="Revision to compare with (its merge base with HEAD is used).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown"]),
    default="markdown",
    show_default=True,
    help="Output format (Markdown, for $GITHUB_STEP_SUMMARY).",
)
@click.option("--site-url", default=None, help="Site address for links (default: mkdocs.yml).")
@data_dir_option
@as_of_option
@usage_errors
def command(base: str, fmt: str, site_url: str | None, data_dir: Path, as_of) -> None:
    """Print a Chinese summary of a change for a pull request: per estate (and per
    district whose folder under data/districts/ changed), the findings and what would
    change on the site.

    Always exits 0 when the summary could be made (the validate step is the gate);
    2 when the base revision or data folder is wrong.

    Example:

        sunlight summary --base origin/main >> "$GITHUB_STEP_SUMMARY"
    """
    if not data_dir.is_dir():
        raise click.UsageError(f"找不到数据文件夹 / no such data folder: {data_dir}")
    summary = summarise(data_dir, base, as_of_or_default(as_of), site_url)
    click.echo(render_markdown(summary))
