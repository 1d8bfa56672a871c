"""Demo counter for 亿丰时代广场: parcels of every age (a few for the demo residents), lendable items, loans
(one overdue) and an item left at the desk."""

from datetime import timedelta

from sqlalchemy import select

from domain.accounts.models import Actor
from domain.clock import local_date, utcnow
from domain.parcels import codes, pickup
from domain.parcels.models import LendableItem, Loan, Parcel, ParcelStatus, Recipient, StoredItem
from domain.property.models import Building, Occupancy, Resident, Unit
from domain.property.units import UNIT_LABEL
from domain.throttle import services as throttle
from extensions import db

LENDABLES = [("雨伞", 10, 0, 24), ("折叠梯", 2, 10000, 4), ("手推车", 3, 5000, 2), ("工具箱", 2, 5000, 24)]
#: (days ago, carrier, shelf) of the parcels waiting, oldest first; the last ones are for the demo residents.
WAITING = [
    (17, "ems", "C1"),
    (9, "yto", "B2"),
    (5, "zto", "B1"),
    (4, "sto", "B1"),
    (2, "jd", "A3"),
    (1, "sf", "A1"),
    (0, "yunda", "A2"),
    (0, "jt", "A2"),
]


def load_counter_demo(prop, *, demo_units, rng, demo_borrower="陈业主"):
    """Add the demo counter to `prop`; `demo_units` are the demo residents' unit ids (they get parcels), the first
    one's `demo_borrower` has borrowed an umbrella."""
    now = utcnow()
    items = [
        LendableItem(property_id=prop.id, name=name, quantity=quantity, deposit_fen=deposit, loan_hours=hours)
        for name, quantity, deposit, hours in LENDABLES
    ]
    db.session.add_all(items)
    occupied = db.session.scalars(
        select(Unit.id)
        .join(Building)
        .join(Occupancy, Occupancy.unit_id == Unit.id)
        .where(Building.property_id == prop.id)
        .order_by(Unit.id)
        .distinct()
    ).all()
    others = [u for u in occupied if u not in demo_units]
    for n, (days, carrier, shelf) in enumerate(WAITING):
        unit_id = others[rng.randrange(len(others))] if n < len(WAITING) - 3 else demo_units[n % len(demo_units)]
        at = now - timedelta(days=days, hours=rng.randrange(1, 8))
        db.session.add(
            Parcel(
                property_id=prop.id,
                unit_id=unit_id,
                tracking_number=f"{carrier.upper()}{rng.randrange(10**11, 10**12)}",
                carrier=carrier,
                shelf=shelf,
                arrived_at=at,
                notified_at=at + timedelta(seconds=20),
            )
        )
    for _ in range(12):  # collected in the last days
        at = now - timedelta(days=rng.randrange(1, 6), hours=rng.randrange(1, 8))
        db.session.add(
            Parcel(
                property_id=prop.id,
                unit_id=others[rng.randrange(len(others))],
                tracking_number=f"SF{rng.randrange(10**11, 10**12)}",
                carrier="sf",
                shelf="A1",
                arrived_at=at,
                notified_at=at,
                status=ParcelStatus.PICKED_UP,
                picked_up_at=at + timedelta(hours=5),
                picked_up_by=Recipient.RESIDENT,
                picked_up_name="业主本人",
                picked_up_id_last4=f"{rng.randrange(10000):04d}",
                closed_at=at + timedelta(hours=5),
            )
        )
    db.session.flush()
    borrower = db.session.execute(
        select(Resident.name, Occupancy.unit_id).join(Occupancy).where(Occupancy.unit_id == others[0])
    ).first()
    db.session.add_all(
        [
            Loan(
                property_id=prop.id,
                item_id=items[0].id,
                unit_id=demo_units[0],
                borrower_name=demo_borrower,
                lent_at=now - timedelta(hours=3),
                due_at=now + timedelta(hours=21),
            ),
            Loan(
                property_id=prop.id,
                item_id=items[1].id,
                unit_id=borrower.unit_id,
                borrower_name=borrower.name,
                lent_at=now - timedelta(days=2),
                due_at=now - timedelta(days=1, hours=20),
                deposit_fen=10000,
            ),
        ]
    )
    today = local_date(now)
    db.session.add(
        StoredItem(
            property_id=prop.id,
            unit_id=demo_units[0],
            description="一袋水果（访客留给业主）",
            depositor_name="李女士",
            depositor_phone="13900001111",
            by_visitor=True,
            code_hash=codes.code_hash("storage", prop.id, codes.new_code()),
            stored_at=now - timedelta(hours=2),
            expires_on=today + timedelta(days=2),
        )
    )
    db.session.flush()
    _wrong_codes(others[-1], now - timedelta(hours=2))
    return len(WAITING) + 12


def _wrong_codes(unit_id, at):
    """Someone tried a unit's pickup code at the desk until the unit locked, two hours ago: the lock is over and the
    alarm waits for the desk to acknowledge it (the today page's alarms and the console's banner show it)."""
    label = db.session.scalar(select(UNIT_LABEL).select_from(Unit).join(Building).where(Unit.id == unit_id))
    for n in range(throttle.UNIT_MAX_FAILURES):
        throttle.count_failure(
            Actor.system("demo"),
            pickup.SCOPE,
            f"demo-desk-{n}",
            detail=label,
            now=at + timedelta(seconds=20 * n),
            unit_id=unit_id,
        )
