"""The ledger: a payment's money on its bills, and the bills_paid signal that what follows a paid bill listens to."""

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.payments.desk import record_desk_payment
from domain.payments.ledger import bills_paid
from domain.renovation import permits
from tests import builders


def test_bills_paid_is_sent_once_per_payment_with_the_bills_it_put_money_on(app, prop):
    _unit, _owner, bills = builders.create_household_with_bills(prop)
    desk = Actor.for_user(builders.create_staff(Role.FINANCE), "127.0.0.1")
    received = []

    def listen(payment, *, bills, now):
        received.append((payment.id, sorted(b.id for b in bills), now))

    with bills_paid.connected_to(listen):
        payment = record_desk_payment(desk, unit_id=bills[0].unit_id, bill_ids=[bills[0].id], method="cash")
    assert received == [(payment.id, [bills[0].id], payment.paid_at)]


def test_the_renovation_permit_listens_to_bills_paid(app):
    assert permits._issue_permits_on_payment in list(bills_paid.receivers_for(object()))
