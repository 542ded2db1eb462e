"""Checkout on behalf of a customer: hold seats, pre-authorize, capture, issue tickets.

Race-free on SQLite and PostgreSQL: free seats are picked with
``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL locks them until commit and skips
rows other checkouts are taking; SQLite writers are serialized by ``BEGIN IMMEDIATE``),
then held with a conditional ``UPDATE ... WHERE id IN (...) AND <still free>``. The hold
must cover every requested seat, or the whole transaction rolls back.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from relecloud.catalog import _free_ticket_clause
from relecloud.db import Database
from relecloud.errors import Conflict, NotFound, PaymentError, ValidationFailed
from relecloud.models import Checkout, Concert, Customer, Ticket, TicketNumber
from relecloud.payment import ResilientGateway
from relecloud.schemas import CheckoutIn, CheckoutOut, TicketPage, TicketPublic

log = logging.getLogger(__name__)


def request_hash(request: CheckoutIn) -> str:
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def _ticket_public(ticket: Ticket, concert: Concert, email: str) -> TicketPublic:
    return TicketPublic(
        id=ticket.id,
        concert_id=concert.id,
        concert_title=concert.title,
        artist=concert.artist,
        location=concert.location,
        start_time=concert.start_time,
        number=ticket.number,
        price=ticket.price,
        customer_email=email,
        image_url=f"/tickets/{ticket.id}/image.png",
    )


def _tickets_query() -> Select[Ticket, Concert, str]:
    return (
        select(Ticket, Concert, Customer.email)
        .join(Concert, Concert.id == Ticket.concert_id)
        .join(Customer, Customer.id == Ticket.customer_id)
    )


def _result(session: Session, checkout: Checkout) -> CheckoutOut:
    rows = session.execute(
        _tickets_query().where(Ticket.checkout_id == checkout.id).order_by(Ticket.id)
    ).all()
    return CheckoutOut(
        checkout_id=checkout.id,
        status="succeeded",
        confirmation=checkout.confirmation or "",
        total=checkout.total,
        tickets=[_ticket_public(t, c, e) for t, c, e in rows],
    )


def _claim(session: Session, checkout_id: str, concert_id: int, count: int, ttl_s: int) -> int:
    """Hold ``count`` free seats for this checkout; returns how many were held."""
    now = datetime.now(UTC)
    # PostgreSQL: lock the picked rows (skipping rows other checkouts hold locked) until
    # commit. SQLite: the transaction already holds the database write lock.
    ids = session.scalars(
        select(TicketNumber.id)
        .where(TicketNumber.concert_id == concert_id, _free_ticket_clause(now))
        .order_by(TicketNumber.id)
        .limit(count)
        .with_for_update(skip_locked=True)
    ).all()
    if len(ids) < count:
        return len(ids)
    stmt = (
        update(TicketNumber)
        .where(TicketNumber.id.in_(ids), _free_ticket_clause(now))
        .values(hold_id=checkout_id, held_until=now + timedelta(seconds=ttl_s))
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def _begin(
    db: Database, user_id: int, key: str, digest: str, request: CheckoutIn, ttl_s: int
) -> CheckoutOut | tuple[str, float]:
    """Transaction 1: record the key and hold the seats. Returns a done result or (id, total)."""
    with db.write() as session:
        existing = session.scalar(
            select(Checkout).where(Checkout.user_id == user_id, Checkout.idempotency_key == key)
        )
        if existing is not None:
            if existing.request_hash != digest:
                raise ValidationFailed("Idempotency-Key was already used for a different request")
            if existing.status == "succeeded":
                return _result(session, existing)
            raise Conflict("a checkout with this Idempotency-Key is still in progress")
        checkout = Checkout(
            id=str(uuid.uuid4()),
            user_id=user_id,
            idempotency_key=key,
            request_hash=digest,
            status="pending",
            total=0,
        )
        session.add(checkout)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict("a checkout with this Idempotency-Key is still in progress") from None
        total = 0.0
        now = datetime.now(UTC)
        for concert_key, count in sorted(request.items.items(), key=lambda kv: int(kv[0])):
            concert = session.get(Concert, int(concert_key))
            if concert is None or not concert.is_visible:
                raise NotFound(f"ConcertNotFound: concert {concert_key} is not on sale")
            if concert.start_time <= now:
                raise ValidationFailed(f"concert {concert_key} has already started")
            total += concert.price * count
            claimed = _claim(session, checkout.id, concert.id, count, ttl_s)
            if claimed < count:
                raise Conflict(
                    f"NotEnoughTicketsRemaining: concert {concert.id} has fewer than {count} left"
                )
        checkout.total = round(total, 2)
        return checkout.id, checkout.total


def _release(db: Database, checkout_id: str) -> None:
    """Give the held seats back and forget the attempt (the key may be retried)."""
    with db.write() as session:
        session.execute(
            update(TicketNumber)
            .where(TicketNumber.hold_id == checkout_id, TicketNumber.ticket_id.is_(None))
            .values(hold_id=None, held_until=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            Checkout.__table__.delete().where(Checkout.id == checkout_id)  # type: ignore[attr-defined]
        )


def _upsert_customer(session: Session, request: CheckoutIn) -> int:
    email = request.customer.email.lower()
    values = {"name": request.customer.name, "email": email, "phone": request.customer.phone}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(Customer).values(**values).on_conflict_do_nothing())
    customer_id = session.scalar(select(Customer.id).where(Customer.email == email))
    if customer_id is None:
        raise ValidationFailed("could not record the customer")
    return customer_id


def _finish(db: Database, checkout_id: str, confirmation: str, request: CheckoutIn) -> CheckoutOut:
    """Transaction 2: turn the held seats into tickets."""
    with db.write() as session:
        checkout = session.get(Checkout, checkout_id)
        if checkout is None:
            raise Conflict("checkout vanished while it was being paid")
        customer_id = _upsert_customer(session, request)
        # Filter on hold_id alone (indexed): with "ticket_id IS NULL" in the WHERE,
        # SQLite walks the ticket_id index over every unsold seat instead.
        rows = session.execute(
            select(
                TicketNumber.id,
                TicketNumber.number,
                Concert.id,
                Concert.price,
                TicketNumber.ticket_id,
            )
            .join(Concert, Concert.id == TicketNumber.concert_id)
            .where(TicketNumber.hold_id == checkout_id)
            .order_by(TicketNumber.id)
        ).all()
        held = [row[:4] for row in rows if row[4] is None]
        if len(held) != sum(request.items.values()):
            raise Conflict("seat holds expired before the payment was captured")
        for number_id, number, concert_id, price in held:
            ticket = Ticket(
                concert_id=concert_id,
                user_id=checkout.user_id,
                customer_id=customer_id,
                checkout_id=checkout_id,
                number=number,
                price=price,
            )
            session.add(ticket)
            session.flush()
            session.execute(
                update(TicketNumber)
                .where(TicketNumber.id == number_id)
                .values(ticket_id=ticket.id)
                .execution_options(synchronize_session=False)
            )
        checkout.status = "succeeded"
        checkout.confirmation = confirmation
        session.flush()
        return _result(session, checkout)


def checkout(
    db: Database,
    gateway: ResilientGateway,
    *,
    user_id: int,
    key: str,
    request: CheckoutIn,
    hold_ttl_s: int = 600,
) -> CheckoutOut:
    """Buy ``request.items`` for a customer; retried calls with the same key buy once."""
    if not key or len(key) > 128:
        raise ValidationFailed("an Idempotency-Key of 1 to 128 characters is required")
    begun = _begin(db, user_id, key, request_hash(request), request, hold_ttl_s)
    if isinstance(begun, CheckoutOut):
        return begun
    checkout_id, total = begun
    try:
        hold = gateway.preauthorize(total, request.payment.card_number)
    except PaymentError:
        _release(db, checkout_id)
        raise
    try:
        confirmation = gateway.capture(hold, total)
    except PaymentError:
        log.warning("capture failed; releasing held seats", extra={"checkout_id": checkout_id})
        _release(db, checkout_id)
        try:
            gateway.void(hold)
        except PaymentError:
            log.warning("could not void the hold", extra={"checkout_id": checkout_id})
        raise
    return _finish(db, checkout_id, confirmation, request)


def my_tickets(db: Database, user_id: int, page: int, page_size: int) -> TicketPage:
    with db.read() as session:
        total = session.scalar(select(func.count()).where(Ticket.user_id == user_id)) or 0
        rows = session.execute(
            _tickets_query()
            .where(Ticket.user_id == user_id)
            .order_by(Ticket.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
        items = [_ticket_public(t, c, e) for t, c, e in rows]
    return TicketPage(total=int(total), page=page, page_size=page_size, items=items)


def ticket_for_image(db: Database, ticket_id: int, user_id: int, is_admin: bool) -> TicketPublic:
    with db.read() as session:
        row = session.execute(_tickets_query().where(Ticket.id == ticket_id)).first()
        if row is None or (row[0].user_id != user_id and not is_admin):
            raise NotFound(f"ticket {ticket_id} not found")
        return _ticket_public(row[0], row[1], row[2])
