"""The manager's page of failed background tasks: listed for the manager alone, each with a Retry button that
queues it again (audited); another property's failure is not found."""

import pytest
from sqlalchemy import select

from domain.accounts.roles import Role
from domain.audit.models import AuditEntry
from domain.clock import utcnow
from domain.tasks.models import TaskFailure
from extensions import db
from tests import builders

URL = "/staff/tasks/failed"


def failure(prop, task_name="domain.notify.mail.send_mail", args='["wang@example.com", "缴费提醒", "请缴费"]'):
    """A task of `prop` that failed on every try (an e-mail, by default)."""
    return builders.create_task_failure(prop, task_name, args, error="ConnectionRefusedError('mail server down')")


@pytest.fixture
def manager(auth, prop):
    """The property's manager, signed in."""
    user = builders.create_staff(Role.MANAGER, prop=prop)
    auth.login_staff(user)
    return user


def test_the_manager_sees_the_propertys_failed_tasks_with_their_error(client, manager, prop):
    failure(prop)
    failure(builders.create_property("另一个小区"), task_name="domain.payments.tasks.late_fees", args="[]")
    page = client.get(URL + "?lang=en").get_data(as_text=True)
    assert "E-mail" in page and "mail server down" in page and "wang@example.com" in page
    assert "Late fees" not in page  # the other property's
    assert "Retry" in page and 'name="csrf_token"' in page
    assert "发送邮件" in client.get(URL + "?lang=zh_CN").get_data(as_text=True)


def test_without_failures_the_page_says_all_is_well_in_both_languages(client, manager):
    assert "No failed task: background work is running normally." in client.get(URL + "?lang=en").get_data(as_text=True)
    assert "没有失败的任务：后台工作一切正常。" in client.get(URL + "?lang=zh_CN").get_data(as_text=True)


def test_the_menu_leads_the_manager_to_the_page(client, manager):
    assert URL in client.get("/staff/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.FRONTDESK, Role.ASSISTANT, Role.FINANCE], ids=lambda r: r.value)
def test_other_roles_are_refused_the_page_and_the_retry(client, auth, prop, role):
    row = failure(prop)
    auth.login_staff(builders.create_staff(role, prop=prop))
    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}/{row.id}/retry").status_code == 403
    assert URL not in client.get("/staff/").get_data(as_text=True)
    assert db.session.get(TaskFailure, row.id).retried_at is None


def test_a_resident_is_refused(client, auth, prop):
    row = failure(prop)
    auth.login_resident(builders.create_resident(prop).user)
    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}/{row.id}/retry").status_code == 403


def test_retry_queues_the_task_again_and_its_success_closes_the_failure(client, manager, app, prop, monkeypatch):
    sent = []
    monkeypatch.setitem(app.config, "MAIL_SERVER", "mail.invalid")
    monkeypatch.setattr("domain.notify.mail._send", lambda messages: sent.extend(messages))
    row = failure(prop)
    response = client.post(f"{URL}/{row.id}/retry")
    assert response.status_code == 303 and response.headers["Location"].endswith(URL)
    assert sent == [("wang@example.com", "缴费提醒", "请缴费")]
    db.session.expire_all()
    row = db.session.get(TaskFailure, row.id)
    assert row.resolved_at is not None and row.retried_by_id == manager.id
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "task.retry")).one()
    assert entry.actor_id == manager.id and entry.property_id == prop.id
    assert "No failed task" in client.get(URL + "?lang=en").get_data(as_text=True)


def test_retry_needs_the_csrf_token(client, manager, app, prop, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    row = failure(prop)
    assert client.post(f"{URL}/{row.id}/retry").status_code == 400
    assert db.session.get(TaskFailure, row.id).retried_at is None


def test_another_propertys_failure_is_not_found(client, manager, prop):
    row = failure(builders.create_property("另一个小区"))
    assert client.post(f"{URL}/{row.id}/retry").status_code == 404
    db.session.expire_all()
    assert db.session.get(TaskFailure, row.id).retried_at is None


def test_a_resolved_failure_is_not_retried_again(client, manager, prop):
    row = failure(prop)
    row.resolved_at = utcnow()
    db.session.commit()
    response = client.post(f"{URL}/{row.id}/retry", follow_redirects=True)
    assert response.status_code == 200
    assert db.session.get(TaskFailure, row.id).retried_at is None
