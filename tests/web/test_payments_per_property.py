"""Each property's online payments: its Stripe account (a Connect destination charge), its statement descriptor, its
id in the metadata, and the webhook applying a payment to the payment's own property, never the process's."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from domain.audit.models import AuditEntry
from domain.billing.models import Bill
from domain.clock import today
from domain.current_property import working_for
from domain.payments.models import Payment, PaymentStatus
from domain.payments.webhooks import handle_event
from domain.property.models import Building
from extensions import db
from sandbox.stripe_app import sandbox_state
from tests import builders
from tests.web.test_payments import completed_event, post_event, start_paying


def household_of(prop):
    """A unit of `prop`, its owner and two unpaid bills."""
    building = db.session.scalars(select(Building).where(Building.property_id == prop.id)).first()
    unit = builders.create_unit(building)
    owner = builders.create_resident(prop, unit=unit)
    this_month = today().replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    bills = [
        builders.create_bill(unit, total_fen=total, period=month, due_date=month + timedelta(days=27))
        for total, month in ((22375, last_month), (30050, this_month))
    ]
    return unit, owner, bills


@pytest.fixture
def second():
    """A second property of the company, collecting through its own connected account."""
    first = builders.create_property("亿丰时代广场")
    first.receipt_prefix = "YF"
    prop = builders.create_property("锦绣园")
    prop.receipt_prefix, prop.stripe_account, prop.statement_descriptor = "JXY", "acct_1JinXiu", "JINXIU GARDEN"
    db.session.commit()
    return prop


def sent_checkout(server):
    """The parameters of the last Checkout Session the sandbox was asked for."""
    return [r for r in sandbox_state(server.app).requests if r["path"] == "/v1/checkout/sessions"][-1]["params"]


def test_a_propertys_payment_goes_to_its_connected_account_with_its_descriptor(client, auth, second, stripe_sandbox):
    _unit, owner, bills = household_of(second)
    auth.login_resident(owner.user)
    payment, session_id = start_paying(client, bills)
    params = sent_checkout(stripe_sandbox)
    assert params["metadata"]["property_id"] == str(second.id)
    intent_data = params["payment_intent_data"]
    assert intent_data["on_behalf_of"] == "acct_1JinXiu"
    assert intent_data["transfer_data"] == {"destination": "acct_1JinXiu"}
    assert intent_data["statement_descriptor_suffix"] == "JINXIU GARDEN"
    assert intent_data["metadata"]["property_id"] == str(second.id)
    completed_event(stripe_sandbox, session_id)
    intent = next(iter(sandbox_state(stripe_sandbox.app).payment_intents.values()))
    assert intent["transfer_data"] == {"destination": "acct_1JinXiu"} and intent["on_behalf_of"] == "acct_1JinXiu"
    assert intent["statement_descriptor_suffix"] == "JINXIU GARDEN"


def test_a_property_without_an_account_is_paid_to_the_platform(client, auth, prop, stripe_sandbox):
    _unit, owner, bills = household_of(prop)
    auth.login_resident(owner.user)
    start_paying(client, bills)
    intent_data = sent_checkout(stripe_sandbox)["payment_intent_data"]
    assert "transfer_data" not in intent_data and "on_behalf_of" not in intent_data
    assert "statement_descriptor_suffix" not in intent_data
    assert intent_data["metadata"]["property_id"] == str(prop.id)


def test_the_webhook_applies_a_payment_to_its_own_property(client, auth, second, stripe_sandbox, app):
    _unit, owner, bills = household_of(second)
    auth.login_resident(owner.user)
    payment, session_id = start_paying(client, bills)
    event = completed_event(stripe_sandbox, session_id)
    response = post_event(app.test_client(), event, app.config["STRIPE_SANDBOX_WEBHOOK_SECRET"])
    assert response.get_json()["outcome"] == "applied"
    db.session.expire_all()
    paid = db.session.get(Payment, payment.id)
    assert paid.status == PaymentStatus.SUCCEEDED and paid.receipt.property_id == second.id
    assert paid.receipt.number.startswith("JXY-") and paid.receipt.number.endswith("-000001")
    assert [db.session.get(Bill, b.id).outstanding_fen for b in bills] == [0, 0]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "payment.succeeded")).one()
    assert entry.property_id == second.id


def test_an_event_handled_while_the_process_works_for_another_property_still_finds_and_pays_its_own(
    client, auth, second, stripe_sandbox, app
):
    first_id = db.session.scalar(select(Building.property_id).where(Building.property_id != second.id))
    _unit, owner, bills = household_of(second)
    auth.login_resident(owner.user)
    payment, session_id = start_paying(client, bills)
    event = completed_event(stripe_sandbox, session_id)
    with working_for(first_id):  # whatever the process worked for, the event's payment decides
        assert handle_event(event, app.extensions["payment_provider"]) == "applied"
        db.session.commit()
    db.session.expire_all()
    paid = db.session.get(Payment, payment.id)
    assert paid.status == PaymentStatus.SUCCEEDED and paid.receipt.number.startswith("JXY-")


@pytest.mark.parametrize(
    ("intent_data", "param"),
    [
        ({"transfer_data": {"destination": "cus_123"}}, "payment_intent_data[transfer_data][destination]"),
        ({"on_behalf_of": "acct_1"}, "payment_intent_data[on_behalf_of]"),
        ({"statement_descriptor_suffix": "12345678"}, "payment_intent_data[statement_descriptor_suffix]"),
        ({"statement_descriptor_suffix": "BAD*NAME"}, "payment_intent_data[statement_descriptor_suffix]"),
        ({"application_fee_amount": "100"}, "payment_intent_data[application_fee_amount]"),
    ],
)
def test_the_sandbox_refuses_what_stripe_would(stripe_sandbox, app, intent_data, param):
    import stripe

    provider = app.extensions["payment_provider"]
    params = {
        "mode": "payment",
        "success_url": "http://127.0.0.1/ok",
        "cancel_url": "http://127.0.0.1/no",
        "line_items": [
            {"quantity": 1, "price_data": {"currency": "cny", "unit_amount": 100, "product_data": {"name": "x"}}}
        ],
        "payment_intent_data": intent_data,
    }
    with pytest.raises(stripe.InvalidRequestError) as refused:
        provider.client.v1.checkout.sessions.create(params=params)
    assert refused.value.param == param
