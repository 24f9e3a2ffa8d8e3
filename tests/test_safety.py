"""No command destroys data: dangerous output folders, foreign folders, linked estates.

Tried as a careless maintainer would: a mistyped ``--site-dir`` (the data, ``content/``,
the repository, the home folder), a folder of someone else's files, a killed build, a
strict umask; and as a committee member with a linked estate folder or an id with a
trailing newline. Real builds in ``tmp_path``, real git, the real CLI; every refusal must
exit 2 and leave every byte where it was.
"""

from __future__ import annotations

import gzip
import os
import stat
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from generator import safepaths
from generator.cli import main
from generator.outputs import build as build_mod

from .packages import write_package

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "mkdocs.yml"
AS_OF = "2026-11-20"
GBK_CSV = "名称,金额\n梅林,1.00\n".encode("gbk")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder``: kind, bytes or link target, and mode."""
    out: dict[str, tuple] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = ("link", os.readlink(path))
        elif path.is_dir():
            out[rel] = ("dir", stat.S_IMODE(path.stat().st_mode))
        else:
            out[rel] = ("file", path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
    return out


def refused(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    for word in words:
        assert word in result.output, (word, result.output)


# ------------------------------------------------------------------ output folders


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Sunlight project in a real git work tree: mkdocs.yml, content/, theme/, data/;
    the working directory for the test."""
    root = tmp_path / "project"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "mkdocs.yml").write_bytes(CONFIG.read_bytes())
    (root / "content").mkdir()
    (root / "content/index.md").write_text("# 阳光公示\n", "utf-8")
    (root / "theme").mkdir()
    (root / "theme/main.html").write_text('{% extends "base.html" %}\n', "utf-8")
    write_package(root / "data")
    monkeypatch.chdir(root)
    return root


def build_into(option: str, target: str | Path, elsewhere: Path):
    """``sunlight build`` with ``option`` set to ``target`` and the other output folder
    out of the way in ``elsewhere``."""
    other = "--build-dir" if option == "--site-dir" else "--site-dir"
    return run(
        "build", "data", option, target, other, elsewhere,
        "--as-of", AS_OF, "--config-file", "mkdocs.yml",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("option", "target", "words"),
    [
        ("--site-dir", "data", ["数据文件夹", "is the data folder"]),
        ("--site-dir", "data/estates/test-estate", ["lies inside the data folder"]),
        ("--site-dir", "data/estates/new-folder", ["lies inside the data folder"]),
        ("--build-dir", "data", ["is the data folder"]),
        ("--site-dir", "content", ["is the source folder content/"]),
        ("--site-dir", "content/guide", ["lies inside the source folder content/"]),
        ("--build-dir", "theme", ["is the source folder theme/"]),
        ("--site-dir", ".git", ["is the source folder .git/"]),
        ("--site-dir", ".", ["is the repository root"]),
        ("--build-dir", ".", ["is the repository root"]),
        ("--site-dir", "..", ["contains the repository root"]),
    ],
)
def test_build_refuses_an_output_folder_that_holds_sources(project, option, target, words):
    before = snapshot(project.parent)
    result = build_into(option, target, project.parent / "out")
    suggestion = "--site-dir site" if option == "--site-dir" else "--build-dir build"
    refused(result, option, target, *words, "没有写入任何文件", suggestion)
    assert snapshot(project.parent) == before


def test_serve_refuses_the_same_folders_before_serving(project):
    before = snapshot(project.parent)
    result = run("serve", "data", "--site-dir", "content", "--config-file", "mkdocs.yml")
    refused(result, "is the source folder content/")
    assert snapshot(project.parent) == before


def test_links_are_resolved_before_comparing(project):
    (project.parent / "looks-harmless").symlink_to(project / "data")
    before = snapshot(project.parent)
    result = build_into("--site-dir", project.parent / "looks-harmless", project.parent / "out")
    refused(result, "is the data folder", str(project / "data"))
    assert snapshot(project.parent) == before


