"""The ledger: what the last published build concluded of each estate, for estates whose
files have not been touched since.

A cached estate still costs its worker a few milliseconds: reading and hashing every file
of its package to find its key, reading its cache entry, checking its published folder.
At 16,000 estates that is over a minute of CPU for a commit that changed one of them. Like
git's index, which trusts a file's stat data instead of hashing it again, the ledger keeps
per estate a *stamp* — the size, mtime, ctime and inode of each of its package files, its
history entries and its supervision record — with the key, findings and summary the build
computed from them. The next build stats the folder (no read); an estate whose stamp is the
same, under the same shared inputs (code, schemas, rules, as-of date, frame), has the same
result, and its published files are the ones the site manifest records.

Safety, as in git:
- ctime cannot be set by a program (``touch -r`` sets mtime only), so any write to a file
  changes its stamp;
- a file changed within :data:`RACY_NS` before its stamp was taken could change again in
  the same clock tick without its stamp changing ("racy git"): such an estate gets no stamp
  and its worker reads its files next time;
- the ledger is removed before a build publishes and written after the manifest, so a
  ledger never describes another site than the published one;
- it is JSON, never a pickle: reading it cannot run code; anything unexpected in it means
  the estate (or, for a broken file, every estate) goes through its worker as before.

One line per estate (``id``, tab, stamp, tab, its published folders' stat data as JSON,
tab, its record as JSON): a build reads the file once; a worker parses only the folders'
part of an estate whose stamp is the one on disk, to check its published folder, and the
parent parses the record (findings and summary) of the estates the workers found
unchanged — the summary is decoded once, where the reduce needs it, instead of decoded in
a worker, pickled and unpickled again (at 16,000 estates 10 s of CPU a build). An unread
estate's line is written back as it was read (some 70 MB neither parsed into plain values
nor encoded again).

A fresh clone (CI without a kept workspace) has new inodes and ctimes everywhere: every
estate goes through the workers and the cache, exactly as without a ledger.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..checksum import is_package_file
from . import linefile
from .keys import digest
from .summaries import json_hook

LEDGER_VERSION = 3
LEDGER_FILE = "ledger.jsonl"
# Written by earlier versions; removed with the ledger, never read.
OLD_FILES = ("ledger.json",)
# Timestamps come from a coarse clock (a few milliseconds); a second is a wide margin.
RACY_NS = 1_000_000_000


def stamp(folder: Path, history: object, supervision: object) -> str | None:
    """The estate's stamp, or None when a file of it is too recent to trust (or it cannot
    be read: its worker then says why)."""
    now = time.time_ns()
    recent = now - RACY_NS
    parts: list[str] = [repr(history), json.dumps(supervision, sort_keys=True, default=str)]
    try:
        folder_st = os.lstat(folder)
        with os.scandir(folder) as entries:
            listed = sorted(entries, key=_name)
        parts.append(f"{folder}\0{folder_st.st_ino}")
        for entry in listed:
            st = entry.stat(follow_symlinks=False)
            mtime, ctime = st.st_mtime_ns, st.st_ctime_ns
            if mtime >= recent or ctime >= recent:
                return None
            # Every name, package file or not: a file that appears or goes is a change.
            name = entry.name
            kind = "f" if entry.is_file(follow_symlinks=False) else "o"
            parts.append(
                f"{name}\0{kind}{int(is_package_file(name))}\0{st.st_size}"
                f"\0{mtime}\0{ctime}\0{st.st_ino}"
            )
    except OSError:
        return None
    return digest(*parts)


def _name(entry: os.DirEntry) -> str:
    return entry.name


def path(cache_root: Path) -> Path:
    return Path(cache_root) / LEDGER_FILE


@dataclass
class Ledger:
    """The ledger as read: each estate's stamp and the JSON texts of its folders' stat data
    and of its record, parsed only for an estate whose stamp is the one on disk
    (:meth:`dirs` in a worker, :meth:`record` in the parent)."""

    # id → (stamp, folders' JSON, record's JSON)
    lines: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.lines)

    def dirs(self, estate_id: str, stamp: str | None) -> dict | None:
        """The estate's published folders → [mtime_ns, inode] when the ledger has it under
        ``stamp``; None when absent, of another stamp or broken."""
        line = self.lines.get(estate_id)
        if stamp is None or line is None or line[0] != stamp:
            return None
        try:
            dirs = json.loads(line[1])
        except ValueError:
            return None
        return dirs if isinstance(dirs, dict) else None

    def record(self, estate_id: str, stamp: str | None) -> dict | None:
        """The estate's record (key, findings, summary, declared name) when the ledger has
        it under ``stamp``, its summary decoded (:func:`summaries.json_hook`); None when
        absent, of another stamp or broken."""
        line = self.lines.get(estate_id)
        if stamp is None or line is None or line[0] != stamp:
            return None
        try:
            record = json.loads(line[2], object_hook=json_hook)
        except (ValueError, TypeError, KeyError):
            return None
        return record if isinstance(record, dict) else None

    def texts(self, estate_id: str) -> tuple[str, str] | None:
        """The estate's folders and record as the ledger's line holds them (written back
        unchanged)."""
        line = self.lines.get(estate_id)
        return line[1:] if line else None


def read(cache_root: Path, shared_key: str) -> Ledger:
    """The ledger written under the same shared inputs; empty when there is none or it is
    foreign or broken (a broken line costs only its estate)."""
    held = linefile.read(path(cache_root), LEDGER_VERSION)
    if held is None or held[0].get("shared_key") != shared_key:
        return Ledger()
    lines: dict[str, tuple[str, str, str]] = {}
    for line in held[1]:
        estate_id, stamp_, dirs, record = (line.split("\t", 3) + ["", "", ""])[:4]
        if record and estate_id not in lines:
            lines[estate_id] = (stamp_, dirs, record)
    return Ledger(lines)


def records(cache_root: Path) -> dict[str, dict]:
    """Every record of the ledger as plain JSON values, whatever its shared key (what a
    test or a person looking into the build folder reads)."""
    text = path(cache_root).read_text("utf-8")
    out = {}
    for line in text.split("\n")[1:]:
        estate_id, stamp_, dirs, record = (line.split("\t", 3) + ["", "", ""])[:4]
        if record:
            out[estate_id] = {"stamp": stamp_, "dirs": json.loads(dirs), **json.loads(record)}
    return out


def forget(cache_root: Path) -> None:
    """Remove the ledger (before publishing: it must never describe another site)."""
    for name in (LEDGER_FILE, *OLD_FILES):
        try:
            (Path(cache_root) / name).unlink()
        except FileNotFoundError:
            pass


def encode(value: dict) -> str:
    """A record's (or its folders') text in a line: its values as JSON (summary already
    plain)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def write(cache_root: Path, shared_key: str, lines: dict[str, tuple[str, str, str]]) -> None:
    """``lines``: estate id → (stamp, folders' JSON text, record's JSON text: :func:`encode`,
    or the texts as :meth:`Ledger.texts` read them). An id or stamp that could break a
    line is left out (its estate is read next time)."""
    linefile.write(
        path(cache_root),
        {"version": LEDGER_VERSION, "shared_key": shared_key},
        (
            f"{estate_id}\t{stamp_}\t{dirs}\t{record}"
            for estate_id, (stamp_, dirs, record) in lines.items()
            if not any(c in estate_id or c in stamp_ for c in "\t\n")
        ),
    )
