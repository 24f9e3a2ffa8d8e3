"""A printed notice grows old: scanned after the data changed, its QR code says so.

End to end, with real components only: a git repository in tmp_path holds one estate
(滨江华庭, copied from the demo data) and the shared schemas, and commits its story with
fixed dates — the import, a committee member resigns, the basic fee goes up, a new
quarter of common income, a typo fixed. The real ``sunlight build`` (the repository's
mkdocs.yml, theme and content) builds the site after the first commit and again after the
last. The QR code is decoded by zxing-cpp from the first site's notice as Chromium shows
it, and opened on the second site, as a resident scanning an old notice in the lobby would.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from generator.checksum import checksum_of_folder
from generator.outputs.localserve import serve
from tests.conftest import AS_OF, DATA_DIR, REPO, SITE_URL, TIMEOUT_MS
from tests.test_history import TZ, ScriptedRepo

zxingcpp = pytest.importorskip("zxingcpp")  # test extra: zxing-cpp
Image = pytest.importorskip("PIL.Image")  # test extra: pillow

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUNLIGHT = Path(sys.executable).parent / "sunlight"
ESTATE = "binjiang-huating"
SOURCE = DATA_DIR / "estates" / ESTATE
VERSION = re.compile(r"[0-9a-f]{8}")

TYPO = "楼层通道每日清扫、每周拖洗两次"
TYPO_WRONG = "楼层通道每日清扫、每周拖洗两此"

# The story, newest first, as the history page must tell it (after the import).
STORY = [
    (
        "更正保洁服务标准错字",
        ["物业服务标准 保洁（S01）：…每周拖洗两此… → …每周拖洗两次…"],
    ),
    (
        "公示2026年第三季度公共收益",
        ["2026年第3季度 公共收益 新增公示", "2026年第3季度 公共收益明细 新增 11 行"],
    ),
    (
        "高层住宅基础包物业费自2026年7月起调整为3.10元",
        ["高层住宅 基础包 物业费 2.90 → 3.10 元/㎡·月（2026年7月1日 起）"],
    ),
    ("委员胡*萍辞职", ["委员 胡*萍 离任（辞职）"]),
]
IMPORT = "导入滨江华庭数据"
# What the page and the feeds call each version, newest first: one sentence from the data
# (who, what, which tables or periods) — never the commit message above, which may name
# anyone.
HEADLINES = [
    "业委会更新了物业服务标准",
    "业委会公示了 2026年第3季度公共收益",
    "业委会更新了收费标准",
    "业委会更新了业委会成员",
    # The import publishes every table of the demo package, however many it holds now.
    "业委会公示了小区基本信息、业委会任期、业委会成员 等 "
    f"{(SOURCE / 'datapackage.yaml').read_text('utf-8').count(chr(10) + '  - name:')} 项",
]


class EstateRepo(ScriptedRepo):
    """tests/test_history.py's scripted repository, holding the demo estate."""

    @property
    def estate_dir(self) -> Path:
        return self.root / "data" / "estates" / ESTATE

    def read(self, name: str) -> str:
        return (self.estate_dir / name).read_text("utf-8")

    def edit(self, name: str, old: str, new: str) -> None:
        text = self.read(name)
        assert text.count(old) == 1, f"{name}: {old!r} is not there exactly once"
        (self.estate_dir / name).write_text(text.replace(old, new), "utf-8")

    def commit_on(self, day: dt.date, message: str) -> str:
        # ScriptedRepo.commit moves its clock one day on before committing.
        self.clock = dt.datetime.combine(day, dt.time(9), TZ) - dt.timedelta(days=1)
        return self.commit(message)


def _without_quarter(text: str, quarter: str) -> str:
    return "".join(line for line in text.splitlines(True) if not line.startswith(quarter + ","))


