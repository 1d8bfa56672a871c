"""A bill's name on the payment page and its line on the receipt."""

from datetime import date

from domain.billing.models import Bill
from domain.billing.naming import bill_name, charge_name
from tests import builders


def test_a_monthly_bill_is_named_by_unit_and_month_and_a_one_off_by_its_title(prop):
    unit = builders.create_unit(number="1201")
    monthly = Bill(unit=unit, period=date(2026, 10, 1), title="")
    deposit = Bill(unit=unit, period=None, title="装修押金")
    untitled = Bill(unit=unit, period=None, title="")
    assert (bill_name(monthly), charge_name(monthly)) == ("1-1201 2026-10 物业费用", "物业费用")
    assert (bill_name(deposit), charge_name(deposit)) == ("1-1201 装修押金", "装修押金")
    assert (bill_name(untitled), charge_name(untitled)) == ("1-1201 费用", "费用")
    assert bill_name(Bill(title="其他")) == "其他"
