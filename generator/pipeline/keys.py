"""Cache keys: the checksum of every input a cached result depends on.

An estate's findings, summary and pages depend on its own files and on a few inputs from
outside it. Each is fingerprinted once per build (:class:`BuildInputs`); an estate's key
hashes them together with its own files (:func:`estate_key`). What goes in:

- the estate's files (its content checksum, :func:`generator.checksum.checksum_of`);
- the shared schemas and ``rules.yaml``, byte for byte;
- the takedown list (the guard's fingerprint);
- the generator's own source and templates, and the installed versions of the libraries
  that shape output (not the package's static version, which does not change on edits);
- the as-of date (pages print it and the disclosure calendar turns on it: exact, never
  "about the same day");
- the site's address, repository URL and whether feeds are on (in QR codes and links);
- the site frame (header, footer, CSS links every page repeats);
- the estate's place (district and street slugs, used in links) and its history entries;
- its district's supervision record of it (a change to one listing recomputes only the
  estate it names).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from dataclasses import dataclass
from pathlib import Path

from .cache import CACHE_VERSION
from .summaries import SUMMARY_VERSION

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
PROJECT_ROOT = PACKAGE_ROOT.parent
# Libraries whose versions change what a page or a finding says.
OUTPUT_LIBRARIES = (
    "frictionless", "jinja2", "markupsafe", "mkdocs", "mkdocs-material", "pagefind",
    "pyyaml", "python-stdnum", "zxing-cpp", "pypinyin", "icalendar", "xlsxwriter",
)  # fmt: skip


def digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def folder_fingerprint(folder: Path, patterns: tuple[str, ...] = ("*",)) -> str:
    """Every file under ``folder`` matching ``patterns``: relative path and bytes."""
    parts: list[bytes | str] = []
    if folder.is_dir():
        files = sorted({p for pattern in patterns for p in folder.rglob(pattern) if p.is_file()})
        for path in files:
            if "__pycache__" in path.parts:
                continue
            parts += [path.relative_to(folder).as_posix(), path.read_bytes()]
    return digest(*parts)


def code_fingerprint() -> str:
    """The generator's source, its templates and the versions of the output libraries."""
    versions = []
    for name in OUTPUT_LIBRARIES:
        try:
            versions.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}==absent")
    return digest(
        f"cache{CACHE_VERSION} summary{SUMMARY_VERSION}",
        folder_fingerprint(PACKAGE_ROOT, ("*.py",)),
        folder_fingerprint(PROJECT_ROOT / "theme"),
        "\n".join(versions),
    )


@dataclass(frozen=True)
class BuildInputs:
    """The fingerprints every estate's key shares, computed once per build."""

    code: str
    schemas: str
    rules: str
    guard: str
    as_of: str
    site: str  # site_url, repo_url, feeds on/off
    frame: str

    def shared(self) -> str:
        return digest(json.dumps(self.__dict__, sort_keys=True))


def estate_key(
    shared: str, content_checksum: str, place: object, history: object, supervision: object = None
) -> str:
    """The key of one estate's result: the shared inputs, its files, place, history and
    supervision record."""
    return digest(
        shared,
        content_checksum,
        json.dumps(place, sort_keys=True, ensure_ascii=False, default=str),
        json.dumps(history, sort_keys=True, ensure_ascii=False, default=str),
        json.dumps(supervision, sort_keys=True, ensure_ascii=False, default=str),
    )
