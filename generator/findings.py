"""Findings: what validation says about an estate, as plain data.

Every problem — a frictionless type error, a broken CSV, a domain rule — becomes one
:class:`Finding`. One set of printers turns a list of them into a table, JSON or GitHub
annotations, so the wording lives in one place and every output names the same estate,
file, row and column.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields

from .guide import guide_url
from .privacy import mask

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one place. ``row`` is the CSV line number (header = 1) or None."""

    estate: str
    resource: str | None
    path: str | None
    row: int | None
    field: str | None
    rule: str
    severity: str
    message: str
    message_en: str

    def __post_init__(self) -> None:
        # Findings are printed where the public can read them (CI logs, annotations, job
        # summaries), and some quote the cell they are about: never echo personal data,
        # mask it (138****5678) and let estate, file, row and column say where it is.
        for name in ("message", "message_en", "path", "field"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, mask(value))

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def restore(cls, plain: dict) -> Finding:
        """A finding as :meth:`as_dict` wrote it into the build's own ledger: masked when
        it was made, so not scanned again (at 16,000 estates the scan cost two seconds of
        a build that read no estate's files). Raises TypeError for other keys, as the
        constructor would."""
        if plain.keys() != _FIELDS:
            raise TypeError(f"not a finding: {sorted(plain)}")
        finding = object.__new__(cls)
        for name, value in plain.items():
            object.__setattr__(finding, name, value)
        return finding

    @property
    def where(self) -> str:
        """'path:row column' for humans, leaving out what is unknown."""
        parts = [self.path or self.estate]
        if self.row is not None:
            parts[0] += f":{self.row}"
        if self.field:
            parts.append(f"[{self.field}]")
        return " ".join(parts)


_FIELDS = frozenset(f.name for f in fields(Finding))


@dataclass
class Report:
    """All findings of one validation run, plus the typed tables of every estate.

    ``tables[estate_id][resource]`` is a list of row dicts (with ``_row``, the CSV line
    number) for every resource that passed frictionless validation; later stages build
    pages from these, so the CSVs are read once.
    """

    findings: list[Finding] = field(default_factory=list)
    tables: dict[str, dict[str, list[dict]]] = field(default_factory=dict)
    estate_dirs: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def valid(self) -> bool:
        return not self.errors

    def for_estate(self, estate_id: str) -> list[Finding]:
        return [f for f in self.findings if f.estate == estate_id]


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    def key(f: Finding):
        return (f.estate, f.path or "", f.row or 0, f.field or "", f.rule, f.message)

    return sorted(set(findings), key=key)


def format_json(report: Report) -> str:
    return json.dumps(
        {"valid": report.valid, "findings": [f.as_dict() for f in report.findings]},
        ensure_ascii=False,
        indent=2,
    )


def _escape_github(value: str, *, prop: bool = False) -> str:
    # GitHub's workflow-command escaping: data and properties differ.
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def format_github(report: Report, site_url: str = "") -> str:
    lines = []
    for f in report.findings:
        props = []
        if f.path:
            props.append(f"file={_escape_github(f.path, prop=True)}")
        if f.row:
            props.append(f"line={f.row}")
        props.append(f"title={_escape_github(f'{f.estate} {f.rule}', prop=True)}")
        text = f"{f.message} / {f.message_en} 说明 guide: {guide_url(f.rule, site_url)}"
        if f.field:
            text = f"[{f.field}] {text}"
        lines.append(f"::{f.severity} {','.join(props)}::{_escape_github(text)}")
    lines.append(summary_line(report))
    return "\n".join(lines)


def summary_line(report: Report) -> str:
    estates = len(report.tables) or len({f.estate for f in report.findings if f.estate})
    return (
        f"{estates} 个小区，{len(report.errors)} 个错误，{len(report.warnings)} 个提醒 / "
        f"{estates} estates, {len(report.errors)} errors, {len(report.warnings)} warnings"
    )


def format_table(report: Report, site_url: str = "") -> str:
    """Readable text grouped by estate: one block per estate, one entry per finding."""
    return "\n".join([*_blocks(report.findings, site_url), summary_line(report)])


# A failed build lists estates with warnings only when there are this few of them.
QUIET_ESTATES_LISTED = 20


def format_failure(findings: list[Finding]) -> str:
    """What a failed build prints: every estate with an error in full, at the end, where a
    log is read. Estates with warnings only are listed too when few; in a city they are
    thousands (at 16,000 estates some 3,500, 14,000 lines), which would bury the error
    that stopped the build, so they are counted and left to ``sunlight validate``."""
    failing = {f.estate for f in findings if f.severity == ERROR}
    quiet = [f for f in findings if f.estate not in failing]
    quiet_estates = len({f.estate for f in quiet})
    if quiet_estates <= QUIET_ESTATES_LISTED:
        return format_table(Report(findings=list(findings)))
    counted = (
        f"另有 {quiet_estates} 个小区共 {len(quiet)} 个提醒，提醒不妨碍构建，这里不一一列出；"
        f"sunlight validate 列出全部。/ {quiet_estates} other estates have {len(quiet)} "
        "warnings, which do not stop a build and are not listed here; sunlight validate "
        "lists them all."
    )
    loud = [f for f in findings if f.estate in failing]
    return "\n".join([counted, *_blocks(loud), summary_line(Report(findings=list(findings)))])


def _blocks(findings: Iterable[Finding], site_url: str = "") -> list[str]:
    out: list[str] = []
    by_estate: dict[str, list[Finding]] = {}
    for f in findings:
        by_estate.setdefault(f.estate, []).append(f)
    for estate, findings in by_estate.items():
        n_err = sum(f.severity == ERROR for f in findings)
        n_warn = len(findings) - n_err
        # Findings about the data folder as a whole (no estate found) have no estate id.
        label = estate or "数据文件夹 data folder"
        out.append(f"== {label}: {n_err} 个错误 errors, {n_warn} 个提醒 warnings")
        for f in findings:
            label = "错误 ERROR  " if f.severity == ERROR else "提醒 WARNING"
            out.append(f"  {label} {f.where}  ({f.rule})")
            out.append(f"      {f.message}")
            out.append(f"      {f.message_en}")
            out.append(f"      说明 guide: {guide_url(f.rule, site_url)}")
    return out
