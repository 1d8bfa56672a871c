"""Sign-in accounts for staff and residents."""

import enum
from dataclasses import dataclass
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.accounts.roles import CompanyRole, Role
from domain.clock import utcnow
from domain.current_property import current_property_id
from domain.types import PropertyOwned, UTCDateTime
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
    __table_args__ = (CheckConstraint("kind = 'staff' OR company_role IS NULL", name="resident_has_no_company_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-case; residents may also sign in with their login_phone.
    username: Mapped[str] = mapped_column(String(64), unique=True)
    #: Residents: the mobile number they sign in with, their register phone while no other account signs in with
    #: it (unique; None when shared, so a number never identifies two people). Staff: always None.
    login_phone: Mapped[str | None] = mapped_column(String(20), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    #: Staff only; a resident's contact details live on their Resident record.
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(255))
    kind: Mapped[AccountKind] = mapped_column(
        Enum(AccountKind, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    #: Staff of the company's head office: a role above the properties (their roles in properties are StaffRoles).
    company_role: Mapped[CompanyRole | None] = mapped_column(
        Enum(CompanyRole, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    #: "zh_CN" or "en"; None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    roles: Mapped[list["StaffRole"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    def __repr__(self):
        return f"<User {self.username} {self.kind.value}>"


class StaffRole(PropertyOwned, db.Model):
    """A staff member's role (岗位) in one property: a technician may serve two neighbouring properties, an area
    manager is the manager of several. Which property a request works for is chosen in the console."""

    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("property_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("properties.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )

    user: Mapped[User] = relationship(back_populates="roles")


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
    #: The staff member's role in the property this sign-in works for; None for residents, for company staff
    #: without a role there, and before a property is chosen.
    role: Role | None
    locale: str | None
    #: The SignIn this request belongs to, and its token (what the session and remember cookies carry).
    sign_in_id: int
    token: str
    #: The property this sign-in works for (chosen with the switcher; the only one when there is one).
    property_id: int | None = None
    property_name: str | None = None
    company_role: CompanyRole | None = None
    is_active: bool = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self):
        """Flask-Login's session key: the sign-in's random token, never the user's id."""
        return self.token


class SignIn(db.Model):
    """One sign-in on one device: the server side of a session (and of its remember-me cookie).

    The cookies carry a random token; only its SHA-256 is stored. Signing out, "sign out everywhere", a password
    change or a disabled account revoke the row, so a cookie captured earlier is refused from then on.
    """

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: SHA-256 (hex) of the token in the cookies; looked up on every signed-in request.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Written at most once a minute (not on every request), so idle timeouts are exact to a minute.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The absolute end, however active the session is.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Inactivity allowed before the sign-in lapses (longer for a resident's "keep me signed in").
    idle_seconds: Mapped[int]
    #: The property this sign-in works for: the switcher's choice, kept on the server like the sign-in itself
    #: (None until chosen, for someone with more than one).
    property_id: Mapped[int | None] = mapped_column(ForeignKey("properties.id"))
    #: Whether the browser also got a remember-me cookie.
    remember: Mapped[bool] = mapped_column(default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Shown in the list of signed-in devices.
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(64), default="")


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
        role = getattr(user, "role", None)
        if role is None and isinstance(user, User):
            role = _role_here(user)
        return cls(user.id, user.display_name, role, source, user.kind)

    @classmethod
    def system(cls, source="cli"):
        """The actor for commands and scheduled jobs."""
        return cls(None, "system", None, source, None)

    @property
    def is_system(self):
        """Whether this is the system (CLI, scheduled jobs, demo, kiosk): nobody signed in, so no role limits it."""
        return self.user_id is None and self.kind is None


def _role_here(user):
    """A User row's role in the property being worked for (a command's or job's, see working_for); with none set,
    the role of someone who holds one in a single property."""
    roles = getattr(user, "roles", None) or []
    here = current_property_id()
    if here is not None:
        return next((r.role for r in roles if r.property_id == here), None)
    return roles[0].role if len(roles) == 1 else None
