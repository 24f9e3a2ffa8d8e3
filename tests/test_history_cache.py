"""The history cache: a read that goes on from the cached commit equals reading it all.

Real repositories in tmp_path (the scripted story of tests/test_history.py, plus a commit
changing several estates, a renamed file, a deleted estate, a merge and a force-push),
each read twice after every commit: with ``cache_dir`` (incremental) and without (from
the first commit). Only the process boundary is observed: which git commands ran, to
tell an incremental read (a ``log`` over ``cached..HEAD``) from a full one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from generator import history as history_module
from generator.history import CACHE_FILE, CACHE_FOLDER, History, read_history
from generator.load import load_schemas
from generator.privacy import Guard, Redaction
from tests.test_history import (
    ESTATE,
    FEES_CSV_2,
    INCOME_CSV_2,
    LINES_CSV_2,
    MEMBERS_CSV_2,
    OTHER_ESTATE_CSV,
    REPO,
    SCHEMAS,
    STANDARDS_CSV_2,
    ScriptedRepo,
    _clone,
    _CountingPopen,
    import_estate,
)

THIRD = "sanhe-yuan"
THIRD_PACKAGE = (
    f"name: {THIRD}\ntitle: 三和苑\nresources:\n"
    "  - name: estate\n    path: estate.csv\n    schema: ../../schemas/estate.schema.yaml\n"
)
THIRD_CSV = OTHER_ESTATE_CSV.replace("other-estate,另一小区", f"{THIRD},三和苑")


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    """Phrasing bugs raise instead of falling back to the generic sentence."""
    monkeypatch.setattr(history_module, "STRICT", True)


def snapshot(h: History) -> tuple:
    """Everything a page or feed can show of a history, dates with their offsets."""
    return (
        h.available,
        h.shallow,
        h.message,
        h.message_en,
        {
            estate: [{**dataclasses.asdict(e), "date": e.date.isoformat()} for e in entries]
            for estate, entries in h.estates.items()
        },
    )


class Reader:
    """Reads one repository with a cache, and records which git commands each read ran."""

    def __init__(self, repo: ScriptedRepo, cache_dir: Path, monkeypatch, **options):
        self.repo, self.cache_dir, self.monkeypatch = repo, cache_dir, monkeypatch
        self.options = options
        self.schemas = SCHEMAS
        self.calls: list[list[str]] = []

    @property
    def cache_file(self) -> Path:
        return self.cache_dir / CACHE_FOLDER / CACHE_FILE

    def cached(self, **options) -> History:
        _CountingPopen.calls = []
        with self.monkeypatch.context() as m:
            m.setattr(history_module.subprocess, "Popen", _CountingPopen)
            h = read_history(
                self.repo.root,
                self.repo.root / "data" / "estates",
                self.schemas,
                cache_dir=self.cache_dir,
                **{**self.options, **options},
            )
        self.calls = [
            [a for a in call if a != "-c" and "=" not in a] for call in _CountingPopen.calls
        ]
        return h

    def scratch(self, **options) -> History:
        return read_history(
            self.repo.root,
            self.repo.root / "data" / "estates",
            self.schemas,
            **{**self.options, **options},
        )

    def log(self) -> list[str] | None:
        return next((c for c in self.calls if "log" in c), None)

    def incremental_since(self, commit: str) -> bool:
        log = self.log()
        return log is not None and any(a.startswith(f"{commit}..") for a in log)

    def full(self) -> bool:
        log = self.log()
        return log is not None and not any(".." in a for a in log)

    def assert_same(self, **options) -> History:
        cached = self.cached(**options)
        assert snapshot(cached) == snapshot(self.scratch(**options))
        return cached


def head(repo: ScriptedRepo) -> str:
    return repo.git("rev-parse", "HEAD")


def test_each_commit_read_on_top_of_the_cache_equals_reading_everything(
    tmp_path: Path, monkeypatch
):
    repo = ScriptedRepo(tmp_path / "repo")
    reader = Reader(repo, tmp_path / "build" / "cache", monkeypatch)
    import_estate(repo)
    h = reader.assert_same()
    assert reader.full() and reader.cache_file.is_file()
    assert set(h.estates) == {ESTATE, "other-estate"}

    steps = []

    def step(message: str) -> None:
        previous = head(repo)
        repo.commit(message)
        h = reader.assert_same()
        assert reader.incremental_since(previous), (message, reader.calls)
        steps.append((message, h))

    repo.estate("members.csv", MEMBERS_CSV_2)
    step("委员辞职")
    # One commit, three estates: a new one, and a change in each of the other two.
    repo.estate("fees.csv", FEES_CSV_2)
    repo.write("data/estates/other-estate/estate.csv", OTHER_ESTATE_CSV.replace(",500,", ",502,"))
    repo.write(f"data/estates/{THIRD}/datapackage.yaml", THIRD_PACKAGE)
    repo.write(f"data/estates/{THIRD}/estate.csv", THIRD_CSV)
    step("三个小区一起更新")
    assert len({e.commit for v in steps[-1][1].estates.values() for e in v[:1]}) == 1
    repo.write("README.md", "not data\n")
    step("README")  # HEAD moves, no estate changes: nothing new, the cache moves on
    # A renamed file (and its new path in the descriptor), with a corrected typo.
    repo.git("mv", f"data/estates/{ESTATE}/service_standards.csv", f"data/estates/{ESTATE}/s.csv")
    package = (repo.estate_dir / "datapackage.yaml").read_text("utf-8")
    repo.estate("datapackage.yaml", package.replace("path: service_standards.csv", "path: s.csv"))
    repo.estate("s.csv", STANDARDS_CSV_2)
    step("标准文件改名")
    shutil.rmtree(repo.root / "data" / "estates" / "other-estate")
    step("另一小区移出")
    # A merged pull request: one version on the first-parent line.
    repo.git("checkout", "-q", "-b", "quarter")
    repo.estate("common_income.csv", INCOME_CSV_2)
    repo.commit("Q2 收支")
    repo.estate("common_income_lines.csv", LINES_CSV_2)
    repo.commit("Q2 明细")
    repo.git("checkout", "-q", "main")
    previous = head(repo)
    repo.clock += dt.timedelta(days=1)
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #7", "quarter")
    h = reader.assert_same()
    assert reader.incremental_since(previous)

    entries = h.for_estate(ESTATE)
    assert repo.subjects(entries[:3]) == [
        "Merge pull request #7",
        "标准文件改名",
        "三个小区一起更新",
    ]
    assert h.for_estate("other-estate")[0].lines == ["删除整张表：小区基本信息（原有 1 行）"]
    assert (
        "s.csv" in entries[1].changed_files and "service_standards.csv" in entries[1].changed_files
    )
    assert [e.seq for e in entries] == sorted((e.seq for e in entries), reverse=True)

    # No new commit: the cache answers alone (no log, no cat-file).
    again = reader.assert_same()
    assert [c[0:2] for c in reader.calls] == [["git", "rev-parse"], ["git", "rev-parse"]]
    assert snapshot(again) == snapshot(h)
    assert [p.name for p in reader.cache_file.parent.iterdir()] == [CACHE_FILE]


def test_a_force_pushed_rewrite_is_read_again_from_the_start(tmp_path: Path, monkeypatch):
    repo = ScriptedRepo(tmp_path / "repo")
    reader = Reader(repo, tmp_path / "cache", monkeypatch)
    import_estate(repo)
    first = head(repo)
    repo.estate("members.csv", MEMBERS_CSV_2)
    repo.commit("委员辞职")
    repo.estate("fees.csv", FEES_CSV_2)
    repo.commit("调价")
    reader.assert_same()

    # The last two commits rewritten (git reset, new commits, git push --force).
    repo.git("reset", "-q", "--hard", first)
    repo.estate("fees.csv", FEES_CSV_2)
    repo.commit("调价（重写）")
    h = reader.assert_same()
    assert reader.full()
    assert repo.subjects(h.for_estate(ESTATE)) == ["调价（重写）", "导入和平花园数据"]
    # Then incremental again, from the rewritten line.
    previous = head(repo)
    repo.estate("members.csv", MEMBERS_CSV_2)
    repo.commit("委员辞职（重写）")
    reader.assert_same()
    assert reader.incremental_since(previous)

    # HEAD moved back to an ancestor of the cached commit: nothing to add, all to drop.
    repo.git("reset", "-q", "--hard", first)
    h = reader.assert_same()
    assert reader.full() and len(h.for_estate(ESTATE)) == 1

    # The cached commit gone from the repository altogether (rewritten and pruned).
    repo.estate("members.csv", MEMBERS_CSV_2)
    repo.commit("委员辞职（又一次）")
    reader.assert_same()
    repo.git("reset", "-q", "--hard", first)
    repo.git("reflog", "expire", "--expire=now", "--all")
    repo.git("gc", "-q", "--prune=now")
    repo.estate("fees.csv", FEES_CSV_2)
    repo.commit("调价（第三次）")
    reader.assert_same()
    assert reader.full()


def test_a_cache_from_a_branch_is_not_continued_on_main(tmp_path: Path, monkeypatch):
    """A pull request's tip is an ancestor of the merge, but not along first parents: the
    published line never had that version, so the cache of it must not be continued."""
    repo = ScriptedRepo(tmp_path / "repo")
    reader = Reader(repo, tmp_path / "cache", monkeypatch)
    import_estate(repo)
    repo.git("checkout", "-q", "-b", "quarter")
    repo.estate("common_income.csv", INCOME_CSV_2)
    repo.commit("Q2 收支")
    reader.assert_same()  # the pull request's build caches its branch
    repo.git("checkout", "-q", "main")
    repo.write("README.md", "x\n")
    repo.commit("README")
    repo.clock += dt.timedelta(days=1)
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #8", "quarter")
    h = reader.assert_same()
    assert reader.full()
    assert repo.subjects(h.for_estate(ESTATE)) == ["Merge pull request #8", "导入和平花园数据"]


@pytest.mark.parametrize(
    "damage",
    ["missing", "empty", "truncated", "one byte changed", "not json", "another format"],
)
def test_a_damaged_cache_is_recomputed_and_rewritten(tmp_path: Path, monkeypatch, damage: str):
    repo = ScriptedRepo(tmp_path / "repo")
    reader = Reader(repo, tmp_path / "cache", monkeypatch)
    import_estate(repo)
    repo.estate("members.csv", MEMBERS_CSV_2)
    repo.commit("委员辞职")
    reader.assert_same()
    data = reader.cache_file.read_bytes()
    if damage == "missing":
        reader.cache_file.unlink()
    elif damage == "empty":
        reader.cache_file.write_bytes(b"")
    elif damage == "truncated":
        reader.cache_file.write_bytes(data[: len(data) // 2])
    elif damage == "one byte changed":
        # Still valid JSON, a sentence says something else: the checksum tells.
        damaged = data.replace("离任".encode(), "到任".encode())
        assert damaged != data
        reader.cache_file.write_bytes(damaged)
    elif damage == "not json":
        reader.cache_file.write_bytes(b"\x80\x81 pickle? \n\x00")
    else:
        header, payload = data.split(b"\n", 1)
        foreign = {**json.loads(header), "format": "someone-else"}
        reader.cache_file.write_bytes(json.dumps(foreign).encode() + b"\n" + payload)
    previous = head(repo)
    repo.estate("fees.csv", FEES_CSV_2)
    repo.commit("调价")
    h = reader.assert_same()
    assert reader.full(), damage
    assert "委员 张*明 离任（辞职）" in h.for_estate(ESTATE)[1].lines
    # Rewritten whole: the next commit is read on top of it again.
    previous = head(repo)
    repo.estate("common_income.csv", INCOME_CSV_2)
    repo.commit("Q2")
    reader.assert_same()
    assert reader.incremental_since(previous)


def test_a_new_takedown_or_schema_reads_everything_again(tmp_path: Path, monkeypatch):
    repo = ScriptedRepo(tmp_path / "repo")
    reader = Reader(repo, tmp_path / "cache", monkeypatch)
    import_estate(repo)
    repo.estate("members.csv", MEMBERS_CSV_2)
    repo.commit("委员辞职")
    h = reader.assert_same()
    assert "委员 张*明 离任（辞职）" in h.for_estate(ESTATE)[0].lines

    # A name taken down today: the cached sentence held it, so it must not be reused.
    takedown = Guard([Redaction("本人申请", dt.date(2025, 6, 1), value="张*明")])
    h = reader.assert_same(guard=takedown)
    assert reader.full()
    assert not any("张*明" in line for e in h.for_estate(ESTATE) for line in e.lines)
    reader.assert_same(guard=takedown)
    assert reader.log() is None  # the same takedown list: the new cache answers

    # A column retitled in a schema: the old sentences named it by its old title.
    schemas = load_schemas(REPO / "data" / "schemas")
    schemas["members"]["title"] = "业委会委员名单"
    reader.schemas = schemas
    h = reader.assert_same()
    assert reader.full()
    assert "业委会委员名单" in h.for_estate(ESTATE)[0].headline


def test_committee_credit_follows_committees_yaml_not_the_cache(tmp_path: Path, monkeypatch):
    repo = ScriptedRepo(tmp_path / "repo")
    reader = Reader(repo, tmp_path / "cache", monkeypatch)
    import_estate(repo)
    h = reader.assert_same(committees=[])
    assert h.for_estate(ESTATE)[0].by == "业委会提交"
    h = reader.assert_same(committees=[ESTATE])
    assert reader.log() is None  # from the cache, credited afresh
    assert h.for_estate(ESTATE)[0].by == "和平花园业委会提交"


def test_a_shallow_clone_is_read_as_before_and_never_cached(tmp_path: Path, monkeypatch):
    repo = ScriptedRepo(tmp_path / "repo")
    import_estate(repo)
    repo.estate("members.csv", MEMBERS_CSV_2)
    repo.commit("委员辞职")
    repo.estate("fees.csv", FEES_CSV_2)
    repo.commit("调价")
    clone = _clone(repo.root, tmp_path / "depth2", 2)
    reader = Reader(ScriptedRepo.__new__(ScriptedRepo), tmp_path / "cache", monkeypatch)
    reader.repo.root = clone
    for _ in range(2):
        h = reader.assert_same()
        assert h.shallow and "git fetch --unshallow" in h.message
        assert [c.kind for c in h.for_estate(ESTATE)[-1].changes] == ["truncated"]
        assert reader.full() and not reader.cache_file.exists()
    # Deepened later (git fetch --unshallow): read in full, and cached from then on.
    subprocess.run(["git", "fetch", "-q", "--unshallow"], cwd=clone, check=True)
    h = reader.assert_same()
    assert not h.shallow and reader.full() and reader.cache_file.is_file()
    assert len(h.for_estate(ESTATE)) == 3


def _variants(estate_dir: Path) -> list[tuple[str, bytes]]:
    """(table, bytes) of every sample table, and of copies carrying personal data."""
    tables = [(p.stem, p.read_bytes()) for p in sorted(estate_dir.glob("*.csv"))]
    contacts = (estate_dir / "contacts.csv").read_bytes()
    members = (estate_dir / "members.csv").read_bytes()
    return [
        *tables,
        # The contacts table's public telephone may be a landline, never a mobile.
        ("contacts", contacts.replace(b"021-55552101", b"021-55552102")),
        ("contacts", contacts.replace(b"021-55552101", b"13912345678")),
        # A mobile typed into another table's note, and a cell beyond the header.
        ("members", members.replace("届满".encode(), "届满 13912345678".encode(), 1)),
        ("members", members.replace(b"\n", b",13912345678\n", 2)),
        ("members", b"\xef\xbb\xbf" + members),
        ("members", members.replace("届满".encode(), "届满".encode("gbk"), 1)),
        ("members", b""),
    ]


@pytest.mark.parametrize(
    "guard",
    [
        Guard(),
        Guard([Redaction("本人申请", dt.date(2025, 6, 1), value="上海江庭物业")]),
        Guard(
            [
                Redaction(
                    "本人申请",
                    dt.date(2025, 6, 1),
                    estate="binjiang-huating",
                    table="members",
                    key=(("member_id", "M201"),),
                )
            ]
        ),
    ],
    ids=["patterns", "listed value", "row takedown"],
)
def test_links_are_vouched_for_exactly_as_the_guard_publishes(guard: Guard):
    """The history remembers which cells passed the guard (they recur in every estate);
    its verdict on a file must be the guard's own: the bytes it would publish unchanged."""
    estate = "binjiang-huating"
    public = history_module._Publishable(guard, SCHEMAS)
    verdicts = []
    for table, data in _variants(REPO / "data" / "estates" / estate):
        expected = guard.csv(estate, table, data) == data
        assert public._table(estate, table, data) == expected, (table, data[:80])
        # Asked again, from what it remembers.
        assert public._table(estate, table, data) == expected
        verdicts.append(expected)
    assert True in verdicts and False in verdicts


