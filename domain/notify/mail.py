"""E-mail after commit: a rolled-back change never mails anyone, and a mail failure never undoes one. Each message
is a task on the queue (`send_mail`), sent by the worker and retried with back-off while the mail server is
unreachable."""

import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import lazy_pgettext
from sqlalchemy import event

from domain.current_property import current_property_id
from domain.tasks import property_task
from extensions import db

#: Retries of an e-mail, from a minute apart, doubling (1, 2, 4, 8, 16 min): a mail server down half an hour.
MAIL_RETRIES, MAIL_RETRY_DELAY = 5, 60


def mail_configured():
    """Whether an SMTP server is configured (MAIL_SERVER); without one, nothing is mailed."""
    return bool(current_app.config.get("MAIL_SERVER"))


def queue_mail(to, subject, body):
    """Queue an e-mail to go out when the current transaction commits; no-op without SMTP."""
    if not to or not mail_configured():
        return False
    db.session.info.setdefault("outbox", []).append((to, subject, body))
    return True


def _send(messages):
    """Send messages, each (to, subject, body), over one SMTP connection; raises when the server fails (the task
    is then retried)."""
    config = current_app.config
    with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        for to, subject, body in messages:
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = (
                config.get("MAIL_SENDER") or "noreply@localhost",
                to,
                subject,
            )
            message.set_content(body)
            smtp.send_message(message)


@property_task(retries=MAIL_RETRIES, retry_delay=MAIL_RETRY_DELAY, label=lazy_pgettext("task", "E-mail"))
def send_mail(property_id, to, subject, body):
    """Send one e-mail (queued by a transaction that committed); a refusal or an unreachable server raises, and the
    task is retried."""
    _send([(to, subject, body)])


@event.listens_for(db.session, "after_commit")
def _flush_outbox(session):
    """After a commit, enqueue one mail task per message the transaction queued."""
    messages = session.info.pop("outbox", None)
    if not messages:
        return
    property_id = current_property_id()
    for to, subject, body in messages:
        try:
            send_mail(property_id, to, subject, body)
        except Exception:  # the change is committed: a queue that is down must not turn it into an error page
            current_app.logger.exception("could not enqueue an e-mail to %s", to)


@event.listens_for(db.session, "after_rollback")
def _drop_outbox(session):
    """A rolled-back transaction sends nothing."""
    session.info.pop("outbox", None)
