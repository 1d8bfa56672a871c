"""Receipts are numbered per property and year, each property's after its own prefix."""

from sqlalchemy import select

from domain.accounts.models import Actor
from domain.clock import local, utcnow
from domain.current_property import working_for
from domain.payments.desk import record_desk_payment
from domain.payments.models import receipt_number
from domain.property.models import Building
from extensions import db
from tests import builders


def _pay_a_bill(prop):
    """Take one bill of a new unit of `prop` at the desk, working for `prop`; returns the receipt."""
    with working_for(prop.id):
        building = db.session.scalars(select(Building).where(Building.property_id == prop.id)).first()
        unit = builders.create_unit(building)
        bill = builders.create_bill(unit)
        payment = record_desk_payment(Actor.system("test"), unit_id=unit.id, bill_ids=[bill.id], method="cash")
        db.session.commit()
        return payment.receipt


def test_two_properties_number_their_receipts_independently_each_with_its_prefix(app):
    first = builders.create_property("亿丰时代广场")
    second = builders.create_property("锦绣园")
    first.receipt_prefix, second.receipt_prefix = "YF", "JXY"
    db.session.commit()
    year = local(utcnow()).year
    numbers = [_pay_a_bill(p).number for p in (first, second, first, second, second)]
    assert numbers == [
        f"YF-{year}-000001",
        f"JXY-{year}-000001",
        f"YF-{year}-000002",
        f"JXY-{year}-000002",
        f"JXY-{year}-000003",
    ]


def test_a_property_without_a_prefix_keeps_the_first_format(app):
    prop = builders.create_property()
    assert _pay_a_bill(prop).number == f"SJ-{local(utcnow()).year}-000001"
    assert receipt_number(2026, 7) == "SJ-2026-000007" and receipt_number(2026, 7, "YF") == "YF-2026-000007"


def test_a_changed_prefix_numbers_the_next_receipts_and_never_an_issued_one(app):
    prop = builders.create_property()
    prop.receipt_prefix = "YF"
    db.session.commit()
    issued = _pay_a_bill(prop)
    prop.receipt_prefix = "YFSD"
    db.session.commit()
    year = local(utcnow()).year
    assert _pay_a_bill(prop).number == f"YFSD-{year}-000002"
    db.session.expire_all()
    assert issued.number == f"YF-{year}-000001"  # what the resident holds stays what it was


def test_the_payments_export_and_the_receipt_pdf_show_the_prefixed_number(client, auth):
    from domain.accounts.roles import Role

    prop = builders.create_property("亿丰时代广场")
    prop.receipt_prefix = "YF"
    db.session.commit()
    receipt = _pay_a_bill(prop)
    number, payment_id = receipt.number, receipt.payment_id
    auth.login_staff(builders.create_staff(Role.MANAGER, prop=prop))
    period = f"{local(utcnow()):%Y-%m}"
    export = client.get(f"/staff/billing/payments/export.csv?period={period}")
    assert export.status_code == 200 and number in export.get_data(as_text=True)
    pdf = client.get(f"/staff/billing/payments/{payment_id}/receipt.pdf")
    assert pdf.status_code == 200 and f"{number}.pdf" in pdf.headers["Content-Disposition"]
