"""disclosure-fresh: common income, maintenance fund and audit are published on time (SH 66, 67).

What is due when is :func:`generator.domain.disclosure.disclosure_status`, which the
website shows too; this rule turns each overdue item into a warning.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..domain.disclosure import (  # noqa: F401 - re-exported for the rule's readers
    AUDIT_MAX_AGE,
    FIRST_AUDIT_MONTHS,
    MIN_POSTED_DAYS,
    YEARLY_AUDITS,
    DisclosureItem,
    disclosure_status,
)
from .base import Check, Context, Issue


class DisclosureFresh(Check):
    id = "disclosure-fresh"
    severity = "warning"
    # Empty: a missing table is itself what this rule reports, so it must always run.
    resources = ()

    def run(self, ctx: Context) -> Iterator[Issue]:
        for item in disclosure_status(ctx):
            if item.overdue:
                yield _overdue(item, ctx)
        for audit in ctx.rows("audits"):
            yield from _posting(audit)


def _overdue(item: DisclosureItem, ctx: Context) -> Issue:
    missing = "" if ctx.has(item.resource) else "（文件缺失或没有通过格式检查）"
    missing_en = "" if ctx.has(item.resource) else " (the file is missing or failed its checks)"
    if item.kind == "audit":
        if item.latest is None:
            now_zh = f"还没有可用的审计报告{missing}，而本届业委会任期已超过 18 个月（应在 {item.due_date} 前完成首次审计）。"
            now_en = f"No audit report is published{missing_en}, and the committee's term began more than 18 months ago (the first audit was due by {item.due_date})."
        else:
            now_zh = f"最近一次年度审计的报告日期是 {item.latest}，已超过一年半（下一次应在 {item.due_date} 前完成）。"
            now_en = f"The latest yearly audit is dated {item.latest}, more than a year and a half ago (the next was due by {item.due_date})."
        return Issue(
            item.resource,
            None,
            None,
            now_zh + "公共收益、维修资金和业委会工作经费每年都要审计，结果至少公示 30 天。"
            "已经审计的，请在审计表（audits）中补上；还没有的，请尽快委托审计。",
            now_en + " Common income, the maintenance fund and the committee's working fund "
            "must be audited every year and the result posted for at least 30 days. If an "
            "audit was done, add it to the audits table; if not, commission one soon.",
        )
    if item.latest is None:
        now_zh = f"还没有可用的{item.label_zh}{missing}。"
        now_en = f"No {item.label_en} is published{missing_en}."
    else:
        now_zh = f"{item.label_zh}最近只公布到 {item.latest}。"
        now_en = f"The {item.label_en} is published only up to {item.latest}."
    return Issue(
        item.resource,
        None,
        None,
        now_zh + f"{item.due_period} 的账目应在 {item.due_date} 前公布，现已逾期。"
        f"请在{item.label_zh}表（{item.resource}）中补上 {item.due_period}，并在小区公告栏公示。",
        now_en + f" The accounts for {item.due_period} were due by {item.due_date} and are "
        f"overdue. Add {item.due_period} to the {item.resource} table and post it on the notice "
        "board.",
    )


def _posting(audit: dict) -> Iterator[Issue]:
    start, end = audit.get("posted_from"), audit.get("posted_to")
    if start is None or end is None:
        return
    days = (end - start).days + 1  # both days count: 03-01..03-31 is 31 days
    if days >= MIN_POSTED_DAYS:
        return
    aid = audit.get("audit_id")
    if days < 1:
        zh = f"审计 {aid} 的公示结束日期 {end} 早于开始日期 {start}。请核对这两个日期。"
        en = f"Audit {aid} stops being posted on {end}, before it starts on {start}. Check both dates."
    else:
        zh = (
            f"审计 {aid} 只公示了 {days} 天（{start} 至 {end}），审计结果至少要公示 "
            f"{MIN_POSTED_DAYS} 天。请核对公示日期；确实不够的，请重新张贴补足天数。"
        )
        en = (
            f"Audit {aid} was posted for only {days} days ({start} to {end}); audit results "
            f"must be posted for at least {MIN_POSTED_DAYS} days. Check the dates; if they "
            "are right, post it again for the remaining days."
        )
    yield Issue("audits", audit.get("_row"), "posted_to", zh, en)
