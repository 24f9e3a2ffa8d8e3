"""Stage 1 — load: find the estate packages under a data folder and read them safely.

Nothing here trusts the files: a committee's datapackage.yaml may be broken YAML, name a
file outside its folder, or point at a CSV that Excel saved in GBK. Each such problem
becomes a :class:`Finding` naming the file, and the resource is left out of the
descriptor handed to frictionless, so later stages never read what was refused.

Shared schemas: every resource uses the schema in ``data/schemas/<name>.schema.yaml``.
A package refers to it as ``../../schemas/<name>.schema.yaml`` (so the folder still reads
as an ordinary Frictionless package), but frictionless refuses ``..`` paths unless told to
trust the package, and trusting it would also let a resource path leave the folder. So we
never hand that path to frictionless: the loader checks the reference is exactly the
shared schema, inlines the schema itself, and refuses any other schema or path.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
import os
import re
import stat
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

from . import safeyaml
from .findings import ERROR, WARNING, Finding

ESTATE_ID = re.compile(r"[a-z0-9][a-z0-9-]*\Z")  # \Z, not $: "$" lets a trailing "\n" pass
DESCRIPTOR_NAMES = ("datapackage.yaml", "datapackage.yml", "datapackage.json")
BUNDLED_SCHEMAS = Path(__file__).resolve().parent.parent / "data" / "schemas"

SAVE_AS_UTF8 = (
    "在 Excel 中用“另存为 → CSV UTF-8（逗号分隔）”保存；在 WPS 中“另存为 → CSV”并选择编码 UTF-8。",
    'In Excel use "Save As → CSV UTF-8 (Comma delimited)"; in WPS choose "Save As → CSV" with '
    "encoding UTF-8.",
)


@dataclass
class EstatePackage:
    """One estate's package as far as it could be read.

    ``descriptor`` holds only the resources that passed the safety checks, with shared
    schemas inlined and each schema's field order matched to its CSV header.
    ``files`` maps resource name → absolute CSV path. ``encodings`` records a BOM so
    frictionless reads the header correctly.
    """

    estate_id: str
    folder: Path
    descriptor_path: Path | None
    descriptor: dict = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)
    declared_name: str | None = None
    # Foreign keys into tables this estate has not published: name → [foreignKey, …].
    dangling: dict[str, list[dict]] = field(default_factory=dict)
    # name → (text, records) of each CSV as read here, so validation reads no file again
    # (load_package keeps them; load, for a whole city, does not).
    parsed: dict[str, tuple[str, list[list[str]]]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # File name → bytes of the package's files as the caller read them (the build's
    # worker reads them for the estate's key): used instead of reading each CSV again.
    contents: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class Loaded:
    root: Path
    data_dir: Path
    schemas: dict[str, dict]
    packages: list[EstatePackage]
    findings: list[Finding]


def _rel(path: Path, root: Path) -> str:
    try:
        return _resolved(path).relative_to(_resolved(root)).as_posix()
    except ValueError:
        return path.as_posix()


def _resolved(path: Path) -> Path:
    """``path.resolve()``, with the folders of absolute paths resolved once: findings
    name dozens of files per estate, and resolving stats every folder above each."""
    if not path.is_absolute() or path.name in ("", ".", "..") or path.is_symlink():
        return path.resolve()
    return _resolved_folder(str(path.parent)) / path.name


@functools.lru_cache(maxsize=4096)
def _resolved_folder(folder: str) -> Path:
    return Path(folder).resolve()


def load_schemas(schema_dir: Path, broken: list[Path] | None = None) -> dict[str, dict]:
    """All shared Table Schemas by table name (file stem before ``.schema.yaml``).

    A schema that cannot be read (bad YAML, no ``fields`` list) is left out and, when
    ``broken`` is given, appended to it, so ``load`` can report it instead of crashing.
    """
    schemas = {}
    for path in sorted(schema_dir.glob("*.schema.yaml")):
        try:
            schema = safeyaml.load(safeyaml.read(path))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            schema = None
        fields = schema.get("fields") if isinstance(schema, dict) else None
        if not isinstance(fields, list) or not all(
            isinstance(f, dict) and isinstance(f.get("name"), str) for f in fields
        ):
            if broken is not None:
                broken.append(path)
            continue
        schemas[path.name.removesuffix(".schema.yaml")] = schema
    return schemas


def estate_folders(data_dir: Path) -> list[Path]:
    """Where the packages are: ``data/estates/*``, or ``DIR/*``, or DIR itself."""
    if (data_dir / "estates").is_dir():
        base = data_dir / "estates"
    elif any((data_dir / name).is_file() for name in DESCRIPTOR_NAMES):
        return [data_dir]
    else:
        base = data_dir
    return sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))


def repository_root(data_dir: Path) -> Path:
    """The git work tree holding ``data_dir`` (paths in findings are relative to it, as
    GitHub annotations need), else the folder above ``data_dir``."""
    here = data_dir.resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    return here.parent


def load(data_dir: Path | str, root: Path | str | None = None) -> Loaded:
    """Read every estate package under ``data_dir``; never raises for bad data."""
    data_dir = Path(data_dir)
    root = Path(root) if root else repository_root(data_dir)
    schema_dir = data_dir / "schemas" if (data_dir / "schemas").is_dir() else BUNDLED_SCHEMAS
    broken: list[Path] = []
    schemas = load_schemas(schema_dir, broken)
    # A whole city's parses would not fit in memory (about 0.3 MB an estate): validation
    # reads each table again here, once. load_package keeps its one estate's parse.
    packages = [
        _load_package(folder, root, schemas, keep_parse=False)
        for folder in estate_folders(data_dir)
    ]
    findings = [_broken_schema(path, root) for path in broken]
    if not packages:
        # An empty (or mistyped) data folder must not "validate" and then publish an
        # empty site over the real one.
        findings.append(
            Finding(
                "",
                None,
                _rel(data_dir, root),
                None,
                None,
                "package-error",
                ERROR,
                f"在“{_rel(data_dir, root)}”中没有找到任何小区文件夹。数据应放在 "
                "estates/<小区编号>/ 下，每个文件夹里有 datapackage.yaml。请检查数据文件夹的路径。",
                f'No estate folders were found in "{_rel(data_dir, root)}". Each estate lives '
                "in estates/<estate_id>/ with a datapackage.yaml. Check the data folder path.",
            )
        )
    return Loaded(root, data_dir, schemas, packages, findings + _duplicate_ids(packages, root))


def _broken_schema(path: Path, root: Path) -> Finding:
    return Finding(
        "",
        None,
        _rel(path, root),
        None,
        "fields",
        "package-error",
        ERROR,
        f"共享表结构 {path.name} 无法读取（YAML 格式有误，或没有 fields 列表）。这张表暂时无法校验。"
        "请网站维护者修正这个文件。",
        f"The shared schema {path.name} cannot be read (invalid YAML or no fields list); "
        "the table cannot be validated. The site maintainers need to fix this file.",
    )


def _duplicate_ids(packages: list[EstatePackage], root: Path) -> list[Finding]:
    seen: dict[str, EstatePackage] = {}
    findings = []
    for pkg in packages:
        declared = pkg.declared_name or pkg.estate_id
        if declared in seen:
            other = seen[declared]
            findings.append(
                Finding(
                    pkg.estate_id,
                    None,
                    _rel(pkg.descriptor_path or pkg.folder, root),
                    None,
                    "name",
                    "duplicate-estate",
                    ERROR,
                    f"小区编号“{declared}”已被 {_rel(other.folder, root)} 使用。每个小区的编号必须唯一，"
                    "并与文件夹名称相同。",
                    f'Estate id "{declared}" is already used by {_rel(other.folder, root)}. Each '
                    "estate needs its own id, equal to its folder name.",
                )
            )
        else:
            seen[declared] = pkg
    return findings


class _Problem(Exception):
    """A refused file, carried to the one place that turns it into a Finding."""

    def __init__(
        self, rule, message, message_en, *, row=None, field=None, severity=ERROR, path=None
    ):
        super().__init__(message_en)
        self.rule, self.message, self.message_en = rule, message, message_en
        self.row, self.field, self.severity = row, field, severity
        self.path = path  # the file at fault, when the caller cannot know it


def _load_package(
    folder: Path,
    root: Path,
    schemas: dict[str, dict],
    keep_parse: bool = True,
    *,
    required: str | None = "estate",
    schema_prefix: str = "../../schemas/",
    contents: dict[str, bytes] | None = None,
) -> EstatePackage:
    """``required``: the table every such package must list; ``schema_prefix``: where
    its shared schemas are referred to (a district package's live in schemas/districts/)."""
    estate_id = folder.name
    pkg = EstatePackage(estate_id, folder, None, contents=contents or {})

    def add(path, problem: _Problem, resource=None):
        pkg.findings.append(
            Finding(
                estate_id,
                resource,
                _rel(path, root) if path else None,
                problem.row,
                problem.field,
                problem.rule,
                problem.severity,
                problem.message,
                problem.message_en,
            )
        )

    if folder.is_symlink():
        # A linked folder would publish files from anywhere on the machine.
        add(
            folder,
            _Problem(
                "package-error",
                f"小区文件夹“{estate_id}”是指向别处的链接，已拒绝。请把真正的文件夹放在 data/estates/ 中。",
                f'The estate folder "{estate_id}" is a link to somewhere else and was refused. Put '
                "the real folder in data/estates/.",
            ),
        )
        return pkg

    if not ESTATE_ID.match(estate_id):
        add(
            folder,
            _Problem(
                "package-error",
                f"文件夹名“{estate_id}”不能作小区编号：只能用小写字母、数字和减号（例如 meilin-xincun）。请改名。",
                f'Folder name "{estate_id}" is not a valid estate id: use lowercase letters, digits '
                "and dashes only (e.g. meilin-xincun). Rename the folder.",
            ),
        )
        return pkg

    try:
        descriptor_path, raw, entry_lines = _read_descriptor(folder)
    except _Problem as problem:
        add(problem.path or folder / DESCRIPTOR_NAMES[0], problem)
        return pkg
    pkg.descriptor_path = descriptor_path

    declared = raw.get("name")
    pkg.declared_name = str(declared) if declared is not None else None
    if declared is not None and declared != estate_id:
        add(
            descriptor_path,
            _Problem(
                "package-error",
                f"datapackage 中的 name 是“{declared}”，但文件夹名是“{estate_id}”。两者必须相同。",
                f'The package name "{declared}" differs from its folder name "{estate_id}". '
                "Make them the same.",
                field="name",
            ),
        )
    descriptor = {
        "name": estate_id,
        "title": str(raw.get("title") or estate_id),
        "resources": [],
    }
    resources = raw.get("resources")
    if not isinstance(resources, list) or not resources:
        add(
            descriptor_path,
            _Problem(
                "package-error",
                "datapackage 中没有 resources 列表。请至少列出 estate（小区基本信息）这张表。",
                "The package has no resources list. List at least the estate table.",
                field="resources",
            ),
        )
        pkg.descriptor = descriptor
        return pkg

    listed = set()
    # Tables the package lists but that were refused: their own finding explains why, so
    # rows elsewhere that refer to them are not reported a second time (see
    # _drop_dangling_foreign_keys), and "estate is missing" is not said of a refused estate.
    refused: set[str] = set()
    for index, resource in enumerate(resources):
        if isinstance(resource, dict) and isinstance(resource.get("name"), str):
            refused.add(resource["name"])
        try:
            name, csv_path, schema = _check_resource(
                folder, resource, index, schemas, schema_prefix
            )
            if name in listed:
                raise _Problem(
                    "package-error",
                    f"表“{name}”在 datapackage 中列出了两次。请删去重复的一项。",
                    f'Table "{name}" is listed twice in the package. Remove one entry.',
                    field="resources",
                )
            listed.add(name)
        except _Problem as problem:
            # The line of this entry in datapackage.yaml, so the finding can be found.
            if problem.row is None and index < len(entry_lines):
                problem.row = entry_lines[index]
            add(descriptor_path, problem)
            continue
        except OSError as error:  # a name too long for the file system, and the like
            add(descriptor_path, _unreadable(resource.get("path"), error, entry_lines, index))
            continue
        try:
            encoding, header, notes, parsed = _check_csv(
                csv_path, schema, pkg.contents.get(csv_path.name)
            )
        except _Problem as problem:
            add(csv_path, problem, name)
            continue
        except OSError as error:  # no permission to read, a file vanishing meanwhile
            add(csv_path, _unreadable(csv_path.name, error), name)
            continue
        for note in notes:
            add(csv_path, note, name)
        pkg.files[name] = csv_path
        pkg.encodings[name] = encoding
        if keep_parse:
            pkg.parsed[name] = parsed
        # Match field order to the header so frictionless compares labels by position and
        # the published datapackage.json describes the CSV exactly as it is.
        by_name = {f["name"]: f for f in schema["fields"]}
        ordered = dict(schema, fields=[by_name[label] for label in header])
        refused.discard(name)
        descriptor["resources"].append(
            {
                "name": name,
                "path": csv_path.name,
                "profile": "tabular-data-resource",
                "format": "csv",
                "encoding": encoding,
                "schema": ordered,
            }
        )
    if required == "estate" and "estate" not in listed and "estate" not in refused:
        add(
            descriptor_path,
            _Problem(
                "package-error",
                "缺少 estate（小区基本信息）表。每个小区都必须有 estate.csv，并在 datapackage 中列出。",
                "The estate table (estate profile) is missing. Every estate needs estate.csv, listed "
                "in the package.",
                field="resources",
            ),
        )
    for stray in _unlisted_files(folder, descriptor_path, resources):
        add(
            stray,
            _Problem(
                "package-error",
                f"“{stray.name}”不在 datapackage.yaml 的表格清单中，不会发布。请在 resources 中列出它，"
                "或把它移出这个文件夹（小区或区的数据文件夹）。",
                f'"{stray.name}" is not listed in datapackage.yaml and would not be published. '
                "List it under resources or move it out of this folder.",
            ),
        )
    _drop_dangling_foreign_keys(descriptor, pkg, refused)
    pkg.descriptor = descriptor
    return pkg


def _unreadable(path, error: OSError, lines=(), index=None) -> _Problem:
    row = lines[index] if index is not None and index < len(lines) else None
    reason = error.strerror or type(error).__name__
    return _Problem(
        "package-error",
        f"无法读取文件“{path}”（{reason}）。请检查文件名是否过长、文件是否存在并可以读取。",
        f'The file "{path}" cannot be read ({reason}). Check that the name is not too long '
        "and that the file exists and is readable.",
        row=row,
        field="resources",
    )


def _entry_lines(text: str) -> list[int]:
    """Line number (1-based) of each item of ``resources`` in the descriptor text.

    Composed with the safe loader (nodes only, nothing constructed); any surprise just
    means findings about resource entries carry no line.
    """
    try:
        # libyaml when present: the same nodes and marks, without the pure-Python
        # composer's tens of milliseconds per descriptor.
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return []
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if getattr(key, "value", None) == "resources" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _unlisted_files(folder: Path, descriptor_path: Path, resources: list) -> list[Path]:
    """Files and folders in the estate folder that the package does not describe.

    Everything in the folder is either the descriptor or a listed table: a stray file
    would be committed, reviewed and versioned without ever being validated or shown.
    Hidden files (.DS_Store and the like) are ignored.
    """
    listed = {
        Path(r["path"]).name
        for r in resources
        if isinstance(r, dict) and isinstance(r.get("path"), str)
    }
    return sorted(
        p for p in folder.iterdir()
        if not p.name.startswith(".") and p != descriptor_path and p.name not in listed
    )  # fmt: skip


def _read_descriptor(folder: Path) -> tuple[Path, dict, list[int]]:
    for name in DESCRIPTOR_NAMES:
        path = folder / name
        if path.is_file():
            break
    else:
        raise _Problem(
            "package-error",
            "这个小区文件夹里没有 datapackage.yaml。请用 `sunlight new-estate` 生成，或从其他小区复制一份再修改。",
            "This estate folder has no datapackage.yaml. Create one (copy it from another "
            "estate and edit it).",
        )
    if path.is_symlink():
        raise _Problem(
            "package-error",
            f"{name} 是指向别处的链接，已拒绝。请把真正的文件放在本小区文件夹中。",
            f"{name} is a link to somewhere else and was refused. Put the real file in the "
            "estate folder.",
        )
    try:
        text = safeyaml.read(path)
    except safeyaml.YamlRefused as refused:
        raise _Problem(
            refused.rule, f"{name}：{refused.message}", f"{name}: {refused.message_en}", path=path
        ) from None
    except UnicodeDecodeError:
        raise _Problem(
            "encoding-error",
            f"{name} 不是 UTF-8 编码。请运行 `sunlight fix-encoding`，或用文本编辑器以 UTF-8 编码重新保存。",
            f"{name} is not UTF-8. Run `sunlight fix-encoding`, or save it again as UTF-8 in a "
            "text editor.",
            path=path,
        ) from None
    except OSError as error:
        raise _Problem(
            "package-error",
            f"无法读取 {name}（{error.strerror}）。请检查文件权限。",
            f"{name} cannot be read ({error.strerror}). Check the file's permissions.",
            path=path,
        ) from None
    try:
        raw = safeyaml.load(text)
    except safeyaml.YamlRefused as refused:
        raise _Problem(
            refused.rule,
            f"{name}：{refused.message}",
            f"{name}: {refused.message_en}",
            row=refused.line,
            path=path,
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        near, near_en = (f"（第 {line} 行附近）", f" (near line {line})") if line else ("", "")
        raise _Problem(
            "package-error",
            f"{name} 的格式有误{near}，无法读取。请检查缩进（只用空格，不用 Tab）、冒号和括号、引号是否成对。",
            f"{name} is not valid YAML{near_en}. Check the indentation (spaces, not tabs), "
            "the colons, and that brackets and quotes are closed.",
            row=line,
            path=path,
        ) from None
    if not isinstance(raw, dict):
        raise _Problem(
            "package-error",
            f"{name} 的内容应当是键值对（name、title、resources）。请参照其他小区的文件修改。",
            f"{name} must be a mapping with name, title and resources. Compare with another "
            "estate's file.",
            path=path,
        )
    return path, raw, _entry_lines(text)


def _check_resource(
    folder: Path,
    resource,
    index: int,
    schemas: dict[str, dict],
    schema_prefix: str = "../../schemas/",
):
    """Return (name, csv path, schema) for a safe resource entry, or raise _Problem."""
    known = "、".join(sorted(schemas))
    if not isinstance(resource, dict) or not isinstance(resource.get("name"), str):
        got = resource.get("name") if isinstance(resource, dict) else None
        what, what_en = (
            (f"的 name 写的是“{got}”，不是表名", f'has name "{got}", which is not a table name')
            if got is not None
            else ("没有 name", "has no name")
        )
        raise _Problem(
            "package-error",
            f"resources 的第 {index + 1} 项{what}。请写上表名（{known} 之一），"
            "格式为“- name: estate”换行“path: estate.csv”。",
            f"Resource #{index + 1} {what_en}. Give it one of the table names: "
            f"{', '.join(sorted(schemas))}, as “- name: estate” then “path: estate.csv”.",
            field="resources",
        )
    name = resource["name"]
    if name not in schemas:
        raise _Problem(
            "package-error",
            f"不认识的表名“{name}”。表名只能是：{known}。",
            f'Unknown table "{name}". Table names are: {", ".join(sorted(schemas))}.',
            field="resources",
        )
    path = resource.get("path")
    if path is not None and not isinstance(path, str):
        raise _Problem(
            "package-error",
            f"表“{name}”的 path 应当是一个文件名，例如 path: {name}.csv，现在写的是“{path}”。",
            f'The path of table "{name}" must be one file name, e.g. path: {name}.csv; it '
            f'is "{path}".',
            field="resources",
        )
    if not isinstance(path, str) or not path.strip():
        raise _Problem(
            "package-error",
            f"表“{name}”没有写 path（文件名）。请写上，例如 path: {name}.csv。",
            f'Table "{name}" has no path. Add one, e.g. path: {name}.csv.',
            field="resources",
        )
    pure = Path(path)
    if (
        pure.is_absolute()
        or "\0" in path
        or ".." in pure.parts
        or "://" in path
        or "\\" in path
        or len(pure.parts) != 1
    ):
        raise _Problem(
            "package-error",
            f"表“{name}”的文件路径“{path}”不在本小区的文件夹里，已拒绝。文件必须直接放在本小区文件夹中，"
            f"path 只写文件名，例如 {name}.csv。",
            f'The path "{path}" of table "{name}" leaves the estate folder and was refused. '
            f"Keep the file in the estate folder and give only its name, e.g. {name}.csv.",
            field="resources",
        )
    csv_path = folder / path
    # One lstat says all four: a link, missing, a folder or a file. A file of one plain
    # name that is not a link lies in the folder (resolving both, as this once did, stats
    # every folder above them for every table).
    try:
        mode = os.lstat(csv_path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    if mode is not None and stat.S_ISLNK(mode):
        raise _Problem(
            "package-error",
            f"“{path}”是指向别处的链接，已拒绝。请把真正的文件放在本小区文件夹中。",
            f'"{path}" is a link to somewhere else and was refused. Put the real file in the '
            "estate folder.",
            field="resources",
        )
    if mode is not None and stat.S_ISDIR(mode):
        raise _Problem(
            "package-error",
            f"表“{name}”的“{path}”是一个文件夹，不是 CSV 文件。请把 CSV 文件放在这里，或改正 path。",
            f'"{path}" of table "{name}" is a folder, not a CSV file. Put the CSV file there '
            "or correct the path.",
            field="resources",
        )
    if mode is None or not stat.S_ISREG(mode):
        raise _Problem(
            "package-error",
            f"找不到表“{name}”的文件“{path}”。请检查文件名（区分大小写），或从 datapackage 中删去这一项。",
            f'The file "{path}" of table "{name}" does not exist. Check the file name (case '
            "matters) or remove the entry.",
            field="resources",
        )
    if not path.lower().endswith(".csv"):
        raise _Problem(
            "package-error",
            f"“{path}”不是 CSV 文件。请在 Excel/WPS 中另存为 CSV UTF-8。",
            f'"{path}" is not a CSV file. Save the sheet as CSV UTF-8 from Excel or WPS.',
            field="resources",
        )
    schema_ref = resource.get("schema")
    expected = f"{schema_prefix}{name}.schema.yaml"
    if schema_ref is not None and schema_ref != expected:
        raise _Problem(
            "package-error",
            f"表“{name}”必须使用统一的表结构：schema: {expected}（或不写 schema）。",
            f'Table "{name}" must use the shared schema: schema: {expected} (or no schema key).',
            field="resources",
        )
    return name, csv_path, schemas[name]


def _check_csv(
    csv_path: Path, schema: dict, data: bytes | None = None
) -> tuple[str, list[str], list[_Problem], tuple[str, list[list[str]]]]:
    """Check encoding and header before frictionless reads the file; returns the
    encoding, the header, cell problems, and the text and records it read.

    frictionless would report a GBK file as a cascade of odd errors, and a missing
    column as "incorrect label" on every column after it; a committee member needs one
    sentence that says what happened and how to fix it.

    ``data``: the file's bytes when the caller has read them already.
    """
    if data is None:
        data = csv_path.read_bytes()
    encoding = "utf-8"
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        encoding = "utf-8-sig"
        data = data[len(codecs.BOM_UTF8) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            # Excel's "Unicode Text" and some exporters write UTF-16.
            raise _Problem(
                "encoding-error",
                "文件不是 UTF-8 编码，看起来是 UTF-16 编码（Excel 的“Unicode 文本”格式）；无法读取。"
                + SAVE_AS_UTF8[0],
                'The file is not UTF-8 — it looks like UTF-16 (Excel\'s "Unicode Text"); it '
                "cannot be read. " + SAVE_AS_UTF8[1],
                row=1,
            ) from None
        try:
            data.decode("gb18030")
            guess, guess_en = (
                "看起来是 GBK/GB18030 编码（Excel 或 WPS 默认的“CSV”格式）",
                ("it looks like GBK/GB18030 (what Excel or WPS save as plain “CSV”)"),
            )
        except UnicodeDecodeError:
            guess, guess_en = "编码无法识别", "its encoding is not recognised"
        raise _Problem(
            "encoding-error",
            f"文件不是 UTF-8 编码，{guess}；第 {line} 行起无法读取。运行 `sunlight fix-encoding` 可一次转换为 UTF-8；也可以{SAVE_AS_UTF8[0]}",
            f"The file is not UTF-8 — {guess_en}; it cannot be read from line {line}. "
            f"Run `sunlight fix-encoding` to convert it, or: {SAVE_AS_UTF8[1]}",
            row=line,
        ) from None
    if not text.strip():
        raise _Problem(
            "empty-file",
            "文件是空的。至少要有第一行的列名；可以从模板或其他小区复制表头。",
            "The file is empty. It needs at least the header row; copy it from the template "
            "or another estate.",
        )
    rows = _read_rows(text)
    for column, label in enumerate(rows[0]):
        # An invisible character in a column name (a second BOM, a NUL) would otherwise
        # read as "missing column" for a name that looks right.
        odd = _CONTROL.search(label)
        if odd:
            raise _control_problem(1, None, column, odd.group())
    header = [label.strip() for label in rows[0]]
    expected = [f["name"] for f in schema["fields"]]
    titles = {f["name"]: f.get("title", f["name"]) for f in schema["fields"]}
    # A column added to a schema later (``x-optional``) may be absent: files written
    # before it stay valid, and their rows read as if the column were empty.
    optional = {f["name"] for f in schema["fields"] if f.get(OPTIONAL_KEY)}
    missing = [name for name in expected if name not in header and name not in optional]
    extra = [label for label in header if label not in expected]
    duplicates = sorted({label for label in header if header.count(label) > 1})
    if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
        # Excel in a European locale, or a "Text (Tab delimited)" save.
        sep, sep_en = ("分号", "semicolons") if ";" in header[0] else ("制表符", "tabs")
        raise _Problem(
            "missing-label",
            f"这个文件用{sep}分隔各列，而不是英文逗号。请在 Excel 中用“另存为 → CSV UTF-8（逗号分隔）”重新保存。",
            f"The columns of this file are separated by {sep_en}, not commas. Save it again "
            'from Excel with "Save As → CSV UTF-8 (Comma delimited)".',
            row=1,
        )
    if "" in header:
        # Usually columns Excel kept to the right of the table, or a trailing comma.
        position = header.index("") + 1
        raise _Problem(
            "extra-label",
            f"第一行的第 {position} 列没有列名。多半是表格右边留下的空列或行尾多余的逗号："
            "请在 Excel 中删除表格右侧的空列后重新保存，或删去每行末尾多余的逗号。",
            f"Column {position} of the header row has no name. It is usually an empty column "
            "left to the right of the table, or a trailing comma: delete the empty columns in "
            "Excel and save again, or remove the extra commas at the end of each line.",
            row=1,
        )
    if missing:
        names = "、".join(f"{n}（{titles[n]}）" for n in missing)
        # A misspelt column shows up as one missing and one extra: name both.
        also = (
            (f"另外，第一行里有不认识的列：{'、'.join(extra)}，可能就是写错的列名（注意大小写和下划线）。",
             f" The header also has unknown column(s): {', '.join(extra)} — perhaps the same "
             "columns misspelt (case and underscores matter).")
            if extra
            else ("", "")
        )  # fmt: skip
        raise _Problem(
            "missing-label",
            f"缺少列：{names}。请在第一行加上这些列名（没有数据也要保留空列）。{also[0]}",
            f"Missing column(s): {', '.join(missing)}. Add them to the header row (keep the "
            f"column even when it is empty).{also[1]}",
            row=1,
            field=missing[0],
        )
    if extra:
        raise _Problem(
            "extra-label",
            f"多出的列：{'、'.join(extra)}。这张表只能有这些列：{'、'.join(expected)}。请删去多出的列或改正列名。",
            f"Unexpected column(s): {', '.join(extra)}. The columns of this table are: "
            f"{', '.join(expected)}. Remove the extra column or correct its name.",
            row=1,
            field=extra[0],
        )
    if duplicates:
        raise _Problem(
            "duplicate-label",
            f"列名重复：{'、'.join(duplicates)}。每一列只能出现一次。",
            f"Duplicate column(s): {', '.join(duplicates)}. Each column may appear once.",
            row=1,
            field=duplicates[0],
        )
    notes = _check_cells(text, rows, header, schema)
    if bom:
        # Readable, but say it once so the file is saved cleanly next time.
        notes.append(
            _Problem(
                "encoding-error",
                "文件开头有 BOM 标记（Excel 的“CSV UTF-8”会加上）。本次可以读取，但请用 `sunlight fix-encoding` 去掉，"
                "以免文件对比出现无意义的差异。",
                "The file starts with a byte-order mark (Excel's CSV UTF-8 adds one). It was read, "
                "but remove it with `sunlight fix-encoding` so diffs stay clean.",
                row=1,
                severity=WARNING,
            )
        )
    return encoding, header, notes, (text, rows)


# frictionless raises the csv module's process-wide field size limit to 2 GB when it is
# first used; do the same, so that our strict read below sees every cell whatever ran
# first, and an over-long cell is reported as too long (cell-too-long), not as a quote.
csv.field_size_limit(2**31 - 2)

# The longest cell a record needs (a meeting topic, a description) is a few hundred
# characters; 5,000 leaves room and keeps a page or a finding readable.
MAX_CELL_CHARS = 5_000
# Free text may span lines; every other text cell is a name, an id or a code printed in
# one line (titles, table cells, calendar entries, file names), so a line break there is
# a typing slip (Alt+Enter in Excel) and breaks what it is printed in.
MULTILINE_FIELDS = frozenset({"description", "topic", "summary", "standard", "scope", "note"})
# Marks a money column in the shared schemas (amounts in yuan keep two decimals).
MONEY_KEY = "x-money"
# Marks a column a file may leave out (added to the schema after files were written).
OPTIONAL_KEY = "x-optional"


def is_money(spec: dict) -> bool:
    """Whether a schema field holds an amount in yuan: its ``x-money`` key, else the
    naming convention (``*_yuan``) the shared schemas follow."""
    return spec.get("type") == "number" and bool(
        spec.get(MONEY_KEY, str(spec.get("name", "")).endswith("_yuan"))
    )


# Control characters (C0 but tab and line breaks, DEL, C1) and a byte-order mark anywhere
# but at the very start: invisible, and they change what a key or a name compares equal to.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff]")
# What a spreadsheet runs as a formula when the downloaded CSV is opened. "-" is not
# here: negative amounts and a lone "-" are data.
FORMULA_START = ("=", "+", "@", "\t", "\r")
_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")
# The same tests on a column's cells joined by NUL, to find the columns worth reading.
_EDGE_SPACE = re.compile(r"(?:^|\0)\s|\s(?:\0|$)")
_FORMULA_CELL = re.compile(r"(?:^|\0)[=+@\t\r]")
_MANY_DECIMALS = re.compile(r"\.\d{3}|[eE]")
# One file with a problem in every row must not make thousands of findings.
MAX_CELL_FINDINGS = 200
_TEXT_TYPES = ("string", "any")


def _check_cells(text: str, rows: list[list[str]], header: list[str], schema: dict):
    """Cell problems frictionless does not see, one finding per cell, with the row
    (header = 1, as frictionless and Excel count records) and column."""
    fields = {f["name"]: f for f in schema["fields"]}
    keys = set(schema.get("primaryKey") or [])
    keys |= {name for fk in schema.get("foreignKeys", []) for name in fk.get("fields", [])}
    # Cheap tests on the whole text decide which per-cell tests can find anything.
    any_control = bool(_CONTROL.search(text))
    any_long = len(text) > MAX_CELL_CHARS
    any_fullwidth = bool(_FULLWIDTH.search(text))
    columns = []
    for label in header:
        spec = fields.get(label, {})
        kind = spec.get("type", "string")
        columns.append(
            (
                label,
                kind in _TEXT_TYPES and label in keys,
                kind in _TEXT_TYPES and label not in MULTILINE_FIELDS,
                kind not in _TEXT_TYPES,
                is_money(spec),
            )
        )
    # Which columns can hold a problem at all, found with whole-column string operations
    # (a city's worth of CSVs is a million cells); only those are then read cell by cell.
    suspects = []
    for column, cells in enumerate(itertools.zip_longest(*rows[1:], fillvalue="")):
        label, key, single, typed, money = (
            columns[column] if column < len(columns) else (None, False, False, False, False)
        )
        # No NUL is left in any cell unless any_control: a safe separator.
        joined = "\0".join(cells)
        if (
            any_control
            or column >= len(columns)
            or (any_long and max(map(len, cells), default=0) > MAX_CELL_CHARS)
            or (key and _EDGE_SPACE.search(joined))
            or (single and ("\n" in joined or "\r" in joined))
            or _FORMULA_CELL.search(joined)
            or (typed and any_fullwidth and _FULLWIDTH.search(joined))
            or (money and _MANY_DECIMALS.search(joined))
        ):
            suspects.append(column)
    problems: list[_Problem] = []
    for index, row in enumerate(rows[1:], start=2):
        for column in suspects:
            cell = row[column] if column < len(row) else ""
            if not cell:
                continue
            label, key, single, typed, money = (
                columns[column] if column < len(columns) else (None, False, False, False, False)
            )
            problem = None
            if any_control and (odd := _CONTROL.search(cell)):
                problem = _control_problem(index, label, column, odd.group())
            elif any_long and len(cell) > MAX_CELL_CHARS:
                problem = _cell_problem(
                    "cell-too-long", index, label,
                    f"这一格有 {len(cell)} 个字，超过了每格 {MAX_CELL_CHARS} 个字的上限。请缩短内容，"
                    "或把详细内容另附文件、这里写摘要。",
                    f"The cell holds {len(cell)} characters, over the limit of {MAX_CELL_CHARS} "
                    "per cell. Shorten it, or put the details in a separate document and a "
                    "summary here.",
                )  # fmt: skip
            elif key and cell != cell.strip():
                problem = _cell_problem(
                    "key-whitespace", index, label,
                    f"编号“{cell.strip()}”的前后有空格或换行，会被当成另一个编号，其他表也对应不上。"
                    "请删去这一格开头和末尾的空格或换行。",
                    f'The id "{cell.strip()}" has spaces or a line break before or after it, so '
                    "it reads as a different id and other tables cannot match it. Remove the "
                    "spaces or line breaks at the start and end of the cell.",
                )  # fmt: skip
            elif single and ("\n" in cell or "\r" in cell):
                problem = _cell_problem(
                    "line-break", index, label,
                    "这一格里有换行（在 Excel 中按了 Alt+回车），但这一列只能写一行。请删去换行，写在同一行里。",
                    "The cell contains a line break (Alt+Enter in Excel), but this column holds "
                    "one line. Remove the line break and keep the text on one line.",
                )  # fmt: skip
            elif cell.startswith(FORMULA_START):
                shown = cell[:20].replace("\t", "⇥").replace("\r", "↵")
                problem = _cell_problem(
                    "formula-cell", index, label,
                    f"这一格以“{shown[0]}”开头（“{shown}”），电子表格打开下载的文件时会把它当成公式运行。"
                    "请删去开头的符号，或改用文字表达（例如“+1 个车位”写成“增加 1 个车位”）。",
                    f'The cell starts with "{shown[0]}" ("{shown}"), which a spreadsheet runs as '
                    "a formula when the download is opened. Remove the leading sign or say it "
                    'in words (e.g. "+1 个车位" as "增加 1 个车位").',
                )  # fmt: skip
            elif typed and any_fullwidth and _FULLWIDTH.search(cell):
                problem = _cell_problem(
                    "fullwidth-digits", index, label,
                    f"“{cell}”里有全角的数字或符号（例如“１２３”“．”）。请把输入法切换到半角（英文），"
                    "重新输入这一格。",
                    f'"{cell}" contains full-width digits or signs (e.g. "１２３"). Switch the '
                    "input method to half-width (English) and type the cell again.",
                )  # fmt: skip
            elif money and _decimals(cell) > 2:
                problem = _cell_problem(
                    "money-decimals", index, label,
                    f"金额“{cell}”有 {_decimals(cell)} 位小数；金额以元为单位，最多保留两位小数（到分）。"
                    "请四舍五入到两位小数。",
                    f'The amount "{cell}" has {_decimals(cell)} decimals; amounts are in yuan '
                    "with at most two decimals (fen). Round it to two decimals.",
                )  # fmt: skip
            if problem:
                problems.append(problem)
                if len(problems) >= MAX_CELL_FINDINGS:
                    return problems
    return problems


def _decimals(cell: str) -> int:
    """Decimals an amount is written with ("1.005" → 3, "1e-3" → 3); 0 when it is not a
    number (frictionless reports that as a type error)."""
    try:
        exponent = Decimal(cell.strip()).as_tuple().exponent
    except InvalidOperation:
        return 0
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _cell_problem(rule: str, row: int, field: str | None, message: str, message_en: str):
    return _Problem(rule, message, message_en, row=row, field=field)


def _control_problem(row: int, field: str | None, column: int, char: str) -> _Problem:
    code = f"U+{ord(char):04X}"
    where, where_en = (f"“{field}”列", f"column {field}") if field else (
        f"第 {column + 1} 列", f"column {column + 1}"
    )  # fmt: skip
    if char == "\ufeff":
        what = "一个看不见的 BOM 标记（U+FEFF），多半是把两个文件拼在一起时留下的"
        what_en = "an invisible byte-order mark (U+FEFF), usually left by joining two files"
    else:
        what = f"一个看不见的控制字符（{code}），多半是从别的软件复制时带进来的"
        what_en = f"an invisible control character ({code}), usually pasted from other software"
    return _Problem(
        "control-character",
        f"第 {row} 行{where}里有{what}。请删去这一格后重新输入。",
        f"Row {row}, {where_en}, contains {what_en}. Delete the cell and type it again.",
        row=row,
        field=field,
    )


def _read_rows(text: str) -> list[list[str]]:
    """Parse the whole file strictly, to catch what frictionless reads silently wrong.

    An opening quote that is never closed makes every following line part of one cell:
    frictionless would report nothing and publish one row instead of many. ``newline=""``
    lets old Mac files (CR-only line endings) and CRLF read like LF.
    """
    try:
        return list(csv.reader(io.StringIO(text, newline=""), strict=True)) or [[]]
    except csv.Error:
        pass  # read again record by record, to say on which line it went wrong
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    started = 1  # the line the record being read started on
    try:
        for row in reader:
            rows.append(row)
            started = reader.line_num + 1
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            raise _Problem(
                "source-error",
                f'第 {started} 行有一个英文双引号（"）没有配对，从这里到文件末尾都被当成了一格，'
                "后面的行读不出来。请删去这个引号，或在这一格的末尾补上引号。",
                f'Line {started} opens a double quote (") that is never closed, so the rest '
                "of the file reads as one cell. Remove the quote or close it at the end of the "
                "cell.",
                row=started,
            ) from None
        raise _Problem(
            "source-error",
            f"第 {reader.line_num} 行的格式有误（{error}）。格子里要写英文双引号时，请把整格用引号括起来，"
            '并把内容中的每个引号写成两个（""），或者改用中文引号“”。',
            f"Line {reader.line_num} cannot be read as CSV ({error}). To put a double quote "
            'inside a cell, quote the whole cell and double each inner quote (""), or use '
            "Chinese quotes “”.",
            row=reader.line_num,
        ) from None
    return rows or [[]]


def _drop_dangling_foreign_keys(
    descriptor: dict, pkg: EstatePackage, refused: set[str] = frozenset()
) -> None:
    """A foreign key into a table the estate has not published cannot be checked by
    frictionless (it would fail the whole resource); drop it here and let the
    ``foreign-key`` finding come from the rows that actually use it.

    A key into a table the package lists but that was refused (not UTF-8, a wrong
    header …) is dropped silently: that table's own finding is the one to fix, and
    repeating "no such table" for every row that refers to it would bury it."""
    present = {r["name"] for r in descriptor["resources"]}
    for resource in descriptor["resources"]:
        schema = resource["schema"]
        keys = schema.get("foreignKeys", [])
        kept = [fk for fk in keys if fk["reference"]["resource"] in present]
        if len(kept) != len(keys):
            resource["schema"] = dict(schema, foreignKeys=kept)
            dangling = [
                fk for fk in keys if fk not in kept and fk["reference"]["resource"] not in refused
            ]
            if dangling:
                pkg.dangling[resource["name"]] = dangling


def load_package(
    folder: Path, root: Path, schemas: dict[str, dict], contents: dict[str, bytes] | None = None
) -> EstatePackage:
    """One estate's package, as :func:`load` reads each (the build's workers use it),
    keeping the text and records of each CSV so that validation reads no file again.

    ``contents``: file name → bytes of the folder's files as the caller read them (the
    worker, for the estate's key); a CSV among them is not read again, here or for the
    downloads, so the pages and downloads are of exactly the bytes the key names."""
    return _load_package(folder, root, schemas, contents=contents)
