"""How a bill is named wherever it is paid or printed: the line on the hosted payment page, opened from the portal
or the kiosk alike, and the line on the receipt. In Chinese whatever the reader's language, as the office's
accounting records are."""

from domain.billing.schedule import period_label


def charge_name(bill):
    """What a bill is for: "物业费用" for a monthly bill, else its title ("费用" when it has none)."""
    return "物业费用" if bill.period else (bill.title or "费用")


def bill_name(bill):
    """A bill as named on the payment page: "1-1201 2026-11 物业费用", or the unit and a one-off bill's title."""
    unit = bill.unit.label if bill.unit else ""
    what = f"{period_label(bill.period)} {charge_name(bill)}" if bill.period else charge_name(bill)
    return f"{unit} {what}".strip()
