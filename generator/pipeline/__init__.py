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

import collections
import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import gc
import json
import multiprocessing
import os
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..districts import check_districts
from ..findings import ERROR, WARNING, Finding, sort_findings
from ..load import estate_folders, load_schemas, repository_root
from ..outputs import build as build_mod
from . import ledger, searchkeep, summaries
from . import manifest as manifest_mod
from .cache import Cache, sha256
from .groups import GroupCache, Published, outline
from .keys import BuildInputs, code_fingerprint, digest, folder_fingerprint
from .summaries import EstateSummary
from .worker import EstateJob, EstateResult

__all__ = [
    "BuildFailed", "BuildOptions", "BuildResult", "EstateSummary", "build", "merge",
    "shard_districts",
]  # fmt: skip

# Below this many estates a process pool costs more than it saves.
PARALLEL_FROM = 32
DATA_ERRORS = (
    "数据有错误，未构建，原有网站保持不变。/ The data has errors: nothing was built and "
    "the previous site is unchanged."
)


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
    shard: tuple[int, int] | None = None  # (K, N): build only the K-th of N slices
    say: Callable[[str], None] = lambda message: None


@dataclass
class BuildResult:
    findings: list[Finding]
    estates: int
    computed: int
    cached: int
    files: int
    kept: int  # cached estates whose published folders were kept as they were
    stages: dict[str, dict[str, float]]  # stage → {"wall", "cpu"} seconds
    # Of the kept, the estates whose files were not read at all (pipeline/ledger.py).
    unread: int = 0
    # Districts' and companies' pages rendered afresh / taken from the cache (groups.py).
    groups_rendered: int = 0
    groups_reused: int = 0

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]


# The ledger of the build in progress, for _check_estate in the workers (set before the
# pool forks, like worker.SHARED, so its 70 MB are inherited, not pickled).
_TRUSTED: ledger.Ledger | None = None
# The build's jobs, inherited the same way: a batch is sent as the jobs' places in it
# (16,000 jobs, their history and supervision records, are not pickled).
_JOBS: list[EstateJob] = []
# Checking an estate against the ledger takes about a millisecond, computing one about a
# hundred: checks go to the workers in larger batches, a few at a time, computations in
# small ones so that both workers stay busy to the end.
CHECK_CHUNK = 64
CHECKS_IN_FLIGHT = 4
COMPUTE_CHUNK = 8


def _map(
    jobs: list[EstateJob], shared, workers: int, progress, trusted: ledger.Ledger
) -> list[EstateResult]:
    """Every job's stamp and ledger check (:func:`_check_estate`), and :func:`worker.run`
    for the estates the ledger cannot stand for; in order; in parallel for a large city.

    The pool forks after ``worker.SHARED`` is set, so the schemas, the frame, the history,
    the ledger and the jobs are inherited, not pickled; each result is small (no page
    bytes, and for an unchanged estate only its stamp and a yes).
    """
    global _TRUSTED, _JOBS
    from . import worker

    worker.SHARED, _TRUSTED, _JOBS = shared, trusted, jobs
    try:
        if workers > 1 and len(jobs) >= PARALLEL_FROM:
            context = multiprocessing.get_context("fork")
            with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
                return _pipelined(pool, jobs, progress, trusted, shared)
        results = []
        for job in jobs:
            stamp, unchanged = _check_estate(job)
            result = _from_ledger(job, stamp, trusted, shared) if unchanged else None
            result = result if result is not None else worker.run(job)
            result.stamp = stamp
            results.append(result)
            progress(result)
        return results
    finally:
        worker.SHARED, _TRUSTED, _JOBS = None, None, []


def _pipelined(pool, jobs: list[EstateJob], progress, trusted, shared) -> list[EstateResult]:
    """The jobs through the pool: checks in batches, a few in flight; the estates a
    batch's checks cannot stand for are sent to be computed as soon as that batch is back,
    so they are computed between the other checks, not after all of them (after one
    estate's commit its computation, a worker's first, overlaps 16,000 checks). The
    unchanged estates' results are made here from the ledger (:func:`_from_ledger`) while
    the workers go on checking: a summary crosses no pipe."""
    results: list[EstateResult | None] = [None] * len(jobs)
    stamps: list[str | None] = [None] * len(jobs)
    starts = iter(range(0, len(jobs), CHECK_CHUNK))
    checks: collections.deque = collections.deque()
    computing: collections.deque = collections.deque()  # (job indices, future), in order
    todo: list[int] = []

    def check_next() -> None:
        start = next(starts, None)
        if start is not None:
            stop = min(start + CHECK_CHUNK, len(jobs))
            checks.append((start, pool.submit(_check_batch, start, stop)))

    def compute(indices: list[int]) -> None:
        computing.append((indices, pool.submit(_run_batch, indices)))

    def collect(wait: bool) -> None:
        while computing and (wait or computing[0][1].done()):
            indices, future = computing.popleft()
            for i, result in zip(indices, future.result(), strict=True):
                results[i] = result
                progress(result)

    try:
        for _ in range(CHECKS_IN_FLIGHT):
            check_next()
        while checks:
            start, future = checks.popleft()
            check_next()
            for offset, (stamp, unchanged) in enumerate(future.result()):
                i = start + offset
                stamps[i] = stamp
                hit = _from_ledger(jobs[i], stamp, trusted, shared) if unchanged else None
                if hit is None:
                    todo.append(i)
                    if len(todo) == COMPUTE_CHUNK:
                        compute(todo)
                        todo = []
                else:
                    results[i] = hit
                    progress(hit)
            collect(wait=False)
        if todo:
            compute(todo)
        collect(wait=True)
    except BaseException:
        for _, future in (*checks, *computing):
            future.cancel()
        raise
    for result, stamp in zip(results, stamps, strict=True):
        result.stamp = stamp
    return results


