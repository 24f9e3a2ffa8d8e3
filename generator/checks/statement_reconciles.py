"""statement-reconciles: balances add up, lines sum to the statement, periods chain (accounting)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from ..domain.periods import next_period
from .base import CENT, Check, Context, Issue, money, yuan

INCOME_CATEGORIES = ("停车费", "广告费", "场地租金", "快递柜", "充电桩", "利息", "其他收入")
EXPENSE_CATEGORIES = ("合理成本", "转入维修资金", "业委会工作经费", "委员津贴", "其他支出")

# Statement column → (label zh, label en, which lines add up to it).
LINE_TOTALS = {
    "income_yuan": ("本期收入", "income", lambda d, c: d == "收入"),
    "cost_yuan": ("合理成本", "reasonable cost", lambda d, c: d == "支出" and c == "合理成本"),
    "transfer_to_fund_yuan": (
        "转入维修资金",
        "transfer to the maintenance fund",
        lambda d, c: d == "支出" and c == "转入维修资金",
    ),
    "other_spending_yuan": (
        "其他支出",
        "other spending",
        lambda d, c: d == "支出" and c not in ("合理成本", "转入维修资金"),
    ),
}


class StatementReconciles(Check):
    id = "statement-reconciles"
    severity = "error"
    # Empty: common income and the maintenance fund are checked each when published, so
    # the rule must not be skipped because one of them is missing.
    resources = ()

    def run(self, ctx: Context) -> Iterator[Issue]:
        statements = sorted(ctx.rows("common_income"), key=lambda r: r.get("quarter") or "")
        for r in statements:
            yield from _common_income_balance(r)
        yield from _lines(statements, ctx.rows("common_income_lines"))
        yield from _chain("common_income", statements, "quarter", "季度", "quarter")

        by_building: dict[str, list[dict]] = defaultdict(list)
        for r in ctx.rows("repair_fund"):
            yield from _repair_fund_balance(r)
            by_building[r.get("building_no") or ""].append(r)
        for rows in by_building.values():
            rows.sort(key=lambda r: r.get("period") or "")
            yield from _chain("repair_fund", rows, "period", "半年度", "half-year")


def _off(stated: Decimal, computed: Decimal) -> bool:
    return abs(stated - computed) > CENT


def _common_income_balance(r: dict) -> Iterator[Issue]:
    closing = money(r.get("closing_yuan"))
    computed = (
        money(r.get("opening_yuan"))
        + money(r.get("income_yuan"))
        - money(r.get("cost_yuan"))
        - money(r.get("transfer_to_fund_yuan"))
        - money(r.get("other_spending_yuan"))
    )
    if _off(closing, computed):
        yield Issue(
            "common_income",
            r.get("_row"),
            "closing_yuan",
            f"{r.get('quarter')} 期末余额 {yuan(closing)} 与计算结果 {yuan(computed)} 不符"
            f"（期初 + 收入 − 合理成本 − 转入维修资金 − 其他支出），相差 {yuan(abs(closing - computed))} 元。"
            "请核对这一行的各项金额。",
            f"{r.get('quarter')}: closing balance {yuan(closing)} does not match the computed "
            f"{yuan(computed)} (opening + income − cost − transfer − other), a difference of "
            f"{yuan(abs(closing - computed))} yuan. Check the amounts on this row.",
        )


def _repair_fund_balance(r: dict) -> Iterator[Issue]:
    closing = money(r.get("closing_yuan"))
    computed = (
        money(r.get("opening_yuan"))
        + money(r.get("deposits_yuan"))
        + money(r.get("from_common_income_yuan"))
        + money(r.get("interest_yuan"))
        - money(r.get("spent_yuan"))
    )
    if _off(closing, computed):
        b, p = r.get("building_no"), r.get("period")
        yield Issue(
            "repair_fund",
            r.get("_row"),
            "closing_yuan",
            f"{b} 号楼 {p} 期末余额 {yuan(closing)} 与计算结果 {yuan(computed)} 不符"
            f"（期初 + 业主续筹 + 公共收益转入 + 利息 − 使用），相差 {yuan(abs(closing - computed))} 元。"
            "请核对这一行的各项金额。",
            f"Building {b}, {p}: closing balance {yuan(closing)} does not match the computed "
            f"{yuan(computed)} (opening + deposits + from common income + interest − spent), "
            f"a difference of {yuan(abs(closing - computed))} yuan. Check the amounts on this row.",
        )


def _lines(statements: list[dict], lines: list[dict]) -> Iterator[Issue]:
    by_quarter: dict[str, list[dict]] = defaultdict(list)
    for line in lines:
        direction, category = line.get("direction"), line.get("category")
        by_quarter[line.get("quarter") or ""].append(line)
        wrong = (direction == "收入" and category in EXPENSE_CATEGORIES) or (
            direction == "支出" and category in INCOME_CATEGORIES
        )
        if wrong:
            other, other_en = ("支出", "spending") if direction == "收入" else ("收入", "income")
            yield Issue(
                "common_income_lines",
                line.get("_row"),
                "category",
                f"这一行收支填的是“{direction}”，但类别“{category}”属于{other}。请改正收支或类别。",
                f"This line is marked {direction} but its category {category} is {other_en}. "
                "Correct the direction or the category.",
            )
    # Only quarters that publish lines are compared; lines are optional.
    for r in statements:
        quarter_lines = by_quarter.get(r.get("quarter") or "")
        if not quarter_lines:
            continue
        for column, (zh, en, belongs) in LINE_TOTALS.items():
            summed = sum(
                (
                    money(x.get("amount_yuan"))
                    for x in quarter_lines
                    if belongs(x.get("direction"), x.get("category"))
                ),
                Decimal(0),
            )
            stated = money(r.get(column))
            if _off(stated, summed):
                q = r.get("quarter")
                yield Issue(
                    "common_income",
                    r.get("_row"),
                    column,
                    f"{q} 的{zh} {yuan(stated)} 与公共收益明细中的合计 {yuan(summed)} 不符，"
                    f"相差 {yuan(abs(stated - summed))} 元。请核对这一格和明细表中 {q} 的各行。",
                    f"{q}: {en} {yuan(stated)} does not match the total of its lines "
                    f"{yuan(summed)}, a difference of {yuan(abs(stated - summed))} yuan. Check "
                    f"this cell and the {q} rows of the lines table.",
                )


def _chain(
    resource: str, rows: list[dict], key: str, unit_zh: str, unit_en: str
) -> Iterator[Issue]:
    """Each period opens with the previous period's closing balance, when both are listed."""
    for prev, r in zip(rows, rows[1:], strict=False):
        if not prev.get(key) or next_period(prev[key]) != r.get(key):
            continue
        opening, closing = money(r.get("opening_yuan")), money(prev.get("closing_yuan"))
        if not _off(opening, closing):
            continue
        b = r.get("building_no")
        who, who_en = (f"{b} 号楼 ", f"Building {b}, ") if b is not None else ("", "")
        yield Issue(
            resource,
            r.get("_row"),
            "opening_yuan",
            f"{who}{r[key]} 的期初余额 {yuan(opening)} 与上一{unit_zh} {prev[key]} 的期末余额 "
            f"{yuan(closing)} 不符，相差 {yuan(abs(opening - closing))} 元。"
            f"期初余额应等于上一{unit_zh}的期末余额，请核对这两个数字。",
            f"{who_en}{r[key]}: opening balance {yuan(opening)} does not match the closing "
            f"balance {yuan(closing)} of the previous {unit_en} {prev[key]}, a difference of "
            f"{yuan(abs(opening - closing))} yuan. The opening balance must equal the previous "
            "closing balance; check both numbers.",
        )
