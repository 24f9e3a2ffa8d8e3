"""What every estate rule is given, and what it yields.

A rule is one small class in one file under ``generator/checks/`` (the way frictionless
writes its ``checks/``): an ``id`` equal to the rule id in domain.md, a ``severity``, the
``resources`` it reads, and ``run(ctx)`` which *yields* :class:`Issue` values instead of
raising. The registry in ``__init__`` collects them; ``validate`` turns issues into
findings with the estate, file path and row filled in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar


@dataclass(frozen=True)
class Issue:
    """A rule's complaint about one place. ``row`` is the CSV line number (header = 1)."""

    resource: str | None
    row: int | None
    field: str | None
    message: str
    message_en: str
    severity: str | None = None  # None: the rule's own severity


@dataclass
class Context:
    """One estate's typed tables and the settings rules may depend on.

    ``tables[name]`` is a list of dicts, one per CSV row, with typed values (dates are
    ``datetime.date``, numbers ``Decimal`` or ``int``, booleans ``bool``, empty cells
    ``None``) and ``_row``, the CSV line number. A table the estate has not published is
    absent; a table that failed frictionless validation is absent too, so rules never see
    half-typed data.
    """

    estate_id: str
    tables: dict[str, list[dict]]
    as_of: dt.date
    config: dict = field(default_factory=dict)
    # The package's descriptor as published (title, file names …), for rules that read it.
    descriptor: dict = field(default_factory=dict)

    def rows(self, name: str) -> list[dict]:
        return self.tables.get(name, [])

    def has(self, name: str) -> bool:
        return name in self.tables

    @property
    def estate(self) -> dict:
        rows = self.tables.get("estate") or [{}]
        return rows[0]


class Check:
    id: ClassVar[str]
    severity: ClassVar[str]  # "error" or "warning"
    # Tables the rule reads; it is skipped (silently) when the first one is absent.
    resources: ClassVar[tuple[str, ...]] = ()

    def run(self, ctx: Context) -> Iterator[Issue]:  # pragma: no cover - interface
        raise NotImplementedError


CENT = Decimal("0.01")


def money(value) -> Decimal:
    """Amounts as Decimal, empty as 0, so sums never drift by float error."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def yuan(value) -> str:
    """Amount for a message: 73,100.00."""
    return f"{money(value):,.2f}"