def build_site(repo: EstateRepo, name: str) -> Path:
    """The real ``sunlight build`` of the repository's data with the project's theme."""
    site, build = repo.root.parent / name, repo.root.parent / f"{name}-build"
    cmd = [
        str(SUNLIGHT), "build", str(repo.root / "data"),
        "--site-dir", str(site),
        "--build-dir", str(build),
        "--as-of", AS_OF,
        "--site-url", SITE_URL,
        "--config-file", str(REPO / "mkdocs.yml"),
    ]  # fmt: skip
    result = subprocess.run(
        cmd, cwd=repo.root, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert result.returncode == 0, f"{' '.join(cmd)}\n{result.stdout}\n{result.stderr}"
    return site


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> dict:
    """The repository after its five commits, and the site built after the first and
    after the last."""
    repo = EstateRepo(tmp_path_factory.mktemp("versions") / "repo")
    shutil.copy(DATA_DIR / "rules.yaml", repo.root / "data" / "rules.yaml")
    shutil.copytree(SOURCE, repo.estate_dir)
    # Before the story: 2026Q3 not yet published, and a typo in the cleaning standard.
    for name in ("common_income.csv", "common_income_lines.csv"):
        (repo.estate_dir / name).write_text(_without_quarter(repo.read(name), "2026Q3"), "utf-8")
    repo.edit("service_standards.csv", TYPO, TYPO_WRONG)
    commits = [repo.commit_on(dt.date(2026, 3, 2), IMPORT)]
    first_site = build_site(repo, "site-first")

    repo.edit(
        "members.csv",
        "M208,2,胡*萍,委员,是,否,否,9,2022-03-20,,",
        "M208,2,胡*萍,委员,是,否,否,9,2022-03-20,2026-05-10,辞职",
    )
    commits.append(repo.commit_on(dt.date(2026, 5, 12), "委员胡*萍辞职"))

    # A price change as the guide says: end the old row, add the new price (no overlap).
    repo.edit(
        "fees.csv",
        "F01,高层住宅,基础包,2.90,元/㎡·月,2023-01-01,,R2022-02",
        "F01,高层住宅,基础包,2.90,元/㎡·月,2023-01-01,2026-06-30,R2022-02",
    )
    with open(repo.estate_dir / "fees.csv", "a", encoding="utf-8") as fees:
        fees.write("F05,高层住宅,基础包,3.10,元/㎡·月,2026-07-01,,\n")
    commits.append(repo.commit_on(dt.date(2026, 6, 20), STORY[2][0]))

    for name in ("common_income.csv", "common_income_lines.csv"):
        quarter = [
            line
            for line in (SOURCE / name).read_text("utf-8").splitlines(True)
            if line.startswith("2026Q3,")
        ]
        with open(repo.estate_dir / name, "a", encoding="utf-8") as table:
            table.writelines(quarter)
    commits.append(repo.commit_on(dt.date(2026, 10, 21), STORY[1][0]))

    repo.edit("service_standards.csv", TYPO_WRONG, TYPO)
    commits.append(repo.commit_on(dt.date(2026, 11, 2), STORY[0][0]))
    last_site = build_site(repo, "site-last")
    return {
        "repo": repo,
        "commits": commits,  # oldest first
        "checksums": repo.checksums,  # after each commit, oldest first
        "first": first_site,
        "last": last_site,
    }


@contextlib.contextmanager
def open_site(browser, site: Path, **options) -> Iterator:
    """A page in a fresh context based at a local server over ``site``; nothing else."""
    with serve(site) as base:
        # As in conftest: Playwright's string predicates need eval, which the pages' CSP
        # forbids (tests/test_nginx.py tests the policy).
        context = browser.new_context(base_url=base, **{"bypass_csp": True, **options})
        context.set_default_timeout(TIMEOUT_MS)
        context.route(
            lambda url: urlsplit(url).hostname != "127.0.0.1", lambda route: route.abort()
        )
        try:
            yield context.new_page()
        finally:
            context.close()


def scan_notice(page) -> str:
    """What a phone reads from the notice: the QR code decoded from Chromium's pixels."""
    page.goto(f"estates/{ESTATE}/notice/")
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(page.screenshot(full_page=True))))
    assert len(found) == 1, f"zxing-cpp found {len(found)} barcodes on the notice"
    barcode = found[0]
    assert barcode.format == zxingcpp.BarcodeFormat.QRCode and barcode.ec_level in "MQH"
    return barcode.text


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def check_box(page) -> tuple[str, str | None]:
    box = page.locator("#sl-notice-check")
    box.wait_for(state="visible")
    link = box.locator("a")
    return " ".join(box.inner_text().split()), link.get_attribute("href") if link.count() else None


@pytest.fixture(scope="module")
def scanned(story, browser) -> dict:
    """The QR codes of the first and of the last site's notice, decoded from pixels."""
    with open_site(browser, story["first"]) as page:
        old = scan_notice(page)
    with open_site(browser, story["last"]) as page:
        new = scan_notice(page)
    return {"old": old, "new": new}


def _history(site: Path) -> list[tuple[str, str, str, list[str]]]:
    """The history page: (anchor, heading, checksum code, change lines) per entry."""
    html = (site / "estates" / ESTATE / "history" / "index.html").read_text("utf-8")
    entries = []
    for section in BeautifulSoup(html, "html.parser").select("section.sl-entry"):
        code = section.select_one(".sl-entry__meta code[title^='sha256']").get_text(strip=True)
        lines = [li.get_text(" ", strip=True) for li in section.select("ul > li")]
        entries.append((section["id"], section.h3.get_text(strip=True), code, lines))
    return entries


