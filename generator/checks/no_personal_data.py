"""no-personal-data: nothing published may identify a person's phone, ID, room … (CC 1034–1038).

The patterns live in :mod:`generator.privacy`, the one guard every output goes through;
this rule applies it to everything a package publishes: every cell of every table (id
columns included — they are printed on the pages), whole numbers, and the descriptor's
title, description and file names (published in ``datapackage.json``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import privacy
from .base import Check, Context, Issue

# Descriptor keys whose text is published.
_DESCRIPTOR_TEXT = ("name", "title", "description")
_RESOURCE_TEXT = ("name", "path", "title", "description")


class NoPersonalData(Check):
    id = "no-personal-data"
    severity = "error"
    resources = ()  # every published table

    def run(self, ctx: Context) -> Iterator[Issue]:
        for key in _DESCRIPTOR_TEXT:
            yield from _issues(None, None, key, ctx.descriptor.get(key))
        for resource in ctx.descriptor.get("resources") or []:
            if isinstance(resource, dict):
                name = resource.get("name") if isinstance(resource.get("name"), str) else None
                for key in _RESOURCE_TEXT:
                    yield from _issues(name, None, key, resource.get(key))
        suspect = _SUSPECT
        for resource, rows in ctx.tables.items():
            for row in rows:
                for column, value in row.items():
                    # The cheap tests first: an estate has thousands of cells, and no
                    # whole number under a million, amount or date is personal.
                    kind = type(value)
                    if kind is str:
                        verdict = suspect.get(value)
                        if verdict is None:
                            verdict = _remember(value)
                        if not verdict:
                            continue
                    elif kind is int:
                        if -1_000_000 < value < 1_000_000:
                            continue
                    elif not isinstance(value, str) or not privacy.could_hold(value):
                        continue
                    if column.startswith("_") or _is_credit_code(column, value):
                        continue
                    yield from _issues(resource, row.get("_row"), column, value)


# privacy.could_hold of each distinct text, kept per process: an estate has some 1,400
# text cells and only about 30 texts no estate before it had (units, phrases, periods),
# and a dictionary lookup costs a tenth of the two regular expressions. Bounded: a
# worker that sees 16,000 estates starts afresh now and then.
_SUSPECT: dict[str, bool] = {}
SUSPECT_TEXTS = 1 << 16


def _remember(text: str) -> bool:
    if len(_SUSPECT) >= SUSPECT_TEXTS:
        _SUSPECT.clear()
    verdict = _SUSPECT[text] = privacy.could_hold(text)
    return verdict


# GB 32100's shape: 18 characters of digits and capitals without I, O, S, V, Z.
_CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")


def _is_credit_code(column: str, value) -> bool:
    # A company's unified social credit code is public by law. One that is really an
    # ID-card number (valid birth date and checksum) is still caught.
    return (
        column == "credit_code"
        and isinstance(value, str)
        and bool(_CREDIT_CODE.fullmatch(value))
        and not privacy.is_id_card(value)
    )


# The tables of a district's package (generator/districts.py).
DISTRICT_TABLES = frozenset({"supervision", "supervision_visits", "company_pool"})


def _issues(resource, row, column, value) -> Iterator[Issue]:
    # Whole numbers too: a mobile typed into a count column would be printed as it is.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return
    allow = privacy.allowed_kinds(resource, column)
    for hit in privacy.find(value, allow=allow):
        if allow and hit.kind == "mobile":
            yield Issue(
                resource,
                row,
                column,
                f"这里是联系电话，只能写单位的座机或服务热线（如 021 开头的座机、400 或 12345），"
                f"不能写手机号码（{hit.masked}），即使是单位用的手机。请改成座机或服务热线。",
                f"This is the public telephone: only an organisation's landline or service "
                f"number (021…, 400…, 12345) may be given here, never a mobile ({hit.masked}), "
                "even an organisation's. Replace it with a landline or service number.",
            )
            continue
        # District staff keep no contacts table: their advice ends differently.
        district = resource in DISTRICT_TABLES
        yield Issue(
            resource,
            row,
            column,
            f"这一格里有{hit.zh}（{hit.masked}）。公示的资料里不能有个人的电话、身份证号码、"
            "门牌号、邮箱、微信号、车牌或银行卡号，请删除。姓名可以打码，写成“张*明”；住址只写"
            + (
                "楼号，例如“12”；督办记录只写单位和事由，不写个人的联系方式。"
                if district
                else "楼号，例如“12”；单位的联系电话写在联系与投诉表（contacts）里。"
            ),
            f"This cell contains {hit.en} ({hit.masked}). Published data must not contain a "
            "person's phone, ID-card, room number, e-mail, WeChat id, car plate or bank card; "
            "delete it. Names may be masked, like 张*明; for an address give the building "
            + (
                "number only, e.g. 12; supervision records name units and reasons, never "
                "a person's contact details."
                if district
                else "number only, e.g. 12; organisations' numbers go in the contacts table."
            ),
        )
