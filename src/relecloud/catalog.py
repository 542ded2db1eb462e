"""Concerts: upcoming list, details, search, and the administrators' changes."""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Select, and_, delete, func, insert, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from relecloud.cache import UpcomingCache
from relecloud.db import Database
from relecloud.errors import DatabaseUnavailable, NotFound, SearchUnavailable, ValidationFailed
from relecloud.models import Concert, TicketNumber
from relecloud.schemas import ConcertIn, ConcertPublic

_ALPHABET = string.ascii_uppercase + string.digits


def new_ticket_numbers(count: int, taken: set[str] | None = None) -> list[str]:
    """``count`` distinct random ticket numbers (not in ``taken``)."""
    seen = set(taken or ())
    out: list[str] = []
    while len(out) < count:
        number = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        if number not in seen:
            seen.add(number)
            out.append(number)
    return out


def _public(concert: Concert, remaining: int | None = None) -> ConcertPublic:
    return ConcertPublic(
        id=concert.id,
        title=concert.title,
        artist=concert.artist,
        genre=concert.genre,
        location=concert.location,
        description=concert.description,
        price=concert.price,
        start_time=concert.start_time,
        is_visible=concert.is_visible,
        ticket_count=concert.ticket_count,
        tickets_remaining=remaining,
    )


def _free_ticket_clause(now: datetime) -> Any:
    return and_(
        TicketNumber.ticket_id.is_(None),
        or_(TicketNumber.hold_id.is_(None), TicketNumber.held_until < now),
    )


def tickets_remaining(session: Session, concert_id: int) -> int:
    now = datetime.now(UTC)
    query = select(func.count()).where(
        TicketNumber.concert_id == concert_id, _free_ticket_clause(now)
    )
    return int(session.scalar(query) or 0)


def _page_json(session: Session, query: Select[Any], page: int, page_size: int) -> dict[str, Any]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.offset((page - 1) * page_size).limit(page_size)).all()
    return {
        "total": int(total),
        "page": page,
        "page_size": page_size,
        "items": [_public(c).model_dump(mode="json") for c in rows],
    }


def load_upcoming(db: Database, page: int, page_size: int) -> bytes:
    """The uncached query: visible concerts that have not started, soonest first."""
    now = datetime.now(UTC)
    query = (
        select(Concert)
        .where(Concert.is_visible.is_(True), Concert.start_time > now)
        .order_by(Concert.start_time, Concert.id)
    )
    with db.read() as session:
        return json.dumps(_page_json(session, query, page, page_size)).encode()


def upcoming(db: Database, cache: UpcomingCache, page: int, page_size: int) -> tuple[bytes, bool]:
    """The upcoming page as JSON bytes, through the cache; returns (body, cache hit?)."""
    return cache.get_or_load(page, page_size, lambda: load_upcoming(db, page, page_size))


def details(db: Database, concert_id: int, include_hidden: bool) -> ConcertPublic:
    with db.read() as session:
        concert = session.get(Concert, concert_id)
        if concert is None or (not concert.is_visible and not include_hidden):
            raise NotFound(f"concert {concert_id} not found")
        return _public(concert, tickets_remaining(session, concert_id))


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    min_price: float | None = None
    max_price: float | None = None
    sort: Literal["price", "date"] = "date"
    desc: bool = False
    page: int = 1
    page_size: int = 10


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(db: Database, query: SearchQuery) -> dict[str, Any]:
    """Text search over title, artist, genre and venue with price range, sort and paging.

    Raises SearchUnavailable on any database failure so callers can fall back.
    """
    stmt = select(Concert).where(Concert.is_visible.is_(True))
    if query.q.strip():
        pattern = f"%{_escape_like(query.q.strip())}%"
        stmt = stmt.where(
            or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (Concert.title, Concert.artist, Concert.genre, Concert.location)
                )
            )
        )
    if query.min_price is not None:
        stmt = stmt.where(Concert.price >= query.min_price)
    if query.max_price is not None:
        stmt = stmt.where(Concert.price <= query.max_price)
    column = Concert.price if query.sort == "price" else Concert.start_time
    stmt = stmt.order_by(column.desc() if query.desc else column.asc(), Concert.id)
    try:
        with db.read() as session:
            return _page_json(session, stmt, query.page, query.page_size)
    except (SQLAlchemyError, DatabaseUnavailable) as exc:
        raise SearchUnavailable(f"search failed: {exc}") from exc


