"""Money in yuan as Decimal (never float), and shares as the messages print them."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")


def as_decimal(value) -> Decimal:
    """``value`` as a Decimal, exactly as its text reads (a Decimal as it is: its text
    reads back as the same number, exponent and sign)."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value) -> Decimal:
    """Amounts as Decimal, empty as 0, so sums never drift by float error."""
    if value is None:
        return Decimal(0)
    return as_decimal(value)


def yuan(value) -> str:
    """Amount for a message: 73,100.00."""
    return f"{money(value):,.2f}"


def pct(part, whole) -> str:
    """'62.5%'. Rounded down, so a share just under a threshold never displays as reaching it."""
    share = money(part) * 100 / money(whole)
    return f"{share.quantize(Decimal('0.1'), ROUND_DOWN)}%"
