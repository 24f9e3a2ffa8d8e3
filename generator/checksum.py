"""The content checksum of an estate's package: its data version.

sha256 over the package's files in a canonical order (by file name), each as its name, a
NUL, its bytes and a NUL. It depends on nothing but content, so the same data has the same
version on every machine, in the working tree and in git history alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

# Files that are not part of the data (editor and OS litter) never change the version.
IGNORED_PREFIXES = (".",)


def is_package_file(name: str) -> bool:
    return not name.startswith(IGNORED_PREFIXES)


def checksum_of(files: Mapping[str, bytes]) -> str:
    """Checksum of a package given as {file name: bytes} (top-level files only)."""
    digest = hashlib.sha256()
    for name in sorted(n for n in files if is_package_file(n)):
        digest.update(name.encode("utf-8") + b"\0" + files[name] + b"\0")
    return digest.hexdigest()


def checksum_of_folder(folder: Path) -> str:
    return checksum_of({p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()})
