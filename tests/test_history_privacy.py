"""Removed personal data never comes back: history, feeds and the PR summary are outputs.

A secretary commits a member's mobile number and room number, and a full name the
committee asked to take down; CI fails, the next commit removes them. Git keeps the old
version, and the commit's author and message name a person and quote a phone. Each test
here builds that story in a real git repository in tmp_path (tests/test_history.py's
scripted repository), then reads it with the real components — ``read_history``, the
page renderer, the Atom feeds, ``sunlight summary`` through click's CliRunner, the real
validator and its GitHub annotations — and asserts on what a reader would see: the raw
values, the author and the commit message appear nowhere; the masked forms do, and every
change is still listed; the version that held them is not linked in the repository.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import subprocess
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from generator import privacy
from generator.cli import main
from generator.config import load_rules_config
from generator.findings import format_github
from generator.history import WITHHELD, History, describe_changes, read_history
from generator.load import load
from generator.outputs.feeds import city_feed, estate_feed
from generator.validate import validate
from tests.test_history import (
    ESTATE,
    ESTATE_CSV,
    MEMBERS_CSV,
    REPO,
    SCHEMAS,
    ScriptedRepo,
    import_estate,
)

SITE = "https://sunlight.example.org/"
REPO_URL = "https://github.com/sunlight-estates/sunlight"
AS_OF = dt.date(2026, 11, 20)

# What the secretary typed by mistake: a mobile with dashes, a room, a full name.
PHONE = "138-1234-5678"
ROOM = "12号楼502室"
FULL_NAME = "周建丽"  # on the takedown list; no pattern can tell it is a name
# Git's metadata for that commit: a person's name, another mobile, an e-mail address.
AUTHOR = "张建明 13912345678"
AUTHOR_EMAIL = "zhangjm@example.com"
MESSAGE = "补充委员张建明的号码 13912345678"
FIX_MESSAGE = "按检查结果撤回个人号码"

LEAKED_MEMBERS = MEMBERS_CSV.replace(
    "M305,2,张*明,委员,是,否,否,12,",
    f"M305,2,张*明 {PHONE},委员,是,否,否,{ROOM},",
).replace("M304,2,周*丽,", f"M304,2,{FULL_NAME},")

# Never on a page, in a feed or in a summary, whatever was committed once (and
# FULL_NAME, by the takedown list).
RAW = [
    PHONE,
    PHONE.replace("-", ""),
    "502室",
    "张建明",
    "13912345678",
    "139****5678",  # even masked, the author's number is not published: git is not read
    AUTHOR_EMAIL,
    "zhangjm",
    MESSAGE,
    FIX_MESSAGE,
    "补充委员",
    "撤回个人号码",
    "王建国",  # the usual author (AuthoredRepo)
    "wangjg",
]
# How the guard masks a listed value (周**, at the time of writing): its policy, not ours.
LISTED = privacy.mask_name(FULL_NAME)
MASKED = ["138-****-5678", "12号楼***室", LISTED]
# The leak as the change log tells it: listed, every old cell masked.
LEAKED_LINE = "委员 张*明 138-****-5678 姓名 张*明 → 张*明 138-****-5678；所在楼号 12 → 12号楼***室"

TAKEDOWN = f"""\
- value: {FULL_NAME}
  reason: 委员本人要求，姓名只公示打码形式
  date: 2026-11-01
"""
COMMITTEES = f"""\
maintainers: ["@sunlight-estates/maintainers"]
estates:
  {ESTATE}: ["@sunlight-estates/committee-{ESTATE}"]