def _check_batch(start: int, stop: int) -> list[tuple[str | None, bool]]:
    return [_check_estate(job) for job in _JOBS[start:stop]]


def _run_batch(indices: list[int]) -> list[EstateResult]:
    from . import worker

    return [worker.run(_JOBS[i]) for i in indices]


def _check_estate(job: EstateJob) -> tuple[str | None, bool]:
    """An estate's stamp, and whether nothing of it changed since the published build: its
    stamp is the ledger's and its published folder holds exactly the files the manifest
    recorded (:func:`_as_published`; no file of the estate read). In the workers, not the
    parent: at 16,000 estates the stamps and the published folders' checks are some
    700,000 system calls."""
    from . import worker

    shared = worker.SHARED
    stamp = ledger.stamp(Path(job.folder), job.history, job.supervision)
    if stamp is None or not _TRUSTED or not shared.previous_estates:
        return stamp, False
    before = shared.previous_estates.get(job.estate_id)
    dirs = _TRUSTED.dirs(job.estate_id, stamp)
    unchanged = bool(before) and _as_published(job.estate_id, before, dirs, shared.previous_site)
    return stamp, unchanged


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


def _write_manifest(build_dir: Path, site: Path, results, reduced: _Reduced, before) -> None:
    """What the published site holds of the build's files, with size and mtime, so the
    next build can keep or hard-link what did not change instead of writing it again. A
    kept estate's line is written back as the previous manifest had it (its folder was
    moved whole: its files' size and mtime are as recorded); a new file's entry is read
    from the site."""
    estates: dict[str, str | dict] = {}
    others: dict[str, list] = {}
    for r in results:
        text = before.estate_text(r.estate_id) if r.kept else None
        if text is not None:
            estates[r.estate_id] = text
            continue
        recorded = r.recorded if r.kept else {}
        mine: dict[str, list] = {}
        for rel, sha in r.files.items():
            known = recorded.get(rel)
            entry = known if known and known[0] == sha else manifest_mod.entry(site, rel, sha)
            if entry is None:
                continue
            if manifest_mod.estate_of(rel) == r.estate_id:
                mine[rel] = entry
            else:
                others[rel] = entry
        if mine:
            estates[r.estate_id] = mine
    for rel, sha in reduced.files.items():
        known = reduced.kept.get(rel)
        entry = known if known and known[0] == sha else manifest_mod.entry(site, rel, sha)
        if entry is not None:
            others[rel] = entry
    manifest_mod.write(build_dir, estates, others)


def _fingerprint_rules(rules: dict) -> str:
    return digest(json.dumps(rules, sort_keys=True, default=str, ensure_ascii=False))


def _timer():
    """A stopwatch: call it to get {"wall", "cpu"} seconds since it started. CPU counts
    this process and the worker processes it has waited for (a stage ends after its
    pool is shut down, so its workers are counted in it)."""
    started, before = time.monotonic(), os.times()

    def lap() -> dict[str, float]:
        now = os.times()
        cpu = sum(getattr(now, f) - getattr(before, f) for f in (
            "user", "system", "children_user", "children_system"))  # fmt: skip
        return {"wall": round(time.monotonic() - started, 3), "cpu": round(cpu, 3)}

    return lap


@dataclass
class _Plan:
    """What every estate of one build shares, read once."""

    root: Path
    schemas: dict
    schema_dir: Path
    folders: dict[str, Path]
    history: object
    city_findings: list[Finding]
    settings: dict
    feeds_enabled: bool
    docs: Path
    code: str  # code_fingerprint(), read once per build
    # The districts' supervision lists and company pools (generator/districts.py).
    districts: object = None
    # What every estate's key shares (_shared_key): computed once, used by the map, the
    # reduce's group cache and the ledger.
    shared_key: str | None = None
    # The published site's manifest (pipeline/manifest.py): read once, by the map and the
    # reduce.
    manifest: manifest_mod.Manifest = field(default_factory=manifest_mod.Manifest)
    # The ledger under this build's shared key (pipeline/ledger.py), read by the map.
    trusted: ledger.Ledger = field(default_factory=ledger.Ledger)


