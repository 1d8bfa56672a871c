"""The restore drill: a property with bills, payments, receipts and tickets with photos and documents is backed up,
wiped (tables dropped, files deleted), restored, and everything is as it was; and the refusals of a restore.

The restore goes into the database the suite itself uses (SQLite, or PostgreSQL from TEST_DATABASE_URL), so each
test ends with the schema intact for the fixture that empties it and for the tests after.
"""

import hashlib
import io
import os
import tarfile
import time
from datetime import date
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, inspect, select, text
from werkzeug.datastructures import FileStorage

from domain.accounts.models import Actor
from domain.accounts.roles import Role
from domain.archives import documents
from domain.backup import archive
from domain.backup.services import backup_dir
from domain.billing.models import Bill
from domain.payments.models import Payment, Receipt
from domain.tickets.models import Ticket, TicketPhoto
from extensions import db
from tests import builders
from tests.conftest import AuthActions

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def backups(app, tmp_path, monkeypatch):
    """A BACKUP_DIR of the test's own, keeping the default 14."""
    folder = tmp_path / "backups"
    monkeypatch.setitem(app.config, "BACKUP_DIR", str(folder))
    monkeypatch.setitem(app.config, "BACKUP_KEEP", 14)
    return folder


@pytest.fixture
def frozen_pdf_time(clock, monkeypatch):
    """Receipt PDFs carry their creation time (reportlab reads the machine's clock); pin it to the suite's clock so
    that two renderings of one receipt are the same bytes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(clock().timestamp())))


def png(colour=(20, 120, 110)):
    """The bytes of a real, tiny picture."""
    out = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(out, "PNG")
    return out.getvalue()


def signed_in(app, user, area):
    """A client of its own with `user` signed in to the console ("staff") or the portal."""
    client = app.test_client()
    actions = AuthActions(client)
    (actions.login_staff if area == "staff" else actions.login_resident)(user)
    return client


def build_property(app, prop):
    """A unit whose owner has paid a bill at the desk (a receipt) and owes another, reported a repair with a photo,
    and whose file holds a contract copy. Returns (staff client, resident client, payment, ticket photo)."""
    unit = builders.create_unit(number="1201", floor=12)
    owner = builders.create_resident(prop, unit=unit, name="陈业主")
    paid = builders.create_bill(unit, total_fen=22375)
    builders.create_bill(unit, total_fen=30050, period=date(2026, 11, 1), due_date=date(2026, 11, 30))
    staff = signed_in(app, builders.create_staff(Role.FRONTDESK), "staff")
    answer = staff.post(f"/staff/billing/units/{unit.id}/payments", data={"bill_ids": [paid.id], "method": "cash"})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]

    resident = signed_in(app, owner.user, "portal")
    form = {
        "kind": "repair",
        "repair_category": "water",
        "description": "厨房水龙头一直滴水",
        "place": str(unit.id),
        "location": "",
        "preferred_time": "周六上午",
        "contact_phone": owner.phone,
        "photos": [(io.BytesIO(png()), "水龙头.png", "image/png")],
    }
    answer = resident.post("/portal/tickets/new", data=form, content_type="multipart/form-data")
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]

    upload = FileStorage(stream=io.BytesIO(PDF), filename="contract.pdf", content_type="application/pdf")
    documents.file_document(
        Actor.for_user(builders.create_staff(Role.FRONTDESK), "test"),
        unit_id=unit.id,
        type_code="purchase_contract",
        upload=upload,
    )
    db.session.commit()
    payment = db.session.scalars(select(Payment)).one()
    photo = db.session.scalars(select(TicketPhoto)).one()
    return staff, resident, payment, photo


def row_counts():
    """Rows of every table of the schema, and the migration the database stands at."""
    counts = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}
    counts["alembic_version"] = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    return counts


def folder_digests(folder):
    """{file name: SHA-256} of the upload folder."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def wipe(upload_folder):
    """The bad day: every table dropped (the migrations' record too) and every uploaded file deleted."""
    db.session.remove()
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            db.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE alembic_version"))
    for path in upload_folder.iterdir():
        path.unlink()
    assert inspect(db.engine).get_table_names() == [] and list(upload_folder.iterdir()) == []


def backup_of(runner):
    """Run `flask backup create` and return the archive it wrote."""
    result = runner.invoke(args=["backup", "create"])
    assert result.exit_code == 0, result.output
    (name,) = [n for n in os.listdir(backup_dir()) if archive.NAME_PATTERN.match(n)]
    return os.path.join(backup_dir(), name)


def restore(runner, path, *extra, **kwargs):
    """Run `flask backup restore` on `path` (the test's own session released first: it would hold locks)."""
    db.session.remove()
    return runner.invoke(args=["backup", "restore", str(path), *extra], **kwargs)


