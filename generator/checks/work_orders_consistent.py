"""work-orders-consistent: closed ≤ received, on time ≤ closed, percentages 0–100 (arithmetic)."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Context, Issue


class WorkOrdersConsistent(Check):
    id = "work-orders-consistent"
    severity = "error"
    resources = ("work_orders",)

    def run(self, ctx: Context) -> Iterator[Issue]:
        for r in ctx.rows("work_orders"):
            where = f"{_month(r.get('month'))} {r.get('channel')} {r.get('category')}"
            row = r.get("_row")
            received, closed = r.get("received"), r.get("closed")
            on_time = r.get("closed_on_time")
            hours, satisfaction = r.get("avg_hours"), r.get("satisfaction_pct")
            if received is not None and closed is not None and closed > received:
                yield Issue(
                    "work_orders",
                    row,
                    "closed",
                    f"{where}：办结 {closed} 件，多于受理 {received} 件。请核对这两个数字。",
                    f"{where}: {closed} closed, more than the {received} received. Check "
                    "both numbers.",
                )
            if on_time is not None and closed is not None and on_time > closed:
                yield Issue(
                    "work_orders",
                    row,
                    "closed_on_time",
                    f"{where}：按时办结 {on_time} 件，多于办结 {closed} 件。请核对这两个数字。",
                    f"{where}: {on_time} closed on time, more than the {closed} closed. Check "
                    "both numbers.",
                )
            if satisfaction is not None and not 0 <= satisfaction <= 100:
                yield Issue(
                    "work_orders",
                    row,
                    "satisfaction_pct",
                    f"{where}：满意率 {satisfaction} 不在 0 到 100 之间。"
                    "请填写百分数，例如 91.3 表示 91.3%。",
                    f"{where}: satisfaction {satisfaction} is not between 0 and 100. Enter a "
                    "percentage, e.g. 91.3 for 91.3%.",
                )
            if hours is not None and hours < 0:
                yield Issue(
                    "work_orders",
                    row,
                    "avg_hours",
                    f"{where}：平均处理时长 {hours} 小时是负数。请核对。",
                    f"{where}: average handling time {hours} hours is negative. Check it.",
                )


def _month(value) -> str:
    # frictionless reads a yearmonth as a (year, month) named tuple.
    if hasattr(value, "year") and hasattr(value, "month"):
        return f"{value.year}-{value.month:02d}"
    return str(value)
