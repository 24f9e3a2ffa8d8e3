"""credit-code: a unified social credit code carries a valid GB 32100 check character.

The schema's pattern checks the 18 characters; this rule computes the check character
(``stdnum.cn.uscc``), which catches a mistyped or made-up code. It reads the estate's
contract and a district's company pool alike, so a company is named by the same, valid
code in both and the companies' pages can join them.
"""

from __future__ import annotations

from collections.abc import Iterator

from stdnum.cn import uscc

from .base import Check, Context, Issue

# Tables holding a credit code, and the column naming the company in each.
TABLES = (("contract", "company_name"), ("company_pool", "company_name"))


def valid_code(code: str) -> bool:
    return uscc.is_valid(code)


class CreditCode(Check):
    id = "credit-code"
    severity = "error"
    resources = ()  # whichever of TABLES the package has

    def run(self, ctx: Context) -> Iterator[Issue]:
        for table, name_field in TABLES:
            for r in ctx.rows(table):
                code = r.get("credit_code")
                if not code or valid_code(code):
                    continue
                company = r.get(name_field) or ""
                yield Issue(
                    table,
                    r.get("_row"),
                    "credit_code",
                    f"{company}的统一社会信用代码“{code}”校验位不对（第 18 位由前 17 位算出），"
                    "多半是抄错了一位。请对照营业执照或“国家企业信用信息公示系统”重新填写。",
                    f'The unified social credit code "{code}" of {company} fails its check '
                    "character (the 18th is computed from the first 17); a character is "
                    "probably mistyped. Copy it again from the business licence or the "
                    "national enterprise credit information system.",
                )