_TITLES = [
    "梅林东苑",
    "梅林 新村",
    "yes",
    "No",
    "on",
    "OFF",
    "null",
    "~",
    "123",
    "1.5",
    "-1",
    "+1",
    "2025-01-01",
    "0x1F",
    "0o17",
    "1_000",
    ".inf",
    ".NaN",
    "../../a.yaml",
    "a: b",
    "a #b",
    "a#b",
    "a:b",
    "abc:",
    "'quoted'",
    '"quoted"',
    "[list]",
    "{map}",
    "*alias",
    "&anchor x",
    "!tag x",
    "|",
    ">",
    "- x",
    "? x",
    "%x",
    "@x",
    "`x",
    "<<",
    "=",
    "x ",
    " x",
    "a\tb",
    "Ōsaka",
    "a\u2028b",
    "a\x85b",
    "a\x07b",
    "a\ufeffb",
    "",
]


def _descriptors() -> list[str]:
    sample = sorted((REPO / "data" / "estates").glob("*/datapackage.yaml"))
    texts = [p.read_text("utf-8") for p in sample]
    base = texts[0]
    texts += [base.replace("title: 滨江华庭", f"title: {t}") for t in _TITLES]
    texts += [base.replace("name: estate", f"name: {t}", 1) for t in _TITLES[:12]]
    texts += [
        base.replace("\n", "\r\n"),
        base.replace("  - name: committees", "- name: committees"),
        base.replace("    path: estate.csv", "   path: estate.csv"),
        base.replace("    path: estate.csv", "    path: estate.csv\n    path: again.csv"),
        base.replace("title:", "Title:"),
        base + "title: 又一个\n",
        base + "# a comment\n",
        "---\n" + base,
        base + "...\n",
        "name: x\nresources:\n",
        "name: x\nresources:\ntitle: y\n",
        "name: x\nresources:\n  - name: a\n    fields:\n",
        "name: x\nresources:\n  - name: a\n      path: a.csv\n",
        "resources:\n  - name: a\nresources:\n  - name: b\n",
        "",
        "\n\n",
        "- a\n- b\n",
        "just text\n",
    ]
    return texts


