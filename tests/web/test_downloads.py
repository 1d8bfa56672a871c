"""Private files (photos, documents, receipts) leave through one helper with one cache policy: private, no-store."""

import io
import pathlib
import re

import pytest
from werkzeug.exceptions import NotFound

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.tickets import recording
from domain.tickets.models import TicketPhoto
from extensions import db
from tests import builders
from web.downloads import PRIVATE_CACHE, send_private_file

JPEG = b"\xff\xd8\xff\xe0 jpeg bytes"


def test_a_private_file_is_kept_by_no_cache(app, upload_folder):
    (upload_folder / "a.jpg").write_bytes(JPEG)
    with app.test_request_context():
        with send_private_file(str(upload_folder / "a.jpg"), mimetype="image/jpeg") as response:
            assert response.headers["Cache-Control"] == PRIVATE_CACHE == "private, no-store"
            assert "Expires" not in response.headers
        with send_private_file(io.BytesIO(b"%PDF-"), mimetype="application/pdf", download_name="r.pdf") as pdf:
            assert pdf.headers["Cache-Control"] == "private, no-store"


def test_a_missing_file_is_not_found(app, upload_folder):
    with app.test_request_context(), pytest.raises(NotFound):
        send_private_file(str(upload_folder / "lost.jpg"), mimetype="image/jpeg")


def test_no_route_sends_a_file_another_way():
    """Only web/downloads.py calls send_file or names a download by hand (the permit PDF did)."""
    root = pathlib.Path(__file__).resolve().parents[2]
    senders = sorted(
        str(path.relative_to(root))
        for folder in ("web", "portal", "staff", "kiosk")
        for path in (root / folder).rglob("*.py")
        if re.search(r"\bsend_(file|from_directory)\(|Content-Disposition", path.read_text(encoding="utf-8"))
    )
    assert senders == ["web/downloads.py"]


def test_ticket_photos_are_sent_alike_to_staff_and_to_their_resident(app, client, auth, prop, file_store):
    unit = builders.create_unit()
    owner = builders.create_resident(prop, unit=unit)
    ticket = recording.create_ticket(
        Actor.system("test"),
        property_id=prop.id,
        kind="repair",
        channel="phone",
        description="厨房水龙头漏水",
        unit_id=unit.id,
        resident_id=owner.id,
    )
    file_store.put("a1b2c3.jpg", JPEG, property_id=prop.id)
    photo = TicketPhoto(ticket_id=ticket.id, stored_name="a1b2c3.jpg", content_type="image/jpeg", size=len(JPEG))
    db.session.add(photo)
    db.session.commit()
    auth.login_staff(builders.create_staff(Role.FRONTDESK))
    resident = app.test_client()
    type(auth)(resident).login_resident(owner.user)
    for response in (
        client.get(f"/staff/tickets/{ticket.id}/photos/{photo.id}"),
        resident.get(f"/portal/tickets/{ticket.id}/photos/{photo.id}"),
    ):
        with response:
            assert response.status_code == 200 and response.data == JPEG
            assert response.headers["Cache-Control"] == "private, no-store"
