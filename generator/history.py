"""Each estate's change log, read from git: what changed, when, in plain Chinese.

The published site keeps no copies of old data. Git already has them: every commit that
touched ``data/estates/<estate_id>/`` is a version of that estate's package, and the
public repository serves each one at a permanent URL. This module reads that history
once per build and describes every version as the rows that changed, matched by primary
key and named by the columns' titles, e.g. 「委员 张*明 离任（辞职）」.

Git is asked exactly three things, whatever the number of files or commits:

1. ``git rev-parse`` — is this a repository, where is its top, is it a shallow clone;
2. ``git log --raw`` over the estates folder — every commit and the blob id of every
   file it changed;
3. ``git cat-file --batch`` — the contents of those blobs, streamed in one process.

With a cache folder (the build's ``build/cache``) the read is incremental: what was read
as of a commit is kept in ``history/history.json``, and the next build asks git for HEAD
(``rev-parse``), checks that the cached commit is on HEAD's first-parent line
(``rev-list``), then logs only ``cached..HEAD`` and reads only the blobs those commits
need (their files, and the previous versions of the estates they change). No new commit:
no log at all. A rewritten line, a shallow clone or a cache that does not match (see
:func:`_load_cache`) is read from the first commit, as without a cache; either way the
result is the same.

The log follows the first-parent line of the checked-out branch: those are exactly the
states the site was built and published from (a merged pull request shows as one
version, its merge commit, carrying everything the merge brought in). Replaying that line
oldest → newest with each estate's files in memory gives every version's files, so the
checksum of each entry is the same :func:`generator.checksum.checksum_of` a build of
that commit prints on its pages.

Dates are **committer** dates: when a change landed on the published branch, which is
when the site could first show it (an author date can be weeks older, from a branch).

Nothing here trusts file contents: a CSV saved as GBK, a broken datapackage.yaml or a
missing key column becomes one line 「文件 X 已修改（无法逐行比较）」, never an exception.
Everything returned is plain text; the page templates escape it.

**Old versions are published as today's guard allows** (:class:`generator.privacy.Guard`).
A phone or room number committed once and removed in the next commit is still in git;
every old cell a sentence shows passes :meth:`Guard.cell` first, so it reads 138****5678
(and a value on the takedown list is masked) while the change is still listed. Git's own
metadata is never read: no author name, e-mail or commit message can reach a page or a
feed — an entry says 「业委会提交」, or the committee's name when ``data/committees.yaml``
maps the estate to one. Links into the public repository (the files at a commit, the
commit's diff) are given only when every file they open passes the guard today.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import datetime as dt
import functools
import hashlib
import io
import itertools
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote

import yaml

from .checksum import checksum_of, is_package_file
from .domain.periods import period_label
from .load import DESCRIPTOR_NAMES
from .privacy import Guard, allowed_kinds
from .tools.codeowners import load_mapping
from .tools.packagefiles import PackageFileError

__all__ = [
    "Change",
    "Entry",
    "FieldChange",
    "History",
    "commit_url",
    "describe_changes",
    "entry_for_checksum",
    "entry_sentence",
    "file_url",
    "read_history",
    "tree_url",
]

EMPTY = "（空）"
ARROW = " → "
FORMAT_ONLY = "格式调整，内容无变化"
# Who an entry says made the change: never git's author, who may be a person.
COMMITTEE = "业委会"
WITHHELD = "该版本含已隐去的信息，不提供原文件链接"
HEADLINE_TABLES = 3  # tables named in an entry's headline before 「等 N 项」
SHORT_LENGTH = 7
# Tests set this to see a phrasing bug as an exception rather than its plain fallback.
STRICT = False
SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # no DST, no tzdata needed

UNAVAILABLE_PAGE_MESSAGE = "修改记录暂缺：这次构建没能从数据仓库读取修改记录。"
SHALLOW_MESSAGE = (
    "本次构建用的是浅克隆（只取了最近的提交），更早的修改记录不在其中，所以这里的修改记录不完整。"
    "维护者请在构建前运行 git fetch --unshallow；GitHub Actions 中请给 actions/checkout 设置 "
    "fetch-depth: 0。",
    "This build ran on a shallow clone (only the latest commits were fetched), so older "
    "changes are missing and this change log is incomplete. Run `git fetch --unshallow` "
    "before building; in GitHub Actions set `fetch-depth: 0` on actions/checkout.",
)
TRUNCATED_LINE = "更早的记录不在本次构建的仓库副本中（浅克隆），无法与上一版本比较"


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class FieldChange:
    """One cell that changed, as shown: ``title old → new``."""

    name: str  # column name, e.g. "price_yuan"
    title: str  # column title without its unit, e.g. "单价"
    old: str  # old value as shown; （空） when empty
    new: str  # new value as shown; （空） when empty


@dataclass(frozen=True)
class Change:
    """One line of an entry's change list.

    ``kind`` is one of: ``added``, ``removed``, ``changed`` (rows, matched by primary
    key); ``table-added``, ``table-removed`` (a whole table published or withdrawn);
    ``file-added``, ``file-removed``, ``unreadable`` (files that are not tables, or could
    not be compared row by row); ``package`` (datapackage.yaml itself, e.g. its title);
    ``format-only`` (the files changed but no value did); ``truncated`` (the previous
    version is not in a shallow clone).
    """

    resource: str  # table name ("members"); the file name for other files
    table_title: str  # the table's title ("业委会成员"), or the file name
    kind: str
    text_zh: str  # the sentence shown, plain text (the caller escapes it)
    key: tuple[str, ...] = ()  # primary-key values as shown, () for table or file lines
    rows: int = 1  # how many rows this line stands for ("新增 7 行" → 7)
    fields: tuple[FieldChange, ...] = ()  # the cells that changed (kind "changed")


@dataclass
class Entry:
    """One version of one estate: a commit that changed its package.

    Everything here may be published: cells are masked by the guard, and git's author
    and commit message are not kept at all (see the module docstring).
    """

    estate_id: str
    estate_name: str  # the estate's name in that version (estate.csv, masked), else its id
    commit: str  # full commit id (40 hex digits), for links
    short: str  # abbreviated commit id (7 characters), for display
    date: dt.datetime  # committer date, timezone-aware
    checksum: str | None  # checksum_of() the package after the commit; None if unreadable
    folder: str  # repository path of the estate folder, e.g. "data/estates/meilin-xincun"
    paths: list[str]  # repository paths of the package's files at this commit, sorted
    changed_files: list[str]  # names of the files this commit added, changed or removed
    changes: list[Change]  # the changes in words; never empty (see FORMAT_ONLY)
    seq: int = 0  # position on the first-parent line, oldest = 0 (orders equal dates)
    # Who the change is credited to: 「滨江华庭业委会」 when data/committees.yaml maps the
    # estate to a committee (whose approval every change to its folder needs), else 业委会.
    committee: str = COMMITTEE
    # The files at this commit pass the guard today: link to them (tree_url/file_url).
    files_public: bool = True
    # The commit's diff (every estate file it changed, before and after) passes the guard
    # today: link to the commit (commit_url), whose page shows the removed lines too.
    diff_public: bool = True

    @property
    def day(self) -> dt.date:
        """The commit date in Shanghai, as pages show it."""
        return self.date.astimezone(SHANGHAI).date()

    @property
    def by(self) -> str:
        """「业委会提交」: the credit pages and feeds show instead of git's author."""
        return f"{self.committee}提交"

    @property
    def headline(self) -> str:
        """What the version changed, in a few words, from the data (never the commit
        message): the tables it touched, 「业委会成员、收费标准」, or 「格式调整，内容无变化」."""
        titles: list[str] = []
        for change in self.changes:
            if change.kind in ("format-only", "truncated"):
                continue
            title = change.table_title or change.resource
            if title and title not in titles:
                titles.append(title)
        if not titles:
            return self.changes[0].text_zh if self.changes else FORMAT_ONLY
        if len(titles) > HEADLINE_TABLES:
            return "、".join(titles[:HEADLINE_TABLES]) + f" 等 {len(titles)} 项"
        return "、".join(titles)

    @property
    def sentence(self) -> str:
        """The version in one plain sentence for residents, from the data (never the
        commit message): 「业委会公示了 2026年第3季度公共收益」 (:func:`entry_sentence`)."""
        return entry_sentence(self)

    @property
    def anchor(self) -> str:
        """HTML id of this entry on the estate's history page (stable per commit)."""
        return f"v-{self.short}"

    @property
    def substantive(self) -> bool:
        """False when the commit changed only formatting (or the line is unknown)."""
        return any(c.kind not in ("format-only", "truncated") for c in self.changes)

    @property
    def lines(self) -> list[str]:
        return [c.text_zh for c in self.changes]


@dataclass
class History:
    """Every estate's versions, as far as git could tell.

    ``available`` is False when no history could be read at all (not a git repository,
    git missing or failing); ``message``/``message_en`` then say why. A shallow clone is
    ``available`` but ``shallow``, with the explanation and the fix in ``message``. A
    repository with nothing committed under the estates folder is available and empty,
    with a message saying so.
    """

    available: bool
    shallow: bool = False
    message: str | None = None
    message_en: str | None = None
    estates: dict[str, list[Entry]] = field(default_factory=dict)  # newest first

    @property
    def complete(self) -> bool:
        return self.available and not self.shallow

    @property
    def page_message(self) -> str | None:
        """What the history pages say of ``message``. Why git could not be read (folders
        of the build machine, which may carry a person's name, and whatever git printed)
        is for the build's output; residents read only that there is no change log."""
        if self.message is None:
            return None
        return self.message if self.available else UNAVAILABLE_PAGE_MESSAGE

    def for_estate(self, estate_id: str) -> list[Entry]:
        """The estate's versions, newest first ([] when it has none)."""
        return list(self.estates.get(estate_id, []))

    def all_entries(self) -> list[Entry]:
        """Every estate's versions, newest first (for the city-wide feed)."""
        entries = [e for versions in self.estates.values() for e in versions]
        return sorted(entries, key=lambda e: (-e.seq, e.estate_id))

    def version_of(self, estate_id: str, checksum: str) -> Entry | None:
        """The committed version whose content equals ``checksum``, or None (the build
        has changes not committed yet)."""
        return entry_for_checksum(self.estates.get(estate_id, []), checksum)