def _check_visible_rule(data: ConcertIn) -> None:
    if data.is_visible and data.ticket_count <= 0:
        raise ValidationFailed(
            "Cannot make a concert visible if tickets are not available for sale",
            {"ticket_count": "must be positive for a visible concert"},
        )


def _apply(concert: Concert, data: ConcertIn, by: str) -> None:
    for name in ("title", "artist", "genre", "location", "description", "price", "start_time"):
        setattr(concert, name, getattr(data, name))
    concert.is_visible = data.is_visible
    concert.updated_by = by
    concert.updated_on = datetime.now(UTC)


def create_concert(db: Database, cache: UpcomingCache, data: ConcertIn, by: str) -> ConcertPublic:
    _check_visible_rule(data)
    with db.write() as session:
        concert = Concert(created_by=by, ticket_count=data.ticket_count)
        _apply(concert, data, by)
        session.add(concert)
        session.flush()
        numbers = new_ticket_numbers(data.ticket_count)
        if numbers:
            session.execute(
                insert(TicketNumber), [{"concert_id": concert.id, "number": n} for n in numbers]
            )
        result = _public(concert, data.ticket_count)
    cache.invalidate()
    return result


def update_concert(
    db: Database, cache: UpcomingCache, concert_id: int, data: ConcertIn, by: str
) -> ConcertPublic:
    _check_visible_rule(data)
    with db.write() as session:
        concert = session.get(Concert, concert_id)
        if concert is None:
            raise NotFound(f"concert {concert_id} not found")
        if data.ticket_count != concert.ticket_count:
            _resize_pool(session, concert, data)
        _apply(concert, data, by)
        result = _public(concert, tickets_remaining(session, concert_id))
    cache.invalidate()
    return result


def _resize_pool(session: Session, concert: Concert, data: ConcertIn) -> None:
    if concert.is_visible:
        raise ValidationFailed(
            "Cannot change count of available tickets while concert is visible",
            {"ticket_count": "hide the concert first"},
        )
    rows = session.execute(
        select(TicketNumber.id, TicketNumber.number, TicketNumber.ticket_id, TicketNumber.hold_id)
        .where(TicketNumber.concert_id == concert.id)
        .order_by(TicketNumber.id)
    ).all()
    if data.ticket_count > len(rows):
        taken = {r.number for r in rows}
        numbers = new_ticket_numbers(data.ticket_count - len(rows), taken)
        session.execute(
            insert(TicketNumber), [{"concert_id": concert.id, "number": n} for n in numbers]
        )
    else:
        free = [r.id for r in rows if r.ticket_id is None and r.hold_id is None]
        drop = len(rows) - data.ticket_count
        if drop > len(free):
            raise ValidationFailed(
                f"Cannot reduce tickets below the {len(rows) - len(free)} already sold or held",
                {"ticket_count": "too small"},
            )
        session.execute(delete(TicketNumber).where(TicketNumber.id.in_(free[-drop:])))
    concert.ticket_count = data.ticket_count


def delete_concert(db: Database, cache: UpcomingCache, concert_id: int) -> None:
    with db.write() as session:
        concert = session.get(Concert, concert_id)
        if concert is None:
            raise NotFound(f"concert {concert_id} not found")
        if concert.is_visible:
            raise ValidationFailed("Visible concerts cannot be deleted")
        sold = session.scalar(
            select(func.count()).where(
                TicketNumber.concert_id == concert_id,
                or_(TicketNumber.ticket_id.is_not(None), TicketNumber.hold_id.is_not(None)),
            )
        )
        if sold:
            raise ValidationFailed("Cannot delete a concert that has sold tickets")
        session.execute(delete(TicketNumber).where(TicketNumber.concert_id == concert_id))
        session.delete(concert)
    cache.invalidate()
