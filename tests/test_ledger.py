"""The ledger (generator/pipeline/ledger.py): an estate untouched since the published
build is not read again, and anything that could have changed it is.

Real builds of a copy of the sample data through the library's ``build()``. The copy is
left a little over :data:`ledger.RACY_NS` old before the first build, so that build's
stamps are trusted by the next ("racy git": a file changed within the margin is read).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path

import pytest

from generator import pipeline
from generator.pipeline import ledger
from generator.pipeline.cache import Cache

from .test_pipeline import AS_OF, ESTATE, REPO, _options, changed, tree


@pytest.fixture
def data(tmp_path) -> Path:
    out = tmp_path / "data"
    shutil.copytree(REPO / "data", out)
    time.sleep(ledger.RACY_NS / 1e9 + 0.1)
    return out


def run(data: Path, out: Path, **extra) -> pipeline.BuildResult:
    return pipeline.build(_options(data, out, **extra))


def _ledger_path(out: Path) -> Path:
    return ledger.path(Cache(out / "build/cache").root)


def test_untouched_estates_are_not_read_and_the_site_is_the_same(data, tmp_path):
    first = run(data, tmp_path / "a")
    assert (first.computed, first.unread) == (8, 0)
    site = tree(tmp_path / "a/site")
    first_bytes = _ledger_path(tmp_path / "a").read_bytes()
    records = ledger.records(Cache(tmp_path / "a/build/cache").root)
    assert len(records) == 8
    second = run(data, tmp_path / "a")
    assert (second.computed, second.cached, second.kept, second.unread) == (0, 8, 8, 8)
    assert tree(tmp_path / "a/site") == site
    assert [f.as_dict() for f in second.findings] == [f.as_dict() for f in first.findings]
    # An unread estate's record goes into the next ledger as it was read: the same as the
    # one encoded from the computed result (only the folders' stat data are read again).
    again = ledger.records(Cache(tmp_path / "a/build/cache").root)
    # Moving a folder whole leaves its stat data as they were (ext4, tmpfs): then each line
    # is written back as read, not re-encoded from what was parsed.
    if {e: r["dirs"] for e, r in again.items()} == {e: r["dirs"] for e, r in records.items()}:
        assert _ledger_path(tmp_path / "a").read_bytes() == first_bytes
    assert {e: {**r, "dirs": None} for e, r in again.items()} == {
        e: {**r, "dirs": None} for e, r in records.items()
    }
    third = run(data, tmp_path / "a")
    assert third.unread == 8 and tree(tmp_path / "a/site") == site


@pytest.mark.parametrize("how", ["edited", "same-size-old-mtime"])
def test_a_changed_file_is_read_even_with_its_size_and_mtime_restored(data, tmp_path, how):
    run(data, tmp_path / "a")
    path = data / "estates" / ESTATE / "evaluations.csv"
    st = path.stat()
    text = path.read_text("utf-8")
    # Same length in bytes: one word of a summary for another.
    edited = text.replace("答复", "回复", 1)
    assert edited != text and len(edited.encode()) == len(text.encode())
    path.write_text(edited, "utf-8")
    if how == "same-size-old-mtime":
        # Size and mtime as before: only the ctime, which no program can set, tells.
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    result = run(data, tmp_path / "a")
    assert (result.computed, result.unread) == (1, 7)
    run(data, tmp_path / "cold")
    assert tree(tmp_path / "a/site") == tree(tmp_path / "cold/site")


def test_a_new_file_in_a_folder_sends_the_estate_to_its_worker(data, tmp_path):
    run(data, tmp_path / "a")
    (data / "estates" / ESTATE / ".DS_Store").write_bytes(b"\0")
    result = run(data, tmp_path / "a")
    # Not part of the package: the worker finds the same key and keeps the folder.
    assert (result.computed, result.cached, result.unread) == (0, 8, 7)


def test_a_damaged_published_folder_is_rebuilt_not_trusted(data, tmp_path):
    run(data, tmp_path / "a")
    site = tree(tmp_path / "a/site")
    page = tmp_path / "a/site/estates" / ESTATE / "finances/index.html"
    page.write_text("被改过的页面", "utf-8")
    (tmp_path / "a/site/estates/meilin-xincun/stray.html").write_text("x", "utf-8")
    result = run(data, tmp_path / "a")
    assert result.unread == 6
    assert tree(tmp_path / "a/site") == site


@pytest.mark.parametrize(
    "ledger_text",
    ["{not json", '{"version": 1, "shared_key": "x"}', "", '{"version": 2, "shared_key": "x"}\n'],
)
def test_a_broken_or_foreign_ledger_is_ignored(data, tmp_path, ledger_text):
    run(data, tmp_path / "a")
    site = tree(tmp_path / "a/site")
    _ledger_path(tmp_path / "a").write_text(ledger_text, "utf-8")
    result = run(data, tmp_path / "a")
    assert (result.cached, result.unread) == (8, 0)
    assert tree(tmp_path / "a/site") == site


def test_other_shared_inputs_make_the_ledger_foreign(data, tmp_path):
    run(data, tmp_path / "a")
    site = tree(tmp_path / "a/site")
    result = run(data, tmp_path / "a", as_of=AS_OF + dt.timedelta(days=1))
    assert result.unread == 0
    run(data, tmp_path / "cold", as_of=AS_OF + dt.timedelta(days=1))
    assert tree(tmp_path / "a/site") == tree(tmp_path / "cold/site")
    assert changed(site, tree(tmp_path / "a/site"))


def test_a_failed_build_keeps_the_ledger_of_the_published_site(data, tmp_path):
    run(data, tmp_path / "a")
    before = _ledger_path(tmp_path / "a").read_bytes()
    profile = data / "estates" / ESTATE / "estate.csv"
    original = profile.read_text("utf-8")
    profile.write_text(original.replace(",", ";", 3), "utf-8")
    with pytest.raises(pipeline.BuildFailed):
        run(data, tmp_path / "a")
    assert _ledger_path(tmp_path / "a").read_bytes() == before
    profile.write_text(original, "utf-8")
    result = run(data, tmp_path / "a")
    # Written back: a new ctime, so read; the same bytes, so the same key.
    assert (result.computed, result.cached, result.unread) == (0, 8, 7)


def test_a_recent_file_gets_no_stamp(tmp_path, monkeypatch):
    folder = tmp_path / "estate"
    folder.mkdir()
    (folder / "estate.csv").write_text("id\n1\n", "utf-8")
    assert ledger.stamp(folder, (), None) is None  # written just now: racy
    monkeypatch.setattr(ledger, "RACY_NS", 0)
    first = ledger.stamp(folder, (), None)
    assert first and first == ledger.stamp(folder, (), None)
    assert ledger.stamp(folder, ("another history",), None) != first
    assert ledger.stamp(folder, (), {"listed_date": "2026-01-01"}) != first


def test_the_pool_checks_untouched_estates_as_one_process_does(data, tmp_path, monkeypatch):
    # Stamps, ledger records and the published folders' checks run in the workers; an
    # unread estate's result crosses the pipe like a computed one. Small batches, one in
    # flight: checks and computations interleave as at city scale.
    monkeypatch.setattr(pipeline, "PARALLEL_FROM", 2)
    monkeypatch.setattr(pipeline, "CHECK_CHUNK", 3)
    monkeypatch.setattr(pipeline, "CHECKS_IN_FLIGHT", 1)
    monkeypatch.setattr(pipeline, "COMPUTE_CHUNK", 2)
    first = run(data, tmp_path / "a", workers=2)
    site = tree(tmp_path / "a/site")
    records = ledger.records(Cache(tmp_path / "a/build/cache").root)
    second = run(data, tmp_path / "a", workers=2)
    assert (second.computed, second.kept, second.unread) == (0, 8, 8)
    assert tree(tmp_path / "a/site") == site
    assert [f.as_dict() for f in second.findings] == [f.as_dict() for f in first.findings]
    again = ledger.records(Cache(tmp_path / "a/build/cache").root)
    assert {e: {**r, "dirs": None} for e, r in again.items()} == {
        e: {**r, "dirs": None} for e, r in records.items()
    }
    path = data / "estates" / ESTATE / "evaluations.csv"
    path.write_text(path.read_text("utf-8").replace("答复", "回复", 1), "utf-8")
    third = run(data, tmp_path / "a", workers=2)
    assert (third.computed, third.unread) == (1, 7)
    cold = run(data, tmp_path / "cold", workers=1)
    assert tree(tmp_path / "a/site") == tree(tmp_path / "cold/site")
    assert [f.as_dict() for f in third.findings] == [f.as_dict() for f in cold.findings]


def test_a_finding_from_the_ledger_is_the_finding_that_was_written():
    from generator.findings import Finding

    made = Finding(
        "e", "members", "data/x.csv", 3, "phone", "r", "warning", "电话 13812345678", "x"
    )
    assert "13812345678" not in made.message  # masked when made
    assert Finding.restore(made.as_dict()) == made
    with pytest.raises(TypeError):
        Finding.restore({**made.as_dict(), "extra": 1})
    with pytest.raises(TypeError):
        Finding.restore({k: v for k, v in made.as_dict().items() if k != "row"})