def head_revision(app):
    """The newest migration of the code."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config()).get_current_head()


def test_a_property_backed_up_wiped_and_restored_is_as_it_was(
    app, prop, runner, backups, upload_folder, frozen_pdf_time
):
    staff, resident, payment, photo = build_property(app, prop)
    receipt_url = f"/staff/billing/payments/{payment.id}/receipt.pdf"
    photo_url = f"/portal/tickets/{photo.ticket_id}/photos/{photo.id}"
    paid_bill_id, receipt_number = payment.allocations[0].bill_id, payment.receipt.number
    receipt_pdf = staff.get(receipt_url).data
    photo_bytes = resident.get(photo_url).data
    assert receipt_pdf.startswith(b"%PDF") and photo_bytes == png()
    before, files = row_counts(), folder_digests(upload_folder)
    assert before["bills"] == 2 and before["payments"] == before["receipts"] == 1 and before["ticket_photos"] == 1
    assert before["archive_documents"] == 1 and len(files) == 3  # the photo, its preview, the contract

    started = time.monotonic()
    path = backup_of(runner)
    created = time.monotonic() - started
    with tarfile.open(path) as tar:
        assert sorted(tar.getnames()) == sorted(
            ["manifest.json", archive.read_manifest(path)["database"]["member"]] + [f"files/{n}" for n in files]
        )
    wipe(upload_folder)

    started = time.monotonic()
    result = restore(runner, path, "--yes")
    restored = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert f"the database stands at migration {head_revision(app)}" in result.output
    assert "flask db upgrade" not in result.output  # the backup is of this code's newest migration

    assert row_counts() == before
    assert folder_digests(upload_folder) == files
    assert set(inspect(db.engine).get_table_names()) == {t.name for t in db.metadata.sorted_tables} | {
        "alembic_version"
    }
    assert staff.get(receipt_url).data == receipt_pdf  # byte for byte, the signed-in sessions restored with the rest
    with resident.get(photo_url) as served:
        assert served.status_code == 200 and served.data == photo_bytes and served.mimetype == "image/png"
    assert db.session.get(Bill, paid_bill_id).outstanding_fen == 0
    assert db.session.scalars(select(Receipt)).one().number == receipt_number
    assert db.session.scalars(select(Ticket)).one().description == "厨房水龙头一直滴水"
    # The restored sequences go on from the restored rows: the app writes again.
    builders.create_bill(builders.create_unit(number="1202"), total_fen=100)
    print(f"\nbackup drill ({db.engine.dialect.name}): create {created:.2f} s, restore {restored:.2f} s")


def test_a_corrupted_archive_is_refused_and_nothing_changes(prop, runner, backups, upload_folder):
    (upload_folder / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    path = backup_of(runner)
    builders.create_unit(number="0101")  # a change after the backup, which a refused restore must keep
    units = db.session.scalar(select(func.count()).select_from(text("units")))
    with tarfile.open(path) as tar:
        offset = tar.getmember(archive.read_manifest(path)["database"]["member"]).offset_data
    with open(path, "r+b") as damaged:
        damaged.seek(offset + 100)
        byte = damaged.read(1)
        damaged.seek(offset + 100)
        damaged.write(bytes([byte[0] ^ 0xFF]))

    result = restore(runner, path, "--yes")
    assert result.exit_code != 0 and "does not match its checksum" in result.output
    assert "nothing was restored" in result.output
    assert db.session.scalar(select(func.count()).select_from(text("units"))) == units
    assert (upload_folder / "photo.jpg").exists()

    truncated = backups / "truncated.tar"
    truncated.write_bytes(Path(path).read_bytes()[: offset + 200])
    result = restore(runner, truncated, "--yes")
    assert result.exit_code != 0 and "it is damaged or truncated" in result.output, result.output
    not_a_tar = backups / "notes.tar"
    not_a_tar.write_text("not a backup")
    result = restore(runner, not_a_tar, "--yes")
    assert result.exit_code != 0 and "is not a readable backup archive" in result.output, result.output
    assert db.session.scalar(select(func.count()).select_from(text("units"))) == units


def forged_archive(folder, manifest_database, extra_member=None):
    """An archive written as create_backup writes one, with the manifest's database part given."""
    dump = folder / "dump"
    dump.write_bytes(b"not really a dump")
    path = folder / "backup-20261117T020000Z.tar"
    with open(path, "wb") as out:
        writer = archive.ArchiveWriter(out)
        writer.add_file(manifest_database["member"], str(dump))
        manifest = {"created_at": "2026-11-17T02:00:00Z", "database": manifest_database, "file_store": "directory"}
        writer.finish(manifest, 0)
    if extra_member:
        with tarfile.open(path, "a") as tar:
            info = tarfile.TarInfo(extra_member)
            tar.addfile(info, io.BytesIO(b""))
    return path