def _plan(options: BuildOptions) -> _Plan:
    """Read the schemas, the estates' folders and the history; check and mark the output
    folders before anything is written there."""
    from ..history import read_history
    from ..load import BUNDLED_SCHEMAS, _broken_schema, _rel

    data_dir, build_dir = Path(options.data_dir), Path(options.build_dir)
    root = repository_root(data_dir)
    schema_dir = data_dir / "schemas" if (data_dir / "schemas").is_dir() else BUNDLED_SCHEMAS
    broken: list[Path] = []
    schemas = load_schemas(schema_dir, broken)
    city_findings = [_broken_schema(path, root) for path in broken]
    folders = {folder.name: folder for folder in estate_folders(data_dir)}
    if not folders:
        city_findings.append(_no_estates(data_dir, root, _rel))
        # Nothing to build: say so before looking at the output folders at all.
        raise BuildFailed(DATA_ERRORS, findings=sort_findings(city_findings))
    docs = build_mod.prepare_outputs(Path(options.site_dir), build_dir)
    code = code_fingerprint()
    # Read and judged once per build, like the schemas: each estate's worker is given
    # only its own supervision record, and an error here fails the build like an estate's.
    district_findings, district_data = check_districts(
        data_dir,
        options.as_of,
        options.rules,
        root,
        guard=options.guard,
        memo=build_dir / "cache" / "estate-districts.json",
        memo_key=code,
        folders=list(folders.values()),
        judged=build_dir / "cache" / "district-verdict.json",
    )
    city_findings.extend(district_findings)
    estates_dir = data_dir / "estates" if (data_dir / "estates").is_dir() else data_dir
    history = read_history(
        root, estates_dir, schemas, guard=options.guard, cache_dir=build_dir / "cache"
    )
    if history.message:
        options.say(f"   {history.message} / {history.message_en}")
    return _Plan(
        root=root,
        schemas=schemas,
        schema_dir=schema_dir,
        folders=folders,
        history=history,
        city_findings=city_findings,
        settings=_settings(options.config_file),
        feeds_enabled=bool(history) and options.site_url.startswith(("http://", "https://")),
        docs=docs,
        code=code,
        districts=district_data,
        manifest=manifest_mod.read(build_dir),
    )


def build(options: BuildOptions) -> BuildResult:
    """Validate and render every estate, build the site, and swap it into ``site_dir``.

    With ``options.shard = (K, N)`` only the estates of the K-th of N slices (by
    district, :func:`shard_districts`) are built, into a partial output that
    :func:`merge` assembles with the others.

    Raises :class:`BuildFailed` (the published site unchanged) when the data has errors
    or MkDocs, the frame or the search index fail; :class:`generator.safepaths.UnsafePath`
    for output folders that must not be replaced.
    """

    def estates(plan: _Plan, staging: Path, frame) -> list[EstateResult]:
        folders = plan.folders
        if options.shard:
            folders = {e: f for e, f in folders.items() if e in _slice(folders, options.shard)}
        return _map_estates(options, plan, staging, frame, folders)

    return _run(options, estates, partial=bool(options.shard), by_workers=True)


def merge(options: BuildOptions, parts: list[Path]) -> BuildResult:
    """Assemble the site from the partial outputs of ``build(--shard K/N)`` runs.

    Every part must come from the same data, code and settings (the same inputs key and
    frame) and together they must cover every estate exactly once; the site is then the
    one a single machine would have built, byte for byte.
    """

    def parted(plan: _Plan, staging: Path, frame) -> list[EstateResult]:
        return _read_parts(parts, _inputs(options, plan, frame), staging, plan)

    # The parts' files may have lost their modes on the way (a CI artifact keeps none):
    # the whole staging site is made world-readable, estates' folders and all.
    return _run(options, parted, partial=False, by_workers=False)


def _run(options: BuildOptions, produce, *, partial: bool, by_workers: bool) -> BuildResult:
    """Plan, build the guide and frame into a staging folder, ``produce`` the estates'
    results there, check them, reduce (or record a shard's part), publish. The staging
    folder is discarded on any failure, so the published site stays as it was.
    ``by_workers``: ``produce`` wrote the estates' folders with pipeline/worker.py, which
    makes them world-readable as it writes them."""
    with _fewer_collections():
        return _run_stages(options, produce, partial=partial, by_workers=by_workers)


# A build makes some 40 objects per estate that live to its end (summaries, results,
# manifest entries): with the default threshold (700) the cyclic garbage collector walks
# the growing heap again and again, a quarter of a no-change build's CPU at 16,000
# estates. The build makes almost no cycles, so it collects rarely.
GC_THRESHOLD = (100_000, 20, 100)


@contextlib.contextmanager
def _fewer_collections():
    saved = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def _run_stages(options: BuildOptions, produce, *, partial: bool, by_workers: bool) -> BuildResult:
    stages: dict[str, dict[str, float]] = {}
    lap = _timer()
    plan = _plan(options)
    stages["plan"] = lap()
    staging = build_mod.new_staging_dir(Path(options.site_dir))
    try:
        lap = _timer()
        frame = _guide_and_frame(options, staging, plan)
        stages["frame"] = lap()
        lap = _timer()
        results = produce(plan, staging, frame)
        stages["map"] = lap()
        findings = _check(plan, results, partial=partial, guard=options.guard)
        lap = _timer()
        reduced = _Reduced()
        if options.shard:
            _write_part(staging, options, _inputs(options, plan, frame), results)
        else:
            reduced = _reduce(options, plan, staging, frame, results)
        stages["reduce"] = lap()
    except BaseException:
        build_mod.discard(staging)
        raise
    _shared_key(options, plan, frame)
    ready = [f"estates/{r.estate_id}" for r in results if not r.kept] if by_workers else []
    return _finish(options, staging, results, findings, stages, reduced, plan, ready)


