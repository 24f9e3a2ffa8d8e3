"""What every estate rule is given, and what it yields.

A rule is one small class in one file under ``generator/checks/`` (the way frictionless
writes its ``checks/``): an ``id`` equal to the rule id in domain.md, a ``severity``, the
``resources`` it reads, and ``run(ctx)`` which *yields* :class:`Issue` values instead of
raising. The registry in ``__init__`` collects them; ``validate`` turns issues into
findings with the estate, file path and row filled in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

# The estate's tables and the money helpers are the domain's; rules import them from here.
from ..domain.context import Context
from ..domain.money import CENT, money, yuan

__all__ = ["CENT", "Check", "Context", "Issue", "money", "yuan"]


@dataclass(frozen=True)
class Issue:
    """A rule's complaint about one place. ``row`` is the CSV line number (header = 1)."""

    resource: str | None
    row: int | None
    field: str | None
    message: str
    message_en: str
    severity: str | None = None  # None: the rule's own severity


class Check:
    id: ClassVar[str]
    severity: ClassVar[str]  # "error" or "warning"
    # Tables the rule reads; it is skipped (silently) when the first one is absent.
    resources: ClassVar[tuple[str, ...]] = ()

    def run(self, ctx: Context) -> Iterator[Issue]:  # pragma: no cover - interface
        raise NotImplementedError
