"""Money is integer fen (1 CNY = 100 fen); these are the only conversions."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def yuan_to_fen(text):
    """Parse a yuan amount typed by a person ("12.5", "1,200.00") into integer fen.

    Raises ValueError for anything that is not a non-negative amount with at most two decimals.
    """
    cleaned = str(text).strip().replace(",", "").replace("¥", "").replace("￥", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError("not an amount") from exc
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError("not an amount")
    return int(amount * 100)


def fen_to_decimal(fen):
    """Return fen as a Decimal of yuan, for display and formatting only."""
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


def multiply_fen(fen, factor):
    """Multiply fen by a Decimal factor (an area, a rate), rounding half up to whole fen."""
    return int((Decimal(int(fen)) * Decimal(factor)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
