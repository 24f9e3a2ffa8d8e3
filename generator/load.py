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
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .findings import ERROR, WARNING, Finding

ESTATE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
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
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Loaded:
    root: Path
    data_dir: Path
    schemas: dict[str, dict]
    packages: list[EstatePackage]
    findings: list[Finding]


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_schemas(schema_dir: Path) -> dict[str, dict]:
    """All shared Table Schemas by table name (file stem before ``.schema.yaml``)."""
    schemas = {}
    for path in sorted(schema_dir.glob("*.schema.yaml")):
        schemas[path.name.removesuffix(".schema.yaml")] = yaml.safe_load(path.read_text("utf-8"))
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
    schemas = load_schemas(schema_dir)
    packages = [_load_package(folder, root, schemas) for folder in estate_folders(data_dir)]
    return Loaded(root, data_dir, schemas, packages, _duplicate_ids(packages, root))


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

    def __init__(self, rule, message, message_en, *, row=None, field=None, severity=ERROR):
        super().__init__(message_en)
        self.rule, self.message, self.message_en = rule, message, message_en
        self.row, self.field, self.severity = row, field, severity


def _load_package(folder: Path, root: Path, schemas: dict[str, dict]) -> EstatePackage:
    estate_id = folder.name
    pkg = EstatePackage(estate_id, folder, None)

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
        descriptor_path, raw = _read_descriptor(folder)
    except _Problem as problem:
        add(folder / DESCRIPTOR_NAMES[0], problem)
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
    for index, resource in enumerate(resources):
        try:
            name, csv_path, schema = _check_resource(folder, resource, index, schemas)
            if name in listed:
                raise _Problem(
                    "package-error",
                    f"表“{name}”在 datapackage 中列出了两次。请删去重复的一项。",
                    f'Table "{name}" is listed twice in the package. Remove one entry.',
                    field="resources",
                )
            listed.add(name)
        except _Problem as problem:
            add(descriptor_path, problem)
            continue
        try:
            encoding, header, notes = _check_csv(csv_path, schema)
        except _Problem as problem:
            add(csv_path, problem, name)
            continue
        for note in notes:
            add(csv_path, note, name)
        pkg.files[name] = csv_path
        pkg.encodings[name] = encoding
        # Match field order to the header so frictionless compares labels by position and
        # the published datapackage.json describes the CSV exactly as it is.
        by_name = {f["name"]: f for f in schema["fields"]}
        ordered = dict(schema, fields=[by_name[label] for label in header])
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
    if "estate" not in listed:
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
    _drop_dangling_foreign_keys(descriptor, pkg)
    pkg.descriptor = descriptor
    return pkg


def _read_descriptor(folder: Path) -> tuple[Path, dict]:
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
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Problem(
            "encoding-error",
            f"{name} 不是 UTF-8 编码。请用文本编辑器以 UTF-8 编码重新保存。",
            f"{name} is not UTF-8. Save it again as UTF-8 in a text editor.",
        ) from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise _Problem(
            "package-error",
            f"{name} 的格式有误（第 {line} 行附近），无法读取。请检查缩进（只用空格，不用 Tab）和冒号。",
            f"{name} is not valid YAML (near line {line}). Check the indentation (spaces, not "
            "tabs) and the colons.",
            row=line,
        ) from None
    if not isinstance(raw, dict):
        raise _Problem(
            "package-error",
            f"{name} 的内容应当是键值对（name、title、resources）。请参照其他小区的文件修改。",
            f"{name} must be a mapping with name, title and resources. Compare with another "
            "estate's file.",
        )
    return path, raw


def _check_resource(folder: Path, resource, index: int, schemas: dict[str, dict]):
    """Return (name, csv path, schema) for a safe resource entry, or raise _Problem."""
    known = "、".join(sorted(schemas))
    if not isinstance(resource, dict) or not isinstance(resource.get("name"), str):
        raise _Problem(
            "package-error",
            f"resources 的第 {index + 1} 项没有 name。请写上表名（{known} 之一）。",
            f"Resource #{index + 1} has no name. Give it one of the table names: "
            f"{', '.join(sorted(schemas))}.",
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
    if csv_path.is_symlink() or (
        csv_path.exists() and folder.resolve() not in csv_path.resolve().parents
    ):
        raise _Problem(
            "package-error",
            f"“{path}”是指向别处的链接，已拒绝。请把真正的文件放在本小区文件夹中。",
            f'"{path}" is a link to somewhere else and was refused. Put the real file in the '
            "estate folder.",
            field="resources",
        )
    if not csv_path.is_file():
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
    expected = f"../../schemas/{name}.schema.yaml"
    if schema_ref is not None and schema_ref != expected:
        raise _Problem(
            "package-error",
            f"表“{name}”必须使用统一的表结构：schema: {expected}（或不写 schema）。",
            f'Table "{name}" must use the shared schema: schema: {expected} (or no schema key).',
            field="resources",
        )
    return name, csv_path, schemas[name]


def _check_csv(csv_path: Path, schema: dict) -> tuple[str, list[str], list[_Problem]]:
    """Check encoding and header before frictionless reads the file.

    frictionless would report a GBK file as a cascade of odd errors, and a missing
    column as "incorrect label" on every column after it; a committee member needs one
    sentence that says what happened and how to fix it.
    """
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
            f"文件不是 UTF-8 编码，{guess}；第 {line} 行起无法读取。{SAVE_AS_UTF8[0]}",
            f"The file is not UTF-8 — {guess_en}; it cannot be read from line {line}. "
            f"{SAVE_AS_UTF8[1]}",
            row=line,
        ) from None
    if not text.strip():
        raise _Problem(
            "empty-file",
            "文件是空的。至少要有第一行的列名；可以从模板或其他小区复制表头。",
            "The file is empty. It needs at least the header row; copy it from the template "
            "or another estate.",
        )
    header = next(csv.reader(io.StringIO(text)), [])
    header = [label.strip() for label in header]
    expected = [f["name"] for f in schema["fields"]]
    titles = {f["name"]: f.get("title", f["name"]) for f in schema["fields"]}
    missing = [name for name in expected if name not in header]
    extra = [label for label in header if label not in expected]
    duplicates = sorted({label for label in header if header.count(label) > 1})
    if missing:
        names = "、".join(f"{n}（{titles[n]}）" for n in missing)
        raise _Problem(
            "missing-label",
            f"缺少列：{names}。请在第一行加上这些列名（没有数据也要保留空列）。",
            f"Missing column(s): {', '.join(missing)}. Add them to the header row (keep the "
            "column even when it is empty).",
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
    notes = []
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
    return encoding, header, notes


def _drop_dangling_foreign_keys(descriptor: dict, pkg: EstatePackage) -> None:
    """A foreign key into a table the estate has not published cannot be checked by
    frictionless (it would fail the whole resource); drop it here and let the
    ``foreign-key`` finding come from the rows that actually use it."""
    present = {r["name"] for r in descriptor["resources"]}
    for resource in descriptor["resources"]:
        schema = resource["schema"]
        keys = schema.get("foreignKeys", [])
        kept = [fk for fk in keys if fk["reference"]["resource"] in present]
        if len(kept) != len(keys):
            resource["schema"] = dict(schema, foreignKeys=kept)
            pkg.dangling[resource["name"]] = [fk for fk in keys if fk not in kept]
