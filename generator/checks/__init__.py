"""The registry of estate rules: one module per rule id from domain.md."""

from __future__ import annotations

from .base import Check, Context, Issue
from .committee_filing import CommitteeFiling
from .committee_roles import CommitteeRoles
from .committee_size import CommitteeSize
from .committee_term import CommitteeTerm
from .common_income_transfer import CommonIncomeTransfer
from .disclosure_fresh import DisclosureFresh
from .fee_band import FeeBand
from .fee_single_price import FeeSinglePrice
from .meeting_cadence import MeetingCadence
from .member_in_term import MemberInTerm
from .no_personal_data import NoPersonalData
from .repair_fund_floor import RepairFundFloor
from .resolution_threshold import ResolutionThreshold
from .statement_reconciles import StatementReconciles
from .work_orders_consistent import WorkOrdersConsistent

CHECKS: dict[str, type[Check]] = {
    c.id: c
    for c in (
        CommitteeSize,
        CommitteeTerm,
        CommitteeFiling,
        CommitteeRoles,
        MemberInTerm,
        MeetingCadence,
        ResolutionThreshold,
        StatementReconciles,
        CommonIncomeTransfer,
        RepairFundFloor,
        DisclosureFresh,
        FeeSinglePrice,
        FeeBand,
        WorkOrdersConsistent,
        NoPersonalData,
    )
}

__all__ = ["CHECKS", "Check", "Context", "Issue"]