def test_descriptors_read_as_yaml_reads_them():
    """The descriptor fast path gives exactly what yaml.safe_load gives, or leaves it to
    YAML; the parsed result (what the history names tables by) is the same either way."""
    import yaml

    simple = 0
    for text in _descriptors():
        try:
            expected = yaml.safe_load(text)
        except yaml.YAMLError:
            expected = None
        fast = history_module._simple_descriptor(text)
        if fast is not None:
            simple += 1
            assert fast == expected, text
        parsed = history_module._parse_descriptor(text.encode("utf-8"))
        assert parsed == expected, text
    assert simple >= 8  # the sample's own descriptors take the fast path


def test_a_long_read_shared_with_a_second_process_gives_the_same_history(
    tmp_path: Path, monkeypatch
):
    """A first read of a city is split by estate between two processes; the history must
    be the one a single process reads, down to which commits may be linked."""
    repo = ScriptedRepo(tmp_path / "repo")
    reader = Reader(repo, tmp_path / "cache", monkeypatch)
    import_estate(repo)
    repo.estate("members.csv", MEMBERS_CSV_2)
    repo.write(f"data/estates/{THIRD}/datapackage.yaml", THIRD_PACKAGE)
    repo.write(f"data/estates/{THIRD}/estate.csv", THIRD_CSV)
    repo.commit("两个小区")
    # A phone number in one estate's commit: that commit's diff may not be linked, in
    # every estate it touched, whichever process described them.
    repo.write(
        "data/estates/other-estate/estate.csv",
        OTHER_ESTATE_CSV.replace("某某居委会", "某某居委会 13912345678"),
    )
    repo.estate("fees.csv", FEES_CSV_2)
    repo.commit("调价，另一小区写错")
    alone = reader.scratch()
    monkeypatch.setattr(history_module, "PARALLEL_STEPS", 1)
    shared = reader.scratch()
    assert snapshot(shared) == snapshot(alone)
    newest = {estate: entries[0] for estate, entries in shared.estates.items()}
    assert newest[ESTATE].commit == newest["other-estate"].commit
    assert not newest[ESTATE].diff_public and newest[ESTATE].files_public
    assert not newest["other-estate"].files_public
    assert newest[THIRD].diff_public
    # And with the cache: the same again.
    assert snapshot(reader.cached()) == snapshot(alone)