# --------------------------------------------------------------------------- sentences

# What a change does, in a resident's words: 「公示了」 a period's accounts, 「更新了」 a
# table, 「撤下了」 what was withdrawn.
_VERBS = {
    "added": "公示了",
    "table-added": "公示了",
    "removed": "撤下了",
    "table-removed": "撤下了",
    "file-removed": "撤下了",
}
# Tables whose rows belong to a period (the primary key starts with it): the sentence
# names the period and what it is, 「2026年第3季度公共收益」, once for its statement and
# its lines together.
_PERIOD_SUBJECTS = {
    "common_income": "公共收益",
    "common_income_lines": "公共收益",
    "repair_fund": "维修资金分户账",
}


def _subject(change: Change) -> str:
    noun = _PERIOD_SUBJECTS.get(change.resource)
    if noun and change.key:
        label = period_label(change.key[0])
        if label != change.key[0]:
            return label + noun
    return change.table_title or change.resource


def entry_sentence(entry: Entry, who: str | None = None) -> str:
    """「业委会公示了 2026年第3季度公共收益」, 「滨江华庭业委会更新了收费标准」: who (the
    committee, never git's author; ``who`` replaces it), what it did and to which tables
    or periods."""
    by_verb: dict[str, list[str]] = {}
    for change in entry.changes:
        if change.kind in ("format-only", "truncated"):
            continue
        subjects = by_verb.setdefault(_VERBS.get(change.kind, "更新了"), [])
        subject = _subject(change)
        if subject not in subjects:
            subjects.append(subject)
    if not by_verb:
        return entry.changes[0].text_zh if entry.changes else FORMAT_ONLY
    clauses = []
    for verb, subjects in by_verb.items():
        named = "、".join(subjects[:HEADLINE_TABLES])
        if len(subjects) > HEADLINE_TABLES:
            named += f" 等 {len(subjects)} 项"
        # A space between the verb and a period's digits, as Chinese typesetting does.
        clauses.append(verb + (" " if named[:1].isdigit() else "") + named)
    return (entry.committee if who is None else who) + "，".join(clauses)


def entry_for_checksum(entries: Iterable[Entry], checksum: str) -> Entry | None:
    """The newest entry with this content checksum (entries are newest first). A revert
    can bring an old content back; the newest commit is the version being shown."""
    return next((e for e in entries if e.checksum == checksum), None)


# --------------------------------------------------------------------------- links


def _base(repo_url: str | None) -> str | None:
    if not repo_url or not repo_url.strip():
        return None
    base = repo_url.strip().rstrip("/")
    return base.removesuffix(".git")


def commit_url(repo_url: str | None, commit: str) -> str | None:
    """GitHub-style link to a commit, or None without a repository URL."""
    base = _base(repo_url)
    return f"{base}/commit/{commit}" if base else None


def file_url(repo_url: str | None, commit: str, path: str) -> str | None:
    """Link to one file exactly as it was at ``commit`` (GitHub ``blob`` URL)."""
    base = _base(repo_url)
    return f"{base}/blob/{commit}/{quote(path.strip('/'))}" if base else None


def tree_url(repo_url: str | None, commit: str, path: str) -> str | None:
    """Link to a folder exactly as it was at ``commit`` (GitHub ``tree`` URL)."""
    base = _base(repo_url)
    return f"{base}/tree/{commit}/{quote(path.strip('/'))}" if base else None


# --------------------------------------------------------------------------- reading git


# User configuration must not change the output we parse.
_GIT_SETTINGS = (
    "core.quotepath=off",
    "log.showSignature=false",
    "log.follow=false",
    "diff.renames=false",
)


class _GitError(Exception):
    def __init__(self, message: str, message_en: str):
        super().__init__(message_en)
        self.message, self.message_en = message, message_en


def _git_command(args: list[str]) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    # A partial clone would otherwise fetch each missing blob over the network, one by one.
    env["GIT_NO_LAZY_FETCH"] = "1"
    env["GIT_TERMINAL_PROMPT"] = "0"
    # English messages, so "no commits yet" is recognised whatever the machine's locale.
    env["LC_ALL"] = env["LANGUAGE"] = "C"
    return ["git", *(arg for setting in _GIT_SETTINGS for arg in ("-c", setting)), *args], env


def _not_started(error: OSError) -> _GitError:
    if isinstance(error, FileNotFoundError):
        return _GitError(
            "找不到 git 程序，无法读取修改记录。请安装 git 后重新构建。",
            "git is not installed, so the change log cannot be read. Install git and build again.",
        )
    return _GitError(f"无法运行 git（{error}），修改记录暂缺。", f"Could not run git ({error}).")


def _failed(root: Path, returncode: int, stderr: bytes) -> _GitError:
    detail = stderr.decode("utf-8", "replace").strip().splitlines()
    first = detail[0] if detail else f"exit status {returncode}"
    if "not a git repository" in first:
        return _GitError(
            f"{root} 不是 git 仓库，没有修改记录可读。请在仓库的克隆中构建。",
            f"{root} is not a git repository, so there is no change log. Build from a clone "
            "of the repository.",
        )
    return _GitError(
        f"读取修改记录时 git 出错：{first}",
        f"git failed while reading the change log: {first}",
    )


def _git(root: Path, args: list[str], stdin: bytes | None = None) -> bytes:
    """Run one git command in ``root`` and return its stdout.

    subprocess.run hands the whole input to communicate(), which writes and reads in
    parallel, so a large exchange cannot deadlock on a full pipe.
    """
    command, env = _git_command(args)
    try:
        result = subprocess.run(
            command, cwd=root, input=stdin, capture_output=True, env=env, check=False
        )
    except OSError as error:
        raise _not_started(error) from None
    if result.returncode != 0:
        raise _failed(root, result.returncode, result.stderr)
    return result.stdout


class _Blobs:
    """``git cat-file --batch`` as a stream: every blob the replay will need, asked for in
    the order it needs them, read back one estate at a time.

    The ids are written from a thread while the replay reads, so neither side waits on a
    full pipe, and only the files of the estate being compared are in memory: at 16,000
    estates the whole history's blobs would be gigabytes. A blob asked for twice (an
    estate's unchanged files, needed again when it next changes) is simply read twice.
    """

    def __init__(self, root: Path, ids: list[str]):
        self.root = root
        command, env = _git_command(["cat-file", "--batch", "--buffer"])
        self._stderr = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(
                command,
                cwd=root,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as error:
            self._stderr.close()
            raise _not_started(error) from None
        self._writer = threading.Thread(target=self._write, args=(ids,), daemon=True)
        self._writer.start()

    def _write(self, ids: list[str]) -> None:
        stdin = self.process.stdin
        try:
            for start in range(0, len(ids), 4096):
                stdin.write(("\n".join(ids[start : start + 4096]) + "\n").encode("ascii"))
            stdin.close()
        except (BrokenPipeError, OSError, ValueError):
            pass  # git stopped early; close() reports why

    def take(self, ids: Iterable[str]) -> dict[str, bytes]:
        """The next answers, which must be for ``ids`` in this order (missing ones left
        out: a partial clone, or a damaged repository)."""
        stdout = self.process.stdout
        found: dict[str, bytes] = {}
        for wanted in ids:
            header = stdout.readline().split()
            if not header:
                self._fail()
            if len(header) == 3 and header[2].isdigit():
                size = int(header[2])
                data = stdout.read(size + 1)
                if len(data) != size + 1:
                    self._fail()
                found[wanted] = data[:-1]
            # "<id> missing" (or ambiguous): no bytes follow
        return found

    def _fail(self) -> None:
        code = self.process.wait()
        self._stderr.seek(0)
        raise _failed(self.root, code, self._stderr.read())

    def close(self) -> None:
        if self.process.stdout:
            self.process.stdout.close()
        self._writer.join()
        code = self.process.wait()
        self._stderr.seek(0)
        error = self._stderr.read()
        self._stderr.close()
        if code not in (0, -13):  # -13: SIGPIPE, when we stopped reading early
            raise _failed(self.root, code, error)


@dataclass
class _Commit:
    sha: str
    date: dt.datetime
    # (estate id, file name, new blob id or None when deleted)
    updates: list[tuple[str, str, str | None]] = field(default_factory=list)


# Commit id and committer date (strict ISO 8601). Not the author or the message: they
# may name a person or quote a phone number, and what is never read is never published.
LOG_FORMAT = "%x1e%H%x00%cI%x00"
_NO_COMMITS = ("does not have any commits", "bad default revision")
_EMPTY_BLOB = "0" * 40


def read_history(
    repo_root: Path,
    estates_dir: Path,
    schemas: Mapping[str, dict],
    *,
    guard: Guard | None = None,
    committees: Iterable[str] | None = None,
    cache_dir: Path | None = None,
) -> History:
    """Read every estate's versions from the git history of ``estates_dir``.

    ``repo_root`` is any folder inside the work tree; ``schemas`` are the shared Table
    Schemas (``generator.load.load_schemas``), used to match rows by primary key and to
    name columns. ``guard`` masks every old cell shown and decides which versions may be
    linked (the build passes ``Guard.for_data(data_dir)``, with the takedown list; the
    default knows only the patterns). ``committees`` are the estate ids that have a
    committee; by default those of ``committees.yaml`` beside ``estates_dir``. Never
    raises for a missing or odd repository: see :class:`History`.

    ``cache_dir`` (the build passes ``build/cache``) keeps the history read so far in
    ``<cache_dir>/history/``: the next read describes only the commits since, and gives
    the same result as reading everything again (see :func:`_load_cache` for when the
    cache is not used).
    """
    guard = guard or Guard()
    committee_ids = (
        set(committees) if committees is not None else _committee_estates(Path(estates_dir))
    )
    history = _read_history(
        Path(repo_root),
        Path(estates_dir),
        schemas,
        guard,
        committee_ids,
        Path(cache_dir) / CACHE_FOLDER if cache_dir is not None else None,
    )
    # Git's messages name folders (and may quote whatever git printed): guarded too.
    history.message = guard.text(history.message)
    history.message_en = guard.text(history.message_en)
    return history


def _committee_estates(estates_dir: Path) -> set[str]:
    """Estate ids that data/committees.yaml maps to a committee ({} when it cannot be
    read: `sunlight codeowners --check` reports that; a history never fails on it)."""
    path = estates_dir.parent / "committees.yaml"
    if not path.is_file():
        return set()
    try:
        return set(load_mapping(path).estates)
    except (PackageFileError, OSError):
        return set()


def _read_history(
    repo_root: Path,
    estates_dir: Path,
    schemas: Mapping[str, dict],
    guard: Guard,
    committee_ids: set[str],
    cache_folder: Path | None = None,
) -> History:
    try:
        info = _git(
            repo_root,
            ["rev-parse", "--is-shallow-repository", "--show-toplevel", "--git-path", "shallow"],
        )
    except _GitError as error:
        return History(False, message=error.message, message_en=error.message_en)
    lines = info.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) < 3:
        return History(
            False,
            message="无法确定 git 仓库的位置，修改记录暂缺。",
            message_en="Could not locate the git work tree; no change log.",
        )
    shallow = lines[0].strip() == "true"
    top = Path(lines[1])
    shallow_file = Path(lines[2]) if Path(lines[2]).is_absolute() else repo_root / lines[2]
    try:
        prefix = Path(estates_dir).resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return History(
            False,
            message=f"数据文件夹 {estates_dir} 不在 git 仓库 {top} 里，没有修改记录可读。",
            message_en=f"The data folder {estates_dir} is outside the git repository {top}.",
        )
    grafted: set[str] = set()
    if shallow:
        try:
            grafted = set(shallow_file.read_text("ascii").split())
        except OSError:
            grafted = set()

    # The cache is for complete histories only: a shallow clone's oldest versions are
    # "truncated", which a deeper fetch later would describe differently.
    head: str | None = None
    cache_path = cache_folder / CACHE_FILE if cache_folder is not None and not shallow else None
    key = _cache_key(prefix, schemas, guard) if cache_path else ""
    replay = _Replay(prefix, schemas, guard)
    if cache_path:
        try:
            head = _git(top, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]).decode().strip()
        except _GitError:
            head = None  # no commit yet: the log below says so
        cached = _load_cache(cache_path, key, prefix, schemas, guard) if head else None
        if cached and (cached.head == head or _continues(top, cached.head, head)):
            replay = cached
    base = replay.head
    if base is not None and base == head:
        commits: list[_Commit] = []  # nothing new since the cached read
    else:
        try:
            # From the top of the work tree, where the pathspec and the log's paths agree.
            raw = _git(
                top,
                [
                    "log",
                    "--first-parent",
                    "--diff-merges=first-parent",
                    "--reverse",
                    "--raw",
                    "--no-renames",
                    "--no-abbrev",
                    "--no-color",
                    "-z",
                    f"--format={LOG_FORMAT}",
                    *([f"{base}..{head}"] if base else [head] if head else []),
                    "--",
                    prefix,
                ],
            )
        except _GitError as error:
            # An empty repository (no commit yet) has no HEAD: that is an empty history.
            if any(text in error.message for text in _NO_COMMITS):
                return _empty(shallow)
            return History(False, shallow, error.message, error.message_en)
        commits = _parse_log(raw, "" if prefix == "." else prefix + "/")
    if commits:
        try:
            replay.run(commits, grafted, top)
        except _GitError as error:
            return History(False, shallow, error.message, error.message_en)
    if cache_path and head and head != base and replay.complete:
        replay.head = head
        _save_cache(cache_path, key, replay)
    if not replay.seq:
        return _empty(shallow)
    history = History(True, shallow)
    if shallow:
        history.message, history.message_en = SHALLOW_MESSAGE
    history.estates = replay.result(committee_ids)
    return history


