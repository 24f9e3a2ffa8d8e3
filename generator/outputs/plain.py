"""Findings in words for residents: one short sentence per problem, the details in a fold.

The rules' messages (generator/checks/) speak to the committee that must fix the data:
where the value is, what the rule asks, how to correct it. A resident wants one sentence
saying what is wrong. Each rule id may have a small function here that takes the
:class:`~generator.findings.Finding` and the :class:`~generator.model.Estate` and returns
that sentence; the findings themselves are never rewritten (validation's output stays
identical), and the page shows them unchanged in a fold for the committee.

Findings of the same rule that say the same thing for different rows (five buildings
under the maintenance-fund floor) become one sentence listing them all.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from markupsafe import Markup

from ..domain.periods import period_label
from ..findings import Finding
from ..model import FUND_FLOOR, Estate

CENT = Decimal("0.01")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_PERIOD = re.compile(r"\b\d{4}(?:Q[1-4]|H[12])\b")


@dataclass(frozen=True)
class PlainWarning:
    """What the overview's 需要关注 shows: a sentence, and the findings it stands for."""

    rule: str
    sentence: str
    findings: tuple[Finding, ...]


def plain_text(text: str) -> str:
    """Periods and ISO dates in a sentence as residents read them (2026Q3 → 2026年第3季度,
    2026-10-31 → 2026年10月31日)."""
    text = _PERIOD.sub(lambda m: period_label(m.group(0)), text)
    return _ISO_DATE.sub(lambda m: f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日", text)


def _pct(value: Decimal) -> str:
    # Rounded down, as the rules' messages do: a share just under the floor never reads 30.0.
    return f"{(value * 100).quantize(Decimal('0.1'), ROUND_DOWN)} %"


def _yuan_round(value: Decimal) -> str:
    return f"{value.quantize(Decimal(1), ROUND_HALF_UP):,} 元"


def _floor_pct() -> str:
    return f"{(FUND_FLOOR * 100).normalize():f} %"


def _fund_floor(findings: list[Finding], estate: Estate) -> str:
    by_row = {r.get("_row"): r for r in estate.fund_rows}
    parts, total = [], Decimal(0)
    for finding in findings:
        row = by_row.get(finding.row)
        if row is None or row.get("share") is None:
            continue
        initial = Decimal(str(row["initial_raised_yuan"]))
        closing = Decimal(str(row["closing_yuan"]))
        need = (initial * FUND_FLOOR).quantize(CENT, ROUND_HALF_UP) - closing
        total += need
        parts.append((row["building_no"], row["share"], need))
    if not parts:
        return _first_sentence(findings[0])
    floor = _floor_pct()
    if len(parts) == 1:
        building, share, need = parts[0]
        return (
            f"{building}号楼维修资金只剩首期的 {_pct(share)}，低于 {floor} 的续筹线，"
            f"约需 {_yuan_round(need)}"
        )
    listed = "、".join(f"{b}号楼 {_pct(s)}" for b, s, _ in parts)
    return (
        f"{len(parts)} 栋楼的维修资金低于首期的 {floor} 续筹线（{listed}），"
        f"共约需 {_yuan_round(total)}才能回到 {floor}"
    )


def _disclosure(findings: list[Finding], estate: Estate) -> str:
    sentences = []
    for finding in findings:
        item = next((d for d in estate.disclosure if d.resource == finding.resource), None)
        if item is None or not item.overdue:
            sentences.append(_first_sentence(finding))
        elif item.kind == "audit":
            when = f"应在 {_day(item.due_date)}前完成" if item.due_date else "已到期"
            latest = f"，最近一次报告是 {plain_text(item.latest)}" if item.latest else ""
            sentences.append(f"年度审计已逾期：下一次审计{when}{latest}")
        else:
            latest = f"只公示到 {period_label(item.latest)}" if item.latest else "还没有公示过"
            sentences.append(
                f"{item.label_zh}{latest}，已逾期：应在 {_day(item.due_date)}前公示到 "
                f"{period_label(item.due_period)}"
            )
    return "；".join(sentences)


def _day(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _first_sentence(finding: Finding) -> str:
    """The message up to its first full stop: what is wrong, without how to fix the data."""
    head = finding.message.split("。", 1)[0]
    return plain_text(head)


# One function per rule id that has its own wording; the others say the first sentence of
# their message, which states the problem before it turns to the committee.
SENTENCES: dict[str, Callable[[list[Finding], Estate], str]] = {
    "repair-fund-floor": _fund_floor,
    "disclosure-fresh": _disclosure,
}
# Rules whose findings are one sentence together (their rows differ, the problem not).
GROUPED = frozenset(SENTENCES)


def plain_warnings(findings: list[Finding], estate: Estate) -> list[PlainWarning]:
    """The estate's findings as resident sentences, in the order their rules first occur."""
    groups: dict[str, list[Finding]] = {}
    out: list[tuple[str, list[Finding]]] = []
    for finding in findings:
        if finding.rule in GROUPED:
            if finding.rule not in groups:
                groups[finding.rule] = []
                out.append((finding.rule, groups[finding.rule]))
            groups[finding.rule].append(finding)
        else:
            out.append((finding.rule, [finding]))
    result = []
    for rule, group in out:
        build = SENTENCES.get(rule)
        sentence = build(group, estate) if build else _first_sentence(group[0])
        result.append(PlainWarning(rule, sentence, tuple(group)))
    return result


def _short_period(label: str, year: str) -> str:
    """「第3季度」 when the year is already said, else the whole label."""
    text = period_label(label)
    return text.removeprefix(f"{year}年") if label[:4] == year else text


def latest_text(item) -> str:
    """A latest figure's period, and whether it is overdue, for a DisclosureItem:
    「2026年第1季度（已逾期，应公示到第3季度）」, 「2026年上半年」, 「尚未公示（已逾期）」."""
    if item.kind == "audit":
        label = plain_text(item.latest) if item.latest else "尚未公示"
        due = f"，应在 {_day(item.due_date)}前完成新的审计" if item.due_date else ""
        return f"{label}（已逾期{due}）" if item.overdue else label
    if item.latest is None:
        due = f"，应公示到 {period_label(item.due_period)}" if item.due_period else ""
        return f"尚未公示（已逾期{due}）" if item.overdue else "尚未公示"
    label = period_label(item.latest)
    if item.overdue and item.due_period:
        return f"{label}（已逾期，应公示到{_short_period(item.due_period, item.latest[:4])}）"
    return label


def estate_summary(estate: Estate) -> str:
    """The estate in a few sentences: what a search result shows under its name.

    「梅林新村在徐汇区田林街道，售后公房，1,460 户。小区状态：需关注，28 栋楼中有 5 栋维修资金
    低于首期的 30 %，需要续筹。业委会：第3届在任。物业：某物业公司，多层住宅基础包 0.60 元/㎡·月。」
    """
    profile = estate.profile
    parts = [f"{estate.name}在{estate.district}{estate.street}，{estate.property_type}"]
    if profile.get("households"):
        parts[0] += f"，{profile['households']:,} 户"
    status = estate.status
    if status is not None:
        reasons = "；".join(light.text for light in status.reasons)
        parts.append(f"小区状态：{status.label}" + (f"，{reasons}" if reasons else ""))
    parts.append(f"业委会：{estate.committee_status}")
    if estate.contract:
        fees = "；".join(
            f"{f['unit_category']}{f['package']} {Decimal(str(f['price_yuan'])):.2f} {f['unit']}"
            for f in estate.fees_current
            if f["package"] != "单项"
        )
        parts.append(f"物业：{estate.contract['company_name']}" + (f"，{fees}" if fees else ""))
    return "。".join(parts) + "。"


def building_sentence(row: dict) -> str:
    """One building's maintenance fund for 我的楼: 「3号楼维修资金余额 18,848.90 元，为首期的
    21.1 %，低于 30 % 的续筹线，约需 7,907 元」 or 「… 为首期的 47.1 %，在 30 % 的续筹线以上」."""
    closing = Decimal(str(row["closing_yuan"]))
    text = f"{row['building_no']}号楼维修资金余额 {closing:,.2f} 元"
    share = row.get("share")
    if share is None:
        return text
    text += f"，为首期的 {_pct(share)}"
    floor = _floor_pct()
    if row.get("below_floor"):
        initial = Decimal(str(row["initial_raised_yuan"]))
        need = (initial * FUND_FLOOR).quantize(CENT, ROUND_HALF_UP) - closing
        return text + f"，低于 {floor} 的续筹线，约需 {_yuan_round(need)}"
    return text + f"，在 {floor} 的续筹线以上"


def building_slug(building_no: str) -> str:
    """The URL segment of a building's notice: its number as written (3, 12A, 3-1), or a
    hash when it holds anything else."""
    text = str(building_no).strip()
    if re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z-]{0,15}", text):
        return text
    return "b-" + hashlib.sha256(text.encode()).hexdigest()[:8]


def buildings_json(estate: Estate) -> Markup:
    """What 我的楼 reads (theme/assets/residents.js): each building of the latest ledger,
    its number, URL segment, whether it is under the floor, and its sentence. Inline, so
    choosing a building costs no request."""

    rows = [
        {
            "b": str(r["building_no"]),
            "slug": building_slug(r["building_no"]),
            "below": bool(r.get("below_floor")),
            "text": building_sentence(r),
        }
        for r in estate.fund_rows
    ]
    data = {"estate": estate.id, "period": period_label(estate.fund_period), "rows": rows}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c"))  # "<" escaped: nothing can close the <script>
