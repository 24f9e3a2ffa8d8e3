"""The build: a per-estate map and a city reduce, with a content-addressed cache.

``build(options)`` is the library function ``sunlight build`` calls; nothing else
composes the stages. One run:

1. **plan** — read what every estate shares once (schemas, ``rules.yaml``, the takedown
   list, git history, the site frame MkDocs builds from ``content/``) and fingerprint it
   (:mod:`.keys`);
2. **map** — one worker process per core takes each estate through load → validate →
   model → render (:mod:`.worker`), or writes its cached result when nothing it depends
   on changed (:mod:`.cache`); the parent keeps a small summary per estate;
3. **reduce** — the aggregate pages (home, directory, overview, districts, streets,
   质价, the city feed) from the summaries (:mod:`.summaries`), then the search index;
4. **publish** — the staged site replaces ``site/`` in one rename; on any error the
   previous site stays as it was.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import json
import multiprocessing
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import build as build_mod
from ..findings import ERROR, WARNING, Finding, sort_findings
from ..load import estate_folders, load_schemas, repository_root
from .cache import Cache
from .keys import BuildInputs, code_fingerprint, digest, folder_fingerprint
from .summaries import EstateSummary
from .worker import EstateJob, EstateResult

__all__ = ["BuildFailed", "BuildOptions", "BuildResult", "EstateSummary", "build"]

# Below this many estates a process pool costs more than it saves.
PARALLEL_FROM = 32
SITE_MANIFEST = "site-manifest.json"


class BuildFailed(Exception):
    """The build stopped; the published site is unchanged. ``findings`` when the data had
    errors, ``output`` when a tool (MkDocs, Pagefind) failed."""

    def __init__(self, message: str, *, findings: list[Finding] = (), output: str = ""):
        super().__init__(message)
        self.findings = list(findings)
        self.output = output


@dataclass
class BuildOptions:
    data_dir: Path
    site_dir: Path
    build_dir: Path
    config_file: Path
    as_of: dt.date
    site_url: str
    repo_url: str | None = None
    rules: dict = field(default_factory=dict)
    guard: object = None
    workers: int | None = None
    say: Callable[[str], None] = lambda message: None


@dataclass
class BuildResult:
    findings: list[Finding]
    estates: int
    computed: int
    cached: int
    files: int
    stages: dict[str, float]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]


def _map(jobs: list[EstateJob], shared, workers: int, progress) -> list[EstateResult]:
    """Every job through :func:`worker.run`, in order; in parallel for a large city.

    The pool forks after ``worker.SHARED`` is set, so the schemas, the frame and the
    history are inherited, not pickled; each result is small (no page bytes).
    """
    from . import worker

    worker.SHARED = shared
    results: list[EstateResult] = []
    try:
        if workers > 1 and len(jobs) >= PARALLEL_FROM:
            context = multiprocessing.get_context("fork")
            with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
                for result in pool.map(worker.run, jobs, chunksize=8):
                    results.append(result)
                    progress(result)
        else:
            for job in jobs:
                results.append(worker.run(job))
                progress(results[-1])
    finally:
        worker.SHARED = None
    return results


def _duplicates(results: list[EstateResult], root: Path, folders: dict[str, Path]) -> list:
    """Two folders declaring the same estate id (what load() reports city-wide)."""
    from ..load import _rel

    seen: dict[str, str] = {}
    out = []
    for result in results:
        declared = result.declared_name or result.estate_id
        if declared in seen:
            other = folders[seen[declared]]
            path = folders[result.estate_id] / "datapackage.yaml"
            out.append(
                Finding(
                    result.estate_id,
                    None,
                    _rel(path if path.exists() else folders[result.estate_id], root),
                    None,
                    "name",
                    "duplicate-estate",
                    ERROR,
                    f"小区编号“{declared}”已被 {_rel(other, root)} 使用。每个小区的编号必须唯一，"
                    "并与文件夹名称相同。",
                    f'Estate id "{declared}" is already used by {_rel(other, root)}. Each '
                    "estate needs its own id, equal to its folder name.",
                )
            )
        else:
            seen[declared] = result.estate_id
    return out


def _read_manifest(path: Path) -> dict[str, list]:
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _write_manifest(path: Path, site: Path, files: dict[str, str]) -> None:
    """What the published site holds of the estates' files, with size and mtime, so the
    next build can hard-link what did not change instead of writing it again."""
    out = {}
    for rel, sha in files.items():
        try:
            st = (site / rel).stat()
        except OSError:
            continue
        out[rel] = [sha, st.st_size, st.st_mtime_ns]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, separators=(",", ":")), "utf-8")
    os.replace(tmp, path)


def _fingerprint_rules(rules: dict) -> str:
    return digest(json.dumps(rules, sort_keys=True, default=str, ensure_ascii=False))


def _timer():
    started = time.monotonic()
    return lambda: round(time.monotonic() - started, 3)


def build(options: BuildOptions) -> BuildResult:
    """Validate and render every estate, build the site, and swap it into ``site_dir``.

    Raises :class:`BuildFailed` (the published site unchanged) when the data has errors
    or MkDocs, the frame or the search index fail; :class:`generator.safepaths.UnsafePath`
    for output folders that must not be replaced.
    """
    from .. import frame as frame_mod
    from .. import render, search, sheets
    from ..history import entry_for_checksum, read_history

    stages: dict[str, float] = {}
    say = options.say
    data_dir, build_dir = Path(options.data_dir), Path(options.build_dir)
    root = repository_root(data_dir)
    guard = options.guard

    # 1. plan: what every estate shares, read and fingerprinted once. The output folders
    # are checked (and build/ marked as Sunlight's) before anything is written there.
    lap = _timer()
    docs = build_mod.prepare_outputs(Path(options.site_dir), build_dir)
    schema_dir = data_dir / "schemas" if (data_dir / "schemas").is_dir() else None
    broken: list[Path] = []
    from ..load import BUNDLED_SCHEMAS, _broken_schema, _rel

    schema_dir = schema_dir or BUNDLED_SCHEMAS
    schemas = load_schemas(schema_dir, broken)
    city_findings = [_broken_schema(path, root) for path in broken]
    folders = {folder.name: folder for folder in estate_folders(data_dir)}
    if not folders:
        city_findings.append(_no_estates(data_dir, root, _rel))
    estates_dir = data_dir / "estates" if (data_dir / "estates").is_dir() else data_dir
    history = read_history(root, estates_dir, schemas, guard=guard, cache_dir=build_dir / "cache")
    if history.message:
        say(f"   {history.message} / {history.message_en}")
    stages["plan"] = lap()

    # 2. the guide and the site frame, built by MkDocs into the staging folder (or taken
    # from the cache when nothing MkDocs reads has changed).
    lap = _timer()
    settings = _settings(options.config_file)
    feeds_enabled = bool(history) and options.site_url.startswith(("http://", "https://"))
    staging = build_mod.new_staging_dir(Path(options.site_dir))
    try:
        frame = _guide_and_frame(
            options, staging, docs, settings, feeds_enabled, schema_dir,
            (frame_mod, render, sheets),
        )  # fmt: skip
        stages["frame"] = lap()
        result = _map_and_reduce(
            options, stages, staging, frame, schemas, schema_dir, history, folders,
            city_findings, feeds_enabled, root,
            (render, search, entry_for_checksum),
        )  # fmt: skip
    except BaseException:
        build_mod.discard(staging)
        raise
    lap = _timer()
    try:
        build_mod.publish(staging, Path(options.site_dir))
    except BaseException:
        build_mod.discard(staging)
        raise
    files = result.pop("files")
    _write_manifest(build_dir / SITE_MANIFEST, Path(options.site_dir), files)
    stages["publish"] = lap()
    return BuildResult(stages=stages, files=len(files), **result)


def _map_and_reduce(
    options, stages, staging, frame, schemas, schema_dir, history, folders, city_findings,
    feeds_enabled, root, modules,
) -> dict:  # fmt: skip
    from . import worker

    render, search, entry_for_checksum = modules
    say = options.say
    guard = options.guard
    cache = Cache(Path(options.build_dir) / "cache")
    inputs = BuildInputs(
        code=code_fingerprint(),
        schemas=folder_fingerprint(Path(schema_dir), ("*.yaml", "*.yml", "*.json")),
        rules=_fingerprint_rules(options.rules),
        guard=guard.fingerprint,
        as_of=options.as_of.isoformat(),
        site=digest(options.site_url, options.repo_url or "", str(feeds_enabled)),
        frame=frame.fingerprint,
    )
    previous_site = Path(options.site_dir)
    manifest = _read_manifest(Path(options.build_dir) / SITE_MANIFEST)

    def render_one(estate, pkg, versions):
        ctx = render.EstateContext(
            as_of=options.as_of,
            site_url=options.site_url,
            repo_url=options.repo_url,
            feeds_enabled=feeds_enabled,
            guard=guard,
            versions=tuple(versions),
            current=entry_for_checksum(versions, estate.checksum),
            history_available=bool(history and history.available),
            history_message=history.message if history else None,
        )
        return render.render_estate(estate, ctx, frame, pkg)

    shared = worker.Shared(
        root=root,
        schemas=schemas,
        rules=options.rules,
        guard=guard,
        as_of=options.as_of,
        shared_key=digest(inputs.shared(), history.message or "", str(history.available)),
        staging=staging,
        cache=cache,
        render=render_one,
        previous_site=previous_site if manifest and previous_site.is_dir() else None,
        previous_manifest=manifest,
    )
    jobs = [
        EstateJob(estate_id, str(folder), tuple(history.for_estate(estate_id)))
        for estate_id, folder in sorted(folders.items())
    ]
    lap = _timer()
    say(f"2/4 校验并生成 {len(jobs)} 个小区的页面 / validating and rendering {len(jobs)} estates …")
    done = [0]

    def progress(result):
        done[0] += 1
        if done[0] % 1000 == 0:
            say(f"   {done[0]} / {len(jobs)}")

    workers = options.workers or os.cpu_count() or 1
    results = _map(jobs, shared, workers, progress)
    stages["map"] = lap()
    findings = list(city_findings)
    for result in results:
        findings.extend(result.findings)
    findings.extend(_duplicates(results, root, folders))
    findings = sort_findings(findings)
    if any(f.severity == ERROR for f in findings):
        raise BuildFailed(
            "数据有错误，未构建，原有网站保持不变。/ The data has errors: nothing was built and "
            "the previous site is unchanged.",
            findings=findings,
        )

    # 3. reduce: the pages over estates, from the summaries only.
    lap = _timer()
    say("3/4 汇总页面与搜索索引 / aggregate pages and the search index …")
    summaries = sorted((r.summary for r in results if r.summary), key=lambda s: s.id)
    site = render.make_site(
        summaries, options.as_of, options.site_url, history, options.repo_url, guard=guard
    )
    aggregates = render.render_aggregates(site, frame)
    render.write_files(staging, aggregates.items())
    stages["aggregates"] = lap()
    lap = _timer()
    shards = search.plan_shards(staging, {s.id: s.district_slug for s in summaries})
    # Shards whose pages did not change are copied from the published site.
    published = Path(options.site_dir)
    stats = search.index_shards(
        staging, shards, previous=published if published.is_dir() else None
    )
    say(
        f"   搜索索引 / search index: {stats.pages} pages, {stats.shards} shards in {stats.seconds:.1f} s"
    )
    stages["search"] = lap()
    files = {path: sha for r in results for path, sha in r.files.items()}
    keys = {r.key for r in results}
    blobs = {sha for r in results for sha in r.files.values()}
    cache.prune(keys, blobs)
    return {
        "findings": findings,
        "estates": len(summaries),
        "computed": sum(1 for r in results if not r.cached),
        "cached": sum(1 for r in results if r.cached),
        "files": files,
    }


def _guide_and_frame(options, staging, docs, settings, feeds_enabled, schema_dir, modules):
    """MkDocs builds ``content/`` and the frame pages into ``staging``; returns the Frame.

    Its output depends only on the generator's code and theme, ``content/``, the config
    file, the schemas (the workbook template), the site URL, the as-of date (in every
    footer) and whether feeds are on. Keyed by those, it is kept in the cache, and a
    build that changes only data hard-links it instead of running MkDocs again.
    """
    frame_mod, render, sheets = modules
    config_file = Path(options.config_file)
    content = config_file.resolve().parent / "content"
    key = digest(
        "mkdocs",
        code_fingerprint(),
        folder_fingerprint(content),
        config_file.read_bytes(),
        folder_fingerprint(Path(schema_dir), ("*.yaml", "*.yml", "*.json")),
        options.site_url,
        options.as_of.isoformat(),
        str(feeds_enabled),
    )
    store = Cache(Path(options.build_dir) / "cache").root / "mkdocs"
    frame = _cached_frame(store / key, staging, frame_mod)
    if frame is not None:
        options.say(
            "1/4 说明页与页面框架未变，取自缓存 / guide and frame unchanged, from the cache"
        )
        return frame
    render.copy_content(content, docs)
    # The blank workbook committees fill in, downloadable from the guide.
    sheets.write_template(
        docs / "guide" / "sunlight-template.xlsx", sheets.load_sheet_schemas(options.data_dir)
    )
    placeholders = frame_mod.write_sources(docs, settings.get("nav"))
    mk_config = build_mod.write_mkdocs_config(
        config_file,
        docs,
        Path(options.build_dir),
        site_url=options.site_url,
        extra={"as_of": options.as_of.isoformat(), "feeds": feeds_enabled},
    )
    options.say(
        "1/4 MkDocs 构建说明页与页面框架 / building the guide and the site frame with MkDocs …"
    )
    build_mod.run_mkdocs(mk_config, staging, options.as_of)
    build_mod.clean_markup(staging)
    frame = frame_mod.capture(staging, placeholders, clean=build_mod.clean_page)
    _store_frame(store, key, staging, frame)
    return frame


def _frame_to_plain(frame) -> dict:
    return {
        "fingerprint": frame.fingerprint,
        "shells": {
            name: {
                f.name: getattr(shell, f.name)
                for f in dataclasses.fields(shell)
                if not f.name.startswith("_")
            }
            for name, shell in frame.shells.items()
        },
    }


def _cached_frame(entry: Path, staging: Path, frame_mod):
    try:
        plain = json.loads((entry / "frame.json").read_text("utf-8"))
        shells = {}
        for name, fields in plain["shells"].items():
            fields["pieces"] = [p if isinstance(p, str) else tuple(p) for p in fields["pieces"]]
            shells[name] = frame_mod.Shell(**fields)
        frame = frame_mod.Frame(shells=shells, fingerprint=plain["fingerprint"])
        files = entry / "files"
        listed = json.loads((entry / "files.json").read_text("utf-8"))
        for rel in listed:
            if not (files / rel).is_file():
                return None
        for rel in listed:
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.unlink(missing_ok=True)
            os.link(files / rel, target)
        return frame
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store_frame(store: Path, key: str, staging: Path, frame) -> None:
    """Keep MkDocs' output (hard links into the cache) and the frame; only the latest."""
    import shutil
    import tempfile

    store.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=store))
    listed = []
    for path in sorted(staging.rglob("*")):
        rel = path.relative_to(staging).as_posix()
        if path.is_file() and not path.name.startswith(".sunlight"):
            (tmp / "files" / rel).parent.mkdir(parents=True, exist_ok=True)
            os.link(path, tmp / "files" / rel)
            listed.append(rel)
    (tmp / "files.json").write_text(json.dumps(listed), "utf-8")
    (tmp / "frame.json").write_text(json.dumps(_frame_to_plain(frame), ensure_ascii=False), "utf-8")
    for old in store.iterdir():
        if old != tmp:
            shutil.rmtree(old, ignore_errors=True)
    tmp.rename(store / key)


def _settings(config_file) -> dict:
    import yaml

    return yaml.safe_load(Path(config_file).read_text("utf-8")) or {}


def _no_estates(data_dir: Path, root: Path, rel) -> Finding:
    # An empty (or mistyped) data folder must not "validate" and then publish an empty
    # site over the real one.
    return Finding(
        "",
        None,
        rel(data_dir, root),
        None,
        None,
        "package-error",
        ERROR,
        f"在“{rel(data_dir, root)}”中没有找到任何小区文件夹。数据应放在 "
        "estates/<小区编号>/ 下，每个文件夹里有 datapackage.yaml。请检查数据文件夹的路径。",
        f'No estate folders were found in "{rel(data_dir, root)}". Each estate lives '
        "in estates/<estate_id>/ with a datapackage.yaml. Check the data folder path.",
    )