@dataclass
class _Reduced:
    """What the reduce made: the aggregate files (path → sha256), those of them the
    published site already holds as they are (moved in by publish, not written), and the
    group cache's counts."""

    files: dict[str, str] = field(default_factory=dict)
    kept: dict[str, list] = field(default_factory=dict)  # path → its manifest entry
    # Folders of kept files that publish moves whole (_whole_folders), and the other
    # kept files, moved one by one.
    kept_folders: list[str] = field(default_factory=list)
    kept_files: list[str] = field(default_factory=list)
    groups: GroupCache | None = None


def _finish(options, staging, results, findings, stages, reduced, plan, ready) -> BuildResult:
    lap = _timer()
    kept = [f"estates/{r.estate_id}" for r in results if r.kept]
    groups = reduced.groups
    cache = Cache(Path(options.build_dir) / "cache")
    # Written again below once the new site and its manifest are in place.
    ledger.forget(cache.root)
    try:
        build_mod.publish(
            staging,
            Path(options.site_dir),
            keep=[*kept, *reduced.kept_folders],
            keep_files=reduced.kept_files,
            ready=ready,
        )
    except BaseException:
        build_mod.discard(staging)
        raise
    # Only a kept folder's files are as the previous manifest recorded them (the workers
    # checked them against it); a computed estate's unchanged page is a new file, with a
    # new mtime.
    site = Path(options.site_dir)
    _write_manifest(Path(options.build_dir), site, results, reduced, plan.manifest)
    if not options.shard:
        cache.prune({r.key for r in results})
        ledger.write(cache.root, plan.shared_key, _ledger_lines(results, site, plan.trusted))
        problem = searchkeep.save(cache.root.parent, site)
        if problem:
            options.say(
                f"   搜索索引没能留在构建缓存里 / the search index was not kept in build/cache: {problem}"
            )
    stages["publish"] = lap()
    return BuildResult(
        findings=findings,
        estates=sum(1 for r in results if r.summary),
        computed=sum(1 for r in results if not r.cached),
        cached=sum(1 for r in results if r.cached),
        files=sum(len(r.files) for r in results) + len(reduced.files),
        kept=len(kept),
        unread=sum(1 for r in results if r.unread),
        groups_rendered=groups.rendered if groups else 0,
        groups_reused=groups.reused if groups else 0,
        stages=stages,
    )


def _folders_of(files) -> list[str]:
    """The folders of an estate's files and their parents up to ``estates/<id>``."""
    out: set[str] = set()
    for path in files:
        folder = path.rpartition("/")[0]
        while "/" in folder and folder not in out:
            out.add(folder)
            folder = folder.rpartition("/")[0]
    return sorted(out)


def _ledger_lines(results: list[EstateResult], site: Path, before) -> dict[str, tuple]:
    """What the ledger keeps of each published estate that has a stamp (id → stamp, its
    folders' and its record's texts), with the mtime and inode of each folder of its
    published files: a file added to, removed from or renamed in a folder changes that
    folder's mtime, so a later build checks the folders and the files' own size and mtime
    without listing a folder.

    An unread estate's line is written back as it was read when its folder's stat data
    are as recorded: publish moved the folder whole, which leaves the folders below it as
    they were, so only the top one is looked at."""
    lines = {}
    root = f"{site}/"
    for r in results:
        if not (r.stamp and r.summary):
            continue
        old = r.record
        top = f"estates/{r.estate_id}"
        texts = before.texts(r.estate_id) if old else None
        try:
            if texts and old["dirs"].get(top) == _dir_stat(root + top):
                lines[r.estate_id] = (r.stamp, *texts)
                continue
            folders = list(old["dirs"]) if old else _folders_of(r.files)
            dirs = ledger.encode({d: _dir_stat(root + d) for d in folders})
        except (OSError, AttributeError, TypeError):
            continue
        if texts:
            # Unread: its record is the one read; only its folders' stat data are new.
            lines[r.estate_id] = (r.stamp, dirs, texts[1])
            continue
        record = {
            "key": r.key,
            "findings": [f.as_dict() for f in r.findings],
            "summary": summaries.to_plain(r.summary),
            "declared_name": r.declared_name,
        }
        lines[r.estate_id] = (r.stamp, dirs, ledger.encode(record))
    return lines


def _dir_stat(path: str) -> list[int]:
    st = os.lstat(path)
    return [st.st_mtime_ns, st.st_ino]


