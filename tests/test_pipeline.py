"""The build pipeline (generator/pipeline): the cache is right, and warm = cold.

Real builds of a copy of the sample data through the library's ``build()``: a changed
file, schema, rule setting or as-of date recomputes exactly what depends on it; a
corrupted or foreign cache entry is recomputed, never published; a warm build's site is
byte-identical to a cold one; the process pool gives the same site as one process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from generator import pipeline
from generator.config import load_rules_config
from generator.pipeline.cache import CACHE_VERSION
from generator.privacy import Guard

REPO = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 20)
SITE_URL = "https://sunlight.example.org/"
ESTATE = "pujin-jiayuan"


@pytest.fixture
def data(tmp_path) -> Path:
    out = tmp_path / "data"
    shutil.copytree(REPO / "data", out)
    return out


def _options(data: Path, out: Path, **extra) -> pipeline.BuildOptions:
    settings = dict(
        data_dir=data,
        site_dir=out / "site",
        build_dir=out / "build",
        config_file=REPO / "mkdocs.yml",
        as_of=AS_OF,
        site_url=SITE_URL,
        rules=load_rules_config(data),
        guard=Guard.for_data(data),
        workers=1,
    )
    return pipeline.BuildOptions(**{**settings, **extra})


def run(data: Path, out: Path, as_of: dt.date = AS_OF, workers: int = 1) -> pipeline.BuildResult:
    return pipeline.build(_options(data, out, as_of=as_of, workers=workers))


def tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def changed(before: dict, after: dict) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def test_a_warm_build_reuses_every_estate_and_equals_a_cold_one(data, tmp_path):
    cold = run(data, tmp_path / "a")
    assert (cold.computed, cold.cached) == (8, 0)
    site = tree(tmp_path / "a/site")
    warm = run(data, tmp_path / "a")
    assert (warm.computed, warm.cached) == (0, 8)
    assert tree(tmp_path / "a/site") == site
    assert [f.as_dict() for f in warm.findings] == [f.as_dict() for f in cold.findings]
    run(data, tmp_path / "b")
    assert tree(tmp_path / "b/site") == site


def test_one_estates_change_rewrites_only_what_shows_it(data, tmp_path):
    run(data, tmp_path / "a")
    before = tree(tmp_path / "a/site")
    csv = data / "estates" / ESTATE / "evaluations.csv"
    lines = csv.read_text("utf-8").splitlines(keepends=True)
    # A changed summary text: shown on the estate's own pages only.
    header = lines[0].rstrip("\n").split(",")
    cells = lines[1].rstrip("\n").split(",")
    cells[header.index("summary")] += "（已复核）"
    lines[1] = ",".join(cells) + "\n"
    csv.write_text("".join(lines), "utf-8")
    result = run(data, tmp_path / "a")
    assert (result.computed, result.cached) == (1, 7)
    diff = changed(before, tree(tmp_path / "a/site"))
    assert f"estates/{ESTATE}/data/evaluations.csv" in diff
    outside = {p for p in diff if not p.startswith((f"estates/{ESTATE}/", "pagefind/"))}
    # The estate's pages, its downloads and the search shard of its pages; nothing else.
    assert outside == set(), sorted(outside)
    cold = run(data, tmp_path / "cold")
    assert tree(tmp_path / "cold/site") == tree(tmp_path / "a/site")
    assert cold.computed == 8


@pytest.mark.parametrize("what", ["schema", "rules", "as_of"])
def test_shared_inputs_recompute_every_estate(data, tmp_path, what):
    run(data, tmp_path / "a")
    as_of = AS_OF
    if what == "schema":
        path = data / "schemas/evaluations.schema.yaml"
        path.write_text(path.read_text("utf-8") + "\n# a comment changes the schema's bytes\n")
    elif what == "rules":
        path = data / "rules.yaml"
        text = path.read_text("utf-8")
        assert "meeting_max_gap_days: 62" in text
        path.write_text(text.replace("meeting_max_gap_days: 62", "meeting_max_gap_days: 90"))
    else:
        as_of = AS_OF + dt.timedelta(days=1)
    result = run(data, tmp_path / "a", as_of=as_of)
    assert (result.computed, result.cached) == (8, 0)
    run(data, tmp_path / "cold", as_of=as_of)
    assert tree(tmp_path / "a/site") == tree(tmp_path / "cold/site")


def _entries(out: Path) -> list[Path]:
    return sorted((out / f"build/cache/v{CACHE_VERSION}/entries").glob("*/*.json"))


@pytest.mark.parametrize("damage", ["garbage", "foreign", "blob"])
def test_a_damaged_cache_entry_is_recomputed_never_published(data, tmp_path, damage):
    run(data, tmp_path / "a")
    site = tree(tmp_path / "a/site")
    entries = _entries(tmp_path / "a")
    assert len(entries) == 8
    if damage == "garbage":
        entries[0].write_text("{not json", "utf-8")
    elif damage == "foreign":
        entry = json.loads(entries[1].read_text("utf-8"))
        entry["key"] = "0" * 64  # written for other inputs
        entries[1].write_text(json.dumps(entry), "utf-8")
    else:
        blobs = sorted((tmp_path / f"a/build/cache/v{CACHE_VERSION}/blobs").glob("*/*.z"))
        for blob in blobs:
            blob.write_bytes(b"x\x9c+\xc9\xc8,V\x00\xa2D\x85\xa4\x9c\xfc$\x00/\x1f\x05\x8c")
        # Without the previous site to link from, only the (damaged) blobs remain.
        shutil.rmtree(tmp_path / "a/site")
    result = run(data, tmp_path / "a")
    assert result.computed >= 1
    if damage == "blob":
        assert result.computed == 8
    assert tree(tmp_path / "a/site") == site


def test_the_process_pool_gives_the_same_site(data, tmp_path, monkeypatch):
    single = run(data, tmp_path / "one")
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 2)
    pooled = run(data, tmp_path / "pool", workers=2)
    assert tree(tmp_path / "one/site") == tree(tmp_path / "pool/site")
    assert [f.as_dict() for f in single.findings] == [f.as_dict() for f in pooled.findings]


def test_errors_stop_the_build_and_keep_the_published_site(data, tmp_path):
    run(data, tmp_path / "a")
    site = tree(tmp_path / "a/site")
    members = data / "estates" / ESTATE / "members.csv"
    members.write_text(members.read_text("utf-8").replace("主任", "主 任", 1), "utf-8")
    with pytest.raises(pipeline.BuildFailed) as failed:
        run(data, tmp_path / "a")
    assert any(f.severity == "error" and f.estate == ESTATE for f in failed.value.findings)
    assert tree(tmp_path / "a/site") == site
    assert not list((tmp_path / "a").glob(".site.tmp-*"))


def test_two_shards_merged_equal_a_one_machine_build(data, tmp_path):
    run(data, tmp_path / "one")
    slices = pipeline.shard_districts(
        {p.name: p for p in (data / "estates").iterdir() if p.is_dir()}, 2
    )
    assert all(slices) and not slices[0] & slices[1]
    parts = []
    for k in (1, 2):
        result = pipeline.build(_options(data, tmp_path / f"part{k}", shard=(k, 2)))
        assert result.estates == len(slices[k - 1])
        parts.append(tmp_path / f"part{k}/site")
    merged = pipeline.merge(_options(data, tmp_path / "merged"), parts)
    assert merged.estates == 8
    assert tree(tmp_path / "merged/site") == tree(tmp_path / "one/site")
    # A part missing, or one built as of another day, is refused: nothing is published.
    with pytest.raises(pipeline.BuildFailed, match="cover every estate"):
        pipeline.merge(_options(data, tmp_path / "m2"), parts[:1])
    other = pipeline.build(
        dataclasses.replace(
            _options(data, tmp_path / "late", shard=(2, 2)), as_of=AS_OF + dt.timedelta(days=1)
        )
    )
    assert other.estates
    with pytest.raises(pipeline.BuildFailed, match="as_of"):
        pipeline.merge(_options(data, tmp_path / "m3"), [parts[0], tmp_path / "late/site"])
    assert not (tmp_path / "m2/site").exists() and not (tmp_path / "m3/site").exists()
