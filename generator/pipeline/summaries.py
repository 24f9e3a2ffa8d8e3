"""What the aggregate pages know of an estate: a small, versioned summary.

Street, district, 质价, overview, directory and home pages, the feeds and the search shards
are built from these alone (the city reduce), never from an estate's tables, so a city's
worth of them fits in memory and a cached estate needs no work at all. Everything is plain
data that survives a JSON round trip (:func:`dumps` / :func:`loads`): the build cache keeps
summaries as JSON, never pickles, so a cache entry can be checked and cannot run code.

The estate's status facts and levels (``generator/domain/status.py``) travel here, so
the city dashboard's lights are the estate page's own judgement, never recomputed.
Adding or changing a field bumps :data:`SUMMARY_VERSION`, which is part of every cache
key, so old entries are recomputed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

from ..domain.disclosure import DisclosureItem
from ..domain.indicators import estate_inputs
from ..domain.status import Level, StatusFacts
from ..model import Estate, Metrics

SUMMARY_VERSION = 4


@dataclass
class EstateSummary:
    """One estate as the aggregate pages show it. Field names are the templates' contract:
    the same as :class:`generator.model.Estate` where both have them, except that
    ``warnings`` and ``errors`` are counts here."""

    id: str
    name: str
    district: str
    street: str
    district_slug: str
    property_type: str
    residents_committee: str
    households: int
    committee_status: str
    checksum: str
    disclosure: list[DisclosureItem] = field(default_factory=list)
    metrics: Metrics | None = None
    warnings: int = 0
    errors: int = 0
    facts: StatusFacts = field(default_factory=StatusFacts)
    status_level: int = 0  # the estate's status (Level), as its own page shows it
    levels: dict[str, int] = field(default_factory=dict)  # each measure's Level
    light_texts: dict[str, str] = field(default_factory=dict)  # each light's sentence
    company_name: str | None = None
    credit_code: str | None = None
    # The street and district indicators' per-year inputs (generator/domain/indicators.py).
    inputs: dict[str, dict] = field(default_factory=dict)
    # The district's latest listing of the estate, as the dashboard and digest show it:
    # listed_date, delisted_date, delisted_reason, last_visit, visits (a count), reason,
    # unit; or None.
    supervision: dict | None = None
    # Warnings by rule id, so a page can say what the 提醒 are, not only how many.
    warning_rules: dict[str, int] = field(default_factory=dict)
    term_no: int | None = None

    @property
    def status(self) -> Level:
        return _LEVELS[self.status_level]

    def light(self, measure: str) -> Level:
        # The city's pages ask this some 900,000 times at 16,000 estates: a tuple index,
        # not Level(n), which runs the enum's lookup machinery each time.
        return _LEVELS[self.levels.get(measure, 0)]

    @property
    def overdue(self) -> list[DisclosureItem]:
        return [d for d in self.disclosure if d.overdue]

    @property
    def disclosure_label(self) -> str:
        return f"{len(self.overdue)} 项逾期" if self.overdue else "按时公示"

    @property
    def profile(self) -> dict:
        """The few profile fields aggregates read (households for the city's total)."""
        return {"households": self.households, "residents_committee": self.residents_committee}


# Level by value (0..3), for EstateSummary.light and .status.
_LEVELS = tuple(sorted(Level))


def summarise(estate: Estate) -> EstateSummary:
    profile = estate.profile
    return EstateSummary(
        id=estate.id,
        name=estate.name,
        district=estate.district,
        street=estate.street,
        district_slug=estate.district_slug,
        property_type=estate.property_type,
        residents_committee=profile.get("residents_committee") or "",
        households=profile.get("households") or 0,
        committee_status=estate.committee_status,
        checksum=estate.checksum,
        disclosure=list(estate.disclosure),
        metrics=estate.metrics,
        warnings=len(estate.warnings),
        errors=len(estate.errors),
        facts=estate.status_facts,
        status_level=int(estate.status.level),
        levels=estate.status.levels,
        light_texts={m: light.text for m, light in estate.status.lights.items()},
        company_name=estate.contract["company_name"] if estate.contract else None,
        credit_code=(estate.contract.get("credit_code") or None) if estate.contract else None,
        inputs=estate_inputs(estate),
        supervision=_supervision(estate.supervision),
        warning_rules=_rule_counts(estate.warnings),
        term_no=estate.term.get("term_no") if estate.term else None,
    )


def _supervision(record: dict | None) -> dict | None:
    if not record or not record.get("listed_date"):
        return None
    return {
        "listed_date": record.get("listed_date"),
        "delisted_date": record.get("delisted_date"),
        "last_visit": record.get("last_visit"),
        "visits": len(record.get("visits") or ()),
        "reason": record.get("reason") or "",
        "unit": record.get("unit") or "",
        "delisted_reason": record.get("delisted_reason") or "",
    }


def _rule_counts(findings) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.rule] = counts.get(finding.rule, 0) + 1
    return dict(sorted(counts.items()))


