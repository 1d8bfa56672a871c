"""The finance console: collection rate, arrears and reminders, desk payments, voids and refunds."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain.accounts.roles import Role
from domain.billing.models import Bill, Reminder
from domain.billing.schedule import month_after
from domain.clock import today
from domain.payments.models import Payment, PaymentStatus, Receipt, Refund
from extensions import db
from sandbox.stripe_app import pay, pending_events, signed
from tests import builders


@pytest.fixture
def unit_with_bills(prop):
    """A unit with an owner and two bills: one overdue by 100 days, one due next month."""
    unit = builders.create_unit()
    owner = builders.create_resident(prop, unit=unit)
    owner.email = "owner@example.com"
    old = builders.create_bill(
        unit,
        total_fen=20000,
        period=(today() - timedelta(days=130)).replace(day=1),
        due_date=today() - timedelta(days=100),
    )
    new = builders.create_bill(
        unit, total_fen=15000, period=month_after(today().replace(day=1)), due_date=today() + timedelta(days=20)
    )
    db.session.commit()
    return unit, owner, old, new


def sign_in(auth, role):
    """Sign in a staff member of `role`."""
    user = builders.create_staff(role)
    auth.login_staff(user)
    return user


def test_desk_payment_pays_the_ticked_bills_and_issues_a_receipt(client, auth, unit_with_bills):
    unit, _owner, old, new = unit_with_bills
    sign_in(auth, Role.FRONTDESK)
    response = client.post(
        f"/staff/billing/units/{unit.id}/payments", data={"bill_ids": [old.id, new.id], "method": "cash"}
    )
    assert response.status_code == 303
    payment = db.session.scalars(select(Payment)).one()
    assert payment.amount_fen == 35000 and payment.status == PaymentStatus.SUCCEEDED and payment.receipt is not None
    assert db.session.get(Bill, old.id).outstanding_fen == 0 and db.session.get(Bill, new.id).outstanding_fen == 0
    pdf = client.get(f"/staff/billing/payments/{payment.id}/receipt.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_partial_desk_payment_pays_the_oldest_bill_first(client, auth, unit_with_bills):
    unit, _owner, old, new = unit_with_bills
    sign_in(auth, Role.FINANCE)
    client.post(
        f"/staff/billing/units/{unit.id}/payments",
        data={"bill_ids": [old.id, new.id], "method": "pos", "amount": "250"},
    )
    assert db.session.get(Bill, old.id).outstanding_fen == 0
    assert db.session.get(Bill, new.id).paid_fen == 5000


@pytest.mark.parametrize(
    "data, message",
    [
        ({"method": "cash", "amount": "abc"}, 'id="amount-error"'),
        ({"method": "cash", "amount": "9999"}, 'id="amount-error"'),
        ({"method": "cheque"}, 'id="method-error"'),
        ({"method": "cash", "bill_ids": []}, 'class="alert alert-error"'),
    ],
)
def test_bad_desk_payment_saves_nothing_and_keeps_what_was_typed(client, auth, unit_with_bills, data, message):
    unit, _owner, old, _new = unit_with_bills
    sign_in(auth, Role.FRONTDESK)
    payload = {"bill_ids": [old.id], "reference": "SLIP-77", **data}
    response = client.post(f"/staff/billing/units/{unit.id}/payments", data=payload)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert 'value="SLIP-77"' in html
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_void_returns_the_money_to_the_bills_and_keeps_the_receipt_number(client, auth, unit_with_bills):
    unit, _owner, old, _new = unit_with_bills
    sign_in(auth, Role.FINANCE)
    client.post(f"/staff/billing/units/{unit.id}/payments", data={"bill_ids": [old.id], "method": "cash"})
    payment = db.session.scalars(select(Payment)).one()
    assert client.post(f"/staff/billing/payments/{payment.id}/void", data={"void-reason": ""}).status_code == 422
    client.post(f"/staff/billing/payments/{payment.id}/void", data={"void-reason": "记错了房号"})
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == PaymentStatus.VOIDED
    assert db.session.get(Bill, old.id).outstanding_fen == 20000
    assert db.session.scalar(select(func.count()).select_from(Receipt)) == 1


def test_front_desk_cannot_void_or_refund(client, auth, unit_with_bills):
    unit, _owner, old, _new = unit_with_bills
    sign_in(auth, Role.FRONTDESK)
    client.post(f"/staff/billing/units/{unit.id}/payments", data={"bill_ids": [old.id], "method": "cash"})
    payment = db.session.scalars(select(Payment)).one()
    assert client.post(f"/staff/billing/payments/{payment.id}/void", data={"void-reason": "x"}).status_code == 403
    assert (
        client.post(
            f"/staff/billing/payments/{payment.id}/refund", data={"refund-amount": "1", "refund-reason": "x"}
        ).status_code
        == 403
    )


def test_desk_refund_in_part_reopens_the_bill(client, auth, unit_with_bills):
    unit, _owner, old, _new = unit_with_bills
    sign_in(auth, Role.FINANCE)
    client.post(f"/staff/billing/units/{unit.id}/payments", data={"bill_ids": [old.id], "method": "cash"})
    payment = db.session.scalars(select(Payment)).one()
    too_much = client.post(
        f"/staff/billing/payments/{payment.id}/refund", data={"refund-amount": "500", "refund-reason": "多收"}
    )
    assert too_much.status_code == 422 and db.session.scalar(select(func.count()).select_from(Refund)) == 0
    client.post(f"/staff/billing/payments/{payment.id}/refund", data={"refund-amount": "50.5", "refund-reason": "多收"})
    assert db.session.get(Bill, old.id).outstanding_fen == 5050
    assert db.session.get(Payment, payment.id).refunded_fen == 5050


def test_online_refund_goes_through_stripe_and_the_webhook_does_not_apply_it_twice(
    client, auth, app, prop, unit_with_bills, stripe_sandbox
):
    unit, owner, old, _new = unit_with_bills
    resident_client = app.test_client()
    type(auth)(resident_client).login_resident(owner.user)
    resident_client.post("/portal/bills/pay", data={"bill_ids": [old.id]})
    payment = db.session.scalars(select(Payment)).one()
    secret = app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"]

    def deliver(event):
        body = json.dumps(event).encode()
        return client.post(
            "/payments/stripe/webhook",
            data=body,
            content_type="application/json",
            headers={"Stripe-Signature": signed(body, secret)},
        )

    pay(stripe_sandbox.app, payment.provider_session_id)
    deliver(pending_events(stripe_sandbox.app)[-1])
    sign_in(auth, Role.FINANCE)
    client.post(
        f"/staff/billing/payments/{payment.id}/refund", data={"refund-amount": "80", "refund-reason": "重复缴费"}
    )
    refund = db.session.scalars(select(Refund)).one()
    assert refund.provider_refund_id.startswith("re_") and refund.status.value == "succeeded"
    assert db.session.get(Bill, old.id).outstanding_fen == 8000
    assert deliver(pending_events(stripe_sandbox.app)[-1]).get_json()["outcome"] == "refunds changed: 0"
    assert (
        db.session.get(Bill, old.id).outstanding_fen == 8000
        and db.session.get(Payment, payment.id).refunded_fen == 8000
    )


def test_collection_rate_against_the_target(client, auth, prop, unit_with_bills):
    unit, _owner, old, _new = unit_with_bills
    month = today().replace(day=1)
    other = builders.create_unit()
    builders.create_bill(other, total_fen=10000, period=month, due_date=month + timedelta(days=30), paid_fen=9500)
    builders.create_bill(
        builders.create_unit(), total_fen=10000, period=month, due_date=month + timedelta(days=30), paid_fen=7000
    )
    sign_in(auth, Role.MANAGER)
    html = client.get("/staff/billing/").get_data(as_text=True)
    assert "82.50%" in html and "90%" in html


def test_front_desk_sees_the_unit_lookup_not_the_collection_figures(client, auth, unit_with_bills):
    sign_in(auth, Role.FRONTDESK)
    html = client.get("/staff/billing/").get_data(as_text=True)
    assert 'name="unit"' in html and "rate-meter" not in html
    assert client.get("/staff/billing/arrears").status_code == 403


def test_arrears_are_aged_and_reminders_sent_once_a_day(client, auth, unit_with_bills):
    unit, owner, old, _new = unit_with_bills
    sign_in(auth, Role.ASSISTANT)
    html = client.get("/staff/billing/arrears").get_data(as_text=True)
    assert owner.name in html and "¥200.00" in html
    client.post("/staff/billing/arrears/remind", data={"unit_ids": [unit.id]})
    client.post("/staff/billing/arrears/remind", data={"scope": "all"})
    reminders = db.session.scalars(select(Reminder)).all()
    assert len(reminders) == 1 and reminders[0].resident_id == owner.id and reminders[0].outstanding_fen == 20000
    assert reminders[0].emailed_to == ""  # no SMTP configured: in the portal only


def test_resident_sees_the_reminder(client, auth, unit_with_bills):
    unit, owner, _old, _new = unit_with_bills
    staff_client = client.application.test_client()
    type(auth)(staff_client).login_staff(builders.create_staff(Role.FINANCE))
    staff_client.post("/staff/billing/arrears/remind", data={"scope": "all"})
    auth.login_resident(owner.user)
    assert "¥200.00" in client.get("/portal/bills").get_data(as_text=True)


def test_reminder_is_mailed_after_commit_when_smtp_is_configured(client, auth, app, unit_with_bills, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message):
            sent.append(("to", message["To"]))

    import smtplib

    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.invalid")
    sign_in(auth, Role.FINANCE)
    client.post("/staff/billing/arrears/remind", data={"scope": "all"})
    assert ("to", "owner@example.com") in sent
    assert db.session.scalars(select(Reminder)).one().emailed_to == "owner@example.com"


def test_cron_reminds_of_bills_due_within_three_days(runner, prop):
    unit = builders.create_unit()
    owner = builders.create_resident(prop, unit=unit)
    month = today().replace(day=1)
    builders.create_bill(unit, total_fen=12300, period=month, due_date=today() + timedelta(days=2))
    builders.create_bill(builders.create_unit(), total_fen=4500, period=month, due_date=today() + timedelta(days=9))
    result = runner.invoke(args=["billing", "remind", "--due-soon"])
    assert result.exit_code == 0 and "1 reminders" in result.output
    reminder = db.session.scalars(select(Reminder)).one()
    assert reminder.resident_id == owner.id and "123.00" in reminder.message
    assert runner.invoke(args=["billing", "remind"]).output.startswith("0 reminders")


def test_a_refusal_of_the_ticked_bills_is_shown_once_above_the_form(client, auth, unit_with_bills):
    unit, _owner, _old, _new = unit_with_bills
    sign_in(auth, Role.FRONTDESK)
    client.get("/staff/?lang=en")
    response = client.post(f"/staff/billing/units/{unit.id}/payments", data={"method": "cash", "bill_ids": []})
    assert response.status_code == 422
    assert response.get_data(as_text=True).count("Choose at least one bill of this unit.") == 1


def test_the_arrears_list_narrows_to_an_assistants_area_and_its_floors(client, auth, prop, unit_with_bills):
    from domain.areas.models import AreaScope
    from tests import patrol_walk_builders as pw

    unit, owner, _old, _new = unit_with_bills  # floor 12 of the first building
    low = builders.create_unit(floor=3)
    neighbour = builders.create_resident(prop, unit=low)
    builders.create_bill(low, total_fen=5000, period=today().replace(day=1), due_date=today() - timedelta(days=5))
    assistant = sign_in(auth, Role.ASSISTANT)
    area = pw.create_area(prop, assistant, name="高区")
    db.session.add(AreaScope(area_id=area.id, building_id=unit.building_id, floor_from=10, floor_to=18))
    db.session.commit()
    html = client.get(f"/staff/billing/arrears?area={area.id}").get_data(as_text=True)
    assert owner.name in html and neighbour.name not in html
    assert f'<option value="{area.id}" selected>高区</option>' in html
    everyone = client.get("/staff/billing/arrears").get_data(as_text=True)
    assert owner.name in everyone and neighbour.name in everyone
    assert f"/staff/billing/arrears?area={area.id}" in client.get("/staff/areas/mine").get_data(as_text=True)
    assert client.get("/staff/billing/arrears?area=999999").status_code == 404
