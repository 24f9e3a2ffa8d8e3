"""The map: one estate through load → validate → model → render, in a worker process.

A worker is given what every estate shares once (:class:`Shared`, set before the pool
forks, so nothing large is pickled per estate) and one :class:`EstateJob` at a time. It
returns an :class:`EstateResult`: the estate's findings, its summary for the aggregate pages,
and the site paths it wrote with their checksums — never the pages themselves, so the
parent process holds a small summary per estate, whatever the size of the city.

With a cache entry for the estate's key, the worker writes the cached files into the
staging site instead of computing them (a hard link from the previous site when that file
is unchanged, else the file's bytes from the entry). A missing or damaged file means the
estate is computed again; a cached result is never half-used.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..checksum import checksum_of, is_package_file
from ..findings import ERROR, Finding
from ..load import load_package
from ..model import build_estate
from ..outputs.build import DIR_MODE, FILE_MODE
from ..privacy import Guard
from ..validate import validate_package
from . import summaries
from .cache import Cache, sha256
from .keys import estate_key


@dataclass
class Shared:
    """What every estate of one build shares (read-only in the workers)."""

    root: Path  # the repository root, for the paths findings name
    schemas: dict[str, dict]
    rules: dict
    guard: Guard
    as_of: dt.date
    shared_key: str
    staging: Path
    cache: Cache
    render: object  # (estate, package, versions) -> {site path: bytes}; frame inside
    previous_site: Path | None = None
    previous_manifest: dict[str, list] = field(default_factory=dict)
    # The previous site's files by estate (id → {path: [sha, size, mtime]}) when a cached
    # estate's folder may be kept as the published site has it (a whole-city build).
    previous_estates: dict[str, dict[str, list]] | None = None


@dataclass(frozen=True)
class EstateJob:
    estate_id: str
    folder: str
    history: tuple = ()  # this estate's history entries, newest first
    # The district's supervision record of this estate (DistrictData.supervision_of).
    supervision: dict | None = None


@dataclass
class EstateResult:
    estate_id: str
    key: str
    findings: list[Finding]
    summary: summaries.EstateSummary | None
    files: dict[str, str]  # site path → sha256
    declared_name: str | None
    cached: bool = False
    # Its folder in the published site is exactly its files: nothing was written, and
    # publishing moves that folder into the new site (outputs/build.py publish(keep=…)).
    kept: bool = False
    # A kept folder's files as the previous manifest recorded them (sha, size, mtime): the
    # next manifest's entries, which a folder moved by publish keeps.
    recorded: dict[str, list] = field(default_factory=dict)
    # Its folder's stamp as this build found it (set by the parent), for the next ledger.
    stamp: str | None = None
    # Set when it came from the ledger, its files not read at all (pipeline/ledger.py):
    # {"dirs": its published folders' stat data as recorded}; its line goes to the next
    # ledger as it was read instead of encoded again.
    record: dict | None = None

    @property
    def unread(self) -> bool:
        return self.record is not None


# Set in the parent before the pool forks (and used directly when running in-process).
SHARED: Shared | None = None


def run(job: EstateJob) -> EstateResult:
    shared = SHARED
    assert shared is not None, "worker.SHARED is set before jobs run"
    folder = Path(job.folder)
    files = _package_files(folder)
    history = [_plain_entry(e) for e in job.history]
    checksum = checksum_of(files)
    key = estate_key(shared.shared_key, checksum, None, history, supervision=job.supervision)
    entry = shared.cache.get(key)
    if entry is not None:
        hit = _from_cache(job, key, entry, files, shared)
        if hit is not None:
            return hit
    return _compute(job, key, files, checksum, shared)


def _package_files(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir() or folder.is_symlink():
        return {}
    # scandir's entry types come with the listing: no stat and lstat for each file.
    with os.scandir(folder) as entries:
        names = sorted(
            entry.name
            for entry in entries
            if entry.is_file(follow_symlinks=False) and is_package_file(entry.name)
        )
    return {name: (folder / name).read_bytes() for name in names}


def _plain_entry(entry) -> object:
    return dataclasses.asdict(entry) if dataclasses.is_dataclass(entry) else entry


def _compute(
    job: EstateJob, key: str, files: dict[str, bytes], checksum: str, shared: Shared
) -> EstateResult:
    pkg = load_package(Path(job.folder), shared.root, shared.schemas, files)
    findings, tables = validate_package(pkg, shared.as_of, shared.rules, shared.root)
    result = EstateResult(job.estate_id, key, findings, None, {}, pkg.declared_name)
    if any(f.severity == ERROR for f in findings) or not tables or not tables.get("estate"):
        # Nothing is rendered for an estate with errors (the build will not publish);
        # its findings are cached all the same, so the next run reports them at once.
        _store(shared, result, {})
        return result
    if shared.guard.redactions:
        tables = {
            name: shared.guard.rows(job.estate_id, name, rows) for name, rows in tables.items()
        }
    estate = build_estate(
        job.estate_id,
        Path(job.folder),
        tables,
        findings,
        shared.as_of,
        shared.rules,
        supervision=job.supervision,
        # The checksum of the bytes read for the key, not the folder read again (some
        # twenty files): a package modelled here has no link in it (the loader refuses one
        # with an error), so these are the files checksum_of_folder would read.
        checksum=checksum,
    )
    written = shared.render(estate, pkg, list(job.history))
    result.summary = summaries.summarise(estate)
    sources = {sha256(data): name for name, data in files.items()}
    blobs: dict[str, bytes] = {}
    for path, data in sorted(written.items()):
        digest = sha256(data)
        _write(shared.staging / path, data)
        result.files[path] = digest
        if digest not in sources:
            blobs[digest] = data
    _store(shared, result, blobs, sources)
    return result


def _store(shared: Shared, result: EstateResult, blobs: dict[str, bytes], sources=None) -> None:
    shared.cache.put(
        result.key,
        {
            "estate_id": result.estate_id,
            "declared_name": result.declared_name,
            "findings": [f.as_dict() for f in result.findings],
            "summary": summaries.to_plain(result.summary) if result.summary else None,
            # A download that is a byte copy of a package file is taken from the package
            # (its bytes are part of the key), not stored twice.
            "files": {
                path: {"sha": digest, "src": (sources or {}).get(digest)}
                for path, digest in result.files.items()
            },
        },
        blobs,
    )


def _from_cache(
    job: EstateJob, key: str, entry: dict, files: dict[str, bytes], shared: Shared
) -> EstateResult | None:
    try:
        findings = [Finding(**f) for f in entry["findings"]]
        summary = summaries.from_plain(entry["summary"]) if entry["summary"] else None
        if summary is not None and not isinstance(summary, summaries.EstateSummary):
            return None
        wanted = {path: (f["sha"], f.get("src")) for path, f in entry["files"].items()}
    except (KeyError, TypeError, ValueError):
        return None
    if _intact(job.estate_id, wanted, shared):
        files = {path: digest for path, (digest, _) in wanted.items()}
        return EstateResult(
            job.estate_id,
            key,
            findings,
            summary,
            files,
            entry.get("declared_name"),
            cached=True,
            kept=True,
            recorded=shared.previous_estates[job.estate_id],
        )
    written: dict[str, str] = {}
    for path, (digest, src) in wanted.items():
        if not _safe_site_path(path) or not _materialise(shared, path, digest, src, files, entry):
            # Damaged entry: drop what was written and compute the estate afresh.
            for done in written:
                (shared.staging / done).unlink(missing_ok=True)
            return None
        written[path] = digest
    return EstateResult(
        job.estate_id, key, findings, summary, written, entry.get("declared_name"), cached=True
    )


def _intact(estate_id: str, wanted: dict[str, tuple], shared: Shared) -> bool:
    """Whether the published folder ``estates/<id>/`` holds exactly the files the cache
    entry names, unchanged since the last build wrote them (sha, size and mtime as its
    manifest recorded them, and no other file), so it can be kept without a write."""
    if shared.previous_estates is None or shared.previous_site is None:
        return False
    before = shared.previous_estates.get(estate_id)
    prefix = f"estates/{estate_id}/"
    if not before or before.keys() != wanted.keys():
        return False
    for path, (digest, _src) in wanted.items():
        recorded = before[path]
        if not path.startswith(prefix) or recorded[0] != digest:
            return False
        try:
            st = os.lstat(shared.previous_site / path)
        except OSError:
            return False
        if (st.st_size, st.st_mtime_ns) != tuple(recorded[1:3]):
            return False
    return _files_under(shared.previous_site / prefix) == len(wanted)


def _files_under(folder: Path) -> int:
    """How many non-folder entries ``folder`` holds, at any depth (-1 if unreadable)."""
    count, pending = 0, [folder]
    try:
        while pending:
            with os.scandir(pending.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append(Path(entry.path))
                    else:
                        count += 1
    except OSError:
        return -1
    return count


def _safe_site_path(path: str) -> bool:
    parts = Path(path).parts
    return bool(parts) and not Path(path).is_absolute() and ".." not in parts


def _materialise(
    shared: Shared, path: str, digest: str, src, files: dict[str, bytes], entry
) -> bool:
    target = shared.staging / path
    previous = shared.previous_manifest.get(path)
    if shared.previous_site is not None and previous and previous[0] == digest:
        old = shared.previous_site / path
        try:
            st = old.stat()
            # Its mode too: the staging site's estate folders are not walked again for
            # it (outputs/build.py publish(ready=…)).
            same = (st.st_size, st.st_mtime_ns) == tuple(previous[1:3])
            if same and stat.S_IMODE(st.st_mode) == FILE_MODE:
                _make_folder(target.parent)
                os.link(old, target)
                return True
        except OSError:
            pass
    if src is not None and src in files and sha256(files[src]) == digest:
        _write(target, files[src])
        return True
    data = entry.blob(digest)
    if data is None:
        return False
    _write(target, data)
    return True


# Folders this process has made (or found) in the staging site: an estate writes some
# thirty files into about ten folders, and each mkdir or stat is a system call (the
# staging site is new for every build, so a folder once made stays).
_MADE: set[Path] = set()


def _make_folder(folder: Path) -> None:
    """``folder`` and its missing parents, each made world-readable (DIR_MODE) whatever
    the umask, as every file here is (FILE_MODE): publish then need not walk an estate's
    folders to make them so, some 560,000 files at 16,000 estates."""
    if folder in _MADE:
        return
    try:
        os.mkdir(folder)
    except FileNotFoundError:
        _make_folder(folder.parent)
        try:
            os.mkdir(folder)
        except FileExistsError:
            pass  # made meanwhile by the other worker, which sets its mode
        else:
            os.chmod(folder, DIR_MODE)
    except FileExistsError:
        pass  # made before (by this build: the staging site is new)
    else:
        os.chmod(folder, DIR_MODE)
    _MADE.add(folder)


def _write(path: Path, data: bytes) -> None:
    folder = path.parent
    if folder not in _MADE:
        _make_folder(folder)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        # A hard link shares its bytes with the previous site: never write through it.
        path.unlink()
        fd = os.open(path, flags, 0o644)
    except FileNotFoundError:  # the folder went away since (another build's staging)
        _MADE.clear()
        _make_folder(folder)
        fd = os.open(path, flags, 0o644)
    try:
        # World-readable whatever the umask: a web server running as another user serves it.
        os.fchmod(fd, FILE_MODE)
        # os.write, not a file object around the descriptor: some thirty files an estate.
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


__all__ = ["EstateJob", "EstateResult", "Shared", "run"]
