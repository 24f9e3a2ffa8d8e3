"""The file format the ledger and the site manifest share: a JSON header line, then one
line of tab-separated text per record, so a build can split the file without parsing
every record (generator/pipeline/ledger.py, manifest.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path


def read(path: Path, version: int) -> tuple[dict, list[str]] | None:
    """The header and the record lines of ``path``; None when it is missing, unreadable
    or of another version."""
    try:
        text = Path(path).read_text("utf-8")
        header, _, rest = text.partition("\n")
        meta = json.loads(header)
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("version") != version:
        return None
    return meta, rest.split("\n")


def write(path: Path, header: dict, lines: Iterable[str]) -> None:
    """``header`` and ``lines`` (none holding a line break) into ``path``, replacing it in
    one rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text("\n".join([json.dumps(header), *lines]) + "\n", "utf-8")
    os.replace(tmp, target)
