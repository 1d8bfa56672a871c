"""Column types shared by the models."""

from datetime import UTC

from sqlalchemy import DateTime, Enum, ForeignKey
from sqlalchemy.orm import declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A datetime stored as naive UTC on every database and returned aware (UTC).

    SQLite has no time zones; storing naive UTC everywhere keeps both databases alike.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Store aware datetimes as naive UTC; refuse naive ones (their zone is unknown)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use domain.clock.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        """Return stored values as aware UTC datetimes."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def value_enum(cls, length=16):
    """A portable enum column stored as its value (no native PostgreSQL enum to migrate)."""
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class PropertyOwned:
    """Marks a model whose rows each belong to one property (`property_id`).

    While a request works for one property, every ORM statement that reads these models is limited to that
    property's rows in one place (domain.property.scope): a row of another property is simply not found.
    Each model declares its own `property_id`; this one only gives the fence's criterion something to be written
    against (SQLAlchemy reads it on the mixin before applying it to each model).
    """

    @declared_attr
    def property_id(cls):
        return mapped_column(ForeignKey("properties.id"))