def test_a_backup_of_another_database_kind_or_newer_code_is_refused(app, prop, runner, tmp_path, backups):
    here = db.engine.dialect.name
    other = {"sqlite": ("postgresql", "database.pgdump"), "postgresql": ("sqlite", "database.sqlite3")}[here]
    path = forged_archive(tmp_path, {"kind": other[0], "member": other[1], "alembic_revision": head_revision(app)})
    result = restore(runner, path, "--yes")
    assert result.exit_code != 0
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    assert f"This backup holds a {names[other[0]]} database; this installation uses {names[here]}" in result.output

    member = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[here]
    path = forged_archive(tmp_path, {"kind": here, "member": member, "alembic_revision": "0099_future"})
    result = restore(runner, path, "--yes")
    assert result.exit_code != 0 and "0099_future, which this code does not know" in result.output

    path = forged_archive(
        tmp_path, {"kind": here, "member": member, "alembic_revision": head_revision(app)}, "files/../../etc"
    )
    result = restore(runner, path, "--yes")
    assert result.exit_code != 0 and "which its manifest does not list" in result.output
    assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == head_revision(app)


def test_restore_asks_first_and_a_no_changes_nothing(prop, runner, backups, upload_folder):
    path = backup_of(runner)
    builders.create_unit(number="0101")
    result = restore(runner, path, input="n\n")
    assert "Replace the database" in result.output and "with this backup? [y/N]" in result.output
    assert result.exit_code != 0 and "Aborted" in result.output
    assert db.session.scalar(select(func.count()).select_from(text("units"))) == 1


def test_retention_keeps_the_newest_backup_keep_and_nothing_else_in_the_folder(
    app, prop, runner, backups, clock, monkeypatch
):
    monkeypatch.setitem(app.config, "BACKUP_KEEP", 3)
    backups.mkdir(exist_ok=True)
    (backups / "notes.txt").write_text("not a backup")
    names = []
    for _ in range(5):
        result = runner.invoke(args=["backup", "create"])
        assert result.exit_code == 0, result.output
        names.append(archive.archive_name(clock()))
        clock.advance(hours=1)
    assert "Removed 1 older backups (BACKUP_KEEP=3)" in result.output
    assert sorted(n for n in os.listdir(backups) if not n.startswith(".")) == sorted([*names[2:], "notes.txt"])
    listing = runner.invoke(args=["backup", "list"]).output
    assert listing.startswith(f"3 backups in {backups}") and listing.index(names[4]) < listing.index(names[2])
    assert names[0] not in listing


def test_a_missing_postgresql_client_is_named_with_where_it_was_looked_for(app, tmp_path, monkeypatch):
    from domain.backup import BackupError, databases

    monkeypatch.setitem(app.config, "PG_BIN", str(tmp_path))
    with pytest.raises(BackupError, match=f"pg_dump was not found in PG_BIN \\({tmp_path}\\): install the PostgreSQL"):
        databases._pg_program("pg_dump")


def test_with_the_files_in_the_database_the_dump_is_the_whole_backup(
    app, prop, runner, backups, upload_folder, monkeypatch
):
    monkeypatch.setitem(app.config, "FILE_STORE", "database")
    (upload_folder / "stale.jpg").write_bytes(b"a file of the days before the database store")
    path = backup_of(runner)
    manifest = archive.read_manifest(path)
    assert manifest["file_store"] == "database" and manifest["file_count"] == 0
    assert list(manifest["members"]) == [manifest["database"]["member"]]
    result = restore(runner, path, "--yes")
    assert result.exit_code == 0 and "and the files in" not in result.output, result.output
    assert (upload_folder / "stale.jpg").exists()  # the folder is no part of such a backup

    monkeypatch.setitem(app.config, "FILE_STORE", "directory")
    result = restore(runner, path, "--yes")
    assert result.exit_code != 0 and "made with FILE_STORE=database; this installation uses FILE_STORE=directory" in (
        result.output
    )


def test_a_failed_backup_leaves_nothing_behind_and_removes_no_older_one(app, prop, runner, backups, clock, monkeypatch):
    from domain.backup import BackupError, databases

    kept = backup_of(runner)
    clock.advance(hours=1)
    monkeypatch.setitem(app.config, "BACKUP_KEEP", 1)

    def failing_dump(target):
        with open(target, "wb") as partial:
            partial.write(b"half a dump")
        raise BackupError("pg_dump failed: the server went away")

    monkeypatch.setattr(databases, "dump_database", failing_dump)
    result = runner.invoke(args=["backup", "create"])
    assert result.exit_code != 0 and "pg_dump failed: the server went away" in result.output
    assert os.listdir(backups) == [os.path.basename(kept)]
