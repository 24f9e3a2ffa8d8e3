"""The build cache: an estate's findings, summary and files, keyed by what they depend on.

Like ccache or Bazel's action cache, an entry is found by the key of its inputs
(:mod:`generator.pipeline.keys`) and never by a name or a date, so a stale entry cannot be
served: a changed input is a different key. It lives in the build folder, so CI can keep it
between runs (``actions/cache`` on ``build/cache``).

Layout, under ``build/cache/v<CACHE_VERSION>/``::

    entries/<k[:2]>/<key>.pack   one line of JSON: findings, summary, {site path: sha256}
                                 of the files and where each file's bytes are in the rest
                                 once decompressed; then those bytes, one after the other
                                 (by sha256), as one zstd frame

One file per estate, not one per generated file: creating a file is the costliest thing
a build does per page on a journalled file system (tens to hundreds of microseconds), and
an estate has some thirty. The header is JSON, never a pickle, so reading an entry cannot
run code. Every read is checked: an entry whose JSON is broken, whose key or version
differs, or a file whose bytes do not hash to its sha256 is treated as missing, and the
estate is computed again. Writes go through a temporary file and a rename, so a killed
build leaves no half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

try:  # Python 3.14 has Zstandard in the standard library; backports.zstd is the same API.
    from compression import zstd
except ImportError:  # pragma: no cover - depends on the Python version
    from backports import zstd

# 3: Zstandard instead of zlib. At level 1 it compresses an estate's ~550 KB of pages in
# ~1 ms where zlib's fastest level took ~3.5 ms (a tenth of the map's CPU per estate, and
# every cold build compresses 16,000 of them), into fewer bytes, and reads twice as fast.
# 4: an entry's files in one frame, not a frame each. An estate's pages repeat the same
# site frame (header, footer, styles), which one frame finds once: 1.6 → 0.8 ms an estate
# and 104 → 54 KB (a city's cache, which CI keeps between runs, halves). A cached estate
# is written whole or not at all, so reading every file to use one costs nothing.
CACHE_VERSION = 4
ZSTD_LEVEL = 1
_VERSION_FOLDER = re.compile(r"v\d+")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Cache:
    def __init__(self, root: Path):
        self.root = Path(root) / f"v{CACHE_VERSION}"

    # -- entries ----------------------------------------------------------------------------

    def _entry_path(self, key: str) -> Path:
        return self.root / "entries" / key[:2] / f"{key}.pack"

    def get(self, key: str) -> Entry | None:
        """The entry for ``key``, or None when it is missing, unreadable or foreign."""
        path = self._entry_path(key)
        try:
            with path.open("rb") as file:
                header = json.loads(file.readline().decode("utf-8"))
                start = file.tell()
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        if not isinstance(header, dict) or header.get("key") != key:
            return None
        if header.get("version") != CACHE_VERSION or not isinstance(header.get("files"), dict):
            return None
        if not isinstance(header.get("blobs"), dict):
            return None
        return Entry(header, path, start)

    def put(self, key: str, entry: dict, blobs: dict[str, bytes] = ()) -> None:
        """Write the entry for ``key`` with the bytes of ``blobs`` (sha256 → bytes)."""
        ordered = sorted(dict(blobs).items())
        where, offset = {}, 0
        for digest, data in ordered:
            where[digest] = [offset, len(data)]
            offset += len(data)
        packed = zstd.compress(b"".join(data for _, data in ordered), ZSTD_LEVEL)
        header = {**entry, "blobs": where, "key": key, "version": CACHE_VERSION}
        # One line: JSON text escapes every line break inside strings.
        line = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        _atomic_write(self._entry_path(key), b"".join([line, b"\n", packed]))

    # -- housekeeping -------------------------------------------------------------------------

    def prune(self, keep_keys: set[str]) -> int:
        """Delete the entries this build did not use, and caches of other versions; the
        number of entries removed. Only inside the cache's own folder, and only files
        and folders named the way it names them."""
        removed = 0
        base = self.root / "entries"
        # os.scandir, not Path.glob: 16,000 entries are listed on every build.
        for folder in _listed(base):
            if len(folder.name) != 2 or not folder.is_dir(follow_symlinks=False):
                continue
            for entry in _listed(folder.path):
                name = entry.name
                if name.endswith(".pack") and name.removesuffix(".pack") not in keep_keys:
                    try:
                        os.unlink(entry.path)
                    except FileNotFoundError:
                        continue
                    removed += 1
        if self.root.parent.is_dir():
            for other in self.root.parent.iterdir():
                if other != self.root and _VERSION_FOLDER.fullmatch(other.name) and other.is_dir():
                    shutil.rmtree(other, ignore_errors=True)
        return removed


def _listed(folder) -> list[os.DirEntry]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []


class Entry(dict):
    """A cache entry's header (a dict), and where the bytes of its files are."""

    def __init__(self, header: dict, path: Path, start: int):
        super().__init__(header)
        self._path, self._start = path, start
        self._data: bytes | None = None  # every file's bytes, decompressed on first use

    def blob(self, digest: str) -> bytes | None:
        """The bytes of the file with ``digest``, or None when missing or corrupted."""
        where = self["blobs"].get(digest)
        try:
            offset, length = int(where[0]), int(where[1])
        except (TypeError, ValueError, LookupError):  # absent, or a header not of ours
            return None
        if self._data is None:
            try:
                with self._path.open("rb") as file:
                    file.seek(self._start)
                    packed = file.read()
                self._data = zstd.decompress(packed) if packed else b""
            except (OSError, zstd.ZstdError):
                self._data = b""  # unreadable: every file of it is missing
        data = self._data[offset : offset + length] if offset >= 0 else b""
        return data if len(data) == length and sha256(data) == digest else None


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