# --- JSON, with the few types summaries hold -------------------------------------------------

_CLASSES = {cls.__name__: cls for cls in (EstateSummary, DisclosureItem, Metrics, StatusFacts)}
_ENCODE_FIELDS = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _CLASSES.values()}


def _encode(value):
    # 16,000 summaries (two million values) are encoded for the ledger: the exact plain
    # types first; anything else takes the general tests below, as before.
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is dict:
        return {str(k): _encode(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_encode(v) for v in value]
    names = _ENCODE_FIELDS.get(kind)
    if names is not None:
        return {"$type": kind.__name__, **{n: _encode(getattr(value, n)) for n in names}}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if dataclasses.is_dataclass(value) and type(value).__name__ in _CLASSES:
        return {
            "$type": type(value).__name__,
            **{f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)},
        }
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"a summary cannot hold {type(value).__name__}")


_FIELDS = {
    name: frozenset(f.name for f in dataclasses.fields(cls)) for name, cls in _CLASSES.items()
}
_PLAIN = (str, int, float, bool, type(None))


def _decode(value):
    # A build from the ledger decodes 16,000 summaries (two million values): the plain
    # values, most of them, are returned before any other test.
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        if "$type" in value:
            name = value["$type"]
            names = _FIELDS[name]
            return _CLASSES[name](**{k: _decode(v) for k, v in value.items() if k in names})
        if "$decimal" in value:
            return Decimal(value["$decimal"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        return {k: _decode(v) for k, v in value.items()}
    if kind is list:
        return [_decode(v) for v in value]
    return value


def json_hook(plain: dict):
    """``json.loads(text, object_hook=json_hook)`` decodes what :func:`to_plain` encoded
    in the one pass of the C decoder: only objects reach Python, not their two million
    plain values (the ledger's 16,000 summaries: a third of the time :func:`from_plain`
    takes on the parsed JSON)."""
    name = plain.get("$type")
    if name is not None:
        names = _FIELDS.get(name)
        if names is None:
            raise ValueError(f"not a summary type: {name}")
        return _CLASSES[name](**{k: v for k, v in plain.items() if k in names})
    if "$decimal" in plain:
        return Decimal(plain["$decimal"])
    if "$date" in plain:
        return dt.date.fromisoformat(plain["$date"])
    return plain


def to_plain(value):
    """Summaries, findings' fields and the like as JSON-ready values."""
    return _encode(value)


def from_plain(value):
    return _decode(value)


def dumps(summary: EstateSummary) -> str:
    return json.dumps(_encode(summary), ensure_ascii=False, sort_keys=True)


def loads(text: str) -> EstateSummary:
    summary = _decode(json.loads(text))
    if not isinstance(summary, EstateSummary):
        raise ValueError("not an estate summary")
    return summary
