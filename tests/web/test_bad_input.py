"""Bad input never gives a 500 or half-saves: every route is walked with ids past what the database holds,
NUL bytes and control characters, huge numbers and absurd dates, by every kind of visitor."""

import re
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import String, Text, select
from wtforms import DateField, DateTimeLocalField, IntegerField
from wtforms.fields.core import UnboundField

from domain.accounts.roles import Role
from extensions import db
from tests import builders
from web.guards import MAX_ID, clean_text, parse_id

ROOT = Path(__file__).resolve().parents[2]
HUGE = str(2**64)
NUL_TEXT = "1-1203\x00\x1b[2J\x07"


def _source_names(pattern):
    """Parameter names the blueprints read straight from the request (request.args.get("after") -> "after")."""
    names = set()
    for folder in ("portal", "staff", "kiosk", "web"):
        for path in (ROOT / folder).rglob("*.py"):
            names.update(re.findall(pattern, path.read_text(encoding="utf-8")))
    return names


def _form_fields():
    """{field name: field class} over every form class the app defines."""
    fields, todo = {}, [FlaskForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        for name in dir(cls):
            value = getattr(cls, name, None)
            if isinstance(value, UnboundField):
                fields.setdefault(name, value.field_class)
    return fields


QUERY_NAMES = _source_names(r"request\.args(?:\.get)?[\(\[]\"(\w+)\"") | {"after", "before", "page", "q"}


def _form_data(kind):
    """A form with every known field name filled with one kind of bad value."""
    data = {}
    for name, field_class in _form_fields().items():
        if issubclass(field_class, DateTimeLocalField):
            data[name] = {"nul": "2026-11-17T10:00", "huge": "9999-12-31T23:59", "old": "0001-01-01T00:00"}[kind]
        elif issubclass(field_class, DateField):
            data[name] = {"nul": "2026-11-17", "huge": "9999-12-31", "old": "0001-01-01"}[kind]
        elif issubclass(field_class, IntegerField):
            data[name] = {"nul": "1", "huge": HUGE, "old": "-" + HUGE}[kind]
        else:
            data[name] = {"nul": NUL_TEXT, "huge": HUGE, "old": "1e3"}[kind]
    for name in _source_names(r"request\.form(?:\.get|\.getlist)?[\(\[]\"(\w+)\""):
        data.setdefault(name, {"nul": NUL_TEXT, "huge": HUGE, "old": "0001-01-01"}[kind])
    for prefix in _source_names(r"prefix=\"(\w+)\""):  # forms shown with others on one page
        data.update({f"{prefix}-{name}": value for name, value in list(data.items()) if "-" not in name})
    return data


@pytest.fixture
def visitors(app, prop):
    """A signed-in client per kind of visitor: manager, desk, finance, a resident, a kiosk (engineering and nobody
    reach a subset of the manager's and the desk's routes)."""
    unit = builders.create_unit(number="1203")
    resident = builders.create_resident(prop, unit=unit, phone="13987654321")
    clients = {}
    for role in (Role.MANAGER, Role.FRONTDESK, Role.FINANCE):
        client = app.test_client()
        user = builders.create_staff(role)
        assert (
            client.post("/staff/login", data={"login": user.username, "password": builders.PASSWORD}).status_code == 303
        )
        clients[role.value] = client
    client = app.test_client()
    assert (
        client.post("/portal/login", data={"login": resident.user.username, "password": builders.PASSWORD}).status_code
        == 303
    )
    clients["resident"] = client
    client = app.test_client()
    builders.create_kiosk(prop, client=client)
    clients["kiosk"] = client
    return clients


def _rules(app, method):
    """The app's own rules that answer `method` (not static files, not the sign-in forms' throttled POSTs)."""
    for rule in app.url_map.iter_rules():
        if method in rule.methods and rule.endpoint != "static" and not rule.endpoint.endswith(".static"):
            yield rule


def _url(rule, int_value, text_value="x"):
    """The rule's path with every converter filled in."""

    def fill(match):
        converter = match.group(1) or "default"
        return str(int_value) if converter.startswith("int") else text_value

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", fill, rule.rule)


def _failures(client, method, url, **kwargs):
    """[(url, status or exception)] when the request gave a 500 or raised."""
    try:
        response = client.open(url, method=method, **kwargs)
    except Exception as error:  # the test client re-raises what a 500 would hide
        db.session.rollback()
        return [(method, url, repr(error)[:200])]
    return [(method, url, response.status_code)] if response.status_code >= 500 else []


def _summary(failures):
    """One line per route and error, for the assertion message."""
    return "\n".join(sorted({f"{method} {url} {error} ({who})" for who, method, url, error in failures}))


def _text_columns_with_control_characters():
    """(table, column) pairs where any stored text holds a NUL byte or a control character."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (String, Text)):
                for value in db.session.scalars(select(column)):
                    if value and clean_text(value) != value:
                        found.append((table.name, column.name))
                        break
    return found


def test_ids_past_what_the_database_holds_are_not_found_in_every_route(app, visitors):
    client = visitors["manager"]
    for rule in _rules(app, "GET"):
        if "<int:" not in rule.rule:
            continue
        for value in (2**31, 2**63, 2**64):
            response = client.get(_url(rule, value))
            assert response.status_code == 404, (rule.rule, value, response.status_code)
        assert client.get(_url(rule, MAX_ID)).status_code < 500, rule.rule


@pytest.mark.parametrize("value", [HUGE, "²", "\x00", "9" * 500, "0001-01-01", "9999-12"])
def test_query_string_values_never_give_a_500(app, visitors, value):
    query = {name: value for name in QUERY_NAMES if name != "lang"}
    failures = []
    for who, client in visitors.items():
        for rule in _rules(app, "GET"):
            failures += [(who, *f) for f in _failures(client, "GET", _url(rule, 1), query_string=query)]
    assert not failures, _summary(failures)


@pytest.mark.parametrize("kind", ["nul", "huge", "old"])
def test_bad_form_values_never_give_a_500_nor_store_control_characters(app, visitors, kind):
    data = _form_data(kind)
    failures = []
    for who, client in visitors.items():
        for rule in _rules(app, "POST"):
            if rule.endpoint in ("portal.login", "staff.login", "public.stripe_webhook", "payments.stripe_webhook"):
                continue
            failures += [(who, *f) for f in _failures(client, "POST", _url(rule, 1), data=data)]
    assert not failures, _summary(failures)
    db.session.rollback()
    assert _text_columns_with_control_characters() == []


def test_a_path_with_a_nul_byte_is_not_found(app, visitors):
    for rule in _rules(app, "GET"):
        if re.search(r"<(?:string:|path:)?\w+>", rule.rule):
            response = visitors["manager"].get(_url(rule, 1, "abc%00def"))
            assert response.status_code == 404, rule.rule


def test_parse_id_takes_only_ids_the_database_can_hold():
    assert [parse_id(v) for v in ("12", " 7 ", str(MAX_ID))] == [12, 7, MAX_ID]
    assert [parse_id(v) for v in ("", "x", "²", "١٢", "-1", "1.0", str(MAX_ID + 1), "9" * 400, None)] == [None] * 9


def test_nul_bytes_and_control_characters_are_taken_out_of_typed_text_but_line_breaks_stay(app, prop, auth, client):
    from domain.announcements.models import Announcement

    auth.login_staff(builders.create_staff(Role.MANAGER))
    response = client.post(
        "/staff/announcements/new",
        data={
            "title": "停水\x00通知\x1b[31m",
            "body": "明天\x00停水。\r\n\t请储水。\x07",
            "valid_from": "2026-11-17T08:00",
            "valid_until": "2026-11-18T20:00",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    announcement = db.session.scalars(select(Announcement)).one()
    assert announcement.title == "停水通知[31m"
    assert announcement.body.replace("\r\n", "\n") == "明天停水。\n\t请储水。"


# Money typed as 1e3 or in full-width digits ---------------------------------------------------------------------


def test_money_in_full_width_digits_is_read_as_digits(client, auth, prop):
    from domain.parcels.models import LendableItem

    auth.login_staff(builders.create_staff(Role.MANAGER))
    response = client.post(
        "/staff/lending/items", data={"name": "折叠梯", "quantity": "2", "deposit": "１２３．５０", "loan_hours": "24"}
    )
    assert response.status_code == 303
    assert db.session.scalars(select(LendableItem.deposit_fen)).one() == 12350


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e3", "请直接写数字（如 1000，不要写成 1e3）。"),
        ("99999999999", "超过了上限 10,000,000。"),
        ("12.345", "请填写金额"),
    ],
)
def test_money_in_exponent_notation_or_too_large_is_refused_and_kept(client, auth, prop, typed, message):
    from domain.parcels.models import LendableItem

    auth.login_staff(builders.create_staff(Role.MANAGER))
    response = client.post(
        "/staff/lending/items", data={"name": "折叠梯", "quantity": "2", "deposit": typed, "loan_hours": "24"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and f'value="{typed}"' in html
    assert db.session.scalars(select(LendableItem)).all() == []


def test_yuan_to_fen_reads_full_width_and_refuses_what_is_not_an_amount():
    from domain.money import MAX_TYPED_FEN, NotAnAmount, yuan_to_fen

    assert [yuan_to_fen(t) for t in ("１２３．５０", "￥８", "1，200", "10000000")] == [
        12350,
        800,
        120000,
        MAX_TYPED_FEN,
    ]
    for typed, reason in (
        ("1e3", "exponent"),
        ("1.5E2", "exponent"),
        ("NaN", "format"),
        ("Infinity", "format"),
        ("1_000", "format"),
        ("-1", "format"),
        ("9" * 5000, "too_large"),
        ("10000000.01", "too_large"),
    ):
        with pytest.raises(NotAnAmount) as caught:
            yuan_to_fen(typed)
        assert caught.value.reason == reason, typed


# Dates far in the past or the future ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_a_date_that_makes_no_sense_is_a_form_error_and_nothing_is_saved(client, auth, prop, typed):
    from domain.billing.models import ChargeRate

    auth.login_staff(builders.create_staff(Role.MANAGER))
    charge = builders.create_charge(prop)
    before = db.session.scalars(select(ChargeRate.id)).all()
    response = client.post(
        f"/staff/fees/{charge.id}/rates",
        data={"rate-rate": "3.00", "rate-effective_from": typed},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "请填写" in html and "之间的日期" in html, html[:3000]
    db.session.expire_all()
    assert db.session.scalars(select(ChargeRate.id)).all() == before


def test_every_date_field_checks_that_the_date_makes_sense():
    from wtforms import DateField, DateTimeLocalField

    from web.forms import SensibleDate

    missing = []
    todo = [FlaskForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        for name in dir(cls):
            value = getattr(cls, name, None)
            if isinstance(value, UnboundField) and issubclass(value.field_class, (DateField, DateTimeLocalField)):
                validators = value.kwargs.get("validators") or (value.args[1] if len(value.args) > 1 else [])
                if not any(isinstance(v, SensibleDate) for v in validators):
                    missing.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert missing == []


def test_a_day_or_month_in_the_url_that_makes_no_sense_is_refused_politely(client, auth, prop):
    auth.login_staff(builders.create_staff(Role.MANAGER))
    assert client.get("/staff/parcels/report?day=9999-12-31").status_code == 404
    assert client.get("/staff/handover?day=0001-01-01").status_code == 200
    response = client.get("/staff/fees/readings?period=9999-12")
    assert response.status_code == 200 and "之间的日期" in response.get_data(as_text=True)


def test_an_uploaded_files_name_loses_its_control_characters(app):
    import io

    from flask import request

    from web.guards import clean_request_text

    with app.test_request_context(
        "/",
        method="POST",
        content_type="multipart/form-data",
        data={"note": "a\x00b", "file": (io.BytesIO(b"x"), "plan\x00\x1b.pdf")},
    ):
        clean_request_text()
        assert request.form["note"] == "ab" and request.files["file"].filename == "plan.pdf"


def test_ticked_ids_past_what_the_database_holds_are_dropped_not_a_500(app, client, auth, prop):
    unit = builders.create_unit(number="1203")
    resident = builders.create_resident(prop, unit=unit)
    builders.create_bill(unit)
    auth.login_resident(resident.user)
    assert client.post("/portal/bills/pay", data={"bill_ids": [HUGE]}).status_code == 303  # "tick the bills"
    assert client.post("/portal/parcels/code", data={"unit_id": HUGE}).status_code == 404
    for role, url, data in (
        (Role.FRONTDESK, f"/staff/billing/units/{unit.id}/payments", {"bill_ids": [HUGE], "method": "cash"}),
        (Role.FINANCE, "/staff/billing/arrears/remind", {"unit_ids": [HUGE]}),
        (
            Role.FRONTDESK,
            "/staff/parcels/hand-over",
            {"unit_label": "1-1203", "code": "123456", "parcel_ids": [HUGE], "recipient": "resident"},
        ),
    ):
        staff = app.test_client()
        staff.post("/staff/login", data={"login": builders.create_staff(role).username, "password": builders.PASSWORD})
        assert staff.post(url, data=data).status_code < 500, url