def _as_published(estate_id: str, before: dict, dirs, site: Path | None) -> bool:
    """Whether the published folder of the estate holds exactly the files the manifest
    recorded: each file's size and mtime as recorded, each folder's mtime and inode as
    the ledger recorded (so no file was added, removed or renamed)."""
    prefix = f"estates/{estate_id}/"
    if site is None or not isinstance(dirs, dict) or sorted(dirs) != _folders_of(before):
        return False
    # Strings, not Path objects: 700,000 of these at 16,000 estates.
    root = f"{site}/"
    try:
        for folder, recorded in dirs.items():
            st = os.lstat(root + folder)
            if [st.st_mtime_ns, st.st_ino] != recorded:
                return False
        for rel, entry in before.items():
            st = os.lstat(root + rel)
            if not rel.startswith(prefix) or (st.st_size, st.st_mtime_ns) != tuple(entry[1:3]):
                return False
    except (OSError, TypeError):
        return False
    return True


def _inputs(options: BuildOptions, plan: _Plan, frame) -> dict[str, str]:
    """The fingerprints every estate's key shares (named, so a refusal can say which)."""
    history = plan.history
    inputs = BuildInputs(
        code=plan.code,
        schemas=folder_fingerprint(Path(plan.schema_dir), ("*.yaml", "*.yml", "*.json")),
        rules=_fingerprint_rules(options.rules),
        guard=options.guard.fingerprint,
        as_of=options.as_of.isoformat(),
        site=digest(options.site_url, options.repo_url or "", str(plan.feeds_enabled)),
        frame=frame.fingerprint,
    )
    # What the pages say of the history, not git's own words: a data folder not in git
    # would otherwise put its path in every key (and on every history page).
    page_message = history.page_message or ""
    return {**inputs.__dict__, "history": digest(page_message, str(history.available))}


def _shared_key(options: BuildOptions, plan: _Plan, frame) -> str:
    if plan.shared_key is None:
        plan.shared_key = digest(json.dumps(_inputs(options, plan, frame), sort_keys=True))
    return plan.shared_key


def _map_estates(options, plan: _Plan, staging: Path, frame, folders) -> list[EstateResult]:
    from ..history import entry_for_checksum
    from ..outputs import render
    from . import worker

    history = plan.history
    manifest = plan.manifest
    previous_site = Path(options.site_dir)

    def render_one(estate, pkg, versions):
        ctx = render.EstateContext(
            as_of=options.as_of,
            site_url=options.site_url,
            repo_url=options.repo_url,
            feeds_enabled=plan.feeds_enabled,
            guard=options.guard,
            versions=tuple(versions),
            current=entry_for_checksum(versions, estate.checksum),
            history_available=bool(history and history.available),
            history_message=history.page_message if history else None,
        )
        return render.render_estate(estate, ctx, frame, pkg)

    shared = worker.Shared(
        root=plan.root,
        schemas=plan.schemas,
        rules=options.rules,
        guard=options.guard,
        as_of=options.as_of,
        shared_key=_shared_key(options, plan, frame),
        staging=staging,
        cache=Cache(Path(options.build_dir) / "cache"),
        render=render_one,
        previous_site=previous_site if manifest and previous_site.is_dir() else None,
        previous_manifest=manifest,
        # A slice's partial output has no published site of its own to keep folders from.
        previous_estates=None if options.shard else manifest.by_estate,
    )
    # Estates untouched since the published build need no worker (pipeline/ledger.py).
    if shared.previous_estates:
        plan.trusted = ledger.read(shared.cache.root, shared.shared_key)
    jobs = [
        EstateJob(
            estate_id,
            str(folder),
            tuple(history.for_estate(estate_id)),
            plan.districts.supervision_of(estate_id),
        )
        for estate_id, folder in sorted(folders.items())
    ]
    options.say(
        f"2/4 校验并生成 {len(jobs)} 个小区的页面 / validating and rendering {len(jobs)} estates …"
    )
    done = [0]

    def progress(result):
        done[0] += 1
        if done[0] % 1000 == 0:
            options.say(f"   {done[0]} / {len(jobs)}")

    results = _map(jobs, shared, options.workers or os.cpu_count() or 1, progress, plan.trusted)
    unread = sum(1 for r in results if r.unread)
    if unread:
        options.say(
            f"   {unread} 个小区的文件自上次发布未动 / unchanged on disk since the last"
            " published build"
        )
    return results


def _from_ledger(job: EstateJob, stamp: str | None, trusted, shared) -> EstateResult | None:
    """The result of an estate :func:`_check_estate` found unchanged, as the ledger
    recorded it (its files as the manifest has them); None when the record is unusable
    (its worker then runs)."""
    record = trusted.record(job.estate_id, stamp)
    before = shared.previous_estates.get(job.estate_id) if shared.previous_estates else None
    if not isinstance(record, dict) or not before:
        return None
    try:
        findings = [Finding.restore(f) for f in record["findings"]]
        summary = record["summary"]
        key, name = str(record["key"]), record.get("declared_name")
    except (KeyError, TypeError, ValueError):
        return None
    if not isinstance(summary, EstateSummary):
        return None
    files = {path: entry[0] for path, entry in before.items()}
    # The folders' stat data, for the next ledger (_ledger_lines).
    return EstateResult(
        job.estate_id, key, findings, summary, files, name,
        cached=True, kept=True, record={"dirs": trusted.dirs(job.estate_id, stamp)},
    )  # fmt: skip


