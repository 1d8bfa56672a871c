"""E-mail after commit: a rolled-back change never mails anyone, and a mail failure never undoes one."""

import smtplib
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import event

from extensions import db


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
    """Send queued messages over one SMTP connection; log, never raise."""
    config = current_app.config
    try:
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
    except (OSError, smtplib.SMTPException) as exc:
        current_app.logger.warning("could not send %d e-mail(s): %s", len(messages), exc)


@event.listens_for(db.session, "after_commit")
def _flush_outbox(session):
    """After a commit, send what the transaction queued."""
    messages = session.info.pop("outbox", None)
    if messages:
        _send(messages)


@event.listens_for(db.session, "after_rollback")
def _drop_outbox(session):
    """A rolled-back transaction sends nothing."""
    session.info.pop("outbox", None)