def _continues(top: Path, cached: str, head: str) -> bool:
    """Whether ``head`` descends from ``cached`` along first parents, so the history as of
    ``cached`` is the start of the history as of ``head``. False after a rewrite (a
    force-push, a rebase, a reset) or when ``cached`` is not in the repository at all."""
    try:
        out = _git(top, ["rev-list", "--first-parent", "--parents", head, f"^{cached}", "--"])
    except _GitError:
        return False
    lines = out.decode("ascii", "replace").split("\n")
    last = [line for line in lines if line.strip()][-1:]
    # The walk stops at the first commit the cached one already reaches: along first
    # parents that is the cached commit itself only if it is on the line.
    return bool(last) and last[0].split()[1:2] == [cached]


def _empty(shallow: bool) -> History:
    history = History(
        True,
        shallow,
        "还没有提交过小区数据，暂无修改记录。数据提交到仓库后，这里会列出每一次修改。",
        "No estate data has been committed yet, so there is no change log.",
    )
    if shallow:
        history.message, history.message_en = SHALLOW_MESSAGE
    return history


def _parse_log(raw: bytes, prefix: str) -> list[_Commit]:
    """Parse ``git log -z --raw`` output: per commit the header fields (each ending in
    NUL) then raw records ``:mode mode old new status NUL path NUL``."""
    tokens = raw.split(b"\0")
    commits: list[_Commit] = []
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip(b"\n")
        if token.startswith(b"\x1e") and i + 1 < len(tokens):
            sha = token[1:].decode("ascii", "replace")
            try:
                date = dt.datetime.fromisoformat(tokens[i + 1].decode("ascii", "replace"))
            except ValueError:  # git always writes strict ISO 8601; be safe anyway
                date = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
            commits.append(_Commit(sha, date))
            i += 2
            continue
        if token.startswith(b":") and commits and i + 1 < len(tokens):
            meta = token[1:].decode("ascii", "replace").split()
            path = tokens[i + 1].decode("utf-8", "replace")
            i += 2
            if len(meta) < 5 or not path.startswith(prefix):
                continue
            new_mode, new_blob, status = meta[1], meta[3], meta[4]
            parts = path[len(prefix) :].split("/")
            # Only top-level files of an estate folder are package files (as in checksum).
            if len(parts) != 2 or parts[0].startswith(".") or not is_package_file(parts[1]):
                continue
            if new_mode == "160000":  # a submodule is not a file
                continue
            gone = status.startswith("D") or new_blob == _EMPTY_BLOB
            commits[-1].updates.append((parts[0], parts[1], None if gone else new_blob))
            continue
        i += 1
    return commits


@dataclass
class _Step:
    """One estate changed by one commit: its files' blob ids before and after."""

    commit: _Commit
    seq: int
    estate_id: str
    before: dict[str, str]
    after: dict[str, str]

    def blob_ids(self) -> list[str]:
        return list(dict.fromkeys([*self.before.values(), *self.after.values()]))


# A read with at least this many estate versions to describe is shared with a second
# process (see _Replay._describe_all); tests lower it to cover that path.
PARALLEL_STEPS = 2000