# --------------------------------------------------------------------------- the tests


def test_the_old_notice_carries_the_first_version(story, scanned):
    first_short = story["repo"].git("rev-parse", "--short=7", story["commits"][0])
    url = scanned["old"]
    assert url == f"{SITE_URL}estates/{ESTATE}/?v={story['checksums'][0][:8]}"
    notice = (story["first"] / "estates" / ESTATE / "notice" / "index.html").read_text("utf-8")
    soup = BeautifulSoup(notice, "html.parser")
    assert soup.select_one(".sl-notice__qr")["data-qr-url"] == url
    version = " ".join(soup.select_one(".sl-notice__version").get_text().split())
    assert f"数据截至 {AS_OF}" in version and f"提交 {first_short}" in version
    assert f"校验码 {story['checksums'][0][:8]}" in version
    # The page the code opens exists in the later site, too: the URL is permanent.
    assert (story["last"] / urlsplit(url).path.lstrip("/") / "index.html").is_file()
    assert scanned["new"] != url
    assert scanned["new"] == f"{SITE_URL}estates/{ESTATE}/?v={story['checksums'][-1][:8]}"
    assert story["checksums"][-1] == checksum_of_folder(story["repo"].estate_dir)


def test_history_tells_the_four_changes_newest_first(story):
    entries = _history(story["last"])
    repo, commits = story["repo"], story["commits"]
    assert len(entries) == 5
    got = [(heading.split("：", 1)[1], lines) for _, heading, _, lines in entries[:4]]
    assert got == [(h, lines) for h, (_, lines) in zip(HEADLINES, STORY, strict=False)]
    # The oldest entry is the import, and it carries the old notice's checksum prefix:
    # without script, a reader finds the notice's version in this list.
    anchor, heading, code, lines = entries[4]
    assert heading.endswith(HEADLINES[-1]) and code == story["checksums"][0][:8]
    assert all(line.startswith("新增公示：") for line in lines)
    shorts = [repo.git("rev-parse", "--short=7", c) for c in reversed(commits)]
    assert [e[0] for e in entries] == [f"v-{s}" for s in shorts]
    assert [e[2] for e in entries] == [c[:8] for c in reversed(story["checksums"])]
    assert all(VERSION.fullmatch(e[2]) for e in entries)


def test_old_notice_opens_outdated_with_a_link_to_the_changes(story, scanned, browser):
    repo, commits = story["repo"], story["commits"]
    first_newer = f"v-{repo.git('rev-parse', '--short=7', commits[1])}"
    with open_site(browser, story["last"]) as page:
        page.goto(path_and_query(scanned["old"]))
        text, href = check_box(page)
        assert "这张告示已过期" in text and "2026-05-12 起数据有更新" in text, text
        assert href == f"history/#{first_newer}"
        page.locator("#sl-notice-check a").click()
        page.wait_for_url(re.compile(rf"/estates/{ESTATE}/history/#{first_newer}$"))
        target = page.locator(f"#{first_newer}")
        assert "委员 胡*萍 离任（辞职）" in target.inner_text()


def test_current_notice_opens_as_current(story, scanned, browser):
    with open_site(browser, story["last"]) as page:
        page.goto(path_and_query(scanned["new"]))
        text, href = check_box(page)
        assert text.startswith("这张告示是最新版本"), text
        assert href is None


def test_unknown_version_is_not_recognised(story, browser):
    with open_site(browser, story["last"]) as page:
        page.goto(f"estates/{ESTATE}/?v=deadbeef")
        text, href = check_box(page)
        assert "无法识别这张告示的版本（deadbeef）" in text, text
        assert href == "history/"


def test_without_script_the_page_still_opens(story, scanned, browser):
    with open_site(browser, story["last"], java_script_enabled=False) as page:
        page.goto(path_and_query(scanned["old"]))
        assert page.locator("#sl-notice-check").is_hidden()
        page.goto(f"estates/{ESTATE}/history/")
        assert page.get_by_text(story["checksums"][0][:8], exact=True).is_visible()


def test_feeds_list_the_story(story):
    feedparser = pytest.importorskip("feedparser")
    estate = feedparser.parse((story["last"] / "estates" / ESTATE / "feed.xml").read_bytes())
    city = feedparser.parse((story["last"] / "feed.xml").read_bytes())
    for feed in (estate, city):
        assert feed.bozo == 0, feed.get("bozo_exception")
    assert [e.title for e in estate.entries] == [f"滨江华庭：{h}" for h in HEADLINES]
    assert [e.title for e in city.entries] == [f"滨江华庭：{h}" for h in HEADLINES]
    for entry in estate.entries:
        assert entry.link.startswith(f"{SITE_URL}estates/{ESTATE}/history/#v-")