def test_the_home_folder_is_never_an_output(project, monkeypatch):
    home = project.parent / "home"
    (home / "documents").mkdir(parents=True)
    (home / "documents/family.txt").write_text("not Sunlight's", "utf-8")
    monkeypatch.setenv("HOME", str(home))
    before = snapshot(project.parent)
    refused(build_into("--site-dir", "~", project.parent / "out"), "your home folder")
    refused(build_into("--site-dir", home, project.parent / "out"), "is your home folder")
    refused(build_into("--build-dir", home, project.parent / "out"), "is your home folder")
    assert snapshot(project.parent) == before


def test_site_and_build_folders_must_be_separate(project):
    out = project.parent / "out"
    before = snapshot(project.parent)
    refused(build_into("--site-dir", out, out / "b"), "overlap")
    refused(build_into("--site-dir", out, out), "overlap")
    assert snapshot(project.parent) == before


def test_a_folder_sunlight_did_not_make_is_never_replaced(project):
    mine = project.parent / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("会议记录", "utf-8")
    (project.parent / "a-file").write_text("x", "utf-8")
    before = snapshot(project.parent)
    result = build_into("--site-dir", mine, project.parent / "out")
    refused(result, "not made by Sunlight", ".sunlight-site", "不是 Sunlight 生成的")
    refused(build_into("--build-dir", mine, project.parent / "out"), ".sunlight-build")
    refused(build_into("--site-dir", project.parent / "a-file", project.parent / "out"), "a file")
    # Refused before the first write: no build folder, no staging folder.
    assert snapshot(project.parent) == before


