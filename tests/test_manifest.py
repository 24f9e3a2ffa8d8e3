"""The site manifest (generator/pipeline/manifest.py): a line per estate, parsed only for
the estate a build looks at and written back as read for a folder published as it was.

Real builds of a copy of the sample data through the library's ``build()``.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from generator import pipeline
from generator.pipeline import ledger
from generator.pipeline import manifest as manifest_mod

from .test_pipeline import ESTATE, REPO, _options, tree


@pytest.fixture
def data(tmp_path) -> Path:
    # Old enough for its stamps to be trusted (tests/test_ledger.py), as in a real repo.
    out = tmp_path / "data"
    shutil.copytree(REPO / "data", out)
    time.sleep(ledger.RACY_NS / 1e9 + 0.1)
    return out


def run(data, out) -> pipeline.BuildResult:
    return pipeline.build(_options(data, out))


def _lines(out) -> dict[str, str]:
    text = (out / "build" / manifest_mod.MANIFEST_FILE).read_text("utf-8")
    header, *rest = text.rstrip("\n").split("\n")
    assert json.loads(header) == {"version": manifest_mod.MANIFEST_VERSION}
    return dict(line.split("\t", 1) for line in rest)


def test_each_estate_has_its_line_and_a_kept_one_is_written_back_as_read(data, tmp_path):
    run(data, tmp_path / "a")
    first = _lines(tmp_path / "a")
    estates = sorted(p.name for p in (data / "estates").iterdir())
    assert sorted(first) == sorted([*(f"estates/{e}" for e in estates), manifest_mod.OTHERS])
    for estate in estates:
        entries = json.loads(first[f"estates/{estate}"])
        assert entries and all(p.startswith(f"estates/{estate}/") for p in entries)
        page = tmp_path / "a/site" / f"estates/{estate}/index.html"
        assert entries[f"estates/{estate}/index.html"][1:] == [
            page.stat().st_size,
            page.stat().st_mtime_ns,
        ]
    others = json.loads(first[manifest_mod.OTHERS])
    # The city's pages, the estates' list (estates/index.html) among them: no estate's file.
    assert "index.html" in others and "estates/index.html" in others
    assert not any(manifest_mod.estate_of(p) for p in others)
    # Nothing changed: every estate's folder was moved whole, and its line is the same text.
    run(data, tmp_path / "a")
    assert _lines(tmp_path / "a") == first


def test_a_broken_estate_line_costs_that_estate_only(data, tmp_path):
    run(data, tmp_path / "a")
    site = tree(tmp_path / "a/site")
    path = tmp_path / "a/build" / manifest_mod.MANIFEST_FILE
    lines = path.read_text("utf-8").split("\n")
    lines = [
        f"estates/{ESTATE}\t{{broken" if ln.startswith(f"estates/{ESTATE}\t") else ln
        for ln in lines
    ]
    path.write_text("\n".join(lines), "utf-8")
    result = run(data, tmp_path / "a")
    # The estate is not trusted as published: its files are written from the cache again.
    assert (result.computed, result.cached, result.kept) == (0, 8, 7)
    assert tree(tmp_path / "a/site") == site
    entries = json.loads(_lines(tmp_path / "a")[f"estates/{ESTATE}"])
    assert f"estates/{ESTATE}/index.html" in entries


def test_an_older_manifest_is_not_read_and_is_replaced(data, tmp_path):
    run(data, tmp_path / "a")
    site = tree(tmp_path / "a/site")
    build = tmp_path / "a/build"
    # What versions before the line format wrote: one JSON object of every path.
    old = build / manifest_mod.OLD_FILES[0]
    old.write_text(json.dumps({"index.html": ["0" * 64, 1, 1]}), "utf-8")
    (build / manifest_mod.MANIFEST_FILE).write_text('{"version": 1}\n', "utf-8")
    result = run(data, tmp_path / "a")
    assert (result.cached, result.kept) == (8, 0)
    assert tree(tmp_path / "a/site") == site
    assert not old.exists() and _lines(tmp_path / "a")