def _can_fork() -> bool:
    return (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


class _Replay:
    """The first-parent line walked oldest → newest with each estate's files known by
    their blob ids: everything needed to go on from where a previous read stopped."""

    def __init__(self, prefix: str, schemas: Mapping[str, dict], guard: Guard):
        self.prefix, self.schemas, self.guard = prefix, schemas, guard
        self.head: str | None = None  # the commit this state is as of (cached reads only)
        self.seq = 0  # commits seen on the line (the next one's position)
        self.state: dict[str, dict[str, str]] = {}  # estate → file name → blob id
        self.entries: dict[str, list[Entry]] = {}  # estate → versions, oldest first
        # False when a blob was missing (a partial clone): such a read is not cached, so
        # fetching the blobs later gives the full description.
        self.complete = True
        # Each estate's line as read from the cache, written back unless it was touched.
        self.lines: dict[str, bytes] = {}
        self.touched: set[str] = set()

    def run(self, commits: list[_Commit], grafted: set[str], top: Path) -> None:
        steps: list[_Step] = []
        for commit in commits:
            touched: dict[str, list[tuple[str, str | None]]] = {}
            for estate_id, name, blob in commit.updates:
                touched.setdefault(estate_id, []).append((name, blob))
            for estate_id in sorted(touched):
                before = self.state.get(estate_id, {})
                after = dict(before)
                for name, blob in touched[estate_id]:
                    if blob is None:
                        after.pop(name, None)
                    else:
                        after[name] = blob
                if after == before:
                    continue  # e.g. a mode change only: the content is the same
                self.state[estate_id] = after
                self.touched.add(estate_id)
                steps.append(_Step(commit, self.seq, estate_id, before, after))
            self.seq += 1
        described = self._describe_all(steps, grafted, top)
        # The commit page shows every file it changed, old lines and new: it may be linked
        # only when each of them passes the guard, before and after, in every estate.
        diff_public: dict[int, bool] = {}
        for step, (_, pair_public, ok) in zip(steps, described, strict=True):
            diff_public[step.seq] = diff_public.get(step.seq, True) and pair_public
            self.complete = self.complete and ok
        for step, (entry, _, _) in zip(steps, described, strict=True):
            entry.diff_public = diff_public[step.seq] and entry.files_public
            self.entries.setdefault(step.estate_id, []).append(entry)

    def _describe_all(
        self, steps: list[_Step], grafted: set[str], top: Path
    ) -> list[tuple[Entry, bool, bool]]:
        """:meth:`_describe` for every step, in order. A long read (a first build of a
        city) is split by estate between this process and a forked one, each with its
        own cat-file: estates are described independently of each other."""
        if len(steps) < PARALLEL_STEPS or not _can_fork():
            return self._describe_some(steps, grafted, top)
        estates = sorted({step.estate_id for step in steps})
        theirs = set(estates[1::2])
        mine_at = [i for i, step in enumerate(steps) if step.estate_id not in theirs]
        theirs_at = [i for i, step in enumerate(steps) if step.estate_id in theirs]
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)

        def child() -> None:
            try:
                send.send(("ok", self._describe_some([steps[i] for i in theirs_at], grafted, top)))
            except _GitError as error:
                send.send(("git", error.message, error.message_en))
            except BaseException as error:  # the parent does the work itself instead
                send.send(("failed", repr(error)))
            finally:
                send.close()

        worker = context.Process(target=child, daemon=True)
        worker.start()
        send.close()
        try:
            mine = self._describe_some([steps[i] for i in mine_at], grafted, top)
            try:
                answer = receive.recv()
            except (EOFError, OSError):
                answer = ("failed", "no answer")
        finally:
            receive.close()
            worker.join()
        if answer[0] == "git":
            raise _GitError(answer[1], answer[2])
        if answer[0] != "ok":
            answer = ("ok", self._describe_some([steps[i] for i in theirs_at], grafted, top))
        out: list[tuple[Entry, bool, bool] | None] = [None] * len(steps)
        for i, result in zip(mine_at, mine, strict=True):
            out[i] = result
        for i, result in zip(theirs_at, answer[1], strict=True):
            out[i] = result
        return out  # type: ignore[return-value]

    def _describe_some(
        self, steps: list[_Step], grafted: set[str], top: Path
    ) -> list[tuple[Entry, bool, bool]]:
        wanted = [blob for step in steps for blob in step.blob_ids()]
        blobs = _Blobs(top, wanted) if wanted else None
        public = _Publishable(self.guard, self.schemas)
        try:
            return [self._describe(step, blobs, public, grafted) for step in steps]
        finally:
            if blobs is not None:
                blobs.close()

    def _describe(
        self,
        step: _Step,
        blobs: _Blobs | None,
        public: _Publishable,
        grafted: set[str],
    ) -> tuple[Entry, bool, bool]:
        """One estate's version: its entry (``diff_public`` still to be set for the whole
        commit), whether its files before and after pass the guard, and whether every
        blob was in the repository."""
        guard, prefix = self.guard, self.prefix
        commit, estate_id = step.commit, step.estate_id
        before_ids, after_ids = step.before, step.after
        found = blobs.take(step.blob_ids()) if blobs else {}
        pair_public = public.files(estate_id, before_ids, found) and public.files(
            estate_id, after_ids, found
        )
        before = _contents(before_ids, found)
        after = _contents(after_ids, found)
        missing = sorted(n for n, b in after_ids.items() if b not in found)
        complete = not missing and all(b in found for b in before_ids.values())
        folder = f"{prefix}/{estate_id}" if prefix not in ("", ".") else estate_id
        changed = sorted(
            n for n in set(before_ids) | set(after_ids) if before_ids.get(n) != after_ids.get(n)
        )
        if commit.sha in grafted:
            # The parent is not in this shallow clone: the diff against nothing would
            # claim every table was new. Say what we do not know instead.
            changes = [Change("", "", "truncated", TRUNCATED_LINE, rows=0)]
            # Nor can its diff be judged: the commit page shows what the parent held.
            pair_public = False
        else:
            changes = describe_changes(before, after, self.schemas, estate=estate_id, guard=guard)
            changes += [
                Change(
                    guard.text(n),
                    guard.text(n),
                    "unreadable",
                    f"文件 {guard.text(n)} 的内容在本仓库副本中缺失，无法比较",
                )
                for n in missing
            ]
            if not changes:
                changes = [Change("", "", "format-only", FORMAT_ONLY, rows=0)]
        entry = Entry(
            estate_id=estate_id,
            estate_name=_estate_name(after, estate_id, guard) or estate_id,
            commit=commit.sha,
            short=commit.sha[:SHORT_LENGTH],
            date=commit.date,
            checksum=None if missing else checksum_of(after),
            folder=folder,
            # Published as the version's file list: a file name is guarded like a cell.
            paths=[f"{folder}/{guard.text(n)}" for n in sorted(after_ids)],
            changed_files=[guard.text(n) for n in changed],
            changes=changes,
            seq=step.seq,
            files_public=not missing and public.files(estate_id, after_ids, found),
        )
        return entry, pair_public, complete

    def result(self, committee_ids: set[str]) -> dict[str, list[Entry]]:
        """Every estate's versions, newest first, credited to its committee."""
        out = {}
        for estate_id, entries in sorted(self.entries.items()):
            # Credited to the estate's committee by its current name (the newest version's).
            name = entries[-1].estate_name
            committee = f"{name}{COMMITTEE}" if estate_id in committee_ids else COMMITTEE
            out[estate_id] = [
                dataclasses.replace(entry, committee=committee) for entry in reversed(entries)
            ]
        return out


class _Publishable:
    """Whether a version's files may be linked in the public repository: each file's
    bytes are what the guard would publish today, so following the link shows nothing
    the site itself masks. Judged once per blob (a file unchanged across commits is the
    same blob), so a long history costs one check per distinct file content."""

    def __init__(self, guard: Guard, schemas: Mapping[str, dict]):
        self.guard, self.schemas = guard, schemas
        self._seen: dict[tuple[str, str, str, str | None], bool] = {}
        self._tables: dict[tuple[str | None, tuple[str, ...]], dict[str, str]] = {}
        self._clean: dict[tuple[str, ...], set[str]] = {}  # allowed kinds → clean cells

    def files(self, estate_id: str, ids: Mapping[str, str], blobs: Mapping[str, bytes]) -> bool:
        if not ids:
            return True
        if any(blob not in blobs for blob in ids.values()):
            return False  # not in this clone: cannot be judged, so not vouched for
        files = _contents(ids, blobs)
        # Which file is which table follows from the descriptor and the file names alone;
        # a descriptor is parsed once however many versions share it.
        names = tuple(sorted(ids))
        desc = next((ids[n] for n in DESCRIPTOR_NAMES if n in ids), None)
        if (desc, names) not in self._tables:
            _, descriptor = _descriptor(files)
            self._tables[desc, names] = {
                path: table for table, path in _table_files(files, descriptor, self.schemas).items()
            }
        tables = self._tables[desc, names]
        for name, blob in ids.items():
            key = (estate_id, name, blob, tables.get(name))
            if key not in self._seen:
                self._seen[key] = self._file(estate_id, name, files[name], tables.get(name))
            if not self._seen[key]:
                return False
        return True

    def _file(self, estate_id: str, name: str, data: bytes, table: str | None) -> bool:
        guard = self.guard
        if guard.text(name) != name:
            return False
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return False  # what it says cannot be checked, so it is not vouched for
        if table is None:
            return guard.text(text) == text
        # A table is judged cell by cell, as its download is: the contacts table's public
        # telephone may be a landline, and a row takedown masks a row's cells. The header
        # line is free text.
        header = text.split("\n", 1)[0]
        return guard.text(header) == header and self._table(estate_id, table, data)

    def _table(self, estate_id: str, table: str, data: bytes) -> bool:
        """``guard.csv(estate_id, table, data) == data``, faster at city scale.

        Without a takedown for this table (nor a listed value anywhere), a cell's public
        form depends only on its text and column — the same dates, amounts and 是/否
        recur in every estate — so each distinct cell is scanned once per read, not once
        per file. Otherwise, and for whatever is not plain CSV, the guard decides.
        """
        guard = self.guard
        if guard.touches(estate_id, table):
            return guard.csv(estate_id, table, data) == data
        rows = _csv_rows(data)  # decoded and parsed as guard.csv does
        if rows is None:
            return guard.csv(estate_id, table, data) == data
        if not rows:
            return True
        header, body = rows[0], itertools.islice(rows, 1, None)
        allowed = [allowed_kinds(table, column) for column in header]
        overflow = allowed_kinds(table, "")  # cells beyond the header
        # The distinct cells of each column kind (C-speed sets), then only the ones not
        # seen before are scanned.
        groups: dict[tuple[str, ...], set[str]] = {}
        if all(allow == overflow for allow in allowed):
            groups[overflow] = set(itertools.chain.from_iterable(body))
        else:
            for cells in body:
                for i, cell in enumerate(cells):
                    groups.setdefault(allowed[i] if i < len(allowed) else overflow, set()).add(cell)
        for allow, cells in groups.items():
            clean = self._clean.setdefault(allow, set())
            for cell in cells.difference(clean):
                if guard.text(cell, allow=allow) != cell:
                    return False
                if len(clean) >= _CLEAN_CELLS:
                    clean.clear()
                clean.add(cell)
        return True


# Clean cells _Publishable remembers per column kind, at most (about 100 MB): then it
# starts over.
_CLEAN_CELLS = 1_000_000


def _contents(ids: Mapping[str, str], blobs: Mapping[str, bytes]) -> dict[str, bytes]:
    return {name: blobs[blob] for name, blob in ids.items() if blob in blobs}


# --------------------------------------------------------------------------- the cache

CACHE_FOLDER = "history"
CACHE_FILE = "history.json"
# Raise when what the cache holds changes meaning (its own code is hashed in anyway).
CACHE_VERSION = 1
_CACHE_FORMAT = "sunlight-history"
# The modules whose code decides what an entry says: a change to any of them is a new key.
_CODE = ("history.py", "privacy.py", "checksum.py")


