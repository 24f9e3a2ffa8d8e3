"""Change history from git: a scripted repository, its change log in plain Chinese.

The repository is real (``git init`` in tmp_path) with fixed author and committer dates,
so every commit id, checksum and sentence is the same on every run. Only the process
boundary is observed (how many git processes run); nothing is mocked.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from generator import history as history_module
from generator.checksum import checksum_of, checksum_of_folder
from generator.history import (
    FORMAT_ONLY,
    Change,
    History,
    commit_url,
    describe_changes,
    entry_for_checksum,
    file_url,
    read_history,
    tree_url,
)
from generator.load import load_schemas

REPO = Path(__file__).resolve().parent.parent
SCHEMAS = load_schemas(REPO / "data" / "schemas")
ESTATE = "heping-huayuan"
TZ = dt.timezone(dt.timedelta(hours=8))

DATAPACKAGE = """\
name: heping-huayuan
title: 和平花园
resources:
""" + "".join(
    f"  - name: {t}\n    path: {t}.csv\n    schema: ../../schemas/{t}.schema.yaml\n"
    for t in (
        "estate",
        "committees",
        "members",
        "common_income",
        "common_income_lines",
        "fees",
        "service_standards",
    )
)

ESTATE_CSV = """\
estate_id,name,district,street,residents_committee,property_type,completion_year,total_gfa_m2,households,buildings,lift_buildings,transfer_min_share
heping-huayuan,和平花园,浦东新区,洋泾街道,和平居委会,商品房,2016,132000.00,1120,12,12,
"""
COMMITTEES_CSV = """\
term_no,election_date,filing_date,term_start,term_end,seats,status
2,2022-03-20,2022-04-10,2022-03-20,2027-03-19,5,在任
"""
MEMBERS_CSV = """\
member_id,term_no,display_name,role,is_voting,is_party_member,is_rc_cross,building_no,start_date,end_date,end_reason
M301,2,王*平,主任,是,是,否,3,2022-03-20,,
M302,2,陈*芳,副主任,是,是,否,5,2022-03-20,,
M303,2,赵*强,委员,是,否,否,8,2022-03-20,,
M304,2,周*丽,委员,是,否,否,1,2022-03-20,,
M305,2,张*明,委员,是,否,否,12,2022-03-20,,
M310,2,李*华,候补委员,否,否,否,6,2022-03-20,,
"""
# The resignation, and the alternate who takes the seat.
MEMBERS_CSV_2 = MEMBERS_CSV.replace(
    "M305,2,张*明,委员,是,否,否,12,2022-03-20,,",
    "M305,2,张*明,委员,是,否,否,12,2022-03-20,2025-05-10,辞职",
).replace("M310,2,李*华,候补委员,否,", "M310,2,李*华,委员,是,")
FEES_CSV = """\
fee_id,unit_category,package,price_yuan,unit,effective_from,effective_to,resolution_id
F01,高层住宅,基础包,2.9,元/㎡·月,2022-01-01,,
F02,高层住宅,增值包,0.30,元/㎡·月,2022-01-01,,
F03,地面停车,单项,150.00,元/位·月,2022-01-01,,
"""
# The documented way to change a price: end the old row, add the new one.
FEES_CSV_2 = (
    FEES_CSV.replace(
        "F01,高层住宅,基础包,2.9,元/㎡·月,2022-01-01,,",
        "F01,高层住宅,基础包,2.9,元/㎡·月,2022-01-01,2025-06-30,",
    )
    + "F04,高层住宅,基础包,3.10,元/㎡·月,2025-07-01,,R2025-01\n"
)
INCOME_CSV = """\
quarter,opening_yuan,income_yuan,cost_yuan,transfer_to_fund_yuan,other_spending_yuan,closing_yuan,posted_date
2025Q1,46320.00,95580.00,24300.00,40000.00,4500.00,73100.00,2025-04-15
"""
INCOME_CSV_2 = INCOME_CSV + "2025Q2,73100.00,96000.00,24000.00,40000.00,0.00,105100.00,2025-07-12\n"
LINES_CSV = """\
quarter,line_no,direction,category,description,amount_yuan
2025Q1,1,收入,停车费,地面停车位180个,81000.00
2025Q1,2,收入,广告费,电梯广告,6000.00
2025Q1,3,收入,快递柜,快递柜场地费,3600.00
2025Q1,4,收入,充电桩,充电桩分成,4800.00
2025Q1,5,收入,利息,银行利息,180.00
2025Q1,6,支出,合理成本,停车管理人工,24300.00
2025Q1,7,支出,转入维修资金,按议事规则转入,40000.00
2025Q1,8,支出,业委会工作经费,办公及会议,4500.00
"""
LINES_CSV_2 = (
    LINES_CSV
    + """\
