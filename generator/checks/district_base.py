"""What a district rule is given: the district's typed tables and the estates it may name.

District rules are written like estate rules (one small class per file, ``run(ctx)``
yielding :class:`~generator.checks.base.Issue`) and collected in
:data:`generator.checks.DISTRICT_CHECKS`; their context also knows the district's slug
and every estate's district, so a listing can be checked against data/estates/.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain.context import Context


@dataclass
class DistrictContext(Context):
    """``estate_id`` is the district's label (``districts/<slug>``)."""

    district: str = ""
    # estate id → district slug ("" when the estate's profile cannot be read)
    estates: dict[str, str] = field(default_factory=dict)