def _cache_key(prefix: str, schemas: Mapping[str, dict], guard: Guard) -> str:
    """What a cached history depends on besides the commits: the estates folder, the
    schemas (keys and titles), the takedown list (entries hold guarded text: a value
    taken down today must not survive in a cached sentence) and this code."""
    here = Path(__file__).resolve().parent
    code = hashlib.sha256()
    for name in _CODE:
        code.update(name.encode() + b"\0" + (here / name).read_bytes() + b"\0")
    blob = json.dumps(
        {
            "format": _CACHE_FORMAT,
            "version": CACHE_VERSION,
            "python": list(sys.version_info[:2]),
            "prefix": prefix,
            "descriptors": list(DESCRIPTOR_NAMES),
            "schemas": schemas,
            "guard": guard.fingerprint,
            "code": code.hexdigest(),
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _entry_record(entry: Entry) -> list:
    # The committee credit is not kept: it follows from committees.yaml at each read.
    # File paths are kept relative to the estate's folder.
    cut = len(entry.folder) + 1
    return [
        entry.estate_name,
        entry.commit,
        entry.date.isoformat(),
        entry.checksum,
        entry.folder,
        [path[cut:] for path in entry.paths],
        entry.changed_files,
        [
            [
                c.resource,
                c.table_title,
                c.kind,
                c.text_zh,
                list(c.key),
                c.rows,
                [[f.name, f.title, f.old, f.new] for f in c.fields],
            ]
            for c in entry.changes
        ],
        entry.seq,
        entry.files_public,
        entry.diff_public,
    ]


def _entry_from(estate_id: str, record: list) -> Entry:
    name, commit, date, checksum, folder, paths, changed, changes, seq, files_pub, diff_pub = record
    parsed = dt.datetime.fromisoformat(date)
    if (
        not isinstance(commit, str)
        or parsed.tzinfo is None
        or not isinstance(seq, int)
        or not isinstance(files_pub, bool)
        or not isinstance(diff_pub, bool)
    ):
        raise ValueError("not an entry")
    # The file's checksum vouches for its contents; the types are checked per entry, not
    # per cell (a warm build reads every estate's entries: about 300,000 changes).
    return Entry(
        estate_id=estate_id,
        estate_name=str(name),
        commit=commit,
        short=commit[:SHORT_LENGTH],
        date=parsed,
        checksum=checksum if checksum is None else str(checksum),
        folder=str(folder),
        paths=[f"{folder}/{p}" for p in paths],
        changed_files=list(changed),
        changes=[
            Change(
                resource,
                title,
                kind,
                text,
                tuple(key),
                rows,
                tuple([FieldChange(*f) for f in fields]) if fields else (),
            )
            for resource, title, kind, text, key, rows, fields in changes
        ],
        seq=seq,
        files_public=files_pub,
        diff_public=diff_pub,
    )


def _estate_line(replay: _Replay, estate_id: str) -> bytes:
    record = [
        estate_id,
        replay.state.get(estate_id, {}),
        [_entry_record(e) for e in replay.entries.get(estate_id, [])],
    ]
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _save_cache(path: Path, key: str, replay: _Replay) -> None:
    """Write the cache atomically (a new file renamed over the old): a build stopped
    half-way leaves the previous cache or none, never half of one. Failing to write it
    only makes the next build slower.

    One line per estate (JSON), after a header line that holds the checksum of the rest:
    an estate no new commit touched is written back as the very line that was read.
    """
    estates = sorted(set(replay.state) | set(replay.entries))
    lines = [
        replay.lines[e]
        if e in replay.lines and e not in replay.touched
        else _estate_line(replay, e)
        for e in estates
    ]
    payload = b"\n".join(lines)
    header = json.dumps(
        {
            "format": _CACHE_FORMAT,
            "version": CACHE_VERSION,
            "key": key,
            "head": replay.head,
            "seq": replay.seq,
            "sha256": hashlib.sha256(payload).hexdigest(),
        }
    ).encode("ascii")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(header + b"\n" + payload)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from a CI cache step
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _load_cache(
    path: Path, key: str, prefix: str, schemas: Mapping[str, dict], guard: Guard
) -> _Replay | None:
    """The cached read, or None — and the history is then read from the first commit —
    when the file is missing, damaged (its checksum does not match), from another
    version of this code, or for other schemas, another takedown list or another
    estates folder. Whether its commit is still on the line is :func:`_continues`."""
    try:
        with open(path, "rb") as f:
            header = json.loads(f.readline())
            if not isinstance(header, dict) or header.get("format") != _CACHE_FORMAT:
                return None
            if header.get("version") != CACHE_VERSION or header.get("key") != key:
                return None
            head = header.get("head")
            if not isinstance(head, str) or not re.fullmatch(r"[0-9a-f]{40,64}", head):
                return None
            payload = f.read()
        if hashlib.sha256(payload).hexdigest() != header.get("sha256"):
            return None
        replay = _Replay(prefix, schemas, guard)
        replay.head = head
        replay.seq = header["seq"]
        if not isinstance(replay.seq, int):
            return None
        for line in payload.split(b"\n") if payload else ():
            estate_id, files, records = json.loads(line)
            estate_id = str(estate_id)
            replay.state[estate_id] = {str(n): str(b) for n, b in files.items()}
            replay.entries[estate_id] = [_entry_from(estate_id, r) for r in records]
            replay.lines[estate_id] = line
    except (OSError, ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError):
        return None
    return replay


def _estate_name(files: Mapping[str, bytes], estate_id: str, guard: Guard) -> str | None:
    """The estate's name in this version, as the guard publishes it today."""
    data = files.get("estate.csv")
    if data is None:
        return None
    try:
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error):
        return None
    if not rows:
        return None
    row = {(k or "").strip(): (v or "").strip() for k, v in rows[0].items() if isinstance(v, str)}
    name = row.get("name")
    return guard.cell(estate_id, "estate", row, "name", name) if name else None


# --------------------------------------------------------------------------- tables


@dataclass
class _Table:
    """One CSV read for comparison: rows by primary key, values normalised by type."""

    rows: dict[tuple, dict[str, object]]  # key → {column: comparable value}
    shown: dict[tuple, dict[str, str]]  # key → {column: value as shown, not yet guarded}
    order: list[tuple]  # keys in file order
    # key → {column: the cell's text}, what the guard's takedowns match row keys against
    # (as in the CSV download, so one takedown entry hides a row everywhere).
    text: dict[tuple, dict[str, str]] = field(default_factory=dict)


class _Unreadable(Exception):
    pass


_UNITS = ("元", "㎡", "小时", "%")
_TITLE_UNIT = re.compile(r"^(.*?)（([^（）]*)）$")
_WS = re.compile(r"\s+")


def _title_and_unit(field_def: Mapping) -> tuple[str, str]:
    """Column title without its parenthesised note, and the unit when the note is one:
    "期末余额（元）" → ("期末余额", "元"); "姓名（可打码）" → ("姓名", "")."""
    title = str(field_def.get("title") or field_def.get("name") or "")
    match = _TITLE_UNIT.match(title)
    if not match:
        return title, ""
    unit = match.group(2)
    return match.group(1), unit if unit in _UNITS else ""


def _is_money(name: str) -> bool:
    return name.endswith("_yuan")


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _normalise(field_def: Mapping | None, text: str) -> tuple[object, str]:
    """(comparable value, value as shown) of one cell. Whitespace around and inside a
    cell never counts; numbers compare as Decimal (2.9 == 2.90); booleans by the schema's
    true/false values; dates as ISO dates. A value that does not parse compares as text
    (validation reports it; history only says what changed)."""
    text = _WS.sub(" ", text).strip()
    if not text:
        return None, EMPTY
    kind = (field_def or {}).get("type", "string")
    name = (field_def or {}).get("name", "")
    if kind in ("number", "integer"):
        try:
            number = Decimal(text)
        except InvalidOperation:
            return ("text", text), text
        if not number.is_finite():
            return ("text", text), text
        if _is_money(name):
            return number, _money(number)
        return number, str(number) if kind == "integer" else text
    if kind == "boolean":
        trues = [str(v) for v in field_def.get("trueValues", ["true", "True", "TRUE", "1"])]
        falses = [str(v) for v in field_def.get("falseValues", ["false", "False", "FALSE", "0"])]
        if text in trues:
            return True, "是"
        if text in falses:
            return False, "否"
        return ("text", text), text
    if kind == "date":
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return ("text", text), text
        return day, day.isoformat()
    if kind == "yearmonth":
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
        if match:
            shown = f"{match.group(1)}-{int(match.group(2)):02d}"
            return ("yearmonth", shown), shown
        return ("text", text), text
    return text, text


def _records(data: bytes, schema: Mapping) -> tuple[list[str], list[list[str]], dict]:
    """(header as column names, the records after it, the schema's fields by name) of
    one CSV; raise _Unreadable when its rows cannot be matched by key."""
    records = _csv_rows(data)
    if not records:  # None (not UTF-8, or not CSV) or empty
        raise _Unreadable
    fields = {f["name"]: f for f in schema.get("fields", []) if "name" in f}
    by_title = {str(f.get("title")): n for n, f in fields.items() if f.get("title")}
    # Columns are matched by name (or by title, if a spreadsheet wrote titles), so
    # reordering or relabelling columns is not a change.
    header = []
    for label in records[0]:
        label = label.strip()
        header.append(label if label in fields else by_title.get(label, label))
    if len(set(header)) != len(header):
        raise _Unreadable
    if any(k not in header for k in _primary_key(schema)):
        raise _Unreadable
    return header, records[1:], fields


@functools.lru_cache(maxsize=32)
def _csv_rows(data: bytes) -> list[list[str]] | None:
    """The records of a CSV file (UTF-8, a BOM allowed), None when it is not UTF-8 or not
    CSV. Remembered for a few files: a version's tables are both compared and checked for
    the guard. Callers only read the result."""
    try:
        text = data.decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error):
        return None


def _count_rows(data: bytes, schema: Mapping) -> int:
    """``len(_read_table(data, schema).order)`` without typing every cell: a table
    published whole is only counted (at city scale, most of a first read)."""
    _, records, _ = _records(data, schema)
    return sum(1 for record in records if any(map(str.strip, record)))


def _read_table(data: bytes, schema: Mapping) -> _Table:
    """Parse one CSV for comparison; raise _Unreadable when rows cannot be matched."""
    header, records, fields = _records(data, schema)
    key_fields = _primary_key(schema)
    rows: dict[tuple, dict[str, object]] = {}
    shown: dict[tuple, dict[str, str]] = {}
    texts: dict[tuple, dict[str, str]] = {}
    order: list[tuple] = []
    for record in records:
        if not any(cell.strip() for cell in record):
            continue  # blank lines are formatting
        values: dict[str, object] = {}
        display: dict[str, str] = {}
        cells: dict[str, str] = {}
        for index, column in enumerate(header):
            cell = record[index] if index < len(record) else ""
            values[column], display[column] = _normalise(fields.get(column), cell)
            cells[column] = cell.strip()
        if key_fields:
            key: tuple = tuple(values[k] for k in key_fields)
        else:
            # No key: a row is only itself (added or removed, never "changed").
            key = tuple(sorted(values.items(), key=lambda kv: kv[0]))
        # A repeated key (the validator reports it) still gets its own slot, in order.
        base, n = key, 1
        while key in rows:
            n += 1
            key = (*base, ("#", n))
        rows[key], shown[key], texts[key] = values, display, cells
        order.append(key)
    return _Table(rows, shown, order, texts)


