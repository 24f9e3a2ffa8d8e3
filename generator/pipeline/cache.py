"""The build cache: an estate's findings, summary and files, keyed by what they depend on.

Like ccache or Bazel's action cache, an entry is found by the key of its inputs
(:mod:`generator.pipeline.keys`) and never by a name or a date, so a stale entry cannot be
served: a changed input is a different key. It lives in the build folder, so CI can keep it
between runs (``actions/cache`` on ``build/cache``).

Layout, under ``build/cache/v<CACHE_VERSION>/``::

    entries/<k[:2]>/<key>.json   findings, summary, {site path: sha256} of the files
    blobs/<s[:2]>/<sha256>.z     each generated file once, zlib-compressed

Entries are JSON, never pickles, so reading one cannot run code. Every read is checked: an
entry whose JSON is broken, whose key or version differs, or a blob whose bytes do not hash
to its name is treated as missing, and the estate is computed again. Writes go through a
temporary file and a rename, so a killed build leaves no half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zlib
from pathlib import Path

CACHE_VERSION = 1


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Cache:
    def __init__(self, root: Path):
        self.root = Path(root) / f"v{CACHE_VERSION}"

    # -- entries ----------------------------------------------------------------------------

    def _entry_path(self, key: str) -> Path:
        return self.root / "entries" / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict | None:
        """The entry for ``key``, or None when it is missing, unreadable or foreign."""
        try:
            entry = json.loads(self._entry_path(key).read_text("utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key:
            return None
        if entry.get("version") != CACHE_VERSION or not isinstance(entry.get("files"), dict):
            return None
        return entry

    def put(self, key: str, entry: dict) -> None:
        _atomic_write(
            self._entry_path(key),
            json.dumps({**entry, "key": key, "version": CACHE_VERSION}, ensure_ascii=False).encode(
                "utf-8"
            ),
        )

    # -- blobs ------------------------------------------------------------------------------

    def _blob_path(self, digest: str) -> Path:
        return self.root / "blobs" / digest[:2] / f"{digest}.z"

    def has_blob(self, digest: str) -> bool:
        return self._blob_path(digest).is_file()

    def put_blob(self, data: bytes, digest: str | None = None) -> str:
        digest = digest or sha256(data)
        path = self._blob_path(digest)
        if not path.is_file():
            _atomic_write(path, zlib.compress(data, 1))
        return digest

    def blob(self, digest: str) -> bytes | None:
        """The bytes stored under ``digest``, or None when missing or corrupted."""
        try:
            data = zlib.decompress(self._blob_path(digest).read_bytes())
        except (OSError, zlib.error):
            return None
        return data if sha256(data) == digest else None

    # -- housekeeping -------------------------------------------------------------------------

    def prune(self, keep_keys: set[str], keep_blobs: set[str]) -> tuple[int, int]:
        """Delete entries and blobs this build did not use; (entries, blobs) removed.

        Only inside the cache's own folder, and only files named the way it names them.
        """
        removed = [0, 0]
        for kind, keep, suffix, i in (
            ("entries", keep_keys, ".json", 0),
            ("blobs", keep_blobs, ".z", 1),
        ):
            base = self.root / kind
            if not base.is_dir():
                continue
            for path in base.glob(f"??/*{suffix}"):
                if path.name.removesuffix(suffix) not in keep:
                    path.unlink(missing_ok=True)
                    removed[i] += 1
        return removed[0], removed[1]


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
