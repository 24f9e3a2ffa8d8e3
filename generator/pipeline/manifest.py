"""The site manifest: what the published site holds, so the next build can keep, move or
hard-link what did not change instead of writing it again.

Each file of the site the build wrote is recorded as ``[sha256, size, mtime_ns]`` under its
site path. At 16,000 estates that is some 570,000 entries; a commit that changes one estate
needs few of them. So the file (``build/site-manifest.jsonl``) holds one line per estate
(``estates/<id>``, tab, that estate's entries as JSON) and one line for everything else
(``*``, tab, the city's pages, feeds and search files): a build parses an estate's line
only when it looks at that estate, and writes a kept estate's line back as it read it — the
folder was moved whole, so its files' size and mtime are as recorded.

Like the ledger, the manifest is JSON (reading it cannot run code), and anything unexpected
in it only means a file is written again instead of kept.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from . import linefile

MANIFEST_VERSION = 2
MANIFEST_FILE = "site-manifest.jsonl"
# Written by earlier versions; removed when the manifest is written, never read.
OLD_FILES = ("site-manifest.json",)
OTHERS = "*"


def estate_of(path: str) -> str | None:
    """The estate a site path belongs to (``estates/<id>/…``), else None."""
    if not path.startswith("estates/"):
        return None
    parts = path.split("/", 2)
    return parts[1] if len(parts) == 3 and parts[1] else None


class Manifest:
    """The previous build's manifest: path → ``[sha256, size, mtime_ns]`` (``get`` and
    ``[]``; not a full mapping: counting or listing every path would parse every estate).

    The city's entries are parsed when the manifest is read, an estate's when it is asked
    for (:meth:`estate`). Only the last estate parsed is kept: a worker asks for one
    estate's files many times in a row, and 16,000 parsed estates are not held twice."""

    def __init__(self, estates: dict[str, str] | None = None, others: dict | None = None):
        self._estates = estates or {}
        self._others = others or {}
        self._last: tuple[str, dict | None] | None = None

    def estate(self, estate_id: str) -> dict[str, list] | None:
        """The estate's entries (path → entry), or None when the manifest has none. The
        same dict for repeated calls: treat it as read-only."""
        last = self._last
        if last is not None and last[0] == estate_id:
            return last[1]
        text = self._estates.get(estate_id)
        entries = None
        if text is not None:
            try:
                entries = json.loads(text)
            except ValueError:
                entries = None
        if not isinstance(entries, dict):
            entries = None
        self._last = (estate_id, entries)
        return entries

    def estate_text(self, estate_id: str) -> str | None:
        """The estate's line as read, for writing back unchanged."""
        return self._estates.get(estate_id)

    @property
    def by_estate(self) -> _ByEstate:
        """estate id → its entries, as a read-only mapping (what the workers look up)."""
        return _ByEstate(self)

    def __getitem__(self, path: str) -> list:
        estate_id = estate_of(path)
        if estate_id is None:
            return self._others[path]
        entries = self.estate(estate_id)
        if entries is None:
            raise KeyError(path)
        return entries[path]

    def get(self, path: str, default=None):
        try:
            return self[path]
        except KeyError:
            return default

    def __bool__(self) -> bool:
        return bool(self._others or self._estates)


class _ByEstate(Mapping):
    def __init__(self, manifest: Manifest):
        self._manifest = manifest

    def __getitem__(self, estate_id: str) -> dict[str, list]:
        entries = self._manifest.estate(estate_id)
        if entries is None:
            raise KeyError(estate_id)
        return entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._manifest._estates)

    def __len__(self) -> int:
        return len(self._manifest._estates)


def read(build_dir: Path) -> Manifest:
    """The manifest the last build wrote; empty when there is none or it is broken."""
    held = linefile.read(Path(build_dir) / MANIFEST_FILE, MANIFEST_VERSION)
    if held is None:
        return Manifest()
    estates: dict[str, str] = {}
    others: dict[str, list] = {}
    for line in held[1]:
        name, tab, entries = line.partition("\t")
        if not tab:
            continue
        if name == OTHERS:
            try:
                parsed = json.loads(entries)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                others.update(parsed)
        elif name.startswith("estates/"):
            estates[name.removeprefix("estates/")] = entries
    return Manifest(estates, others)


def entry(site: Path, path: str, sha: str) -> list | None:
    """A new file's entry, from the site as published; None if it is not there."""
    try:
        st = os.stat(f"{site}/{path}")
    except OSError:
        return None
    return [sha, st.st_size, st.st_mtime_ns]


def write(build_dir: Path, estates: dict[str, str | dict], others: dict[str, list]) -> None:
    """``estates``: estate id → its entries (a dict) or its line as read (a string, for a
    folder published as it was); ``others``: every other file's entry."""
    out = []
    for estate_id, entries in estates.items():
        if "\t" in estate_id or "\n" in estate_id:
            continue  # not a folder name a line can hold: its files are written again
        text = entries if isinstance(entries, str) else _dumps(entries)
        out.append(f"estates/{estate_id}\t{text}")
    out.append(f"{OTHERS}\t{_dumps(others)}")
    linefile.write(Path(build_dir) / MANIFEST_FILE, {"version": MANIFEST_VERSION}, out)
    for name in OLD_FILES:
        try:
            (Path(build_dir) / name).unlink()
        except FileNotFoundError:
            pass


def _dumps(entries: dict) -> str:
    return json.dumps(entries, separators=(",", ":"), ensure_ascii=False)
