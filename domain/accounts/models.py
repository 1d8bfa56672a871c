"""Sign-in accounts for staff and residents."""

import enum
from dataclasses import dataclass
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.accounts.roles import Role
from domain.clock import utcnow
from domain.types import UTCDateTime
from extensions import db


class AccountKind(str, enum.Enum):
    """Whether an account signs in to the staff console or the resident portal."""

    STAFF = "staff"
    RESIDENT = "resident"


class KindMixin:
    """is_staff / is_resident for anything with a `kind`."""

    @property
    def is_staff(self):
        """Whether this account belongs to the staff console."""
        return self.kind == AccountKind.STAFF

    @property
    def is_resident(self):
        """Whether this account belongs to the resident portal."""
        return self.kind == AccountKind.RESIDENT


class User(KindMixin, UserMixin, db.Model):
    """A person who signs in. Residents' personal details live on their Resident record."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("kind = 'resident' OR role IS NOT NULL", name="staff_has_role"),
        CheckConstraint("kind = 'staff' OR role IS NULL", name="resident_has_no_role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-case; residents may also sign in with the phone number on their Resident record.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    #: Staff only; a resident's contact details live on their Resident record.
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    kind: Mapped[AccountKind] = mapped_column(
        Enum(AccountKind, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    role: Mapped[Role | None] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    #: "zh_CN" or "en"; None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Changes on every password change, so that old sessions stop working.
    session_version: Mapped[int] = mapped_column(default=1)

    def get_id(self):
        """Flask-Login's session key: the id and the session version together."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self):
        return f"<User {self.username} {self.kind.value}>"


@dataclass(frozen=True)
class SignedInUser(KindMixin):
    """Who is signed in, as loaded for each request: a light value, not the ORM row.

    Loading a few columns costs a fifth of loading the entity, on every request. Code that
    changes the account fetches the User explicitly (domain.accounts.services.get_user).
    """

    id: int
    username: str
    display_name: str
    kind: AccountKind
    role: Role | None
    locale: str | None
    session_version: int
    is_active: bool = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self):
        """Flask-Login's session key: the id and the session version together."""
        return f"{self.id}:{self.session_version}"


@dataclass(frozen=True)
class Actor:
    """Who is acting, for permission checks and the audit log; built by web/ or the CLI."""

    user_id: int | None
    name: str
    role: Role | None
    source: str
    kind: AccountKind | None = None

    @classmethod
    def for_user(cls, user, source):
        """The actor for a signed-in user acting from `source` (a client address)."""
        return cls(user.id, user.display_name, user.role, source, user.kind)

    @classmethod
    def system(cls, source="cli"):
        """The actor for commands and scheduled jobs."""
        return cls(None, "system", None, source, None)
