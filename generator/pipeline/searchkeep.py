"""The search index kept in the build folder, for a build that finds no published site.

A search shard whose pages did not change is taken from the previous bundle as it is, and
a changed one makes Pagefind read only its changed pages (outputs/search.py). The previous
bundle is the published site's ``pagefind/``. A CI runner that keeps only ``build/cache``
between runs (``actions/cache``) has no published site: it indexed every page again, some
45 s of a 100-second commit at 16,000 estates (benchmarks/README.md, "What a CI runner
pays"). So after each publish the site's bundle is hard-linked into
``build/cache/search/pagefind/`` (no bytes copied; a shard whose digest did not change is
left as it is) with a record of every file's size and sha256, and a build without a
published index uses that copy as its previous one.

The copy comes from a cache that crossed machines, so it is checked before use, file by
file: a shard whose folder holds a file the record lacks, lacks one it lists, holds
anything but regular files and folders, or a file whose bytes are not the recorded ones, is
deleted from the copy and indexed again — never published. Only the shards that passed
are named in the copy's ``shards.json``, written afresh at each restore.

Files of the record (``search.json``): ``{"version", "shards": {name: {"digest", "files":
{path: [size, sha256]}}}}``, JSON (never a pickle), written after the folders, atomically;
it is removed before they change, so an interrupted save leaves no copy to trust.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

from ..outputs import search
from .cache import _atomic_write, _listed

FOLDER = "search"
RECORD = "search.json"
RECORD_VERSION = 1


def restore(cache_root: Path) -> Path | None:
    """The kept copy as a previous site for :mod:`..outputs.search` (a folder holding
    ``pagefind/``), with only its shards whose files are the recorded ones; None when no
    shard passed."""
    keep = Path(cache_root) / FOLDER
    if not _ours(keep):
        return None
    try:
        return _restore(keep)
    except OSError:  # an unreadable copy is no copy: every shard is indexed
        return None


def _restore(keep: Path) -> Path | None:
    bundle = keep / search.BUNDLE
    record = _read_record(keep)
    good: dict[str, str] = {}
    for name, entry in sorted(record.items()):
        if _intact(bundle / name, entry["files"]):
            good[name] = entry["digest"]
        else:
            _remove(bundle, name)
    # Only what passed stays: a folder the record does not name would be taken as a
    # shard's previous bundle all the same (its parts reused in a changed shard).
    for entry in _listed(bundle):
        if entry.name not in good:
            _remove(bundle, entry.name)
    if not good:
        return None
    primary = search.SITE_SHARD if search.SITE_SHARD in good else min(good)
    manifest = {"version": search.MANIFEST_VERSION, "primary": primary, "shards": good}
    _atomic_write(bundle / search.MANIFEST, (json.dumps(manifest, sort_keys=True) + "\n").encode())
    return keep


def save(cache_root: Path, site: Path) -> str | None:
    """Make the kept copy the published site's bundle: its changed shards linked in again,
    the shards it no longer has removed. The site is published already: a copy that cannot
    be kept is no reason to fail the build, only to say so (the reason, never a path:
    a build folder may lie in a home folder that carries a person's name)."""
    keep = Path(cache_root) / FOLDER
    if not _ours(keep):
        return "build/cache/search is not a folder"
    try:
        _save(keep, Path(site))
    except OSError as error:
        with contextlib.suppress(OSError):
            (keep / RECORD).unlink(missing_ok=True)
        return error.strerror or type(error).__name__
    return None


def _save(keep: Path, site: Path) -> None:
    bundle = keep / search.BUNDLE
    shards = search.published_shards(site)
    before = _read_record(keep)
    if shards and _as_recorded(bundle, shards, before):
        # A build that changed no shard (most builds of a city) leaves the copy and its
        # record as they are: at 16,000 estates the record is some 1.7 MB of JSON.
        (bundle / search.MANIFEST).unlink(missing_ok=True)
        return
    (keep / RECORD).unlink(missing_ok=True)
    if not shards:
        return
    bundle.mkdir(parents=True, exist_ok=True)
    (bundle / search.MANIFEST).unlink(missing_ok=True)  # written by restore, from the record
    record: dict[str, dict] = {}
    for name, digest in sorted(shards.items()):
        here = bundle / name
        old = before.get(name)
        if old and old["digest"] == digest and here.is_dir():
            record[name] = old
            continue
        files = _link_shard(site / search.BUNDLE / name, here, old["files"] if old else {})
        if files is not None:
            record[name] = {"digest": digest, "files": files}
    for entry in _listed(bundle):
        if entry.name not in record:
            _remove(bundle, entry.name)
    text = json.dumps({"version": RECORD_VERSION, "shards": record}, sort_keys=True)
    _atomic_write(keep / RECORD, text.encode())


def _as_recorded(bundle: Path, shards: dict[str, str], before: dict[str, dict]) -> bool:
    """Whether the copy already is the published bundle: the record names exactly its
    shards with their digests, and the copy's folder holds those shards' folders and
    nothing else but the ``shards.json`` a restore wrote."""
    if {name: entry["digest"] for name, entry in before.items()} != shards:
        return False
    entries = {entry.name: entry for entry in _listed(bundle)}
    entries.pop(search.MANIFEST, None)
    return entries.keys() == shards.keys() and all(
        entry.is_dir(follow_symlinks=False) for entry in entries.values()
    )


def _ours(keep: Path) -> bool:
    """Whether the copy's folders are real folders (or not there yet): one replaced by a
    symbolic link points at a folder this build did not make, which it must not empty."""
    for path in (keep, keep / search.BUNDLE):
        try:
            if not stat.S_ISDIR(path.stat(follow_symlinks=False).st_mode):
                return False
        except FileNotFoundError:
            continue
        except OSError:
            return False
    return True


def _link_shard(source: Path, here: Path, known: dict) -> dict | None:
    """Make ``here`` hold the published shard ``source``'s files as links; their [size,
    sha256]. A commit's shard is mostly the last one's parts (the bundle writer links
    them): a file ``here`` already links is neither linked again nor read."""
    files: dict[str, list] = {}
    folders = {"."}
    try:
        if not stat.S_ISDIR(source.stat(follow_symlinks=False).st_mode):
            raise NotADirectoryError(f"not a folder: {source}")
        _folder(here)
        # os.walk skips what it cannot read: a shard recorded short would pass as whole.
        for folder, _dirs, names in os.walk(source, onerror=_raise):
            rel_folder = Path(folder).relative_to(source)
            folders.add(rel_folder.as_posix())
            if rel_folder != Path("."):
                _folder(here / rel_folder)
            for name in names:
                path = Path(folder) / name
                rel = (rel_folder / name).as_posix()
                info = path.stat(follow_symlinks=False)
                if not stat.S_ISREG(info.st_mode):
                    raise OSError(f"not a file: {path}")
                files[rel] = _linked(path, info, here / rel, known.get(rel))
        # What the published shard no longer holds.
        for folder, dirs, names in os.walk(here, topdown=False, onerror=_raise):
            rel_folder = Path(folder).relative_to(here)
            for name in names:
                if (rel_folder / name).as_posix() not in files:
                    os.unlink(Path(folder) / name)
            for name in dirs:
                if (rel_folder / name).as_posix() not in folders:
                    _remove(Path(folder), name)
    except OSError:
        _remove(here.parent, here.name)
        return None  # left out of the record: the next build without a site indexes it
    return files


def _linked(path: Path, info: os.stat_result, target: Path, size_sha: list | None) -> list:
    """Link ``path`` at ``target`` unless it is there already; its [size, sha256]."""
    try:
        mine = target.stat(follow_symlinks=False)
    except FileNotFoundError:
        mine = None
    if mine is not None and (mine.st_ino, mine.st_dev) == (info.st_ino, info.st_dev):
        if size_sha and size_sha[0] == info.st_size:
            return size_sha
        return [info.st_size, _sha(path)]
    if mine is not None:
        _remove(target.parent, target.name)
    try:
        os.link(path, target)
    except OSError:  # another filesystem: copy
        shutil.copyfile(path, target)
    return [info.st_size, _sha(path)]


def _folder(path: Path) -> None:
    """``path`` as a real folder: anything else there (a file, a symbolic link, which
    would lead the links elsewhere) is removed first."""
    try:
        info = path.stat(follow_symlinks=False)
    except FileNotFoundError:
        path.mkdir()
        return
    if not stat.S_ISDIR(info.st_mode):
        path.unlink()
        path.mkdir()


def _intact(folder: Path, files: dict) -> bool:
    """Whether ``folder`` holds exactly ``files`` (path → [size, sha256]) and the folders
    their paths name, nothing but regular files and folders, each file with its recorded
    bytes (an empty folder more would be published with the shard)."""
    folders = {"."} | {
        "/".join(parts[:i])
        for parts in (rel.split("/") for rel in files)
        for i in range(1, len(parts))
    }
    seen = 0
    try:
        if not stat.S_ISDIR(folder.stat(follow_symlinks=False).st_mode):
            return False
        for path, dirs, names in os.walk(folder, onerror=_raise):
            rel_folder = Path(path).relative_to(folder)
            for name in dirs:
                full = Path(path) / name
                if (rel_folder / name).as_posix() not in folders:
                    return False
                if not stat.S_ISDIR(full.stat(follow_symlinks=False).st_mode):
                    return False  # a link to a folder: os.walk would not go in
            for name in names:
                full = Path(path) / name
                size_sha = files.get((rel_folder / name).as_posix())
                info = full.stat(follow_symlinks=False)
                if not size_sha or not stat.S_ISREG(info.st_mode) or info.st_size != size_sha[0]:
                    return False
                if _sha(full) != size_sha[1]:
                    return False
                seen += 1
    except OSError:
        return False
    return seen == len(files)


def _raise(error: OSError) -> None:
    raise error


def _read_record(keep: Path) -> dict[str, dict]:
    """The record's shards, each checked for shape; {} when there is none or it is not ours."""
    try:
        if not stat.S_ISREG((keep / RECORD).stat(follow_symlinks=False).st_mode):
            return {}  # a link or a pipe, not the file this module writes
        record = json.loads((keep / RECORD).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(record, dict) or record.get("version") != RECORD_VERSION:
        return {}
    shards = record.get("shards")
    if not isinstance(shards, dict):
        return {}
    return {name: entry for name, entry in shards.items() if _name_ok(name) and _entry_ok(entry)}


def _entry_ok(entry) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("digest"), str):
        return False
    files = entry.get("files")
    return isinstance(files, dict) and all(
        isinstance(v, list)
        and len(v) == 2
        and isinstance(v[0], int)
        and isinstance(v[1], str)
        and _path_ok(k)
        for k, v in files.items()
    )


def _name_ok(name) -> bool:
    return isinstance(name, str) and bool(search.SHARD_NAME.fullmatch(name))


def _path_ok(rel: str) -> bool:
    parts = rel.split("/")
    return bool(rel) and all(p not in ("", ".", "..") for p in parts)


def _sha(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _remove(parent: Path, name: str) -> None:
    """Remove ``parent/name``: a shard folder or a file this module wrote (never a link's
    target)."""
    path = parent / name
    with contextlib.suppress(FileNotFoundError):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
