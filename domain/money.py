"""Money is integer fen (1 CNY = 100 fen); these are the only conversions."""

import re
from decimal import Decimal

#: The most a person may type as one amount: ¥10,000,000.00. Every fen column is an INTEGER (PostgreSQL
#: stores it in 32 bits, up to 2,147,483,647 fen), so sums of typed amounts still fit.
MAX_TYPED_FEN = 1_000_000_000
#: Full-width digits, point, comma and yen sign as a Chinese input method types them ("１２３．５０").
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，￥　", "0123456789.,¥ ")
#: Digits with at most two decimals, nothing else: no sign, no exponent, no "NaN", no "1_000".
_AMOUNT = re.compile(r"(?:\d+(?:\.\d{0,2})?|\.\d{1,2})", re.ASCII)


class NotAnAmount(ValueError):
    """Typed text that is not an amount; `reason` says why: "format", "exponent" or "too_large"."""

    def __init__(self, reason="format"):
        super().__init__(f"not an amount ({reason})")
        self.reason = reason


def yuan_to_fen(text):
    """Parse a yuan amount typed by a person ("12.5", "1,200.00", "１２３．５０", "¥8") into integer fen.

    Raises NotAnAmount (a ValueError) for anything that is not a non-negative amount with at most two decimals,
    for exponent notation ("1e3": people do not mean a thousand by it) and above MAX_TYPED_FEN.
    """
    cleaned = str(text).translate(_FULL_WIDTH).strip().replace(",", "").replace("¥", "").replace(" ", "")
    if not _AMOUNT.fullmatch(cleaned):
        raise NotAnAmount("exponent" if re.fullmatch(r"[\d.]*\d[eE][+-]?\d+", cleaned) else "format")
    if len(cleaned.partition(".")[0]) > 12 or int(Decimal(cleaned) * 100) > MAX_TYPED_FEN:
        raise NotAnAmount("too_large")
    return int(Decimal(cleaned) * 100)


def fen_to_decimal(fen):
    """Return fen as a Decimal of yuan, for display and formatting only."""
    return (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))