def _check(plan: _Plan, results: list[EstateResult], *, partial: bool, guard=None) -> list[Finding]:
    """Every finding, sorted (takedown values masked: they are printed); raises
    BuildFailed when any is an error."""
    findings = list(plan.city_findings)
    for result in results:
        findings.extend(result.findings)
    if guard is not None:
        findings = [guard.finding(f) for f in findings]
    if not partial:
        findings.extend(_duplicates(results, plan.root, plan.folders))
    findings = sort_findings(findings)
    if any(f.severity == ERROR for f in findings):
        raise BuildFailed(DATA_ERRORS, findings=findings)
    return findings


def _reduce(options, plan: _Plan, staging: Path, frame, results: list[EstateResult]) -> _Reduced:
    """The pages over estates, from the summaries only, then the search index."""
    from ..outputs import render, search

    options.say("3/4 汇总页面与搜索索引 / aggregate pages and the search index …")
    summaries = sorted((r.summary for r in results if r.summary), key=lambda s: s.id)
    site = render.make_site(
        summaries,
        options.as_of,
        options.site_url,
        plan.history,
        options.repo_url,
        guard=options.guard,
    )
    site.district_data = plan.districts
    site.rules = dict(options.rules or {})
    published = Path(options.site_dir)
    as_published = _published_as(plan.manifest, published)
    site.groups = groups = GroupCache(
        Cache(Path(options.build_dir) / "cache" / "groups"),
        digest(
            _shared_key(options, plan, frame),
            outline(site.districts),
            folder_fingerprint(Path(options.data_dir) / "districts"),
        ),
        {r.estate_id: r.key for r in results},
        published=as_published,
    )
    # The estates' search buckets hold only their overviews: they are indexed in other
    # processes while this one renders the city's pages (at 16,000 estates a commit's
    # bucket takes some 2.5 s, a cold build's three some 50 s).
    estate_shard = {s.id: search.district_shard(s.district_slug) for s in summaries}
    kept_estates = {path for r in results if r.kept for path in r.files}
    estate_shas = {path: sha for r in results for path, sha in r.files.items()}
    # The estates' pages search indexes (their overviews), picked once from their 540,000
    # files at 16,000 estates for both plans below; their folders are not walked.
    estate_ids = [r.estate_id for r in results if r.files]
    estate_pages = search.estate_pages(estate_shas)
    buckets = {
        name: pages
        for name, pages in search.plan_shards(
            staging, estate_shard, also=estate_pages, estates=estate_ids
        ).items()
        if name != search.SITE_SHARD
    }
    previous, in_site = _previous_index(published, Path(options.build_dir) / "cache")
    ahead = search.index_ahead(
        staging,
        buckets,
        previous=previous,
        locate=lambda rel: (published if rel in kept_estates else staging) / rel,
        known=estate_shas,
        keep_copied=in_site,
    )
    try:
        aggregates = render.render_aggregates(site, frame)
        # The index of every group rendered, for the next build; before the prune, which
        # keeps only the entries this build used.
        groups.save()
        groups.cache.prune(groups.used)
        shas, unchanged = _as_before(aggregates, plan.manifest, as_published)
        # A commit changes few of the city's pages: the rest stay where they are published
        # and publish moves them in, so they are neither written nor deleted (at 16,000
        # estates some 12,000 files: companies, districts, streets, the overview's lists).
        render.write_files(staging, ((p, d) for p, d in aggregates.items() if p not in unchanged))
        _sitemaps(options, plan, staging, results, aggregates)
        # Kept estates' pages are in the published site until publish moves their folders.
        kept = kept_estates | unchanged.keys()
        # Districts hashed into a few buckets: every shard costs the first query an index
        # chunk, so fewer, larger shards (benchmarks/README.md, "Search in shards").
        # Every estate's files are known from its result, and the city's pages kept as
        # published from _as_before: their folders are not walked again.
        shards = search.plan_shards(
            staging, estate_shard, also=[*estate_pages, *unchanged], estates=estate_ids
        )
        # Shards whose pages did not change are linked from the published site; the buckets
        # started above are finished (or, should their pages differ, indexed again).
        stats = search.index_shards(
            staging,
            shards,
            previous=previous,
            locate=lambda rel: (published if rel in kept else staging) / rel,
            known={**estate_shas, **shas},
            # An unchanged shard's folder is moved in by publish, like a kept estate's
            # (one from the build folder's copy is linked into the staging site).
            keep_copied=in_site,
            ahead=ahead,
        )
    except BaseException:
        ahead.close()  # index_shards closes it otherwise
        raise
    options.say(
        f"   搜索索引 / search index: {stats.pages} pages, {stats.shards} shards"
        f" ({stats.read} pages read by Pagefind) in {stats.seconds:.1f} s"
    )
    folders = _whole_folders(unchanged, aggregates, staging, published)
    moved_whole = set(folders)
    if in_site:
        folders += [f"{search.BUNDLE}/{name}" for name in stats.copied]
    return _Reduced(
        files=shas,
        kept=unchanged,
        kept_folders=folders,
        kept_files=sorted(p for p in unchanged if not _inside(p, moved_whole)),
        groups=groups,
    )


