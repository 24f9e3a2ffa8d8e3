"""The data districts keep: ``data/districts/<district_slug>/``, loaded and validated.

A district's housing bureau keeps two lists no estate can keep about itself: the estates
it has listed for supervision (挂牌督办, with the visits of the supervising unit) and its
pre-selection pool of property companies (物业企业预选库). Each district's folder is an
ordinary Frictionless package like an estate's, read by the same loader (the same safety
checks, the same findings) and validated by the same engine, with its schemas in
``data/schemas/districts/`` and its rules in :data:`generator.checks.DISTRICT_CHECKS`.

Stage: load/validate. The result the later stages use is :class:`DistrictData`, a plain
value (dicts, dates and strings only), so it pickles into the build's workers and its
records hash into the estates' cache keys.

Contract with the district pages (helper D codes against it; change it only with them):

- ``load_districts(data_dir) -> list[DistrictPackage]`` and
  ``validate_districts(packages, estates, as_of, config, root) -> (findings, DistrictData)``;
  :func:`check_districts` does both for a data folder;
- ``DistrictData.supervision_of(estate_id) -> dict | None``: the estate's latest listing
  with keys ``listing_id``, ``district``, ``estate_id``, ``listed_date``,
  ``delisted_date`` (None while listed), ``delisted_reason``, ``reason``, ``unit``,
  ``visits`` (``[{"visit_date", "checked"}]``, newest first), ``last_visit`` (date or
  None) and ``open`` (bool); None when the estate was never listed;
- ``DistrictData.listings``: every listing (the same dicts), sorted by district, then
  listed date, then id;
- ``DistrictData.pool``: credit_code → ``{"credit_code", "company_name", "listed_date",
  "removed_date", "removed_reason", "district"}`` (a code in several districts' pools:
  the first district by slug; ``pools`` has every district's rows);
  ``DistrictData.in_pool(code, as_of)``, ``DistrictData.district_of_pool(code)``.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from .checks import DISTRICT_CHECKS
from .checks.district_base import DistrictContext
from .findings import ERROR, Finding, sort_findings
from .load import (
    BUNDLED_SCHEMAS,
    DESCRIPTOR_NAMES,
    EstatePackage,
    _load_package,
    _rel,
    estate_folders,
    load_schemas,
    repository_root,
)
from .places import DISTRICT_SLUGS, district_slug

DISTRICTS_DIR = "districts"
# The district tables' schemas: a subfolder, so an estate package cannot list them and
# the committees' workbook and data-format guide stay about estate tables.
SCHEMA_SUBDIR = "districts"
SCHEMA_PREFIX = "../../schemas/districts/"
DISTRICT_TABLES = ("supervision", "supervision_visits", "company_pool")


@dataclass
class DistrictPackage:
    """One district's folder as far as it could be read, and (once validated) its
    findings and the typed rows of the tables that passed."""

    slug: str
    folder: Path
    package: EstatePackage
    findings: list[Finding] = field(default_factory=list)
    tables: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """What findings name in their estate column: ``districts/<slug>``."""
        return label(self.slug)


def label(slug: str) -> str:
    # Estate ids cannot hold "/": a district's findings never mix with an estate's.
    return f"{DISTRICTS_DIR}/{slug}"


@dataclass
class DistrictData:
    """Every district's supervision list and company pool, as plain values."""

    listings: list[dict] = field(default_factory=list)
    pools: dict[str, list[dict]] = field(default_factory=dict)  # district slug → rows
    districts: list[str] = field(default_factory=list)  # slugs that have a package
    pool: dict[str, dict] = field(default_factory=dict)
    _latest: dict[str, dict] = field(default_factory=dict, repr=False)
    # Credit code → its pool rows in district order: the companies index asks for each
    # of 11,000 companies, and a scan of every pool per company cost 13 s at 16,000 estates.
    _rows_by_code: dict[str, list[dict]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for slug in sorted(self.pools):
            for row in self.pools[slug]:
                self._rows_by_code.setdefault(row["credit_code"], []).append(row)
        if not self.pool:
            for code, rows in self._rows_by_code.items():
                self.pool[code] = rows[0]
        if not self._latest:
            for listing in self.listings:
                key = (listing["listed_date"], listing["listing_id"])
                held = self._latest.get(listing["estate_id"])
                if held is None or key > (held["listed_date"], held["listing_id"]):
                    self._latest[listing["estate_id"]] = listing

    def supervision_of(self, estate_id: str) -> dict | None:
        """The estate's latest listing (see the module docstring), or None."""
        return self._latest.get(estate_id)

    def in_pool(self, code: str | None, as_of: dt.date) -> bool:
        """Whether the company is in any district's pool on ``as_of``."""
        return any(_in_pool(row, as_of) for row in self._pool_rows(code))

    def district_of_pool(self, code: str | None) -> str | None:
        """The district whose pool holds the company (today's member first), or None."""
        rows = self._pool_rows(code)
        current = [r for r in rows if r["removed_date"] is None]
        return (current or rows or [{"district": None}])[0]["district"]

    def _pool_rows(self, code: str | None) -> list[dict]:
        if not code:
            return []
        return list(self._rows_by_code.get(code, ()))


def _in_pool(row: dict, as_of: dt.date) -> bool:
    removed = row["removed_date"]
    return row["listed_date"] <= as_of and (removed is None or removed > as_of)


# --- load -----------------------------------------------------------------------------------


def district_folders(data_dir: Path | str) -> list[Path]:
    base = Path(data_dir) / DISTRICTS_DIR
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))


