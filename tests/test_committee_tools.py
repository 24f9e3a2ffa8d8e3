"""The other committee-facing tools: fix-encoding, new-estate, codeowners, the pre-commit
hooks, the pull-request summary and the guide links. Real files, real git, the real CLI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator import guide
from generator.checks import CHECKS
from generator.cli import main
from generator.tools import codeowners

REPO = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20"


def run(*args, cwd: Path | None = None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    finally:
        os.chdir(old)


def copy_data(tmp_path: Path, *estates: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data/schemas", data / "schemas")
    shutil.copy(REPO / "data/rules.yaml", data / "rules.yaml")
    (data / "estates").mkdir()
    for estate in estates:
        shutil.copytree(REPO / "data/estates" / estate, data / "estates" / estate)
    return data


# ------------------------------------------------------------------------ fix-encoding


def test_gbk_csv_is_caught_by_validate_and_fixed_by_fix_encoding(tmp_path):
    data = copy_data(tmp_path, "meilin-xincun")
    fees = data / "estates/meilin-xincun/fees.csv"
    original = fees.read_bytes()
    # What Excel on a Chinese Windows saves as "CSV": GBK with CRLF line endings.
    fees.write_bytes(original.decode("utf-8").replace("\n", "\r\n").encode("gbk"))

    result = run("validate", data, "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "encoding-error" in result.output and "GBK" in result.output

    result = run("fix-encoding", "--check", data / "estates")
    assert result.exit_code == 1 and "fees.csv" in result.output
    assert fees.read_bytes() != original  # --check writes nothing

    result = run("fix-encoding", data / "estates")
    assert result.exit_code == 0, result.output
    assert "GB18030/GBK 转为 UTF-8" in result.output and "换行改为 LF" in result.output
    assert fees.read_bytes() == original
    assert run("validate", data, "--as-of", AS_OF).exit_code == 0
    # Run again: nothing left to do, nothing touched.
    result = run("fix-encoding", data / "estates")
    assert result.exit_code == 0 and "0 个文件已转换" in result.output


def test_fix_encoding_removes_a_bom_and_leaves_unknown_encodings_alone(tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfa,b\n1,2\n")
    binary = tmp_path / "odd.csv"
    binary.write_bytes(bytes(range(128, 256)) * 3)
    result = run("fix-encoding", bom, binary)
    assert result.exit_code == 1
    assert bom.read_bytes() == b"a,b\n1,2\n"
    assert binary.read_bytes() == bytes(range(128, 256)) * 3
    assert "无法转换" in result.output and "odd.csv" in result.output
    assert run("fix-encoding", tmp_path / "missing").exit_code == 2


def test_fix_encoding_defaults_to_the_estates_folder_and_skips_links(tmp_path):
    data = copy_data(tmp_path, "meilin-xincun")
    outside = tmp_path / "outside.csv"
    outside.write_bytes("名称\n梅林\n".encode("gbk"))
    (data / "estates/meilin-xincun/link.csv").symlink_to(outside)
    result = run("fix-encoding", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert outside.read_bytes() == "名称\n梅林\n".encode("gbk")  # never written through


# ------------------------------------------------------------------------- new-estate


def test_new_estate_scaffolds_a_package_that_validates(tmp_path):
    data = copy_data(tmp_path)
    result = run(
        "new-estate", "test-xiaoqu", "--data-dir", data, "--as-of", AS_OF,
        "--name", "测试小区", "--district", "徐汇区", "--street", "田林街道",
        "--residents-committee", "测试居委会", "--property-type", "商品房",
        "--total-gfa-m2", "52000", "--households", "480", "--buildings", "6",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "0 个错误" in result.output
    folder = data / "estates/test-xiaoqu"
    # Estate tables only: the districts' schemas are in schemas/districts/.
    schemas = sorted(p.name.removesuffix(".schema.yaml") for p in (data / "schemas").glob("*.yaml"))
    assert sorted(p.stem for p in folder.glob("*.csv")) == schemas
    estate = (folder / "estate.csv").read_text("utf-8").splitlines()
    assert estate[1] == "test-xiaoqu,测试小区,徐汇区,田林街道,测试居委会,商品房,,52000.00,480,6,,"
    members = (folder / "members.csv").read_text("utf-8")
    assert members.startswith("member_id,term_no,display_name,role,") and members.count("\n") == 1
    descriptor = yaml.safe_load((folder / "datapackage.yaml").read_text("utf-8"))
    assert descriptor["name"] == "test-xiaoqu" and descriptor["title"] == "测试小区"
    assert [r["name"] for r in descriptor["resources"]][:3] == ["estate", "committees", "members"]
    # A new committee's next step: the workbook, ready to fill.
    assert (
        run("export", "test-xiaoqu", "-o", tmp_path / "t.xlsx", "--data-dir", data).exit_code == 0
    )

    again = run(
        "new-estate", "test-xiaoqu", "--data-dir", data, "--name", "x", "--district", "x",
        "--street", "x", "--residents-committee", "x", "--property-type", "商品房",
        "--total-gfa-m2", "1", "--households", "1",
    )  # fmt: skip
    assert again.exit_code == 2 and "已经存在" in again.output
    bad = run("new-estate", "Bad_Id", "--data-dir", data, "--name", "x", "--district", "x",
              "--street", "x", "--residents-committee", "x", "--property-type", "商品房",
              "--total-gfa-m2", "1", "--households", "1")  # fmt: skip
    assert bad.exit_code == 2 and not (data / "estates/Bad_Id").exists()


# ------------------------------------------------------------------------- codeowners


def test_codeowners_is_generated_from_the_mapping(tmp_path):
    (tmp_path / "estates/meilin-xincun").mkdir(parents=True)
    (tmp_path / "estates/new-one").mkdir()
    mapping = tmp_path / "committees.yaml"
    mapping.write_text(
        "maintainers: ['@org/maintainers']\n"
        "estates:\n  meilin-xincun: ['@org/meilin', '@zhang-secretary']\n",
        "utf-8",
    )
    out = tmp_path / "CODEOWNERS"
    result = run("codeowners", "--mapping", mapping, "-o", out)
    assert result.exit_code == 0, result.output
    assert "new-one 没有对应的业委会账号" in result.output
    lines = [line for line in out.read_text("utf-8").splitlines() if line and line[0] != "#"]

    def owners_of(path: str) -> list[str]:
        """CODEOWNERS semantics for these patterns: the last matching line wins."""
        found = []
        for line in lines:
            pattern, *owners = line.split()
            if pattern == "*" or path.startswith(pattern.lstrip("/")):
                found = owners
        return found

    assert owners_of("data/estates/meilin-xincun/fees.csv") == ["@org/meilin", "@zhang-secretary"]
    assert owners_of("data/estates/new-one/estate.csv") == ["@org/maintainers"]
    for shared in ("data/schemas/fees.schema.yaml", "data/rules.yaml", "theme/main.html",
                   "data/committees.yaml", ".github/CODEOWNERS", "generator/load.py"):  # fmt: skip
        assert owners_of(shared) == ["@org/maintainers"], shared

    assert run("codeowners", "--mapping", mapping, "-o", out, "--check").exit_code == 0
    mapping.write_text(mapping.read_text("utf-8").replace("@zhang-secretary", "@li"), "utf-8")
    assert run("codeowners", "--mapping", mapping, "-o", out, "--check").exit_code == 1
    mapping.write_text("maintainers: ['not an account']\n", "utf-8")
    assert run("codeowners", "--mapping", mapping, "-o", out).exit_code == 2


def test_committed_codeowners_matches_the_committed_mapping():
    mapping = codeowners.load_mapping(REPO / "data/committees.yaml")
    assert (REPO / ".github/CODEOWNERS").read_text("utf-8") == codeowners.render(mapping)
    estates = sorted(p.name for p in (REPO / "data/estates").iterdir() if p.is_dir())
    assert sorted(mapping.estates) == estates


# ------------------------------------------------------------------------- pre-commit


def test_pre_commit_hooks_run_sunlight():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    by_id = {hook["id"]: hook for hook in hooks}
    assert set(by_id) == {"sunlight-validate", "sunlight-fix-encoding"}
    for hook in hooks:
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python"  # installs this package, so `sunlight` exists
        assert hook["entry"].split()[1] in main.commands
    validate = by_id["sunlight-validate"]
    assert validate["entry"] == "sunlight validate" and validate["pass_filenames"] is False
    assert re.search(validate["files"], "data/estates/meilin-xincun/fees.csv")
    assert re.search(by_id["sunlight-fix-encoding"]["files"], "data/estates/a/fees.csv")
    assert not re.search(by_id["sunlight-fix-encoding"]["files"], "README.md")


# ---------------------------------------------------------------------------- summary


def git(cwd: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org")  # fmt: skip
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding two sample estates, the committee mapping and a mkdocs.yml,
    with a branch ``main`` and a checked-out branch ``change``."""
    copy_data(tmp_path, "meilin-xincun", "binjiang-huating")
    shutil.copy(REPO / "data/committees.yaml", tmp_path / "data/committees.yaml")
    (tmp_path / "mkdocs.yml").write_text("site_url: https://sunlight.example.org/\n", "utf-8")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "base")
    git(tmp_path, "checkout", "-qb", "change")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def test_summary_of_a_pull_request_in_chinese(repo):
    meilin = repo / "data/estates/meilin-xincun"
    edit(meilin / "fees.csv", "F02,多层住宅,基础包,0.60,", "F02,多层住宅,基础包,0.65,")
    edit(meilin / "committees.csv", ",7,在任", ",8,在任")  # even seats: committee-size
    with (meilin / "members.csv").open("a", encoding="utf-8") as handle:
        handle.write("M320,3,王*平,候补委员,否,否,否,5,2026-05-01,,\n")
    git(repo, "commit", "-qam", "2026 update")

    result = run("summary", "--base", "main", "--as-of", AS_OF, "--data-dir", "data", cwd=repo)
    assert result.exit_code == 0, result.output
    md = result.stdout
    assert md.startswith("## 阳光公示 · 本次修改的检查结果")
    assert "❌ **不能发布：有 1 个错误**" in md
    assert "### 梅林新村（`meilin-xincun`）" in md
    assert "binjiang-huating" not in md  # unchanged estates are left out
    assert "由业委会审核：`@sunlight-estates/committee-meilin-xincun`" in md
    assert "[网站上的页面](https://sunlight.example.org/estates/meilin-xincun/)" in md
    # The finding: where, what to do, and a link to its guide section; marked as new.
    row = next(line for line in md.splitlines() if "committee-size" in line)
    assert row.startswith("| ❌ 新错误 | committees.csv 第 2 行，委员名额（seats） |")
    assert "(https://sunlight.example.org/guide/rules/#committee-size)" in row
    assert "其中 1 个是这次修改带来的" in md
    # What the site will show differently: per table, and in words.
    assert "| 表 | 新增 | 删除 | 修改 |" in md
    assert "| 业委会成员 | 1 | 0 | 0 |" in md
    assert "| 收费标准 | 0 | 0 | 1 |" in md
    assert "0.60 → 0.65" in md
    assert "共用文件" not in md