def _primary_key(schema: Mapping) -> list[str]:
    key = schema.get("primaryKey") or []
    return [key] if isinstance(key, str) else list(key)


def _descriptor(files: Mapping[str, bytes]) -> tuple[str | None, dict | None]:
    """(descriptor file name, parsed mapping or None when it cannot be read)."""
    for name in DESCRIPTOR_NAMES:
        if name in files:
            raw = _parse_descriptor(files[name])
            return name, raw if isinstance(raw, dict) else None
    return None, None


@functools.lru_cache(maxsize=64)
def _parse_descriptor(data: bytes) -> object:
    """The parsed descriptor, None when it cannot be read. Remembered for a few files: a
    version is compared with the one before and checked for the guard, each needing it.
    Callers only read the result."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    simple = _simple_descriptor(text)
    if simple is not None:
        return simple
    # Not libyaml's loader: it reads some files the pure-Python one refuses (a tab in a
    # plain value), and an unreadable descriptor must stay unreadable.
    try:
        return yaml.safe_load(text)
    except Exception:  # any broken YAML is "unreadable", never fatal
        return None


_STR_TAG = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()
_SIMPLE_LINE = re.compile(r"( {0,4})(- )?([a-z_]+):(?: (.*))?")
_NOT_PLAIN = re.compile(r"""^[-?:,\[\]{}#&*!|>'"%@`\s]|: | #|[\s:]$|\t""")
# Line breaks other than \n (YAML reads \r, NEL and U+2028/9 as breaks too) and what YAML
# refuses to read at all: such a file is left to YAML.
_NOT_SIMPLE = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)


def _simple_descriptor(text: str) -> dict | None:
    """The descriptor as yaml.safe_load reads it, when it is written the way the sample
    and the committee tools write it (``key: value`` lines, ``resources:`` then ``  - ``
    items), else None for YAML to read. At 16,000 estates YAML's own constructor costs
    more than all the rest of reading a package; here every value is still resolved by
    YAML's resolver and anything it would not read as a plain string goes to YAML."""
    if _NOT_SIMPLE.search(text):
        return None
    top: dict[str, object] = {}
    items: list[dict[str, object]] | None = None
    for line in text.split("\n"):
        if not line.strip():
            continue
        match = _SIMPLE_LINE.fullmatch(line)
        if match is None:
            return None
        indent, dash, key, value = (
            len(match.group(1)),
            match.group(2),
            match.group(3),
            match.group(4),
        )
        if value is not None and (
            not value
            or _NOT_PLAIN.search(value)
            or _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) != _STR_TAG
        ):
            return None
        if indent == 0 and not dash:
            if value is None:
                if key != "resources" or key in top:
                    return None
                items = []
                top[key] = items
            else:
                if key in top:
                    return None
                items = None
                top[key] = value
        elif indent == 2 and dash and items is not None and value is not None:
            items.append({key: value})
        elif indent == 4 and not dash and items and value is not None and key not in items[-1]:
            items[-1][key] = value
        else:
            return None
    if not top or top.get("resources") == []:
        return None  # an empty file, or "resources:" with nothing under it: null to YAML
    return top


def _table_files(
    files: Mapping[str, bytes], descriptor: dict | None, schemas: Mapping[str, dict]
) -> dict[str, str]:
    """Table name → file name, in the package's order. Without a readable descriptor,
    a file named after a table (members.csv) is taken to be that table."""
    tables: dict[str, str] = {}
    resources = descriptor.get("resources") if descriptor else None
    if isinstance(resources, list):
        for resource in resources:
            if not isinstance(resource, dict):
                continue
            name, path = resource.get("name"), resource.get("path")
            if (
                isinstance(name, str)
                and name in schemas
                and isinstance(path, str)
                and "/" not in path
                and path in files
                and name not in tables
            ):
                tables[name] = path
        return tables
    for file_name in sorted(files):
        stem = file_name.removesuffix(".csv")
        if file_name.endswith(".csv") and stem in schemas:
            tables[stem] = file_name
    return tables


def describe_changes(
    before: Mapping[str, bytes],
    after: Mapping[str, bytes],
    schemas: Mapping[str, dict],
    *,
    estate: str = "",
    guard: Guard | None = None,
) -> list[Change]:
    """The differences between two versions of one package ({file name: bytes}), in words.

    Rows are matched by the schema's primary key, columns by name; row order, column
    order, whitespace and number formatting are not changes. [] means no value changed.
    Every value a sentence shows — cells old and new, keys, the package title, file
    names — is first passed through ``guard`` (default: the patterns alone) for the
    estate ``estate``, so an old phone number reads 138****5678; the comparison itself
    uses the cells as committed, so a masked change is still listed.
    """
    guard = guard or Guard()
    changes: list[Change] = []
    before_desc_name, before_desc = _descriptor(before)
    after_desc_name, after_desc = _descriptor(after)
    before_tables = _table_files(before, before_desc, schemas)
    after_tables = _table_files(after, after_desc, schemas)

    # The descriptor itself: its title, or that it cannot be read.
    if before_desc_name and not after_desc_name and after:  # (not when all is gone)
        changes.append(
            Change(
                before_desc_name, before_desc_name, "file-removed", f"删除文件 {before_desc_name}"
            )
        )
    if after_desc_name and before.get(after_desc_name) != after[after_desc_name]:
        if after_desc is None:
            changes.append(_unreadable(after_desc_name))
        elif before_desc is not None:
            old_title = guard.text(_WS.sub(" ", str(before_desc.get("title") or "")).strip())
            new_title = guard.text(_WS.sub(" ", str(after_desc.get("title") or "")).strip())
            if old_title != new_title:
                changes.append(
                    Change(
                        after_desc_name,
                        after_desc_name,
                        "package",
                        f"数据包标题 {old_title or EMPTY}{ARROW}{new_title or EMPTY}",
                        fields=(
                            FieldChange("title", "标题", old_title or EMPTY, new_title or EMPTY),
                        ),
                    )
                )

    names = list(after_tables) + [n for n in before_tables if n not in after_tables]
    for table in names:
        schema = schemas[table]
        title = str(schema.get("title") or table)
        old_file, new_file = before_tables.get(table), after_tables.get(table)
        if old_file is None and new_file is not None:
            changes.append(_whole_table(table, title, after[new_file], schema, added=True))
        elif new_file is None and old_file is not None:
            changes.append(_whole_table(table, title, before[old_file], schema, added=False))
        elif old_file is not None and new_file is not None:
            if before[old_file] == after[new_file]:
                continue
            try:
                old = _read_table(before[old_file], schema)
                new = _read_table(after[new_file], schema)
                changes += _diff_table(
                    table, schema, old, new, after, after_tables, estate=estate, guard=guard
                )
            except Exception:  # _Unreadable, or any surprise: a history never fails on data
                changes.append(_unreadable(guard.text(new_file), table, title))

    # Files that are neither the descriptor nor a table: say only that they changed. Their
    # names are published in these sentences, so they are guarded like any text.
    known = set(before_tables.values()) | set(after_tables.values())
    known |= {n for n in (before_desc_name, after_desc_name) if n}
    for name in sorted((set(before) | set(after)) - known):
        if not is_package_file(name):
            continue
        shown = guard.text(name)
        if name not in before:
            changes.append(Change(shown, shown, "file-added", f"新增文件 {shown}"))
        elif name not in after:
            changes.append(Change(shown, shown, "file-removed", f"删除文件 {shown}"))
        elif before[name] != after[name]:
            changes.append(_unreadable(shown))
    return changes


def _unreadable(file_name: str, table: str | None = None, title: str | None = None) -> Change:
    return Change(
        table or file_name,
        title or file_name,
        "unreadable",
        f"文件 {file_name} 已修改（无法逐行比较）",
    )


def _whole_table(table: str, title: str, data: bytes, schema: Mapping, added: bool) -> Change:
    try:
        count: int | None = _count_rows(data, schema)
    except Exception:  # the count is a nicety; the line still says what happened
        count = None
    if added:
        text = f"新增公示：{title}" + (f"（{count} 行）" if count is not None else "")
        return Change(table, title, "table-added", text, rows=count or 0)
    text = f"删除整张表：{title}" + (f"（原有 {count} 行）" if count is not None else "")
    return Change(table, title, "table-removed", text, rows=count or 0)


# --------------------------------------------------------------------------- phrasing


@dataclass
class _Row:
    """A row as the phrase functions see it: values as shown, and the table's helpers."""

    key: tuple[str, ...]
    values: dict[str, str]
    raw: dict[str, object]

    def get(self, name: str) -> str:
        """Value as shown, "" when empty (for building sentences)."""
        value = self.values.get(name, EMPTY)
        return "" if value == EMPTY else value


@dataclass
class _Diff:
    table: str
    title: str
    schema: Mapping
    added: list[_Row]
    removed: list[_Row]
    changed: list[tuple[_Row, _Row, list[FieldChange]]]
    after_files: Mapping[str, bytes]
    after_tables: Mapping[str, str]
    estate: str = ""
    guard: Guard = field(default_factory=Guard)

    def lookup(self, table: str, column: str, wanted: str) -> dict[str, str]:
        """{column value: wanted value} from another table of the new version, e.g. member
        id → name for the events table, the wanted value as the guard publishes it; {}
        when that table cannot be read."""
        file_name = self.after_tables.get(table)
        if not file_name:
            return {}
        try:
            rows = list(
                csv.DictReader(io.StringIO(self.after_files[file_name].decode("utf-8-sig")))
            )
        except Exception:  # a name is a nicety; the id is shown instead
            return {}
        found = {}
        for row in rows:
            row = {str(k).strip(): (v or "").strip() for k, v in row.items() if k}
            if row.get(column) and row.get(wanted):
                found.setdefault(
                    row[column], self.guard.cell(self.estate, table, row, wanted, row[wanted])
                )
        return found