def _previous_index(published: Path, cache_root: Path) -> tuple[Path | None, bool]:
    """The last search index, for the shards it has to spare Pagefind, and whether it is
    the published site's: else the copy the build folder keeps (a CI runner that keeps only
    ``build/cache``), its files checked first (pipeline/searchkeep.py)."""
    from ..outputs import search

    if published.is_dir() and search.published_shards(published):
        return published, True
    return searchkeep.restore(cache_root), False


def _inside(path: str, folders: set[str]) -> bool:
    """Whether ``path`` lies in one of ``folders`` (its parents looked up, not 11,000
    prefixes compared)."""
    folder = path.rpartition("/")[0]
    while folder:
        if folder in folders:
            return True
        folder = folder.rpartition("/")[0]
    return False


def _whole_folders(
    unchanged: dict[str, list], files: dict[str, bytes], staging: Path, site: Path
) -> list[str]:
    """The folders of kept files that publish can move whole, a rename instead of a new
    folder, a rename per file and an empty folder left to delete (11,000 companies' pages
    at 16,000 estates, one a folder): every file the build has there is kept, the build
    has no folder below it and nothing of the staging site is there, and the published
    folder holds exactly those files (no subfolder, nothing stray)."""
    by_folder: dict[str, list[str]] = {}
    for path in files:
        folder, _, name = path.rpartition("/")
        by_folder.setdefault(folder, []).append(name)
    above: set[str] = set()
    for folder in by_folder:
        parent = folder.rpartition("/")[0]
        while parent and parent not in above:
            above.add(parent)
            parent = parent.rpartition("/")[0]
    out = []
    for folder, names in by_folder.items():
        if not folder or folder in above or os.path.lexists(f"{staging}/{folder}"):
            continue
        if any(f"{folder}/{name}" not in unchanged for name in names):
            continue
        try:
            listed = os.listdir(f"{site}/{folder}")
        except OSError:
            continue
        if sorted(listed) == sorted(names):
            out.append(folder)
    return sorted(out)


def _published_as(manifest: dict[str, list], site: Path) -> Callable[[str, str], bool]:
    """Whether the published site holds a file with the given sha256: the manifest has
    that sha256 for it and the file its recorded size and mtime, as for a kept estate's."""
    if not site.is_dir():
        return lambda path, sha: False
    root = f"{site}/"

    def published(path: str, sha: str) -> bool:
        entry = manifest.get(path)
        if not (isinstance(entry, list) and len(entry) == 3 and entry[0] == sha):
            return False
        try:
            st = os.lstat(root + path)
        except OSError:
            return False
        return stat.S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns) == (entry[1], entry[2])

    return published


def _as_before(
    files: dict[str, bytes | Published], manifest: dict[str, list], published
) -> tuple[dict[str, str], dict[str, list]]:
    """Each file's sha256, and the files the published site holds with these bytes
    (path → manifest entry)."""
    shas: dict[str, str] = {}
    unchanged: dict[str, list] = {}
    for path, data in files.items():
        if isinstance(data, Published):  # checked by the group cache
            shas[path] = data.sha
            unchanged[path] = manifest[path]
            continue
        shas[path] = sha = sha256(data)
        if published(path, sha):
            unchanged[path] = manifest[path]
    return shas, unchanged


def _sitemaps(options, plan: _Plan, staging: Path, results, aggregate_paths) -> None:
    """The sitemap index and a sitemap per district (generator/outputs/sitemap.py), from
    the files the estates wrote and the aggregate pages; an estate's pages carry the date
    of its current version."""
    from ..history import entry_for_checksum
    from ..outputs import sitemap

    groups: dict[str, list] = {}
    for result in results:
        if not result.summary:
            continue
        entry = entry_for_checksum(
            plan.history.for_estate(result.estate_id), result.summary.checksum
        )
        day = entry.day if entry else None
        # Only pages (…/index.html) have a URL: the other 20-odd files an estate are not
        # sorted and asked (550,000 paths at 16,000 estates).
        pages = sorted(p for p in result.files if p.endswith("index.html"))
        groups.setdefault(result.summary.district_slug, []).extend(
            (url, day) for url in map(sitemap.page_url, pages) if url is not None
        )
    for path in aggregate_paths:
        url = sitemap.page_url(path)
        if url is not None:
            parts = url.split("/")
            district = parts[1] if parts[0] == "districts" and len(parts) > 2 else None
            groups.setdefault(district or sitemap.SITE_GROUP, []).append((url, None))
    sitemap.write(staging, options.site_url, groups)


# --- many machines: slices by district and their merge ----------------------------------------

PART_FILE = "sunlight-part.json"
PART_VERSION = 1


