"""What a customer gets back: a checkout's result and the tickets sold, as API shapes."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from relecloud.db import Database
from relecloud.errors import NotFound
from relecloud.models import Checkout, Concert, Customer, Ticket
from relecloud.schemas import CheckoutOut, TicketPage, TicketPublic


def ticket_public(ticket: Ticket, concert: Concert, email: str) -> TicketPublic:
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


def tickets_query() -> Select[Ticket, Concert, str]:
    return (
        select(Ticket, Concert, Customer.email)
        .join(Concert, Concert.id == Ticket.concert_id)
        .join(Customer, Customer.id == Ticket.customer_id)
    )


def checkout_result(session: Session, checkout: Checkout) -> CheckoutOut:
    rows = session.execute(
        tickets_query().where(Ticket.checkout_id == checkout.id).order_by(Ticket.id)
    ).all()
    return CheckoutOut(
        checkout_id=checkout.id,
        status="succeeded",
        confirmation=checkout.confirmation or "",
        total=checkout.total,
        tickets=[ticket_public(t, c, e) for t, c, e in rows],
    )


def my_tickets(db: Database, user_id: int, page: int, page_size: int) -> TicketPage:
    with db.read() as session:
        total = session.scalar(select(func.count()).where(Ticket.user_id == user_id)) or 0
        rows = session.execute(
            tickets_query()
            .where(Ticket.user_id == user_id)
            .order_by(Ticket.id.desc())
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
        items = [ticket_public(t, c, e) for t, c, e in rows]
    return TicketPage(total=int(total), page=page, page_size=page_size, items=items)


def ticket_for_image(db: Database, ticket_id: int, user_id: int, is_admin: bool) -> TicketPublic:
    with db.read() as session:
        row = session.execute(tickets_query().where(Ticket.id == ticket_id)).first()
        if row is None or (row[0].user_id != user_id and not is_admin):
            raise NotFound(f"ticket {ticket_id} not found")
        return ticket_public(row[0], row[1], row[2])