def _diff_table(
    table: str,
    schema: Mapping,
    old: _Table,
    new: _Table,
    after_files: Mapping[str, bytes],
    after_tables: Mapping[str, str],
    *,
    estate: str = "",
    guard: Guard | None = None,
) -> list[Change]:
    guard = guard or Guard()
    fields = {f["name"]: f for f in schema.get("fields", []) if "name" in f}
    key_fields = _primary_key(schema)
    columns = list(fields) + sorted(
        {c for t in (old, new) for r in t.rows.values() for c in r} - set(fields)
    )

    def public(text: Mapping[str, str], column: str, value: str) -> str:
        if value == EMPTY:
            return value
        if fields.get(column, {}).get("type", "string") == "string":
            return guard.cell(estate, table, text, column, value)
        # A date, number or yes/no is not a text cell (a row takedown masks text cells, as
        # on the pages), but a phone typed into a number column is still a phone.
        return guard.text(value, allow=allowed_kinds(table, column))

    def row(t: _Table, k: tuple) -> _Row:
        # Only the rows a sentence may show are guarded (an unchanged row never is), each
        # cell as today's guard publishes it: the phrasings below see masked values only.
        text = t.text.get(k, {})
        shown = {c: public(text, c, v) for c, v in t.shown[k].items()}
        key_shown = tuple(shown.get(f, EMPTY) for f in key_fields) if key_fields else ()
        return _Row(key_shown, shown, t.rows[k])

    added = [row(new, k) for k in new.order if k not in old.rows]
    removed = [row(old, k) for k in old.order if k not in new.rows]
    changed = []
    for k in new.order:
        if k not in old.rows:
            continue
        before, after = old.rows[k], new.rows[k]
        differing = [c for c in columns if before.get(c) != after.get(c)]
        if not differing:
            continue
        old_row, new_row = row(old, k), row(new, k)
        cells = []
        for column in differing:
            title, _ = _title_and_unit(fields.get(column, {"name": column}))
            if column not in fields:  # a column the schema does not know: its header
                title = guard.text(title)
            cells.append(
                FieldChange(
                    column,
                    title,
                    old_row.values.get(column, EMPTY),
                    new_row.values.get(column, EMPTY),
                )
            )
        changed.append((old_row, new_row, cells))
    title = str(schema.get("title") or table)
    diff = _Diff(
        table, title, schema, added, removed, changed, after_files, after_tables, estate, guard
    )
    try:
        return PHRASES.get(table, _generic)(diff)
    except Exception:
        if STRICT:
            raise
        # A table's own sentences tripped on odd values: still list the change, plainly.
        return _generic(diff)


def _cell(diff: _Diff, cell: FieldChange) -> str:
    """「期末余额 73,000.00 → 73,100.00 元」: title, old → new, and the unit if any."""
    field_def = next((f for f in diff.schema.get("fields", []) if f.get("name") == cell.name), {})
    _, unit = _title_and_unit(field_def or {"name": cell.name})
    old, new = _excerpts(cell.old, cell.new)
    if unit == "%":  # 「满意率 91.3% → 92%」
        old, new = (v if v == EMPTY else f"{v}%" for v in (old, new))
        unit = ""
    return f"{cell.title} {old}{ARROW}{new}{f' {unit}' if unit else ''}"


_CLAUSE_ENDS = set("，。；、：！？,.;:!?\n")


def _excerpts(old: str, new: str, width: int = 30, reach: int = 20) -> tuple[str, str]:
    """Long texts (a service standard) show only the clause that differs, so a corrected
    typo reads 「…楼道每周拖扫两此… → …楼道每周拖扫两次…」 instead of two paragraphs."""
    if len(old) <= width and len(new) <= width:
        return old, new
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0  # length of the common suffix, not overlapping the common prefix
    while (
        end < min(len(old), len(new)) - start and old[len(old) - 1 - end] == new[len(new) - 1 - end]
    ):
        end += 1

    def cut(text: str) -> str:
        # Widen the differing span to its clause: back to the punctuation before it and
        # on to the punctuation after it, or a few characters when the clause is long.
        lo = start
        while lo > 0 and start - lo < reach and text[lo - 1] not in _CLAUSE_ENDS:
            lo -= 1
        if lo > 0 and text[lo - 1] not in _CLAUSE_ENDS:
            lo = max(0, start - 8)
        hi = len(text) - end
        while hi < len(text) and hi - (len(text) - end) < reach and text[hi] not in _CLAUSE_ENDS:
            hi += 1
        if hi < len(text) and text[hi] not in _CLAUSE_ENDS:
            hi = min(len(text), len(text) - end + 8)
        return ("…" if lo > 0 else "") + text[lo:hi] + ("…" if hi < len(text) else "")

    return cut(old), cut(new)


def _key_text(row: _Row) -> str:
    return " ".join(row.key)


def _change(diff: _Diff, kind: str, text: str, row: _Row | None = None, **extra) -> Change:
    return Change(diff.table, diff.title, kind, text, row.key if row else (), **extra)


def _generic(
    diff: _Diff,
    label: Callable[[_Row], str] | None = None,
    added: Callable[[_Row], str] | None = None,
    removed: Callable[[_Row], str] | None = None,
    sep: str = " ",
) -> list[Change]:
    """「{表名} {主键}：{列标题} 旧值 → 新值」 / 「{表名} 新增 {主键}」 / 「{表名} 删除 {主键}」,
    or with a table's own row label and sentences when given."""

    def default_label(r: _Row) -> str:
        return f"{diff.title} {_key_text(r)}"

    if label is None:
        label, sep = default_label, "："
    changes = []
    for _old, new, cells in diff.changed:
        text = label(new) + sep + "；".join(_cell(diff, c) for c in cells)
        changes.append(_change(diff, "changed", text, new, fields=tuple(cells)))
    for r in diff.added:
        text = added(r) if added else f"{diff.title} 新增 {_key_text(r)}"
        changes.append(_change(diff, "added", text, r))
    for r in diff.removed:
        text = removed(r) if removed else f"{diff.title} 删除 {_key_text(r)}"
        changes.append(_change(diff, "removed", text, r))
    return changes


