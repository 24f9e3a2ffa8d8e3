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

A fresh clone (CI without a kept workspace) has new inodes and ctimes everywhere: every
estate goes through the workers and the cache, exactly as without a ledger.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ..checksum import is_package_file
from .keys import digest

LEDGER_VERSION = 1
LEDGER_FILE = "ledger.json"
# Timestamps come from a coarse clock (a few milliseconds); a second is a wide margin.
RACY_NS = 1_000_000_000


def stamp(folder: Path, history: object, supervision: object) -> str | None:
    """The estate's stamp, or None when a file of it is too recent to trust (or it cannot
    be read: its worker then says why)."""
    now = time.time_ns()
    parts: list[str] = [repr(history), json.dumps(supervision, sort_keys=True, default=str)]
    try:
        folder_st = os.lstat(folder)
        with os.scandir(folder) as entries:
            listed = sorted(entries, key=lambda e: e.name)
        parts.append(f"{folder}\0{folder_st.st_ino}")
        for entry in listed:
            st = entry.stat(follow_symlinks=False)
            if max(st.st_mtime_ns, st.st_ctime_ns) >= now - RACY_NS:
                return None
            # Every name, package file or not: a file that appears or goes is a change.
            kind = "f" if entry.is_file(follow_symlinks=False) else "o"
            parts.append(
                f"{entry.name}\0{kind}{int(is_package_file(entry.name))}\0{st.st_size}"
                f"\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}"
            )
    except OSError:
        return None
    return digest(*parts)


def path(cache_root: Path) -> Path:
    return Path(cache_root) / LEDGER_FILE


def read(cache_root: Path, shared_key: str) -> dict[str, dict]:
    """estate id → {"stamp", "key", "findings", "summary", "declared_name"} from the
    ledger written under the same shared inputs; {} when there is none or it is foreign
    or broken."""
    try:
        data = json.loads(path(cache_root).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != LEDGER_VERSION:
        return {}
    if data.get("shared_key") != shared_key or not isinstance(data.get("estates"), dict):
        return {}
    return data["estates"]


def forget(cache_root: Path) -> None:
    """Remove the ledger (before publishing: it must never describe another site)."""
    try:
        path(cache_root).unlink()
    except FileNotFoundError:
        pass


def write(cache_root: Path, shared_key: str, records: dict[str, dict]) -> None:
    target = path(cache_root)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    payload = {"version": LEDGER_VERSION, "shared_key": shared_key, "estates": records}
    tmp.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), "utf-8")
    os.replace(tmp, target)
