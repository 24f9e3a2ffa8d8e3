"""no-personal-data: no phone numbers, ID-card numbers or room numbers in any cell (CC 1034–1038).

Patterns aim at what volunteers actually type (138-1234-5678, 021-6458 1234, 12号302室,
12-302) while leaving dates, amounts, building numbers and quantities alone
("2025-01-12", "81000.00", "12", "地面停车位150个", "3号楼2025年", "1-100户").
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from .base import Check, Context, Issue

# After a room number: not more digits, and not a unit that makes it a quantity or a year.
_NOT_A_QUANTITY = (
    r"(?![\d.]|\s*(?:年|月|日|元|万|千|百|㎡|平|个|人|户|台|部|次|%|米|辆|位|件|天|小时"
    r"|号|楼|幢|栋|层|-\d))"
)

# (kind, pattern); each pattern names the number itself "n". Order matters: a match is
# blanked out before the next pattern runs, so one number is reported once.
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "id_card",
        re.compile(r"(?<![\dA-Za-z])(?P<n>\d{6}(?P<birth>\d{8})\d{3}[\dXx])(?![\dA-Za-z])"),
    ),
    ("id_card", re.compile(r"(?<![\dA-Za-z])(?P<n>\d{6}(?P<birth>\d{6})\d{3})(?![\dA-Za-z])")),
    (
        "mobile",
        re.compile(r"(?<![\dA-Za-z])(?:\+?86[\s-]?)?(?P<n>1[3-9]\d[\s-]?\d{4}[\s-]?\d{4})(?!\d)"),
    ),
    (
        "landline",
        re.compile(
            r"(?<![\dA-Za-z])(?P<n>(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[\s-])\s?\d{3,4}[\s-]?\d{4})(?!\d)"
        ),
    ),
    # Eight digits alone could be anything; after 电话/tel they are a Shanghai number.
    (
        "landline",
        re.compile(
            r"(?:电话|座机|热线|手机|联系方式|tel|phone)[^\d\n]{0,6}?(?P<n>\d{4}[\s-]?\d{4})(?!\d)",
            re.IGNORECASE,
        ),
    ),
    (
        "room",
        re.compile(
            r"(?<![\dA-Za-z])(?P<n>\d{1,4}\s*(?:号楼|号|幢|栋|楼|单元)\s*\d{3,4})" + _NOT_A_QUANTITY
        ),
    ),
    ("room", re.compile(r"(?<![\dA-Za-z.-])(?P<n>\d{1,3}-\d{3,4})" + _NOT_A_QUANTITY)),
    ("room", re.compile(r"(?<![\d#])(?P<n>\d{2,5}\s*室)(?!\s*\d*\s*厅)")),  # not 2室1厅
    ("room", re.compile(r"\b(?:room|rm|flat|apt)\.?\s*(?P<n>\d{2,4})\b", re.IGNORECASE)),
]

KINDS = {
    "mobile": ("手机号码", "a mobile phone number"),
    "landline": ("电话号码", "a phone number"),
    "id_card": ("身份证号码", "an ID-card number"),
    "room": ("门牌号", "a room number"),
}

_DATE_LIKE = re.compile(r"\d{4}[-/.年]\d{1,2}(?:[-/.月]\d{1,2}日?)?")


class NoPersonalData(Check):
    id = "no-personal-data"
    severity = "error"
    resources = ()  # every published table

    def run(self, ctx: Context) -> Iterator[Issue]:
        for resource, rows in ctx.tables.items():
            for row in rows:
                for column, value in row.items():
                    if not isinstance(value, str) or _skipped(resource, column, value):
                        continue
                    for kind, masked in find_personal_data(value):
                        zh, en = KINDS[kind]
                        yield Issue(
                            resource,
                            row.get("_row"),
                            column,
                            f"这一格里有{zh}（{masked}）。公示的资料里不能有电话号码、身份证号码或门牌号，"
                            "请删除。姓名可以打码，写成“张*明”；住址只写楼号，例如“12”。",
                            f"This cell contains {en} ({masked}). Published data must not "
                            "contain phone numbers, ID-card numbers or room numbers; delete "
                            "it. Names may be masked, like 张*明; for an address give the "
                            "building number only, e.g. 12.",
                        )


def _skipped(resource: str, column: str, value: str) -> bool:
    # Identifiers and the company's registration code are codes, not people.
    if column.startswith("_") or column.endswith("_id"):
        return True
    if resource == "contract" and column == "credit_code":
        return True
    return bool(_DATE_LIKE.fullmatch(value.strip()))


def find_personal_data(text: str) -> list[tuple[str, str]]:
    """(kind, masked number) for each phone, ID-card or room number found in ``text``."""
    found: list[tuple[int, str, str]] = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            if "birth" in pattern.groupindex and not _plausible_birth(match["birth"]):
                continue
            found.append((match.start("n"), kind, _mask(match["n"])))
            # Blank the match so later patterns do not report the same digits again.
            text = text[: match.start()] + "#" * len(match[0]) + text[match.end() :]
    return [(kind, masked) for _, kind, masked in sorted(found)]


def _plausible_birth(digits: str) -> bool:
    """ID numbers carry a birth date (YYYYMMDD, or YYMMDD in the old 15-digit form)."""
    if len(digits) == 6:
        digits = "19" + digits
    try:
        born = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return born.year >= 1900


def _mask(number: str) -> str:
    """138-1234-5678 → 138-****-5678: enough to find it, not enough to use it."""
    n = sum(c.isdigit() or c in "Xx" for c in number)
    keep_head, keep_tail = (3, 4) if n >= 11 else (2, 2) if n >= 7 else (1, 0)
    out, seen = [], 0
    for c in number:
        if c.isdigit() or c in "Xx":
            seen += 1
            out.append(c if seen <= keep_head or seen > n - keep_tail else "*")
        else:
            out.append(c)
    return "".join(out)
