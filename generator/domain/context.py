"""What the rules and the model are given about one estate: its typed tables and settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


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