def test_publish_refuses_a_foreign_folder_and_leaves_both_in_place(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("someone's page", "utf-8")
    staging = build_mod.new_staging_dir(site)
    (staging / "index.html").write_text("new", "utf-8")
    with pytest.raises(safepaths.UnsafePath, match="not made by Sunlight"):
        build_mod.publish(staging, site)
    assert (site / "index.html").read_text("utf-8") == "someone's page"
    assert (staging / "index.html").read_text("utf-8") == "new"


# ------------------------------------------------------------------- a real build


STALE = (".site.tmp-abcd1234", ".site.old-efgh5678")  # a killed build's, a killed swap's
KEPT = (".site.tmp-ab12cd34", ".site.tmp-short", ".sitex.tmp-abcd1234", ".other")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> SimpleNamespace:
    """Two builds with the default relative ``site``/``build`` under umask 077, beside
    leftovers of a killed build and folders that only look like them."""
    root = tmp_path_factory.mktemp("safe-build")
    write_package(root / "data")
    (root / "site").mkdir()  # an existing empty folder may become the site
    (root / STALE[0]).mkdir()
    (root / STALE[0] / safepaths.SITE_MARKER).write_text(safepaths.MARKER_TEXT, "utf-8")
    (root / STALE[0] / "index.html").write_text("half a build", "utf-8")
    (root / STALE[1]).mkdir()
    for name in KEPT:
        (root / name).mkdir()
    (root / KEPT[0] / "mine.txt").write_text("no marker: not Sunlight's", "utf-8")
    (root / KEPT[1] / safepaths.SITE_MARKER).write_text(safepaths.MARKER_TEXT, "utf-8")
    (root / KEPT[2] / safepaths.SITE_MARKER).write_text(safepaths.MARKER_TEXT, "utf-8")
    cwd, umask = Path.cwd(), os.umask(0o077)
    os.chdir(root)
    try:
        args = ("build", "data", "--as-of", AS_OF, "--config-file", CONFIG)
        first = run(*args)
        marker = (root / "site" / safepaths.SITE_MARKER).read_bytes()
        (root / "site/added-by-hand.txt").write_text("x", "utf-8")
        second = run(*args)
    finally:
        os.chdir(cwd)
        os.umask(umask)
    return SimpleNamespace(root=root, first=first, second=second, first_marker=marker)


def test_default_relative_folders_build_and_carry_the_marker(built):
    assert built.first.exit_code == 0, built.first.output
    assert built.second.exit_code == 0, built.second.output
    site, build = built.root / "site", built.root / "build"
    assert (site / "estates/test-estate/index.html").is_file()
    marker = (site / safepaths.SITE_MARKER).read_bytes()
    assert marker == safepaths.MARKER_TEXT.encode("utf-8") == built.first_marker
    assert len(marker) < 512
    assert (build / safepaths.BUILD_MARKER).read_text("utf-8") == safepaths.MARKER_TEXT


def test_a_second_build_replaces_its_own_site_whole(built):
    assert not (built.root / "site/added-by-hand.txt").exists()
    assert not list(built.root.glob(".site.old-*"))
    assert sorted(p.name for p in built.root.glob(".site.tmp-*")) == sorted(KEPT[:2])


def test_stale_staging_folders_are_removed_and_nothing_else(built):
    for name in STALE:
        assert not (built.root / name).exists(), name
    for name in KEPT:
        assert (built.root / name).is_dir(), name
    assert (built.root / KEPT[0] / "mine.txt").read_text("utf-8") == "no marker: not Sunlight's"


def test_the_site_is_world_readable_under_umask_077(built):
    site = built.root / "site"
    entries = [site, *site.rglob("*")]
    assert len(entries) > 50
    for path in entries:
        mode = stat.S_IMODE(path.lstat().st_mode)
        expected = build_mod.DIR_MODE if path.is_dir() else build_mod.FILE_MODE
        assert mode == expected, (path, oct(mode))


def test_the_marker_is_neither_indexed_nor_linked(built):
    site = built.root / "site"
    needle = "整个替换"
    for page in site.rglob("*.html"):
        text = page.read_text("utf-8")
        assert safepaths.SITE_MARKER not in text and needle not in text, page
    assert safepaths.SITE_MARKER not in (site / "sitemap.xml").read_text("utf-8")
    fragments = list((site / "pagefind").rglob("*.pf_fragment"))
    assert fragments
    for fragment in fragments:
        assert needle.encode() not in gzip.decompress(fragment.read_bytes()), fragment


# ------------------------------------------------------------ writing estate data


def new_estate(data: Path, estate_id: str):
    return run(
        "new-estate", estate_id, "--data-dir", data, "--as-of", AS_OF,
        "--name", "测试小区", "--district", "徐汇区", "--street", "田林街道",
        "--residents-committee", "测试居委会", "--property-type", "商品房",
        "--total-gfa-m2", "52000", "--households", "480",
    )  # fmt: skip


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_package(tmp_path / "data")


def test_new_estate_refuses_an_id_with_a_trailing_newline(tmp_path, data):
    before = snapshot(tmp_path)
    refused(new_estate(data, "xin-xiaoqu\n"), "小区编号", r"xin-xiaoqu\n")
    refused(new_estate(data, "xin xiaoqu"), "小区编号")
    assert snapshot(tmp_path) == before


def test_new_estate_refuses_a_linked_estate_folder(tmp_path, data):
    outside = tmp_path / "outside"
    outside.mkdir()
    (data / "estates/linked").symlink_to(outside)
    (data / "estates/dangling").symlink_to(tmp_path / "nowhere")
    before = snapshot(tmp_path)
    refused(new_estate(data, "linked"), "symbolic link", "链接")
    refused(new_estate(data, "dangling"), "symbolic link")
    assert snapshot(tmp_path) == before and not (tmp_path / "nowhere").exists()


def test_new_estate_refuses_a_linked_estates_folder(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data/estates").symlink_to(elsewhere)
    refused(new_estate(tmp_path / "data", "xin-xiaoqu"), "estates", "symbolic link")
    assert list(elsewhere.iterdir()) == []


@pytest.fixture
def workbook(tmp_path: Path, data: Path) -> Path:
    book = tmp_path / "book.xlsx"
    result = run("export", "test-estate", "-o", book, "--data-dir", data)
    assert result.exit_code == 0, result.output
    return book


def test_import_refuses_a_linked_estate_folder_before_writing(tmp_path, data, workbook):
    # The real folder moves outside data/ and a link takes its place; the copy outside
    # differs from the workbook, so an import that followed the link would rewrite it.
    outside = tmp_path / "outside"
    (data / "estates/test-estate").rename(outside)
    estate_csv = outside / "estate.csv"
    estate_csv.write_text(estate_csv.read_text("utf-8").replace("测试小区", "别处"), "utf-8")
    (data / "estates/test-estate").symlink_to(outside)
    before = snapshot(tmp_path)
    result = run("import", workbook, "test-estate", "--data-dir", data, "--as-of", AS_OF)
    refused(result, "symbolic link", "nothing was written")
    assert snapshot(tmp_path) == before


def test_import_refuses_a_linked_csv_and_a_bad_id_before_writing(tmp_path, data, workbook):
    folder = data / "estates/test-estate"
    target = tmp_path / "members-elsewhere.csv"
    target.write_bytes((folder / "members.csv").read_bytes().replace("张*明".encode(), b"X"))
    (folder / "members.csv").unlink()
    (folder / "members.csv").symlink_to(target)
    before = snapshot(tmp_path)
    result = run("import", workbook, "test-estate", "--data-dir", data)
    refused(result, "members.csv", "symbolic link")
    refused(run("import", workbook, "test-estate\n", "--data-dir", data), "小区编号")
    assert snapshot(tmp_path) == before


def test_the_loader_refuses_an_estate_id_with_a_trailing_newline(tmp_path, data):
    (data / "estates/test-estate").rename(data / "estates/test-estate\n")
    result = run("validate", data, "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert '"rule": "package-error"' in result.output and "not a valid estate id" in result.output
    built = run(
        "build", data, "--site-dir", tmp_path / "site", "--build-dir", tmp_path / "b",
        "--as-of", AS_OF, "--config-file", CONFIG,
    )  # fmt: skip
    assert built.exit_code == 1 and "internal error" not in built.output
    assert not (tmp_path / "site").exists()


def test_fix_encoding_never_rewrites_through_a_link(tmp_path, data):
    folder = data / "estates/test-estate"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "fees.csv").write_bytes(GBK_CSV)
    (folder / "fees.csv").symlink_to(outside / "fees.csv")
    (data / "estates/linked-estate").symlink_to(outside)
    before = snapshot(tmp_path)
    refused(run("fix-encoding", folder / "fees.csv"), "symbolic link", "链接")
    refused(run("fix-encoding", data / "estates/linked-estate/fees.csv"), "linked-estate")
    refused(run("fix-encoding", data / "estates/linked-estate"), "symbolic link")
    assert snapshot(tmp_path) == before


def test_fix_encoding_refuses_folders_outside_the_data_folder(tmp_path, data, monkeypatch):
    other = tmp_path / "downloads"
    other.mkdir()
    (other / "fees.csv").write_bytes(GBK_CSV)
    before = snapshot(tmp_path)
    refused(run("fix-encoding", other), "outside the data folder")
    monkeypatch.chdir(other)
    refused(run("fix-encoding", "."), "outside the data folder")
    monkeypatch.chdir(tmp_path)
    refused(run("fix-encoding", other, "--data-dir", data), "outside the data folder")
    assert snapshot(tmp_path) == before


def test_fix_encoding_skips_links_inside_a_folder_and_says_so(tmp_path, data):
    folder = data / "estates/test-estate"
    outside = tmp_path / "outside.csv"
    outside.write_bytes(GBK_CSV)
    (folder / "linked.csv").symlink_to(outside)
    (folder / "fees.csv").write_bytes(GBK_CSV)
    result = run("fix-encoding", data / "estates")
    assert result.exit_code == 0, result.output
    assert "skipped link" in result.output and "linked.csv" in result.output
    assert outside.read_bytes() == GBK_CSV
    assert (folder / "fees.csv").read_bytes() == GBK_CSV.decode("gbk").encode("utf-8")
