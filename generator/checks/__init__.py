"""The registry of estate rules: one module per rule id from domain.md."""

from __future__ import annotations

from .base import Check, Context, Issue
from .committee_filing import CommitteeFiling
from .committee_roles import CommitteeRoles
from .committee_size import CommitteeSize
from .committee_term import CommitteeTerm
from .common_income_transfer import CommonIncomeTransfer
from .company_pool_dates import CompanyPoolDates
from .credit_code import CreditCode
from .disclosure_fresh import DisclosureFresh
from .fee_band import FeeBand
from .fee_collection_consistent import FeeCollectionConsistent
from .fee_single_price import FeeSinglePrice
from .meeting_cadence import MeetingCadence
from .member_in_term import MemberInTerm
from .no_personal_data import NoPersonalData
from .priority_task_dates import PriorityTaskDates
from .priority_task_single import PriorityTaskSingle
from .repair_fund_floor import RepairFundFloor
from .resolution_threshold import ResolutionThreshold
from .statement_reconciles import StatementReconciles
from .supervision_dates import SupervisionDates
from .supervision_estate import SupervisionEstate
from .supervision_one_open import SupervisionOneOpen
from .supervision_visits import SupervisionVisits
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
        FeeCollectionConsistent,
        PriorityTaskDates,
        PriorityTaskSingle,
        CreditCode,
        NoPersonalData,
    )
}

# The rules of a district's package (data/districts/<slug>/), run with a DistrictContext.
# credit-code is in both: a company's code is checked in the contract and in the pool.
DISTRICT_CHECKS: dict[str, type[Check]] = {
    c.id: c
    for c in (
        SupervisionEstate,
        SupervisionDates,
        SupervisionVisits,
        SupervisionOneOpen,
        CompanyPoolDates,
        CreditCode,
        NoPersonalData,
    )
}

__all__ = ["CHECKS", "DISTRICT_CHECKS", "Check", "Context", "Issue"]