def test_summary_lists_shared_files_and_new_estates(repo):
    rules = repo / "data/rules.yaml"
    rules.write_text(rules.read_text("utf-8") + "# a maintainer's change\n", "utf-8")
    data = repo / "data"
    result = run(
        "new-estate", "test-xiaoqu", "--data-dir", data, "--as-of", AS_OF, "--name", "测试小区",
        "--district", "徐汇区", "--street", "田林街道", "--residents-committee", "测试居委会",
        "--property-type", "商品房", "--total-gfa-m2", "52000", "--households", "480",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    result = run("summary", "--base", "main", "--as-of", AS_OF, "--data-dir", "data", cwd=repo)
    md = result.stdout
    assert "### 共用文件（需要网站维护者审核）" in md and "- `data/rules.yaml`" in md
    assert "重新校验了全部 3 个小区：0 个错误" in md
    assert "binjiang-huating" not in md  # valid and unchanged: counted, not listed
    assert "### 测试小区（`test-xiaoqu`）" in md and "新增的小区" in md
    assert "没有登记业委会账号，由网站维护者审核" in md
    assert "✅ **可以发布：没有错误**" in md


XUHUI_DESCRIPTOR = """name: xuhui
title: 徐汇区
resources:
  - name: company_pool
    path: company_pool.csv
    schema: ../../schemas/districts/company_pool.schema.yaml
"""
SUPERVISION_RESOURCES = """  - name: supervision
    path: supervision.csv
    schema: ../../schemas/districts/supervision.schema.yaml
  - name: supervision_visits
    path: supervision_visits.csv
    schema: ../../schemas/districts/supervision_visits.schema.yaml
"""


def test_summary_reports_a_districts_folder_as_that_districts_data(repo):
    # The base: 徐汇区 keeps its company pool; its staff then list 梅林新村 for supervision
    # (a visit's note carrying a resident's mobile) and remove a company from the pool.
    xuhui = repo / "data/districts/xuhui"
    xuhui.mkdir(parents=True)
    (xuhui / "datapackage.yaml").write_text(XUHUI_DESCRIPTOR, "utf-8")
    shutil.copy(REPO / "data/districts/xuhui/company_pool.csv", xuhui / "company_pool.csv")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "xuhui pool")
    git(repo, "branch", "-f", "main")
    (xuhui / "datapackage.yaml").write_text(XUHUI_DESCRIPTOR + SUPERVISION_RESOURCES, "utf-8")
    (xuhui / "supervision.csv").write_text(
        "listing_id,estate_id,listed_date,reason,unit,delisted_date,delisted_reason\n"
        "XH-2026-09,meilin-xincun,2026-10-28,维修资金 5 个楼栋低于续筹线,"
        "徐汇区房屋管理局物业管理科,,\n",
        "utf-8",
    )
    (xuhui / "supervision_visits.csv").write_text(
        "listing_id,visit_date,checked\nXH-2026-09,2026-11-10,查看续筹方案，联系业主 13812345678\n",
        "utf-8",
    )
    edit(xuhui / "company_pool.csv", "2025-01-01,,\n", "2025-01-01,2026-11-01,年度考评不合格\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "xuhui supervision")

    result = run("summary", "--base", "main", "--as-of", AS_OF, "--data-dir", "data", cwd=repo)
    assert result.exit_code == 0, result.output
    md = result.stdout
    # Not a shared file for the maintainers: the district's own section, in Chinese.
    assert "共用文件" not in md and "data/districts/xuhui" not in md.split("### ")[0]
    assert "### 徐汇区 · 区级数据（`districts/xuhui`）" in md
    section = md.split("### 徐汇区 · 区级数据")[1]
    assert "区级数据有修改" in section
    assert "[网站上的页面](https://sunlight.example.org/districts/xuhui/)" in section
    assert "由区里审核：`@sunlight-estates/district-xuhui`" in section
    # Guarded like the rest: the mobile is masked, and still found where it is.
    assert "13812345678" not in md and "138****5678" in md
    row = next(line for line in section.splitlines() if "no-personal-data" in line)
    assert row.startswith("| ❌ 新错误 | supervision_visits.csv 第 2 行，检查内容（checked） |"), (
        row
    )
    assert "❌ **不能发布：有 1 个错误**" in md
    # What the pages will show differently, per table and in words.
    assert "| 挂牌督办 | 1 | 0 | 0 |" in section
    assert "| 物业企业预选库 | 0 | 0 | 2 |" in section and "| 督办走访 | 1 | 0 | 0 |" in section
    assert "移出原因 （空） → 年度考评不合格" in section
    # Estates untouched: none of them is listed.
    assert "### 梅林新村" not in md and "binjiang-huating" not in md


def test_summary_after_a_shared_change_shows_a_broken_district_as_a_district(repo):
    # A district whose pool has a bad credit code, committed before: a change to the rules
    # re-validates everything, and the district is shown as a district, not an estate.
    pudong = repo / "data/districts/pudong"
    pudong.mkdir(parents=True)
    (pudong / "datapackage.yaml").write_text(
        XUHUI_DESCRIPTOR.replace("xuhui", "pudong").replace("徐汇区", "浦东新区"), "utf-8"
    )
    (pudong / "company_pool.csv").write_text(
        "credit_code,company_name,listed_date,removed_date,removed_reason\n"
        "91310115MA1YC9K74X,上海江庭物业服务有限公司,2023-06-01,,\n",
        "utf-8",
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "pudong pool")
    git(repo, "branch", "-f", "main")
    rules = repo / "data/rules.yaml"
    rules.write_text(rules.read_text("utf-8") + "# a maintainer's change\n", "utf-8")
    md = run("summary", "--base", "main", "--as-of", AS_OF, "--data-dir", "data", cwd=repo).stdout
    assert "- `data/rules.yaml`" in md and "data/districts" not in md.split("### 浦东新区")[0]
    section = md.split("### 浦东新区 · 区级数据（`districts/pudong`）")[1]
    assert "区级数据未改，但受共用文件修改影响" in section
    assert "company_pool.csv 第 2 行，" in section and "estates/districts" not in md


def test_summary_misuse(repo):
    result = run("summary", "--base", "no-such-branch", "--data-dir", "data", cwd=repo)
    assert result.exit_code == 2 and "git" in result.output


# ------------------------------------------------------------------------------ guide


def test_every_rule_links_to_an_existing_guide_section():
    rules_page = (REPO / "content/guide/rules.md").read_text("utf-8")
    committee_page = (REPO / "content/guide/committee.md").read_text("utf-8")
    anchors = {
        "guide/rules/": set(re.findall(r"\{#([a-z-]+)\}", rules_page)),
        "guide/committee/": set(re.findall(r"\{#([a-z-]+)\}", committee_page)),
    }
    assert guide.KNOWN_ANCHORS <= anchors["guide/rules/"]
    ids = set(CHECKS) | set(guide.SHARED_SECTIONS) | guide.COMMITTEE_SECTIONS | {
        "encoding-error", "empty-file", "missing-label", "package-error", "duplicate-estate",
        "type-error", "constraint-error", "primary-key", "foreign-key",
    }  # fmt: skip
    for rule in ids:
        url = guide.guide_url(rule, "https://sunlight.example.org/")
        page, _, anchor = url.removeprefix("https://sunlight.example.org/").partition("#")
        assert anchor in anchors[page], (rule, url)
    assert guide.guide_url("fee-band") == "guide/rules/#fee-band"
    assert guide.guide_url("something-else", "https://x.org") == "https://x.org/guide/rules/"


def test_committee_guide_is_in_the_nav_and_its_pictures_are_small():
    nav = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))["nav"]

    def pages(items):
        for item in items:
            for value in item.values() if isinstance(item, dict) else [item]:
                yield from pages(value) if isinstance(value, list) else [value]

    assert "guide/committee.md" in list(pages(nav))
    page = (REPO / "content/guide/committee.md").read_text("utf-8")
    images = re.findall(r"!\[[^\]]+\]\((img/[^)]+\.png)\)", page)
    assert len(images) >= 3
    for image in images:
        path = REPO / "content/guide" / image
        assert path.is_file() and path.stat().st_size <= 160_000, image
    for command in ("template", "export", "import", "fix-encoding", "new-estate", "summary"):
        assert f"sunlight {command}" in page, command