def schema_dir(data_dir: Path | str) -> Path:
    own = Path(data_dir) / "schemas" / SCHEMA_SUBDIR
    return own if own.is_dir() else BUNDLED_SCHEMAS / SCHEMA_SUBDIR


def load_districts(data_dir: Path | str, root: Path | str | None = None) -> list[DistrictPackage]:
    """Read every ``data/districts/<slug>/`` package; never raises for bad data."""
    data_dir = Path(data_dir)
    root = Path(root) if root else repository_root(data_dir)
    schemas = load_schemas(schema_dir(data_dir))
    out = []
    for folder in district_folders(data_dir):
        slug = folder.name
        if not folder.is_symlink() and not any((folder / n).is_file() for n in DESCRIPTOR_NAMES):
            pkg = EstatePackage(slug, folder, None)
            pkg.findings.append(_no_descriptor(slug, folder, root))
        else:
            pkg = _load_package(folder, root, schemas, required=None, schema_prefix=SCHEMA_PREFIX)
        # Findings name the district as districts/<slug>, wherever they were made.
        pkg.findings = [dataclasses.replace(f, estate=label(slug)) for f in pkg.findings]
        pkg.estate_id = label(slug)
        out.append(DistrictPackage(slug, folder, pkg))
    return out


def estate_districts(
    data_dir: Path | str,
    memo: Path | None = None,
    memo_key: str = "",
    folders: list[Path] | None = None,
) -> dict[str, str]:
    """Estate id → district slug of every estate folder, read cheaply (the header and
    first row of estate.csv; the estate's own validation judges the file). An estate whose
    profile cannot be read maps to "".

    ``memo``: a JSON file that remembers each profile's stat data (size, mtime, ctime,
    inode, as the ledger does: generator/pipeline/ledger.py) with its district, under
    ``memo_key`` (the code's fingerprint), so a build reads only the profiles that
    changed: reading all 16,000 of a city took 1.4 s of every build. ``folders``: the
    estates' folders when the caller has listed them already (load.estate_folders)."""
    from .pipeline.ledger import RACY_NS

    remembered = _read_memo(memo, memo_key)
    now = time.time_ns()
    out: dict[str, str] = {}
    keep: dict[str, list] = {}
    for folder in estate_folders(Path(data_dir)) if folders is None else folders:
        path = f"{folder}/estate.csv"
        try:
            st = os.lstat(path)
        except OSError:
            st = None
        stamp = None
        if st is not None and stat.S_ISREG(st.st_mode):
            stamp = f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"
            if max(st.st_mtime_ns, st.st_ctime_ns) >= now - RACY_NS:
                stamp = None  # too recent to trust: it could change within the same tick
        held = remembered.get(path)
        if stamp is not None and isinstance(held, list) and held[:1] == [stamp]:
            out[folder.name] = str(held[1])
            keep[path] = held
            continue
        out[folder.name] = _district_of_profile(path)
        if stamp is not None:
            keep[path] = [stamp, out[folder.name]]
    if memo is not None:
        try:
            memo.parent.mkdir(parents=True, exist_ok=True)
            tmp = memo.with_suffix(".tmp")
            tmp.write_text(json.dumps({"key": memo_key, "profiles": keep}), "utf-8")
            os.replace(tmp, memo)
        except OSError:
            pass  # a memo not written is read in full next time
    return out


