"""Database tables (SQLAlchemy 2 declarative), after the original's ConcertContext."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

ADMINISTRATOR = "Administrator"
EMPLOYEE = "Employee"
ROLES = (ADMINISTRATOR, EMPLOYEE)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32), default=EMPLOYEE)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Concert(Base):
    __tablename__ = "concerts"
    __table_args__ = (Index("ix_concerts_visible_start", "is_visible", "start_time"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    is_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    artist: Mapped[str] = mapped_column(String(128))
    genre: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(256))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[float] = mapped_column(Numeric(10, 2, asdecimal=False))
    start_time: Mapped[datetime] = mapped_column(UTCDateTime())
    ticket_count: Mapped[int] = mapped_column(Integer, default=0)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_on: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))


class TicketNumber(Base):
    """The finite pool: one row per seat; sold when ``ticket_id`` is set."""

    __tablename__ = "ticket_numbers"
    __table_args__ = (
        UniqueConstraint("concert_id", "number", name="uq_ticket_numbers_concert_number"),
        Index("ix_ticket_numbers_free", "concert_id", "ticket_id", "hold_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    concert_id: Mapped[int] = mapped_column(ForeignKey("concerts.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), unique=True)
    hold_id: Mapped[str | None] = mapped_column(String(36), index=True)
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(75))
    email: Mapped[str] = mapped_column(String(75), unique=True)
    phone: Mapped[str] = mapped_column(String(16))


class Checkout(Base):
    """One purchase attempt, keyed by the client's idempotency key."""

    __tablename__ = "checkouts"
    __table_args__ = (UniqueConstraint("user_id", "idempotency_key", name="uq_checkout_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    idempotency_key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    confirmation: Mapped[str | None] = mapped_column(String(64))
    total: Mapped[float] = mapped_column(Numeric(12, 2, asdecimal=False), default=0)
    created_on: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The saga's memory (migration 0002): what recovery needs without the request body.
    hold_code: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(Integer)
    seats: Mapped[int | None] = mapped_column(Integer)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    concert_id: Mapped[int] = mapped_column(ForeignKey("concerts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    checkout_id: Mapped[str] = mapped_column(ForeignKey("checkouts.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    price: Mapped[float] = mapped_column(Numeric(10, 2, asdecimal=False))
    created_on: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
