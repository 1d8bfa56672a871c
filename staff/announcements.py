"""Announcements (公告): publish, correct, withdraw."""

from datetime import timedelta

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from domain.accounts.roles import Permission
from domain.announcements import services as announcements
from domain.clock import from_local_input, to_local_input, utcnow
from domain.errors import DomainError
from extensions import db
from staff import bp
from staff.forms import AnnouncementForm
from web.auth import current_actor, staff_permission
from web.refusals import show_domain_error


@bp.get("/announcements/")
@staff_permission(Permission.PUBLISH_ANNOUNCEMENTS)
def list_announcements():
    """All announcements with their state (showing, scheduled, ended, withdrawn)."""
    return render_template(
        "staff/announcements/index.html", announcements=announcements.list_announcements(), now=utcnow()
    )


@bp.route("/announcements/new", methods=["GET", "POST"])
@staff_permission(Permission.PUBLISH_ANNOUNCEMENTS)
def create_announcement():
    """Publish an announcement."""
    start = to_local_input(utcnow())
    form = AnnouncementForm(valid_from=start, valid_until=start + timedelta(days=7))
    if form.validate_on_submit():
        try:
            announcements.publish(
                current_actor(),
                title=form.title.data,
                body=form.body.data,
                valid_from=from_local_input(form.valid_from.data),
                valid_until=from_local_input(form.valid_until.data),
            )
            db.session.commit()
            flash(_("Announcement published."), "success")
            return redirect(url_for("staff.list_announcements"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/announcements/form.html", form=form, announcement=None)


@bp.route("/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
@staff_permission(Permission.PUBLISH_ANNOUNCEMENTS)
def edit_announcement(announcement_id):
    """Correct an announcement."""
    announcement = announcements.get_announcement(announcement_id)
    # Keyword values, not obj=: WTForms prefers obj's attributes, which would show the stored UTC times.
    form = AnnouncementForm(
        title=announcement.title,
        body=announcement.body,
        valid_from=to_local_input(announcement.valid_from),
        valid_until=to_local_input(announcement.valid_until),
    )
    if form.validate_on_submit():
        try:
            announcements.update(
                current_actor(),
                announcement,
                title=form.title.data,
                body=form.body.data,
                valid_from=from_local_input(form.valid_from.data),
                valid_until=from_local_input(form.valid_until.data),
            )
            db.session.commit()
            flash(_("Announcement saved."), "success")
            return redirect(url_for("staff.list_announcements"), code=303)
        except DomainError as error:
            show_domain_error(form, error)
    return render_template("staff/announcements/form.html", form=form, announcement=announcement)


@bp.post("/announcements/<int:announcement_id>/withdraw")
@staff_permission(Permission.PUBLISH_ANNOUNCEMENTS)
def withdraw_announcement(announcement_id):
    """Take an announcement down now."""
    announcement = announcements.get_announcement(announcement_id)
    announcements.withdraw(current_actor(), announcement)
    db.session.commit()
    flash(_("Announcement withdrawn."), "success")
    return redirect(url_for("staff.list_announcements"), code=303)
