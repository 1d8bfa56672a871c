"""Migration 0008: existing resident accounts get their phone as sign-in number, unless another account shares it."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from extensions import db


def test_sign_in_numbers_are_given_only_where_the_number_is_unambiguous():
    downgrade(revision="0007_payments_refunds")
    try:
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO properties (id, name, address, service_phone, desk_hours) VALUES (1, 'p', '', '', '')"
                )
            )
            for user_id, phone in ((1, "13900000001"), (2, "13900000002"), (3, "13900000002"), (4, None)):
                conn.execute(
                    text(
                        "INSERT INTO users (id, username, display_name, password_hash, kind, is_active, created_at, "
                        "session_version) VALUES (:id, :name, :name, 'x', 'resident', true, '2026-01-01', 1)"
                    ),
                    {"id": user_id, "name": f"u{user_id}"},
                )
                conn.execute(
                    text(
                        "INSERT INTO residents (property_id, name, phone, id_number_masked, user_id, note, created_at) "
                        "VALUES (1, :name, :phone, '', :user_id, '', '2026-01-01')"
                    ),
                    {"name": f"r{user_id}", "phone": phone or "13900000009", "user_id": user_id},
                )
            # A household member without an account shares the first number: that is no ambiguity for sign-in.
            conn.execute(
                text(
                    "INSERT INTO residents (property_id, name, phone, id_number_masked, note, created_at) "
                    "VALUES (1, 'child', '13900000001', '', '', '2026-01-01')"
                )
            )
        upgrade(revision="0008_sign_in")
        with db.engine.connect() as conn:
            phones = dict(conn.execute(text("SELECT id, login_phone FROM users ORDER BY id")).all())
        assert phones == {1: "13900000001", 2: None, 3: None, 4: "13900000009"}
    finally:
        with db.engine.begin() as conn:
            for table in ("residents", "users", "properties"):
                conn.execute(text(f"DELETE FROM {table}"))
        upgrade()