2025Q2,1,收入,停车费,地面停车位180个,81000.00
2025Q2,2,收入,广告费,电梯广告,6000.00
2025Q2,3,收入,快递柜,快递柜场地费,3600.00
2025Q2,4,收入,充电桩,充电桩分成,5200.00
2025Q2,5,收入,利息,银行利息,200.00
2025Q2,6,支出,合理成本,停车管理人工,24000.00
2025Q2,7,支出,转入维修资金,按议事规则转入,40000.00
"""
)
STANDARDS_CSV = """\
standard_id,item,standard,frequency,staff
S01,保洁,道路每日清扫两次；楼道每周拖扫两此，扶手每周擦拭一次；垃圾每日清运,每日,9
S02,保安,主出入口24小时值守，夜间每小时巡逻一次,每日,13
"""
STANDARDS_CSV_2 = STANDARDS_CSV.replace("拖扫两此", "拖扫两次")

# The same content as after the typo fix, written differently: rows reordered, columns
# reordered, 2.9 written 2.90, 是 written true, stray spaces, CRLF line ends, a BOM and
# a blank line. None of it is a change.
FEES_REFORMATTED = """\
fee_id,price_yuan,unit_category,package,unit,effective_from,effective_to,resolution_id
F04,3.10,高层住宅,基础包,元/㎡·月,2025-07-01,,R2025-01
F03,150,地面停车,单项,元/位·月,2022-01-01,,
F02,0.3,高层住宅,增值包,元/㎡·月,2022-01-01,,
F01,2.90,高层住宅,基础包,元/㎡·月,2022-01-01,2025-06-30,
"""
MEMBERS_REFORMATTED = (
    "\ufeff"
    + "\r\n".join(
        [
            "member_id, term_no ,display_name,role,is_voting,is_party_member,is_rc_cross,building_no,start_date,end_date,end_reason",
            "M310,2,李*华 ,委员,true,否,否,6,2022-03-20,,",
            "M305,2, 张*明,委员,是,否,否,12,2022-03-20,2025-05-10,辞职  ",
            "",
            "M304,2,周*丽,委员,1,否,否,1,2022-03-20,,",
            "M303,2,赵*强,委员,是,否,否,8,2022-03-20,,",
            "M302,2,陈*芳,副主任,是,是,否,5,2022-03-20,,",
            "M301,2,王*平,主任,是,是,否,3,2022-03-20,,",
        ]
    )
    + "\r\n"
)

OTHER_ESTATE_CSV = """\
estate_id,name,district,street,residents_committee,property_type,completion_year,total_gfa_m2,households,buildings,lift_buildings,transfer_min_share
other-estate,另一小区,徐汇区,田林街道,某某居委会,售后公房,1990,30000.00,500,10,0,
"""


class ScriptedRepo:
    """A git repository in tmp_path whose commits have fixed dates and author."""

    def __init__(self, root: Path):
        self.root = root
        self.clock = dt.datetime(2025, 5, 1, 9, 0, tzinfo=TZ)
        self.checksums: list[str] = []  # estate checksum after each commit
        root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(REPO / "data" / "schemas", root / "data" / "schemas")
        self.git("init", "-q", "-b", "main")

    @property
    def estate_dir(self) -> Path:
        return self.root / "data" / "estates" / ESTATE

    def env(self) -> dict[str, str]:
        stamp = self.clock.isoformat()
        return {
            **os.environ,
            # Nothing from the machine's git configuration (signing, hooks, templates).
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "业委会秘书",
            "GIT_AUTHOR_EMAIL": "secretary@example.org",
            "GIT_COMMITTER_NAME": "业委会秘书",
            "GIT_COMMITTER_EMAIL": "secretary@example.org",
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
        }

    def git(self, *args: str, cwd: Path | None = None) -> str:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd or self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    def write(self, path: str, text: str) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))

    def estate(self, name: str, text: str) -> None:
        self.write(f"data/estates/{ESTATE}/{name}", text)

    def commit(self, message: str) -> str:
        self.clock += dt.timedelta(days=1)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        if self.estate_dir.is_dir():
            self.checksums.append(checksum_of_folder(self.estate_dir))
        return self.git("rev-parse", "HEAD")

    def subjects(self, entries) -> list[str]:
        """The commit subjects of ``entries``, asked of git: the history never reads commit
        messages (they are never published), but the tests name each version by its own."""
        return [self.git("log", "-1", "--format=%s", e.commit) for e in entries]


def import_estate(repo: ScriptedRepo) -> str:
    repo.estate("datapackage.yaml", DATAPACKAGE)
    repo.estate("estate.csv", ESTATE_CSV)
    repo.estate("committees.csv", COMMITTEES_CSV)
    repo.estate("members.csv", MEMBERS_CSV)
    repo.estate("fees.csv", FEES_CSV)
    repo.estate("common_income.csv", INCOME_CSV)
    repo.estate("common_income_lines.csv", LINES_CSV)
    repo.estate("service_standards.csv", STANDARDS_CSV)
    repo.write("data/estates/other-estate/datapackage.yaml", _other_package())
    repo.write("data/estates/other-estate/estate.csv", OTHER_ESTATE_CSV)
    return repo.commit("导入和平花园数据")


def _other_package() -> str:
    return (
        "name: other-estate\ntitle: 另一小区\nresources:\n"
        "  - name: estate\n    path: estate.csv\n    schema: ../../schemas/estate.schema.yaml\n"
    )


def build_scripted_repo(root: Path) -> ScriptedRepo:
    """The story the change log must tell, one commit per step."""
    repo = ScriptedRepo(root)
    import_estate(repo)
    repo.estate("members.csv", MEMBERS_CSV_2)
    repo.commit("委员张*明辞职，候补委员李*华递补")
    repo.write("README.md", "not data\n")
    repo.commit("Describe the repository")  # outside data/estates: no entry
    repo.estate("fees.csv", FEES_CSV_2)
    repo.commit("高层住宅基础包物业费自2025年7月起调整为3.10元")
    repo.estate("common_income.csv", INCOME_CSV_2)
    repo.estate("common_income_lines.csv", LINES_CSV_2)
    repo.commit("公示2025年第二季度公共收益")
    repo.write("data/estates/other-estate/estate.csv", OTHER_ESTATE_CSV.replace(",500,", ",502,"))
    repo.commit("另一小区户数更正")
    repo.estate("service_standards.csv", STANDARDS_CSV_2)
    repo.commit("更正保洁服务标准错字")
    repo.estate("fees.csv", FEES_REFORMATTED)
    repo.estate("members.csv", MEMBERS_REFORMATTED)
    repo.estate("service_standards.csv", STANDARDS_CSV_2.replace("\n", "\r\n") + "\r\n")
    repo.commit("用 Excel 重新保存表格")
    return repo


# The whole story, newest first, exactly as the history page will print it.
EXPECTED = [
    ("用 Excel 重新保存表格", [FORMAT_ONLY]),
    (
        "更正保洁服务标准错字",
        ["物业服务标准 保洁（S01）：…楼道每周拖扫两此… → …楼道每周拖扫两次…"],
    ),
    (
        "公示2025年第二季度公共收益",
        ["2025Q2 公共收益 新增公示", "2025Q2 公共收益明细 新增 7 行"],
    ),
    (
        "高层住宅基础包物业费自2025年7月起调整为3.10元",
        ["高层住宅 基础包 物业费 2.90 → 3.10 元/㎡·月（2025-07-01 起）"],
    ),
    ("委员张*明辞职，候补委员李*华递补", ["委员 张*明 离任（辞职）", "李*华 职务 候补委员 → 委员"]),
    (
        "导入和平花园数据",
        [
            "新增公示：小区基本信息（1 行）",
            "新增公示：业委会任期（1 行）",
            "新增公示：业委会成员（6 行）",
            "新增公示：公共收益季度收支（1 行）",
            "新增公示：公共收益明细（8 行）",
            "新增公示：收费标准（3 行）",
            "新增公示：物业服务标准（2 行）",
        ],
    ),
]

# Each version's headline, newest first: the tables it touched (never the commit message).
HEADLINES = [
    FORMAT_ONLY,
    "物业服务标准",
    "公共收益季度收支、公共收益明细",
    "收费标准",
    "业委会成员",
    "小区基本信息、业委会任期、业委会成员 等 7 项",
]
# The same versions as one plain sentence for residents (the history page and the feeds):
# who (the committee), what it did, to which tables or periods — in words, 2025年第2季度.
SENTENCES = [
    FORMAT_ONLY,
    "业委会更新了物业服务标准",
    "业委会公示了 2025年第2季度公共收益",
    "业委会更新了收费标准",
    "业委会更新了业委会成员",
    "业委会公示了小区基本信息、业委会任期、业委会成员 等 7 项",
]


@pytest.fixture(scope="module")
def scripted(tmp_path_factory) -> ScriptedRepo:
    return build_scripted_repo(tmp_path_factory.mktemp("history") / "repo")


def read_strictly(root: Path) -> History:
    """read_history with phrasing bugs raised instead of hidden behind the fallback."""
    with pytest.MonkeyPatch.context() as m:
        m.setattr(history_module, "STRICT", True)
        return read_history(root, root / "data" / "estates", SCHEMAS)


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    """Phrasing bugs raise instead of falling back to the generic sentence."""
    monkeypatch.setattr(history_module, "STRICT", True)


@pytest.fixture(scope="module")
def history(scripted: ScriptedRepo) -> History:
    return read_strictly(scripted.root)


# --------------------------------------------------------------------------- the story


def test_history_tells_the_story_in_plain_chinese(scripted: ScriptedRepo, history: History):
    assert history.available and not history.shallow and history.message is None
    entries = history.for_estate(ESTATE)
    got = list(zip(scripted.subjects(entries), [e.lines for e in entries], strict=True))
    assert got == EXPECTED
    # The headline is the tables the version touched, read from the data.
    assert [e.headline for e in entries] == HEADLINES
    assert [e.sentence for e in entries] == SENTENCES


def test_entries_carry_commit_date_author_and_checksum(scripted: ScriptedRepo, history: History):
    entries = history.for_estate(ESTATE)
    # The checksum of each version is the one a build of that commit prints.
    newest = entries[0]
    assert newest.checksum == checksum_of_folder(scripted.estate_dir)
    assert [e.checksum for e in reversed(entries)] == _dedupe(scripted.checksums)
    assert newest.commit == scripted.git("rev-parse", "HEAD")
    assert newest.short == newest.commit[:7]
    # Credited to the committee, never to git's author (no committees.yaml here).
    assert newest.by == "业委会提交" and newest.committee == "业委会"
    assert newest.date == dt.datetime(2025, 5, 9, 9, 0, tzinfo=TZ)
    assert newest.date.utcoffset() == dt.timedelta(hours=8)
    assert newest.day == dt.date(2025, 5, 9)
    assert newest.anchor == f"v-{newest.short}"
    assert newest.folder == f"data/estates/{ESTATE}"
    assert newest.paths == sorted(
        f"data/estates/{ESTATE}/{p.name}" for p in scripted.estate_dir.iterdir()
    )
    assert newest.changed_files == ["fees.csv", "members.csv", "service_standards.csv"]
    assert not newest.substantive and entries[1].substantive
    # The author's name and e-mail address are not kept anywhere in an entry.
    kept = repr([dataclasses.asdict(e) for e in entries])
    assert "example.org" not in kept and "业委会秘书" not in kept


def _dedupe(checksums: list[str]) -> list[str]:
    # Commits that did not touch the estate (README, the other estate) repeat its checksum.
    out: list[str] = []
    for c in checksums:
        if not out or out[-1] != c:
            out.append(c)
    return out


def test_the_commit_message_is_never_read(tmp_path: Path):
    # A message may name a person or quote a phone number: the entry says what the data
    # says instead (tests/test_history_privacy.py checks the pages and feeds).
    repo = ScriptedRepo(tmp_path / "repo")
    import_estate(repo)
    repo.estate("estate.csv", ESTATE_CSV.replace(",1120,", ",1121,"))
    repo.commit("更正户数\n\n按房办台账核对。\n第二行。")
    entry = read_history(repo.root, repo.root / "data/estates", SCHEMAS).for_estate(ESTATE)[0]
    kept = repr(dataclasses.asdict(entry))
    assert "更正户数" not in kept and "房办台账" not in kept
    assert not hasattr(entry, "subject") and not hasattr(entry, "author")
    assert entry.headline == "小区基本信息"
    assert entry.lines == ["小区基本信息 户数 1120 → 1121"]


def test_other_estates_and_city_order(scripted: ScriptedRepo, history: History):
    other = history.for_estate("other-estate")
    assert [e.lines for e in other] == [
        ["小区基本信息 户数 500 → 502"],
        ["新增公示：小区基本信息（1 行）"],
    ]
    assert other[0].estate_name == "另一小区"
    city = history.all_entries()
    assert list(zip([e.estate_id for e in city[:3]], scripted.subjects(city[:3]), strict=True)) == [
        (ESTATE, "用 Excel 重新保存表格"),
        (ESTATE, "更正保洁服务标准错字"),
        ("other-estate", "另一小区户数更正"),
    ]
    # One commit touching two estates: both listed, by estate id.
    assert [e.estate_id for e in city[-2:]] == [ESTATE, "other-estate"]
    assert len(city) == len(history.for_estate(ESTATE)) + len(other)
    assert history.for_estate("no-such-estate") == []


def test_version_of_the_working_tree(scripted: ScriptedRepo, history: History):
    current = checksum_of_folder(scripted.estate_dir)
    assert history.version_of(ESTATE, current) is history.for_estate(ESTATE)[0]
    # An edit not yet committed is no version of the history.
    edited = {p.name: p.read_bytes() for p in scripted.estate_dir.iterdir()}
    edited["estate.csv"] = edited["estate.csv"].replace(b"1120", b"1125")
    assert history.version_of(ESTATE, checksum_of(edited)) is None
    # An old checksum finds its version.
    oldest = history.for_estate(ESTATE)[-1]
    assert entry_for_checksum(history.for_estate(ESTATE), oldest.checksum) == oldest


def test_a_revert_is_its_own_newest_version(tmp_path: Path):
    repo = ScriptedRepo(tmp_path / "repo")
    import_estate(repo)
    repo.estate("estate.csv", ESTATE_CSV.replace(",1120,", ",1121,"))
    repo.commit("误改户数")
    repo.estate("estate.csv", ESTATE_CSV)
    repo.commit("撤回误改")
    entries = read_history(repo.root, repo.root / "data/estates", SCHEMAS).for_estate(ESTATE)
    assert [e.lines for e in entries[:2]] == [
        ["小区基本信息 户数 1121 → 1120"],
        ["小区基本信息 户数 1120 → 1121"],
    ]
    assert entries[0].checksum == entries[2].checksum
    assert entry_for_checksum(entries, entries[2].checksum) is entries[0]


def test_a_merged_branch_is_one_published_version(tmp_path: Path):
    repo = ScriptedRepo(tmp_path / "repo")
    import_estate(repo)
    repo.git("checkout", "-q", "-b", "quarter")
    repo.estate("common_income.csv", INCOME_CSV_2)
    repo.commit("Q2 收支")
    repo.estate("common_income_lines.csv", LINES_CSV_2)
    repo.commit("Q2 明细")
    repo.git("checkout", "-q", "main")
    repo.write("README.md", "x\n")
    repo.commit("README")
    repo.clock += dt.timedelta(days=1)
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request #7 from quarter", "quarter")
    entries = read_history(repo.root, repo.root / "data/estates", SCHEMAS).for_estate(ESTATE)
    # The site was published from main: the merge is the version, with all it brought in.
    assert list(zip(repo.subjects(entries), [e.lines for e in entries], strict=True)) == [
        (
            "Merge pull request #7 from quarter",
            ["2025Q2 公共收益 新增公示", "2025Q2 公共收益明细 新增 7 行"],
        ),
        ("导入和平花园数据", EXPECTED[-1][1]),
    ]
    assert entries[0].checksum == checksum_of_folder(repo.estate_dir)


def test_estate_removed_and_nested_and_hidden_files(tmp_path: Path):
    repo = ScriptedRepo(tmp_path / "repo")
    import_estate(repo)
    repo.write(f"data/estates/{ESTATE}/.DS_Store", "litter")
    repo.write(f"data/estates/{ESTATE}/drafts/members.csv", "draft")
    repo.commit("Editor litter")  # not part of the package: no new version
    shutil.rmtree(repo.root / "data/estates/other-estate")
    repo.commit("另一小区数据移出")
    h = read_history(repo.root, repo.root / "data/estates", SCHEMAS)
    assert repo.subjects(h.for_estate(ESTATE)) == ["导入和平花园数据"]
    removed = h.for_estate("other-estate")[0]
    assert removed.lines == ["删除整张表：小区基本信息（原有 1 行）"]
    assert removed.paths == [] and removed.checksum == checksum_of({})


# --------------------------------------------------------------------------- git processes


class _CountingPopen(subprocess.Popen):
    calls: list[list[str]] = []

    def __init__(self, args, *a, **k):
        type(self).calls.append(list(args))
        super().__init__(args, *a, **k)


def _count_git_processes(monkeypatch, repo: ScriptedRepo) -> tuple[int, History]:
    _CountingPopen.calls = []
    with monkeypatch.context() as m:
        m.setattr(history_module.subprocess, "Popen", _CountingPopen)
        h = read_history(repo.root, repo.root / "data/estates", SCHEMAS)
    return len(_CountingPopen.calls), h


def test_git_processes_do_not_grow_with_commits_or_files(tmp_path: Path, monkeypatch):
    small = ScriptedRepo(tmp_path / "small")
    import_estate(small)
    big = build_scripted_repo(tmp_path / "big")
    for n in range(3):
        big.estate("estate.csv", ESTATE_CSV.replace(",1120,", f",{1130 + n},"))
        big.commit(f"第 {n} 次")
    small_count, small_history = _count_git_processes(monkeypatch, small)
    big_count, big_history = _count_git_processes(monkeypatch, big)
    assert len(small_history.for_estate(ESTATE)) == 1
    assert len(big_history.for_estate(ESTATE)) == 9
    # rev-parse, one log over the estates folder, one cat-file for every blob.
    assert small_count == big_count == 3
    rev_parse, log, cat_file = _CountingPopen.calls
    assert "rev-parse" in rev_parse and "log" in log and "--batch" in cat_file


# --------------------------------------------------------------------------- odd repositories


def _clone(source: Path, target: Path, depth: int) -> Path:
    subprocess.run(
        ["git", "clone", "-q", "--depth", str(depth), source.as_uri(), str(target)],
        check=True,
        env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"},
    )
    return target


def test_shallow_clone_is_detected_and_explained(scripted: ScriptedRepo, tmp_path: Path):
    # CI's default checkout: one commit.
    clone = _clone(scripted.root, tmp_path / "depth1", 1)
    h = read_history(clone, clone / "data" / "estates", SCHEMAS)
    assert h.available and h.shallow and not h.complete
    assert "git fetch --unshallow" in h.message and "fetch-depth: 0" in h.message
    assert [[c.kind for c in e.changes] for e in h.for_estate(ESTATE)] == [["truncated"]]

    clone = _clone(scripted.root, tmp_path / "depth2", 2)
    h = read_history(clone, clone / "data" / "estates", SCHEMAS)
    assert h.available and h.shallow and not h.complete
    assert "浅克隆" in h.message and "git fetch --unshallow" in h.message
    assert "fetch-depth: 0" in h.message and "fetch-depth: 0" in h.message_en
    entries = h.for_estate(ESTATE)
    # The newest version is still described; the oldest one in the clone is not claimed to
    # have published every table — its previous version is simply not there.
    assert scripted.subjects(entries) == ["用 Excel 重新保存表格", "更正保洁服务标准错字"]
    assert entries[0].lines == [FORMAT_ONLY]
    assert [c.kind for c in entries[1].changes] == ["truncated"]
    assert "浅克隆" in entries[1].lines[0]
    assert entries[1].checksum is not None and not entries[1].substantive


def test_not_a_repository(tmp_path: Path):
    (tmp_path / "data" / "estates").mkdir(parents=True)
    h = read_history(tmp_path, tmp_path / "data" / "estates", SCHEMAS)
    assert not h.available and h.estates == {}
    assert "不是 git 仓库" in h.message and "not a git repository" in h.message_en
    # The pages name no folder of the build machine; the build's output does.
    assert str(tmp_path) in h.message and str(tmp_path) not in h.page_message


def test_git_missing(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    h = read_history(tmp_path, tmp_path, SCHEMAS)
    assert not h.available and "找不到 git" in h.message


def test_nothing_committed_yet(tmp_path: Path):
    repo = ScriptedRepo(tmp_path / "repo")
    h = read_history(repo.root, repo.root / "data" / "estates", SCHEMAS)  # no commit at all
    assert h.available and h.estates == {} and "还没有提交" in h.message
    assert h.page_message == h.message  # nothing of the machine in it: the pages say it too
    repo.commit("Schemas only")
    h = read_history(repo.root, repo.root / "data" / "estates", SCHEMAS)
    assert h.available and h.estates == {} and "还没有提交" in h.message


def test_data_outside_the_repository(tmp_path: Path):
    repo = ScriptedRepo(tmp_path / "repo")
    import_estate(repo)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    h = read_history(repo.root, elsewhere, SCHEMAS)
    assert not h.available and "不在 git 仓库" in h.message


def test_repo_root_may_be_a_subfolder(scripted: ScriptedRepo):
    h = read_history(scripted.root / "data", scripted.root / "data" / "estates", SCHEMAS)
    assert scripted.subjects(h.for_estate(ESTATE)) == [s for s, _ in EXPECTED]


# --------------------------------------------------------------------------- links


def test_links_to_the_exact_files():
    sha = "0123456789abcdef0123456789abcdef01234567"
    base = "https://github.com/sunlight-estates/sunlight"
    for repo_url in (base, base + "/", base + ".git"):
        assert commit_url(repo_url, sha) == f"{base}/commit/{sha}"
        assert file_url(repo_url, sha, "data/estates/a/members.csv") == (
            f"{base}/blob/{sha}/data/estates/a/members.csv"
        )
        assert tree_url(repo_url, sha, "data/estates/a/") == f"{base}/tree/{sha}/data/estates/a"
    assert file_url(base, sha, "data/estates/a/成员 表.csv") == (
        f"{base}/blob/{sha}/data/estates/a/%E6%88%90%E5%91%98%20%E8%A1%A8.csv"
    )
    for missing in (None, "", "  "):
        assert commit_url(missing, sha) is None
        assert file_url(missing, sha, "x") is None
        assert tree_url(missing, sha, "x") is None


# --------------------------------------------------------------------------- the words


def _pkg(**tables: str) -> dict[str, bytes]:
    """A package as {file name: bytes}: datapackage.yaml listing the given tables."""
    files = {f"{name}.csv": text.encode("utf-8") for name, text in tables.items()}
    resources = "".join(f"  - name: {n}\n    path: {n}.csv\n" for n in tables)
    files["datapackage.yaml"] = f"name: x\ntitle: 测试\nresources:\n{resources}".encode()
    return files


def _lines(before: dict, after: dict) -> list[str]:
    return [c.text_zh for c in describe_changes(before, after, SCHEMAS)]


def test_members_phrases():
    before = _pkg(members=MEMBERS_CSV)
    after = _pkg(
        members=MEMBERS_CSV.replace("M303,2,赵*强,委员,", "M303,2,赵*强,副主任,")
        .replace("M304,2,周*丽,委员,是,否,否,1,", "M304,2,周*丽,委员,是,否,否,2,")
        .replace(
            "M301,2,王*平,主任,是,是,否,3,2022-03-20,,",
            "M301,2,王*平,主任,是,是,否,3,2022-03-20,2025-06-01,",
        )
        .replace("M310,2,李*华,候补委员,否,否,否,6,2022-03-20,,\n", "")
        + "M311,2,孙*伟,委员,是,否,否,12,2025-06-10,,\nM312,2,吴*婷,执行秘书,否,否,否,,2025-06-10,,\n"
    )
    assert _lines(before, after) == [
        "主任 王*平 离任",
        "赵*强 职务 委员 → 副主任",
        "委员 周*丽 所在楼号 1 → 2",
        "新增委员 孙*伟（12号楼）",
        "新增执行秘书 吴*婷",
        "删除成员记录 候补委员 李*华",
    ]
    changed = describe_changes(before, after, SCHEMAS)[1]
    assert changed.kind == "changed" and changed.key == ("M303",)
    assert [(f.name, f.title, f.old, f.new) for f in changed.fields] == [
        ("role", "职务", "委员", "副主任")
    ]


def test_fee_phrases():
    before = _pkg(fees=FEES_CSV)
    edited = FEES_CSV.replace(",2.9,", ",3.1,").replace(",150.00,", ",180,")
    assert _lines(before, _pkg(fees=edited)) == [
        "高层住宅 基础包 物业费 2.90 → 3.10 元/㎡·月",
        "地面停车 收费 150.00 → 180.00 元/位·月",
    ]
    added = (
        FEES_CSV
        + "F05,商铺,基础包,6,元/㎡·月,2025-01-01,,\nF06,地下停车,单项,300,元/位·月,2025-01-01,,\n"
    )
    assert _lines(before, _pkg(fees=added)) == [
        "新增收费 商铺 基础包 6.00 元/㎡·月（2025-01-01 起）",
        "新增收费 地下停车 300.00 元/位·月（2025-01-01 起）",
    ]
    removed = FEES_CSV.replace("F02,高层住宅,增值包,0.30,元/㎡·月,2022-01-01,,\n", "")
    assert _lines(before, _pkg(fees=removed)) == ["删除收费 高层住宅 增值包 0.30 元/㎡·月"]
    # Parking via an end date and a new row reads as a price change too.
    parking = (
        FEES_CSV.replace("2022-01-01,,\nF03", "2022-01-01,,\nF03").replace(
            "F03,地面停车,单项,150.00,元/位·月,2022-01-01,,",
            "F03,地面停车,单项,150.00,元/位·月,2022-01-01,2024-12-31,",
        )
        + "F07,地面停车,单项,180.00,元/位·月,2025-01-01,,R2024-09\n"
    )
    assert _lines(before, _pkg(fees=parking)) == [
        "地面停车 收费 150.00 → 180.00 元/位·月（2025-01-01 起）"
    ]


def test_common_income_phrases():
    before = _pkg(common_income=INCOME_CSV, common_income_lines=LINES_CSV)
    after = _pkg(
        common_income=INCOME_CSV.replace("40000.00,4500.00,73100.00", "40000.00,4500.00,73000.00"),
        common_income_lines=LINES_CSV.replace(
            "2025Q1,3,收入,快递柜,快递柜场地费,3600.00", "2025Q1,3,收入,快递柜,快递柜场地费,3500"
        ).replace("2025Q1,8,支出,业委会工作经费,办公及会议,4500.00\n", ""),
    )
    assert _lines(after, before) == [
        "2025Q1 公共收益 期末余额 73,000.00 → 73,100.00 元",
        "2025Q1 公共收益明细 第3行 快递柜 金额 3,500.00 → 3,600.00 元",
        "2025Q1 公共收益明细 新增 1 行",
    ]
    assert _lines(before, after)[-1] == "2025Q1 公共收益明细 删除 1 行"
    assert _lines(_pkg(common_income=INCOME_CSV_2), _pkg(common_income=INCOME_CSV)) == [
        "2025Q2 公共收益 公示被删除"
    ]


def test_repair_fund_and_other_tables():
    header = "period,building_no,initial_raised_yuan,opening_yuan,deposits_yuan,from_common_income_yuan,interest_yuan,spent_yuan,closing_yuan,posted_date\n"
    h1 = "".join(
        f"2025H1,{b},80000.00,30000.00,0.00,2800.00,200.00,0.00,33000.00,2025-07-20\n"
        for b in range(1, 29)
    )
    h2 = "".join(
        f"2025H2,{b},80000.00,33000.00,0.00,2800.00,200.00,0.00,36000.00,2026-01-20\n"
        for b in range(1, 29)
    )
    assert _lines(_pkg(repair_fund=header + h1), _pkg(repair_fund=header + h1 + h2)) == [
        "2025H2 维修资金分户账 新增公示（28 栋楼）"
    ]
    fixed = h1.replace(
        "2025H1,3,80000.00,30000.00,0.00,2800.00,200.00,0.00,33000.00",
        "2025H1,3,80000.00,30000.00,0.00,2800.00,200.00,186000.00,-153000.00",
    )
    assert _lines(_pkg(repair_fund=header + h1), _pkg(repair_fund=header + fixed)) == [
        "2025H1 维修资金 3号楼 使用 0.00 → 186,000.00 元；期末余额 33,000.00 → -153,000.00 元"
    ]

    audits = "audit_id,audit_type,scope,firm,report_date,posted_from,posted_to,opinion\nA2024,年度审计,2024年度公共收益,某某事务所,2025-02-10,2025-02-22,2025-03-24,无保留意见\n"
    more = audits + "A2025,换届审计,第2届,某某事务所,2026-03-14,,,保留意见\n"
    assert _lines(_pkg(audits=audits), _pkg(audits=more)) == ["新增换届审计报告 A2025：保留意见"]
    assert _lines(
        _pkg(audits=audits), _pkg(audits=audits.replace(",2025-03-24,", ",2025-03-31,"))
    ) == ["审计 A2024 公示结束 2025-03-24 → 2025-03-31"]

    committees = COMMITTEES_CSV.replace("2022-04-10", "")
    assert _lines(_pkg(committees=committees), _pkg(committees=COMMITTEES_CSV)) == [
        "第2届业委会 已备案（2022-04-10）"
    ]
    third = (
        COMMITTEES_CSV.replace(",在任", ",已届满") + "3,2027-03-01,,2027-03-20,2032-03-19,7,在任\n"
    )
    assert _lines(_pkg(committees=COMMITTEES_CSV), _pkg(committees=third)) == [
        "第2届业委会 状态 在任 → 已届满",
        "第3届业委会 新增公示（任期 2027-03-20 至 2032-03-19）",
    ]

    evals = "period,subject,evaluator,score,grade,summary\n2024,物业服务评价,街道房管办,91.8,优秀,规范\n"
    assert _lines(
        _pkg(evaluations="period,subject,evaluator,score,grade,summary\n"), _pkg(evaluations=evals)
    ) == ["新增 2024年物业服务评价：91.8 分，优秀"]
    assert _lines(_pkg(evaluations=evals), _pkg(evaluations=evals.replace("91.8", "90"))) == [
        "2024年物业服务评价 得分 91.8 → 90"
    ]

    wo = "month,channel,category,received,closed,closed_on_time,avg_hours,satisfaction_pct\n2025-01,12345,报修,23,22,20,52.5,91.3\n"
    wo2 = wo + "2025-02,12345,报修,18,18,18,43.0,98.4\n2025-02,物业报修,投诉,6,6,6,34.7,89.3\n"
    assert _lines(_pkg(work_orders=wo), _pkg(work_orders=wo2)) == [
        "2025-02 工单统计 新增公示（2 行）"
    ]
    assert _lines(_pkg(work_orders=wo), _pkg(work_orders=wo.replace(",91.3", ",92"))) == [
        "2025-01 12345 报修工单 满意率 91.3% → 92%"
    ]
    # yearmonth "2025-1" is the same month as "2025-01".
    assert _lines(_pkg(work_orders=wo), _pkg(work_orders=wo.replace("2025-01", "2025-1"))) == []

    budgets = (
        "fiscal_year,fund,line_item,budget_yuan,actual_yuan\n2024,公共收益,停车费收入,333300.00,\n"
    )
    assert _lines(_pkg(budgets=budgets), _pkg(budgets=budgets.replace(",\n", ",308250\n"))) == [
        "2024年公共收益 停车费收入 决算 （空） → 308,250.00 元"
    ]
    budgets2 = budgets + "2025,公共收益,停车费收入,330000,\n2025,公共收益,广告费收入,20000,\n"
    assert _lines(_pkg(budgets=budgets), _pkg(budgets=budgets2)) == ["2025年预算与决算 新增 2 项"]

    meetings = (
        "meeting_id,meeting_type,meeting_date,members_total,members_present,topic,posted_date\n"
    )
    row = "2025-05,业委会,2025-05-12,7,6,审议一季度公共收益,2025-05-14\n"
    joint = "2025-J1,联席会议,2025-05-20,,,三驾马车联席会议,\n"
    assert _lines(_pkg(meetings=meetings), _pkg(meetings=meetings + row + joint)) == [
        "新增业委会会议记录 2025-05-12：审议一季度公共收益",
        "新增联席会议记录 2025-05-20：三驾马车联席会议",
    ]
    assert _lines(
        _pkg(meetings=meetings + row), _pkg(meetings=meetings + row.replace(",7,6,", ",7,5,"))
    ) == ["业委会会议 2025-05 实到委员 6 → 5"]

    resolutions = "resolution_id,meeting_id,title,matter,owners_total,area_total_m2,owners_voted,area_voted,owners_for,area_for,passed\n"
    r1 = "R2025-01,2025-A1,物业费调整,一般事项,1120,98000,800,70000,600,52000,是\n"
    assert _lines(_pkg(resolutions=resolutions), _pkg(resolutions=resolutions + r1)) == [
        "新增决议 R2025-01：物业费调整（通过）"
    ]
    assert _lines(
        _pkg(resolutions=resolutions + r1), _pkg(resolutions=resolutions + r1.replace(",是", ",否"))
    ) == ["决议 R2025-01 是否通过 是 → 否"]

    projects = "project_id,title,scope,resolution_id,budget_yuan,appraised_yuan,contract_yuan,status\nP2025-01,屋面防水维修,3号楼,R2025-02,195000.00,187200.00,186000.00,施工中\n"
    assert _lines(
        _pkg(repair_projects=projects), _pkg(repair_projects=projects.replace("施工中", "已完工"))
    ) == ["维修项目 P2025-01（屋面防水维修） 进度 施工中 → 已完工"]

    contract = "contract_id,company_name,credit_code,fee_mode,start_date,end_date,resolution_id\n"
    c1 = "C2024,上海梅苑物业管理有限公司,91310104MA1WHXCN5U,包干制,2024-01-01,2026-12-31,R2023-02\n"
    assert _lines(_pkg(contract=contract), _pkg(contract=contract + c1)) == [
        "新增物业服务合同 C2024：上海梅苑物业管理有限公司，包干制，2024-01-01 至 2026-12-31"
    ]

    standards2 = STANDARDS_CSV + "S03,维修,小修24小时内上门,随时,3\n"
    assert _lines(_pkg(service_standards=STANDARDS_CSV), _pkg(service_standards=standards2)) == [
        "新增物业服务标准 维修（S03）：小修24小时内上门"
    ]
    assert _lines(
        _pkg(service_standards=STANDARDS_CSV),
        _pkg(service_standards=STANDARDS_CSV.replace("每日,13", "每日,12")),
    ) == ["物业服务标准 保安（S02）：人员数 13 → 12"]


def test_member_events_list_people_by_name():
    events = "event_id,member_id,event_date,event_type,description\n"
    added = (
        events
        + "E001,M301,2025-04-23,培训,参加街道履职培训\nE002,M302,2025-04-23,培训,参加街道履职培训\nE003,M305,2025-05-10,退出,本人书面辞职\n"
    )
    before = _pkg(members=MEMBERS_CSV, member_events=events)
    after = _pkg(members=MEMBERS_CSV, member_events=added)
    assert _lines(before, after) == [
        "新增全周期记录 2025-04-23 培训：王*平、陈*芳（参加街道履职培训）",
        "新增全周期记录 2025-05-10 退出：张*明（本人书面辞职）",
    ]


def test_generic_fallback_for_a_table_without_phrases(monkeypatch):
    monkeypatch.delitem(history_module.PHRASES, "audits")
    audits = "audit_id,audit_type,scope,firm,report_date,posted_from,posted_to,opinion\nA2024,年度审计,范围,某所,2025-02-10,,,无保留意见\n"
    changed = audits.replace("无保留意见", "保留意见").replace(",,,", ",2025-02-20,,")
    assert _lines(_pkg(audits=audits), _pkg(audits=changed)) == [
        "审计 A2024：公示开始 （空） → 2025-02-20；审计意见 无保留意见 → 保留意见"
    ]
    assert _lines(
        _pkg(audits=audits),
        _pkg(audits=audits + "A2025,年度审计,范围,某所,2026-02-10,,,无保留意见\n"),
    ) == ["审计 新增 A2025"]
    assert _lines(_pkg(audits=audits), _pkg(audits=audits.splitlines()[0] + "\n")) == [
        "审计 删除 A2024"
    ]


def test_formatting_is_not_a_change():
    before = _pkg(fees=FEES_CSV_2, members=MEMBERS_CSV_2, service_standards=STANDARDS_CSV)
    after = dict(before)
    after["fees.csv"] = FEES_REFORMATTED.encode()
    after["members.csv"] = MEMBERS_REFORMATTED.encode()
    # Titles instead of names in the header (a spreadsheet export) are the same columns.
    titled = STANDARDS_CSV.replace(
        "standard_id,item,standard,frequency,staff", "编号,服务项目,服务标准,频次,人员数"
    )
    after["service_standards.csv"] = titled.encode()
    # The descriptor listing the same tables in another order, reindented.
    after["datapackage.yaml"] = (
        b"name: x\ntitle:   \xe6\xb5\x8b\xe8\xaf\x95\nresources:\n"
        b"- {name: service_standards, path: service_standards.csv}\n"
        b"- {name: members, path: members.csv}\n- {name: fees, path: fees.csv}\n"
    )
    assert describe_changes(before, after, SCHEMAS) == []


def test_tables_added_removed_and_package_title():
    before = _pkg(fees=FEES_CSV)
    after = _pkg(fees=FEES_CSV, members=MEMBERS_CSV)
    after["datapackage.yaml"] = after["datapackage.yaml"].replace(
        "测试".encode(), "和平花园".encode()
    )
    assert _lines(before, after) == ["数据包标题 测试 → 和平花园", "新增公示：业委会成员（6 行）"]
    assert _lines(after, before)[1:] == ["删除整张表：业委会成员（原有 6 行）"]
    # An empty table published: zero rows.
    assert _lines(
        {},
        _pkg(
            work_orders="month,channel,category,received,closed,closed_on_time,avg_hours,satisfaction_pct\n"
        ),
    ) == ["新增公示：工单（0 行）"]


def test_garbled_files_never_raise():
    before = _pkg(members=MEMBERS_CSV, fees=FEES_CSV, estate=ESTATE_CSV)
    after = dict(before)
    after["members.csv"] = MEMBERS_CSV_2.encode("gb18030")  # Excel's plain "CSV"
    after["fees.csv"] = FEES_CSV.replace("fee_id,", "id,").encode()  # key column missing
    after["estate.csv"] = b"\x00\x01 not a csv \xff"
    after["notes.txt"] = b"x"
    assert _lines(before, after) == [
        "文件 members.csv 已修改（无法逐行比较）",
        "文件 fees.csv 已修改（无法逐行比较）",
        "文件 estate.csv 已修改（无法逐行比较）",
        "新增文件 notes.txt",
    ]
    broken = dict(after, **{"datapackage.yaml": b"resources: [\n  - name: : :"})
    lines = _lines(before, broken)
    assert lines[0] == "文件 datapackage.yaml 已修改（无法逐行比较）"
    # Without a readable descriptor, tables are found by file name.
    assert "文件 members.csv 已修改（无法逐行比较）" in lines
    changes = describe_changes(before, broken, SCHEMAS)
    assert all(isinstance(c, Change) for c in changes)


def test_long_text_shows_only_what_differs():
    old = "道路每日清扫两次；楼道每周拖扫两此，扶手每周擦拭一次；垃圾每日清运"
    new = old.replace("两此", "两次")
    assert history_module._excerpts(old, new) == (
        "…楼道每周拖扫两此…",
        "…楼道每周拖扫两次…",
    )
    assert history_module._excerpts("短", "长") == ("短", "长")
    assert history_module._excerpts("甲" * 40, "甲" * 40 + "乙") == (
        "…" + "甲" * 8,
        "…" + "甲" * 8 + "乙",
    )


SAMPLE = REPO / "data" / "estates" / "meilin-xincun"


def _mutated_cell(field: dict, value: str) -> str:
    kind = field.get("type", "string")
    if kind in ("number",):
        return "12345.67" if value != "12345.67" else "1"
    if kind == "integer":
        return "99" if value != "99" else "98"
    if kind == "boolean":
        return "否" if value in ("是", "true", "1") else "是"
    if kind == "date":
        return "2030-01-01" if value != "2030-01-01" else "2030-01-02"
    if kind == "yearmonth":
        return "2030-01"
    return value + "改"


@pytest.mark.parametrize("table", sorted(p.stem for p in SAMPLE.glob("*.csv")))
def test_every_sample_table_is_described_row_by_row(table: str):
    """Every table of a real sample estate: a changed cell and a removed row each read as
    a sentence naming them, never as 「无法逐行比较」."""
    files = {p.name: p.read_bytes() for p in SAMPLE.iterdir()}
    schema = SCHEMAS[table]
    key = history_module._primary_key(schema)
    header, *rows = files[f"{table}.csv"].decode("utf-8").splitlines()
    names = header.split(",")
    for column in names:
        if column in key:
            continue
        field = next(f for f in schema["fields"] if f["name"] == column)
        cells = rows[0].split(",")
        if len(cells) != len(names):
            pytest.skip("a quoted comma in the first row")
        index = names.index(column)
        cells[index] = _mutated_cell(field, cells[index])
        edited = "\n".join([header, ",".join(cells), *rows[1:]]) + "\n"
        changes = describe_changes(files, {**files, f"{table}.csv": edited.encode()}, SCHEMAS)
        assert len(changes) == 1, (column, changes)
        assert changes[0].kind == "changed" and "无法" not in changes[0].text_zh
        title = history_module._title_and_unit(field)[0]
        # Columns whose change has its own sentence (离任, 职务, 物业费 x → y, 已备案 …).
        if column not in (
            "end_date",
            "end_reason",
            "role",
            "is_voting",
            "standard",
            "filing_date",
            "price_yuan",
        ):
            assert title in changes[0].text_zh, (column, changes[0].text_zh)
    removed = "\n".join([header, *rows[:-1]]) + "\n"
    changes = describe_changes(files, {**files, f"{table}.csv": removed.encode()}, SCHEMAS)
    assert changes and all(c.kind == "removed" for c in changes), changes