def _district_of_profile(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            row = next(csv.DictReader(f), None) or {}
    except (OSError, UnicodeDecodeError, csv.Error):
        row = {}
    name = str(row.get("district") or "").strip()
    return district_slug(name) if name else ""


def _read_memo(memo: Path | None, memo_key: str) -> dict:
    if memo is None:
        return {}
    try:
        plain = json.loads(memo.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(plain, dict) or plain.get("key") != memo_key:
        return {}
    profiles = plain.get("profiles")
    return profiles if isinstance(profiles, dict) else {}


# --- validate -------------------------------------------------------------------------------


def validate_districts(
    packages: list[DistrictPackage],
    estates: dict[str, str],
    as_of: dt.date,
    config: dict | None = None,
    root: Path | None = None,
    guard=None,
) -> tuple[list[Finding], DistrictData]:
    """Every district package through frictionless' checks and the district rules.

    ``estates``: estate id → district slug (:func:`estate_districts`), which the rules
    check each listing against. Returns the sorted findings and the data of the tables
    that passed (a table with errors contributes nothing). With a ``guard``
    (:class:`generator.privacy.Guard`) holding a takedown list, the data is what may be
    published: the rules judge the tables as written, the pages get them masked.
    """
    from .validate import _frictionless  # the same engine as the estates'

    config = config or {}
    known = set(DISTRICT_SLUGS.values()) | {s for s in estates.values() if s}
    findings: list[Finding] = []
    for dp in packages:
        pkg = dp.package
        dp.findings = list(pkg.findings)
        root_ = root or repository_root(dp.folder)
        if dp.slug not in known:
            dp.findings.append(_unknown_slug(dp, root_))
        unread = any(f.severity == ERROR for f in pkg.findings)  # said already
        if "supervision_visits" in pkg.files and "supervision" not in pkg.files and not unread:
            # Visits hang on listings: without the list they would vanish without a word.
            dp.findings.append(_visits_without_listings(dp, root_))
        if pkg.descriptor.get("resources"):
            dp.tables = _frictionless(pkg, root_, dp.findings)
            dp.findings.extend(_run_rules(dp, estates, as_of, config, root_))
        findings.extend(dp.findings)
        if guard is not None and guard.redactions:
            dp.tables = {name: guard.rows(dp.label, name, rows) for name, rows in dp.tables.items()}
    return sort_findings(findings), district_data(packages)


def district_data(packages: list[DistrictPackage]) -> DistrictData:
    """The plain value of the validated packages' tables."""
    listings, pools = [], {}
    for dp in sorted(packages, key=lambda p: p.slug):
        visits: dict[str, list[dict]] = {}
        for v in dp.tables.get("supervision_visits", []):
            visits.setdefault(v["listing_id"], []).append(
                {"visit_date": v["visit_date"], "checked": v["checked"]}
            )
        for row in sorted(
            dp.tables.get("supervision", []), key=lambda r: (r["listed_date"], r["listing_id"])
        ):
            mine = sorted(visits.get(row["listing_id"], []), key=lambda v: v["visit_date"])[::-1]
            listings.append(
                {
                    "listing_id": row["listing_id"],
                    "district": dp.slug,
                    "estate_id": row["estate_id"],
                    "listed_date": row["listed_date"],
                    "delisted_date": row["delisted_date"],
                    "delisted_reason": row["delisted_reason"],
                    "reason": row["reason"],
                    "unit": row["unit"],
                    "visits": mine,
                    "last_visit": mine[0]["visit_date"] if mine else None,
                    "open": row["delisted_date"] is None,
                }
            )
        if "company_pool" in dp.tables:
            pools[dp.slug] = [
                {
                    "credit_code": r["credit_code"],
                    "company_name": r["company_name"],
                    "listed_date": r["listed_date"],
                    "removed_date": r["removed_date"],
                    "removed_reason": r["removed_reason"],
                    "district": dp.slug,
                }
                for r in sorted(dp.tables["company_pool"], key=lambda r: r["credit_code"])
            ]
    return DistrictData(listings=listings, pools=pools, districts=sorted(p.slug for p in packages))


def check_districts(
    data_dir: Path | str,
    as_of: dt.date,
    config: dict | None = None,
    root: Path | None = None,
    guard=None,
    memo: Path | None = None,
    memo_key: str = "",
    folders: list[Path] | None = None,
    judged: Path | None = None,
) -> tuple[list[Finding], DistrictData]:
    """Load and validate every district package of ``data_dir`` (none: no findings).
    ``memo``, ``memo_key``, ``folders``: see :func:`estate_districts`. ``judged``: a JSON
    file keeping the last verdict (findings and data) under the checksum of everything it
    read — the districts' files, their schemas, which district each estate is in, the
    as-of date, the rules, the takedown list and ``memo_key`` (the code) — so a build
    whose districts did not change does not validate them again (two seconds at 16,000
    estates)."""
    data_dir = Path(data_dir)
    root = Path(root) if root else repository_root(data_dir)
    if not district_folders(data_dir):
        return [], DistrictData()
    estates = estate_districts(data_dir, memo, memo_key, folders)
    key = _verdict_key(data_dir, estates, as_of, config, root, guard, memo_key)
    held = _read_verdict(judged, key)
    if held is not None:
        return held
    packages = load_districts(data_dir, root)
    findings, data = validate_districts(packages, estates, as_of, config, root, guard)
    _write_verdict(judged, key, findings, data)
    return findings, data


def _verdict_key(data_dir, estates, as_of, config, root, guard, code) -> str:
    from .pipeline.keys import digest, folder_fingerprint

    base = Path(data_dir) / DISTRICTS_DIR
    # Every name with what it is: a linked folder or file is refused whatever it holds,
    # so a file swapped for a link to the same bytes must be judged again.
    entries = sorted(
        f"{p.relative_to(base).as_posix()}\0{p.is_symlink()}\0{p.is_dir()}"
        for p in base.rglob("*")
    ) if base.is_dir() else []  # fmt: skip
    return digest(
        "district-verdict-1",
        code,
        folder_fingerprint(base),
        "\n".join(entries),
        folder_fingerprint(schema_dir(data_dir)),
        json.dumps(sorted(estates.items()), ensure_ascii=False),
        as_of.isoformat(),
        json.dumps(config or {}, sort_keys=True, default=str, ensure_ascii=False),
        str(root),
        getattr(guard, "fingerprint", "") if guard is not None else "",
    )


def _read_verdict(judged: Path | None, key: str) -> tuple[list[Finding], DistrictData] | None:
    from .pipeline.summaries import json_hook

    if judged is None:
        return None
    try:
        plain = json.loads(judged.read_text("utf-8"), object_hook=json_hook)
        if not isinstance(plain, dict) or plain.get("key") != key:
            return None
        findings = [Finding.restore(f) for f in plain["findings"]]
        data = plain["data"]
        return findings, DistrictData(
            listings=list(data["listings"]),
            pools=dict(data["pools"]),
            districts=list(data["districts"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _write_verdict(judged: Path | None, key: str, findings, data: DistrictData) -> None:
    from .pipeline.summaries import to_plain

    if judged is None:
        return
    try:
        text = json.dumps(
            {
                "key": key,
                "findings": [f.as_dict() for f in findings],
                "data": to_plain(
                    {"listings": data.listings, "pools": data.pools, "districts": data.districts}
                ),
            },
            ensure_ascii=False,
        )
        judged.parent.mkdir(parents=True, exist_ok=True)
        tmp = judged.with_suffix(".tmp")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, judged)
    except (OSError, TypeError, ValueError):
        pass  # not kept: judged again next time


def _run_rules(
    dp: DistrictPackage, estates: dict[str, str], as_of: dt.date, config: dict, root: Path
) -> list[Finding]:
    ctx = DistrictContext(
        dp.label, dp.tables, as_of, config, descriptor=dp.package.descriptor,
        district=dp.slug, estates=estates,
    )  # fmt: skip
    out = []
    for rule_id, check_class in DISTRICT_CHECKS.items():
        check = check_class()
        if check.resources and not ctx.has(check.resources[0]):
            continue
        for issue in check.run(ctx):
            file = dp.package.files.get(issue.resource) if issue.resource else None
            where = file or dp.package.descriptor_path or dp.folder
            out.append(
                Finding(
                    dp.label, issue.resource, _rel(where, root), issue.row, issue.field,
                    rule_id, issue.severity or check.severity, issue.message, issue.message_en,
                )
            )  # fmt: skip
    return out


def _no_descriptor(slug: str, folder: Path, root: Path) -> Finding:
    return Finding(
        label(slug),
        None,
        _rel(folder / DESCRIPTOR_NAMES[0], root),
        None,
        None,
        "package-error",
        ERROR,
        f"区文件夹“{slug}”里没有 datapackage.yaml。请从其他区的文件夹复制一份，"
        "改好 name 和 resources（supervision、supervision_visits、company_pool）。",
        f'The district folder "{slug}" has no datapackage.yaml. Copy one from another '
        "district's folder and edit its name and resources (supervision, "
        "supervision_visits, company_pool).",
    )


def _visits_without_listings(dp: DistrictPackage, root: Path) -> Finding:
    return Finding(
        dp.label,
        "supervision_visits",
        _rel(dp.package.files["supervision_visits"], root),
        None,
        "listing_id",
        "package-error",
        ERROR,
        "有督办走访表（supervision_visits），却没有挂牌督办表（supervision）：走访记在哪次挂牌下无从查起，"
        "不会发布。请把 supervision.csv 加进本区文件夹并在 datapackage.yaml 的 resources 中列出；"
        "本区没有挂牌督办的小区时，删去走访表。",
        "The district has a visits table (supervision_visits) but no supervision list "
        "(supervision): the visits belong to no listing and would not be published. Add "
        "supervision.csv and list it in datapackage.yaml's resources, or, with no estate "
        "under supervision, remove the visits table.",
    )


def _unknown_slug(dp: DistrictPackage, root: Path) -> Finding:
    shown = "、".join(sorted(DISTRICT_SLUGS.values()))
    return Finding(
        dp.label,
        None,
        _rel(dp.folder, root),
        None,
        None,
        "package-error",
        ERROR,
        f"区文件夹名“{dp.slug}”不是任何一个区的编号，也没有小区在这个区。请把文件夹改名为区的编号"
        f"（{shown} 之一）。",
        f'The district folder "{dp.slug}" is not a district slug, and no estate is in such a '
        f"district. Rename it to a district slug (one of {', '.join(sorted(DISTRICT_SLUGS.values()))}).",
    )


__all__ = [
    "DISTRICT_TABLES", "DistrictData", "DistrictPackage", "check_districts", "district_data",
    "district_folders", "estate_districts", "load_districts", "validate_districts",
]  # fmt: skip