def _district_of(folder: Path) -> str:
    """The district an estate's profile names (read cheaply: the header and one row)."""
    import csv

    try:
        with (folder / "estate.csv").open(encoding="utf-8-sig", newline="") as f:
            rows = csv.DictReader(f)
            row = next(rows, None) or {}
    except (OSError, UnicodeDecodeError, csv.Error):
        return ""
    return str(row.get("district") or "")


def shard_districts(folders: dict[str, Path], n: int) -> list[set[str]]:
    """The estate ids of each of ``n`` slices: whole districts, the largest first, each to
    the slice with the fewest estates so far (ties to the lowest). Deterministic, so
    every machine of a CI matrix computes the same split."""
    by_district: dict[str, list[str]] = {}
    for estate_id, folder in sorted(folders.items()):
        by_district.setdefault(_district_of(folder), []).append(estate_id)
    slices: list[set[str]] = [set() for _ in range(n)]
    for district in sorted(by_district, key=lambda d: (-len(by_district[d]), d)):
        smallest = min(range(n), key=lambda i: (len(slices[i]), i))
        slices[smallest].update(by_district[district])
    return slices


def _slice(folders: dict[str, Path], shard: tuple[int, int]) -> set[str]:
    k, n = shard
    return shard_districts(folders, n)[k - 1]


def _write_part(staging: Path, options: BuildOptions, inputs: dict, results: list) -> None:
    """The partial output's record: which estates, their findings, summaries and files."""
    from . import summaries as summaries_mod

    record = {
        "version": PART_VERSION,
        "shard": list(options.shard),
        "inputs": inputs,
        "estates": [
            {
                "estate_id": r.estate_id,
                "key": r.key,
                "declared_name": r.declared_name,
                "findings": [options.guard.finding(f).as_dict() for f in r.findings],
                "summary": summaries_mod.to_plain(r.summary) if r.summary else None,
                "files": r.files,
            }
            for r in results
        ],
    }
    (staging / PART_FILE).write_text(json.dumps(record, ensure_ascii=False), "utf-8")


def _read_parts(parts: list[Path], inputs: dict, staging: Path, plan: _Plan) -> list:
    from . import summaries as summaries_mod

    results: list[EstateResult] = []
    seen: dict[str, Path] = {}
    for part in parts:
        try:
            record = json.loads((Path(part) / PART_FILE).read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise BuildFailed(
                f"{part} 不是 sunlight build --shard 的输出（{type(error).__name__}）。/ {part} "
                "is not the output of sunlight build --shard."
            ) from None
        theirs = record.get("inputs") if record.get("version") == PART_VERSION else None
        if theirs != inputs:
            differ = sorted(k for k in inputs if not theirs or theirs.get(k) != inputs[k])
            raise BuildFailed(
                f"{part} 是用不同的数据、代码或设置构建的（{', '.join(differ)}），不能合并；请用同一"
                f"提交和同样的 --as-of、--site-url 重新构建各分片。/ {part} was built from other "
                f"inputs ({', '.join(differ)}); rebuild every shard from the same commit with "
                "the same --as-of and --site-url."
            )
        for entry in record["estates"]:
            estate_id = entry["estate_id"]
            if estate_id in seen:
                raise BuildFailed(
                    f"小区 {estate_id} 同时在 {seen[estate_id]} 和 {part} 中。/ Estate "
                    f"{estate_id} is in both {seen[estate_id]} and {part}."
                )
            seen[estate_id] = Path(part)
            for rel in entry["files"]:
                target = staging / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(Path(part) / rel, target)
            summary = summaries_mod.from_plain(entry["summary"]) if entry["summary"] else None
            results.append(
                EstateResult(
                    estate_id,
                    entry["key"],
                    [Finding(**f) for f in entry["findings"]],
                    summary,
                    dict(entry["files"]),
                    entry.get("declared_name"),
                    cached=True,
                )
            )
    missing = sorted(set(plan.folders) - set(seen))
    if missing:
        raise BuildFailed(
            f"分片没有覆盖全部小区，缺少 {len(missing)} 个（如 {missing[0]}）。/ The shards do not "
            f"cover every estate: {len(missing)} missing (e.g. {missing[0]})."
        )
    return sorted(results, key=lambda r: r.estate_id)


def _guide_and_frame(options, staging, plan: _Plan):
    """MkDocs builds ``content/`` and the frame pages into ``staging``; returns the Frame.

    Its output depends only on the generator's code and theme, ``content/``, the config
    file, the schemas (the workbook template), the site URL, the as-of date (in every
    footer) and whether feeds are on. Keyed by those, it is kept in the cache, and a
    build that changes only data hard-links it instead of running MkDocs again.
    """
    from ..outputs import frame as frame_mod
    from ..outputs import render
    from ..tools import sheets

    docs, settings, feeds_enabled = plan.docs, plan.settings, plan.feeds_enabled
    schema_dir = plan.schema_dir
    config_file = Path(options.config_file)
    content = config_file.resolve().parent / "content"
    key = digest(
        "mkdocs",
        plan.code,
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