def _grouped(
    rows: list[_Row], group: Callable[[_Row], str], text: Callable[[str, int], str]
) -> list[tuple[str, int, str]]:
    """Summarise many rows as one line per group: (group, count, sentence)."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[group(r)] = counts.get(group(r), 0) + 1
    return [(g, n, text(g, n)) for g, n in counts.items()]


def _summarised(
    diff: _Diff,
    label: Callable[[_Row], str],
    group: Callable[[_Row], str],
    added: Callable[[str, int], str],
    removed: Callable[[str, int], str],
) -> list[Change]:
    """Rows added or removed in bulk (a quarter's lines, a half-year's ledger) become one
    line per group; changed rows are listed one by one."""
    changes = [
        _change(
            diff,
            "changed",
            label(new) + " " + "；".join(_cell(diff, c) for c in cells),
            new,
            fields=tuple(cells),
        )
        for _, new, cells in diff.changed
    ]
    for g, n, text in _grouped(diff.added, group, added):
        changes.append(Change(diff.table, diff.title, "added", text, (g,), rows=n))
    for g, n, text in _grouped(diff.removed, group, removed):
        changes.append(Change(diff.table, diff.title, "removed", text, (g,), rows=n))
    return changes


def _with_building(name: str, building: str) -> str:
    return f"{name}（{building}号楼）" if building else name


def _members(diff: _Diff) -> list[Change]:
    changes = []
    for old, new, cells in diff.changed:
        name = new.get("display_name") or old.get("display_name")
        by_name = {c.name: c for c in cells}
        sentences = []
        if "role" in by_name:
            sentences.append(f"{name} 职务 {by_name['role'].old}{ARROW}{by_name['role'].new}")
            # The role says whether the member votes; "有表决权 否 → 是" would repeat it.
            by_name.pop("is_voting", None)
            by_name.pop("role")
        if "end_date" in by_name and old.raw.get("end_date") is None:
            reason = new.get("end_reason")
            role = old.get("role")
            sentences.append(f"{role} {name} 离任" + (f"（{reason}）" if reason else ""))
            by_name.pop("end_date")
            by_name.pop("end_reason", None)
        rest = list(by_name.values())
        if rest:
            sentences.append(f"{new.get('role')} {name} " + "；".join(_cell(diff, c) for c in rest))
        changes.append(_change(diff, "changed", "；".join(sentences), new, fields=tuple(cells)))
    for r in diff.added:
        text = f"新增{r.get('role') or '成员'} " + _with_building(
            r.get("display_name"), r.get("building_no")
        )
        changes.append(_change(diff, "added", text, r))
    for r in diff.removed:
        text = f"删除成员记录 {r.get('role')} {r.get('display_name')}".replace("  ", " ")
        changes.append(_change(diff, "removed", text, r))
    return changes


def _committees(diff: _Diff) -> list[Change]:
    def label(r: _Row) -> str:
        return f"第{r.get('term_no')}届业委会"

    def added(r: _Row) -> str:
        term = (
            f"（任期 {r.get('term_start')} 至 {r.get('term_end')}）" if r.get("term_start") else ""
        )
        return f"{label(r)} 新增公示{term}"

    changes = []
    for old, new, cells in diff.changed:
        parts = []
        for c in cells:
            if c.name == "filing_date" and old.raw.get("filing_date") is None:
                parts.append(f"已备案（{c.new}）")
            else:
                parts.append(_cell(diff, c))
        changes.append(
            _change(diff, "changed", f"{label(new)} " + "；".join(parts), new, fields=tuple(cells))
        )
    diff.changed = []
    return changes + _generic(diff, label, added, lambda r: f"{label(r)} 记录被删除")


def _fee_label(r: _Row) -> str:
    # 单项 (parking and the like) is a placeholder, not a package: 「地面停车 收费」.
    if r.get("package") == "单项":
        return f"{r.get('unit_category')} 收费"
    return f"{r.get('unit_category')} {r.get('package')} 物业费"


def _fees(diff: _Diff) -> list[Change]:
    changes = []
    # The documented way to change a price: give the old row an end date and add a new
    # row. Read that pair as one price change, not as an end date plus a new fee.
    ended = {
        (new.get("unit_category"), new.get("package")): (old, new, cells)
        for old, new, cells in diff.changed
        if any(c.name == "effective_to" for c in cells) and old.raw.get("effective_to") is None
    }
    paired: set[int] = set()
    for r in diff.added:
        match = ended.get((r.get("unit_category"), r.get("package")))
        if match is not None and id(match[0]) not in paired:
            old, new, cells = match
            paired.add(id(old))
            since = f"（{r.get('effective_from')} 起）" if r.get("effective_from") else ""
            text = (
                f"{_fee_label(r)} {old.get('price_yuan')}{ARROW}{r.get('price_yuan')} "
                f"{r.get('unit')}{since}"
            )
            extra = [c for c in cells if c.name != "effective_to"]
            if extra:
                text += "；" + "；".join(_cell(diff, c) for c in extra)
            changes.append(_change(diff, "changed", text, r, fields=tuple(cells)))
        else:
            since = f"（{r.get('effective_from')} 起）" if r.get("effective_from") else ""
            who = _fee_label(r).removesuffix(" 物业费").removesuffix(" 收费")
            text = f"新增收费 {who} {r.get('price_yuan')} {r.get('unit')}{since}"
            changes.append(_change(diff, "added", text, r))
    for old, new, cells in diff.changed:
        if id(old) in paired:
            continue
        by_name = {c.name: c for c in cells}
        parts = []
        if "price_yuan" in by_name:
            price = by_name.pop("price_yuan")
            parts.append(f"{price.old}{ARROW}{price.new} {new.get('unit')}")
        parts += [_cell(diff, c) for c in by_name.values()]
        changes.append(
            _change(
                diff, "changed", f"{_fee_label(new)} " + "；".join(parts), new, fields=tuple(cells)
            )
        )
    for r in diff.removed:
        who = _fee_label(r).removesuffix(" 物业费").removesuffix(" 收费")
        text = f"删除收费 {who} {r.get('price_yuan')} {r.get('unit')}"
        changes.append(_change(diff, "removed", text, r))
    return changes


def _common_income(diff: _Diff) -> list[Change]:
    return _generic(
        diff,
        lambda r: f"{r.get('quarter')} 公共收益",
        lambda r: f"{r.get('quarter')} 公共收益 新增公示",
        lambda r: f"{r.get('quarter')} 公共收益 公示被删除",
    )


def _common_income_lines(diff: _Diff) -> list[Change]:
    return _summarised(
        diff,
        lambda r: (
            f"{r.get('quarter')} 公共收益明细 第{r.get('line_no')}行 {r.get('category')}".rstrip()
        ),
        lambda r: r.get("quarter"),
        lambda q, n: f"{q} 公共收益明细 新增 {n} 行",
        lambda q, n: f"{q} 公共收益明细 删除 {n} 行",
    )


def _repair_fund(diff: _Diff) -> list[Change]:
    return _summarised(
        diff,
        lambda r: f"{r.get('period')} 维修资金 {r.get('building_no')}号楼",
        lambda r: r.get("period"),
        lambda p, n: f"{p} 维修资金分户账 新增公示（{n} 栋楼）",
        lambda p, n: f"{p} 维修资金分户账 删除（{n} 栋楼）",
    )


def _repair_projects(diff: _Diff) -> list[Change]:
    def label(r: _Row) -> str:
        return f"维修项目 {r.get('project_id')}（{r.get('title')}）"

    def added(r: _Row) -> str:
        status = f"，{r.get('status')}" if r.get("status") else ""
        return f"新增维修项目 {r.get('project_id')}：{r.get('title')}{status}"

    return _generic(diff, label, added, lambda r: f"删除维修项目 {r.get('project_id')}")


def _budgets(diff: _Diff) -> list[Change]:
    return _summarised(
        diff,
        lambda r: f"{r.get('fiscal_year')}年{r.get('fund')} {r.get('line_item')}",
        lambda r: r.get("fiscal_year"),
        lambda y, n: f"{y}年预算与决算 新增 {n} 项",
        lambda y, n: f"{y}年预算与决算 删除 {n} 项",
    )


def _audits(diff: _Diff) -> list[Change]:
    def added(r: _Row) -> str:
        opinion = f"：{r.get('opinion')}" if r.get("opinion") else ""
        return f"新增{r.get('audit_type') or '审计'}报告 {r.get('audit_id')}{opinion}"

    return _generic(
        diff,
        lambda r: f"审计 {r.get('audit_id')}",
        added,
        lambda r: f"删除审计报告 {r.get('audit_id')}",
    )


def _meeting_name(kind: str) -> str:
    return kind if kind.endswith("会议") else f"{kind}会议"


def _meetings(diff: _Diff) -> list[Change]:
    def label(r: _Row) -> str:
        return f"{_meeting_name(r.get('meeting_type'))} {r.get('meeting_id')}"

    def added(r: _Row) -> str:
        topic = f"：{r.get('topic')}" if r.get("topic") else ""
        return f"新增{_meeting_name(r.get('meeting_type'))}记录 {r.get('meeting_date')}{topic}"

    return _generic(diff, label, added, lambda r: f"删除会议记录 {r.get('meeting_id')}")


def _resolutions(diff: _Diff) -> list[Change]:
    def added(r: _Row) -> str:
        passed = {"是": "（通过）", "否": "（未通过）"}.get(r.get("passed"), "")
        return f"新增决议 {r.get('resolution_id')}：{r.get('title')}{passed}"

    return _generic(
        diff,
        lambda r: f"决议 {r.get('resolution_id')}",
        added,
        lambda r: f"删除决议 {r.get('resolution_id')}",
    )


def _contract(diff: _Diff) -> list[Change]:
    def added(r: _Row) -> str:
        bits = [r.get("company_name"), r.get("fee_mode")]
        if r.get("start_date"):
            bits.append(f"{r.get('start_date')} 至 {r.get('end_date') or '未定'}")
        return f"新增物业服务合同 {r.get('contract_id')}：" + "，".join(b for b in bits if b)

    return _generic(
        diff,
        lambda r: f"物业服务合同 {r.get('contract_id')}",
        added,
        lambda r: f"删除物业服务合同 {r.get('contract_id')}",
    )


def _service_standards(diff: _Diff) -> list[Change]:
    def label(r: _Row) -> str:
        return f"物业服务标准 {r.get('item')}（{r.get('standard_id')}）"

    changes = []
    for _, new, cells in diff.changed:
        # The standard text is what the row is about; its title would only repeat it.
        parts = [
            ARROW.join(_excerpts(c.old, c.new)) if c.name == "standard" else _cell(diff, c)
            for c in cells
        ]
        changes.append(
            _change(diff, "changed", f"{label(new)}：" + "；".join(parts), new, fields=tuple(cells))
        )
    diff.changed = []
    return changes + _generic(
        diff,
        label,
        lambda r: f"新增{label(r)}：{r.get('standard')}",
        lambda r: f"删除{label(r)}",
    )


def _work_orders(diff: _Diff) -> list[Change]:
    return _summarised(
        diff,
        lambda r: f"{r.get('month')} {r.get('channel')} {r.get('category')}工单",
        lambda r: r.get("month"),
        lambda m, n: f"{m} 工单统计 新增公示（{n} 行）",
        lambda m, n: f"{m} 工单统计 删除 {n} 行",
    )


def _evaluations(diff: _Diff) -> list[Change]:
    def label(r: _Row) -> str:
        return f"{r.get('period')}年{r.get('subject')}"

    def added(r: _Row) -> str:
        bits = []
        if r.get("score"):
            bits.append(f"{r.get('score')} 分")
        if r.get("grade"):
            bits.append(r.get("grade"))
        return f"新增 {label(r)}" + ("：" + "，".join(bits) if bits else "")

    return _generic(diff, label, added, lambda r: f"删除 {label(r)}")


def _estate(diff: _Diff) -> list[Change]:
    return _generic(
        diff,
        lambda r: "小区基本信息",
        lambda r: f"新增小区基本信息 {r.get('name')}",
        lambda r: f"删除小区基本信息 {r.get('name')}",
    )


def _member_events(diff: _Diff) -> list[Change]:
    member_names = diff.lookup("members", "member_id", "display_name")

    def who(r: _Row) -> str:
        return member_names.get(r.get("member_id")) or r.get("member_id")

    def label(r: _Row) -> str:
        return f"{who(r)} {r.get('event_type')}记录 {r.get('event_id')}"

    changes = [
        _change(
            diff,
            "changed",
            f"{label(new)}：" + "；".join(_cell(diff, c) for c in cells),
            new,
            fields=tuple(cells),
        )
        for _, new, cells in diff.changed
    ]
    # One training often records every member: one line per event, listing the people.
    groups: dict[tuple[str, str, str], list[_Row]] = {}
    for r in diff.added:
        groups.setdefault(
            (r.get("event_date"), r.get("event_type"), r.get("description")), []
        ).append(r)
    for (date, kind, description), rows in groups.items():
        people = "、".join(who(r) for r in rows)
        note = f"（{description}）" if description else ""
        text = f"新增全周期记录 {date} {kind}：{people}{note}"
        changes.append(Change(diff.table, diff.title, "added", text, rows[0].key, rows=len(rows)))
    for r in diff.removed:
        changes.append(_change(diff, "removed", f"删除全周期记录 {r.get('event_id')}", r))
    return changes


PHRASES: dict[str, Callable[[_Diff], list[Change]]] = {
    "estate": _estate,
    "committees": _committees,
    "members": _members,
    "member_events": _member_events,
    "meetings": _meetings,
    "resolutions": _resolutions,
    "common_income": _common_income,
    "common_income_lines": _common_income_lines,
    "repair_fund": _repair_fund,
    "repair_projects": _repair_projects,
    "budgets": _budgets,
    "audits": _audits,
    "contract": _contract,
    "fees": _fees,
    "service_standards": _service_standards,
    "work_orders": _work_orders,
    "evaluations": _evaluations,
}
