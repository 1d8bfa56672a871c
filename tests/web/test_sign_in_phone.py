"""A phone number signs in one resident only: changing it never takes another resident's sign-in."""

from domain.accounts.models import Actor, User
from domain.accounts.roles import Role
from domain.errors import Conflict
from domain.property.models import Resident
from extensions import db
from tests import builders


def test_a_resident_cannot_take_a_number_another_resident_signs_in_with(app, client, auth, prop):
    me = builders.create_resident(prop, phone="13911110001")
    builders.create_resident(prop, phone="13922220002")
    auth.login_resident(me.user)
    response = client.post("/portal/profile", data={"phone": "13922220002", "email": "me@example.com"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "已有其他住户使用此手机号登录" in html
    assert 'value="13922220002"' in html and 'value="me@example.com"' in html  # what was typed is kept
    db.session.expire_all()
    assert db.session.get(Resident, me.id).phone == "13911110001"  # nothing saved
    # The other resident still signs in with their number (before: a shared number signed in nobody).
    other = app.test_client()
    assert other.post("/portal/login", data={"login": "13922220002", "password": builders.PASSWORD}).status_code == 303


def test_a_new_number_in_the_profile_becomes_the_sign_in_number(app, client, auth, prop):
    me = builders.create_resident(prop, phone="13911110001")
    auth.login_resident(me.user)
    assert client.post("/portal/profile", data={"phone": "13933330003", "email": ""}).status_code == 303
    fresh = app.test_client()
    assert fresh.post("/portal/login", data={"login": "13911110001", "password": builders.PASSWORD}).status_code == 200
    assert fresh.post("/portal/login", data={"login": "13933330003", "password": builders.PASSWORD}).status_code == 303


def test_the_desk_cannot_give_an_account_holder_a_number_another_signs_in_with(prop):
    from domain.property.residents import get_resident, update_resident

    clerk = Actor.for_user(builders.create_staff(Role.FRONTDESK), "127.0.0.1")
    me = builders.create_resident(prop, phone="13911110001")
    builders.create_resident(prop, phone="13922220002")
    try:
        update_resident(clerk, get_resident(me.id), name=me.name, phone="13922220002")
        raise AssertionError("a taken sign-in number was accepted")
    except Conflict as error:
        assert error.field == "phone"
    # A household member without an account may share a number (a child registered with a parent's phone).
    child = builders.create_resident(prop, account=False, phone="13999990009")
    update_resident(clerk, get_resident(child.id), name=child.name, phone="13922220002")
    db.session.commit()


def test_an_account_created_for_a_resident_whose_number_is_taken_signs_in_by_username(prop):
    from domain.property.residents import create_resident_account

    manager = Actor.for_user(builders.create_staff(Role.MANAGER), "127.0.0.1")
    builders.create_resident(prop, phone="13922220002")
    spouse = builders.create_resident(prop, account=False, phone="13922220002")
    user = create_resident_account(manager, spouse, username="spouse", password="violet-Harbour-57")
    db.session.commit()
    assert user.login_phone is None
    assert db.session.query(User).filter_by(login_phone="13922220002").count() == 1