"""


class AuthoredRepo(ScriptedRepo):
    """The scripted repository, with the author of the next commit settable."""

    # The usual author: a person's name and address, too (never published either).
    author = ("王建国", "wangjg@example.net")

    def env(self) -> dict[str, str]:
        name, email = self.author
        return {**super().env(), "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email}

    def commit_as(self, name: str, email: str, message: str) -> str:
        self.author = (name, email)
        try:
            return self.commit(message)
        finally:
            self.author = type(self).author

    def short(self, commit: str) -> str:
        return commit[:7]


def leaked_and_removed(root: Path) -> tuple[AuthoredRepo, list[str]]:
    """Import; the leak (by an author whose name and number are in git); its removal."""
    repo = AuthoredRepo(root)
    repo.write("data/committees.yaml", COMMITTEES)
    repo.write("data/redactions.yaml", TAKEDOWN)
    imported = import_estate(repo)
    repo.estate("members.csv", LEAKED_MEMBERS)
    leaked = repo.commit_as(AUTHOR, AUTHOR_EMAIL, MESSAGE)
    repo.estate("members.csv", MEMBERS_CSV)
    removed = repo.commit(FIX_MESSAGE)
    return repo, [removed, leaked, imported]  # newest first, as history lists them


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> tuple[AuthoredRepo, list[str]]:
    return leaked_and_removed(tmp_path_factory.mktemp("privacy") / "repo")


@pytest.fixture(scope="module")
def history(story) -> History:
    repo, _ = story
    data = repo.root / "data"
    return read_history(repo.root, data / "estates", SCHEMAS, guard=privacy.Guard.for_data(data))


def assert_nothing_leaks(text: str, *, takedown: bool = True) -> None:
    for raw in RAW + ([FULL_NAME] if takedown else []):
        assert raw not in text, f"{raw!r} was published"


def visible(html: str) -> str:
    return BeautifulSoup(html, "html.parser").get_text(" ")


# --------------------------------------------------------------------------- history


def test_old_cells_are_masked_and_the_change_still_listed(story, history: History):
    repo, (removed, leaked, imported) = story
    entries = history.for_estate(ESTATE)
    assert [e.commit for e in entries] == [removed, leaked, imported]
    # Both changes are listed, cell by cell, with the old values masked.
    assert entries[1].lines == [f"委员 {LISTED} 姓名 周*丽 → {LISTED}", LEAKED_LINE]
    assert entries[0].lines == [
        f"委员 周*丽 姓名 {LISTED} → 周*丽",
        "委员 张*明 姓名 张*明 138-****-5678 → 张*明；所在楼号 12号楼***室 → 12",
    ]
    fields = [(f.name, f.old, f.new) for c in entries[1].changes for f in c.fields]
    assert ("building_no", "12", "12号楼***室") in fields
    assert all(e.by == "和平花园业委会提交" for e in entries)
    assert_nothing_leaks(repr(entries))


def test_versions_that_held_them_are_not_linked(history: History):
    removed, leaked, imported = history.for_estate(ESTATE)
    # The leak's files fail the guard today: neither they nor the commit are linked.
    assert not leaked.files_public and not leaked.diff_public
    # The removal's files are clean, but its diff shows the removed lines.
    assert removed.files_public and not removed.diff_public
    assert imported.files_public and imported.diff_public


def test_a_shallow_clone_links_no_diff_it_cannot_see(story, tmp_path: Path):
    repo, (removed, _, _) = story
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", repo.root.as_uri(), str(clone)],
        check=True,
        env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"},
    )
    (newest,) = read_history(clone, clone / "data" / "estates", SCHEMAS).for_estate(ESTATE)
    assert newest.commit == removed
    # Its files are clean today; its parent (the leak) is not in the clone, so the
    # commit page, which shows the parent's lines, is not linked.
    assert newest.files_public and not newest.diff_public


def test_the_takedown_list_reaches_the_old_version(story):
    repo, _ = story
    data = repo.root / "data"
    # Without the list, the full name is only a name: the patterns cannot know.
    plain = read_history(repo.root, data / "estates", SCHEMAS).for_estate(ESTATE)[1]
    assert f"委员 {FULL_NAME} 姓名 周*丽 → {FULL_NAME}" in plain.lines
    assert "138-****-5678" in plain.lines[1]  # the patterns still mask the phone
    guarded = read_history(
        repo.root, data / "estates", SCHEMAS, guard=privacy.Guard.for_data(data)
    ).for_estate(ESTATE)[1]
    assert FULL_NAME not in repr(guarded)


def test_a_row_takedown_masks_the_old_rows_text_cells(tmp_path: Path):
    repo, _ = leaked_and_removed(tmp_path / "repo")
    guard = privacy.Guard(
        privacy.load_redactions(
            [
                {
                    "estate": ESTATE,
                    "table": "members",
                    "key": {"member_id": "M305"},
                    "fields": ["end_reason"],
                    "reason": "本人要求撤下离任原因",
                    "date": "2026-11-01",
                }
            ]
        )
    )
    text = MEMBERS_CSV.replace(
        "M305,2,张*明,委员,是,否,否,12,2022-03-20,,",
        "M305,2,张*明,委员,是,否,否,12,2022-03-20,2025-05-10,家里有事",
    )
    repo.estate("members.csv", text)
    repo.commit("离任")
    newest = read_history(repo.root, repo.root / "data/estates", SCHEMAS, guard=guard).for_estate(
        ESTATE
    )[0]
    # The departure is listed; the reason the member asked to withdraw is masked.
    assert newest.lines == [f"委员 张*明 离任（{privacy.mask_name('家里有事')}）"]
    assert not newest.files_public  # the file at that commit still holds the reason


def test_a_phone_in_a_number_column_is_masked_too():
    # A mobile is a valid integer: frictionless accepts it, the change log masks it.
    before = {"estate.csv": ESTATE_CSV.encode()}
    after = {"estate.csv": ESTATE_CSV.replace(",1120,", ",13812345678,").encode()}
    changes = describe_changes(before, after, SCHEMAS, estate=ESTATE)
    assert [c.text_zh for c in changes] == ["小区基本信息 户数 1120 → 138****5678"]
    assert changes[0].fields[0].new == "138****5678"


def test_feed_functions_guard_the_names_they_are_given(history: History):
    guard = privacy.Guard(
        privacy.load_redactions([{"value": "和平", "reason": "x", "date": "2026-11-01"}])
    )
    xml = estate_feed(ESTATE, "和平花园", history.for_estate(ESTATE), SITE, AS_OF, guard=guard)
    # The caller's name, the committee credited and the entries' own names: all masked.
    assert "和平" not in xml and "<name>和*花园业委会</name>" in xml
    xml = city_feed(history.all_entries(), SITE, AS_OF, names={ESTATE: "和平花园"}, guard=guard)
    assert "和平" not in xml


# --------------------------------------------------------------------------- the summary


def pull_request(root: Path) -> AuthoredRepo:
    """main holds the import; the branch adds a mobile, a room and a listed name."""
    repo = AuthoredRepo(root)
    repo.write("data/committees.yaml", COMMITTEES)
    repo.write("data/redactions.yaml", TAKEDOWN)
    import_estate(repo)
    repo.git("checkout", "-q", "-b", "add-member")
    repo.estate(
        "members.csv",
        LEAKED_MEMBERS + f"M320,2,{FULL_NAME},委员,是,否,否,3号楼1203室,2025-06-10,,\n",
    )
    repo.commit_as(AUTHOR, AUTHOR_EMAIL, MESSAGE)
    return repo


def run_summary(repo: AuthoredRepo) -> str:
    result = CliRunner().invoke(
        main,
        ["summary", "--base", "main", "--data-dir", str(repo.root / "data"), "--site-url", SITE],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_summary_masks_added_rows_and_still_says_where(tmp_path: Path):
    repo = pull_request(tmp_path / "repo")
    out = run_summary(repo)
    assert_nothing_leaks(out)
    assert "3号楼1203室" not in out
    # The added and changed rows, masked; the takedown list applies as on the site.
    assert "- 业委会成员：" + LEAKED_LINE in out
    assert f"- 业委会成员：新增委员 {LISTED}（3号楼****室号楼）" in out
    assert "| 业委会成员 | 1 | 0 | 2 |" in out
    # The findings: the personal data is refused, masked, and placed by file, row, column.
    assert (
        "| ❌ 新错误 | members.csv 第 6 行，姓名（可打码）（display_name） | "
        "这一格里有手机号码（138-****-5678）。"
    ) in out
    assert (
        "| ❌ 新错误 | members.csv 第 6 行，所在楼号（building_no） | 这一格里有门牌号（12号楼***室）"
        in out
    )
    assert (
        "| ❌ 新错误 | members.csv 第 8 行，所在楼号（building_no） | 这一格里有门牌号（3号楼****室）"
        in out
    )
    assert "### 和平花园（`heping-huayuan`）" in out


def test_summary_refuses_a_takedown_list_it_cannot_read(tmp_path: Path):
    repo = pull_request(tmp_path / "repo")
    (repo.root / "data" / "redactions.yaml").write_text("- value: x\n", "utf-8")
    result = CliRunner().invoke(
        main, ["summary", "--base", "main", "--data-dir", str(repo.root / "data")]
    )
    # A summary without the takedowns a maintainer asked for must not go out.
    assert result.exit_code == 2, result.output
    assert "reason" in result.output and FULL_NAME not in result.output


# --------------------------------------------------------------------------- annotations


def test_github_annotations_quote_a_typed_phone_masked(tmp_path: Path):
    """A phone typed into an integer column: frictionless' type error quotes the cell,
    and the annotation (public on the pull request) shows it masked, still placed."""
    repo = AuthoredRepo(tmp_path / "repo")
    import_estate(repo)
    repo.estate("members.csv", MEMBERS_CSV.replace("M303,2,", "M303,138 1234 5678,"))
    report = validate(load(repo.root / "data"), AS_OF, load_rules_config(repo.root / "data"))
    typed = [f for f in report.errors if f.field == "term_no"]
    assert typed, [f.rule for f in report.errors]
    out = format_github(report)
    assert "138 1234 5678" not in out and "13812345678" not in out
    assert (
        "::error file=data/estates/heping-huayuan/members.csv,line=4,"
        "title=heping-huayuan type-error::[term_no] “届次”（term_no）填的是“138 **** 5678”，"
    ) in out


# --------------------------------------------------------------------------- the real build


@pytest.fixture(scope="module")
def built(story, tmp_path_factory) -> dict[str, str]:
    """`sunlight build` of the repository after the removal (CliRunner, the project's
    mkdocs.yml and theme, repo_url from it): {published file: its text}, the Pagefind
    index decompressed. The page and feed tests below read what a resident would."""
    repo, _ = story
    out = tmp_path_factory.mktemp("built")
    site = out / "site"
    options = {
        "--site-dir": site,
        "--build-dir": out / "build",
        "--as-of": AS_OF.isoformat(),
        "--site-url": SITE,
        "--config-file": REPO / "mkdocs.yml",
    }
    args = ["build", str(repo.root / "data")] + [str(x) for kv in options.items() for x in kv]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    texts = {}
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":  # Pagefind's fragments and index chunks
            raw = gzip.decompress(raw)
        texts[path.relative_to(site).as_posix()] = raw.decode("utf-8", "replace")
    return texts


def test_no_published_file_holds_a_removed_value_or_git_metadata(built):
    assert f"estates/{ESTATE}/history/index.html" in built and "feed.xml" in built
    for path, text in built.items():
        for value in RAW:
            assert value not in text, f"{value!r} is published in {path}"


def test_history_page_shows_masked_changes_and_no_git_metadata(built, story):
    repo, (removed, leaked, imported) = story
    page = built[f"estates/{ESTATE}/history/index.html"]
    assert_nothing_leaks(page, takedown=False)  # the takedown list: the last test
    soup = BeautifulSoup(page, "html.parser")
    text = soup.select_one("#changes").find_next("div").get_text(" ")
    for masked in MASKED[:2]:
        assert masked in text
    # Nothing the guard would find, in any form, anywhere in the change log.
    assert privacy.find(text) == []
    sections = {s["id"]: s for s in soup.select("section.sl-entry")}
    assert list(sections) == [f"v-{repo.short(c)}" for c in (removed, leaked, imported)]

    def links(commit: str) -> list[str]:
        return [a["href"] for a in sections[f"v-{repo.short(commit)}"].select("a")]

    # The leak: no file link, no commit link, and a note saying why.
    assert links(leaked) == []
    assert WITHHELD in sections[f"v-{repo.short(leaked)}"].get_text()
    assert repo.short(leaked) in sections[f"v-{repo.short(leaked)}"].get_text()
    # The removal: its files, but not its diff.
    assert links(removed) == [f"{REPO_URL}/blob/{removed}/data/estates/{ESTATE}"]
    # The import: both.
    assert links(imported) == [
        f"{REPO_URL}/commit/{imported}",
        f"{REPO_URL}/blob/{imported}/data/estates/{ESTATE}",
    ]
    # The commit line sits in the fold for the committee (issue 10: commit ids in a fold).
    meta = sections[f"v-{repo.short(leaked)}"].select_one("details .sl-entry__commit").get_text()
    assert meta.startswith("和平花园业委会提交 · 提交 ")
    heading = sections[f"v-{repo.short(leaked)}"].h3.get_text()
    assert heading.endswith("：和平花园业委会更新了业委会成员")


def test_feeds_show_masked_changes_and_no_git_metadata(built, story):
    repo, (removed, leaked, imported) = story
    for path in ("feed.xml", f"estates/{ESTATE}/feed.xml"):
        xml = built[path]
        assert_nothing_leaks(xml, takedown=False)  # the takedown list: the last test
        parsed = feedparser.parse(xml)
        assert parsed.bozo == 0
        by_short = {e.link.rsplit("#v-", 1)[1]: e for e in parsed.entries}
        leak = by_short[repo.short(leaked)]
        assert leak.title == "和平花园：业委会更新了业委会成员"
        assert leak.author == "和平花园业委会"
        assert "138-****-5678" in leak.summary and "12号楼***室" in leak.summary
        assert WITHHELD in leak.content[0].value
        assert privacy.find(visible(leak.content[0].value)) == []

        related = {
            short: [link.href for link in e.links if link.rel == "related"]
            for short, e in by_short.items()
        }
        assert related[repo.short(leaked)] == [] and related[repo.short(removed)] == []
        assert related[repo.short(imported)] == [f"{REPO_URL}/commit/{imported}"]
    # The other estate has no committee in committees.yaml: 业委会, not a person.
    city = feedparser.parse(built["feed.xml"])
    assert {e.author for e in city.entries if "另一小区" in e.title} == {"业委会"}


def test_the_takedown_list_reaches_the_built_history_and_feeds(built):
    """A value listed in data/redactions.yaml is on no page and in no feed, though an old
    commit holds it: the build reads history with the guard (Guard.for_data)."""
    for path, text in built.items():
        assert FULL_NAME not in text, f"{FULL_NAME!r} is published in {path}"
    for path in (f"estates/{ESTATE}/history/index.html", "feed.xml"):
        assert f"委员 {LISTED} 姓名 周*丽 → {LISTED}" in built[path]
