"""Demo data in the original's style: 1,000 concerts, an administrator, two employees."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from relecloud.catalog import new_ticket_numbers
from relecloud.db import Database
from relecloud.models import ADMINISTRATOR, EMPLOYEE, Concert, TicketNumber, User
from relecloud.security import hash_password

log = logging.getLogger(__name__)

ARTISTS = [
    ("Contoso Symphony", "Classical"),
    ("Fabrikam Dance Crew", "Electronic"),
    ("Northwind Strings", "Classical"),
    ("Tailspin Toys Band", "Pop"),
    ("Woodgrove Quartet", "Jazz"),
    ("Adventure Works Orchestra", "Classical"),
    ("Alpine Ski House DJs", "Electronic"),
    ("Blue Yonder Blues", "Blues"),
    ("Coho Winery Choir", "Choral"),
    ("Fourth Coffee Trio", "Jazz"),
    ("Litware Rockers", "Rock"),
    ("Lucerne Folk", "Folk"),
    ("Margie's Travellers", "Country"),
    ("Proseware Punks", "Punk"),
    ("Trey Research Ensemble", "Ambient"),
    ("Wide World Importers", "World"),
]
VENUES = [
    "The Forum, Seattle",
    "Paramount Theatre, Seattle",
    "Hollywood Bowl, Los Angeles",
    "Red Rocks Amphitheatre, Morrison",
    "Royal Albert Hall, London",
    "Sydney Opera House, Sydney",
    "Madison Square Garden, New York",
    "Budokan, Tokyo",
]


def seed(
    db: Database,
    *,
    concerts: int = 1000,
    tickets_per_concert: int = 100,
    admin_password: str,
    employee_password: str,
    rng: random.Random | None = None,
) -> dict[str, int]:
    """Create the demo data unless it already exists. Returns what was created."""
    rng = rng or random.Random(20240131)
    created = {"users": 0, "concerts": 0}
    with db.write() as session:
        existing = set(session.scalars(select(User.username)))
        accounts = [
            ("admin", "Relecloud Administrator", ADMINISTRATOR, admin_password),
            ("alice", "Alice (call center)", EMPLOYEE, employee_password),
            ("bob", "Bob (call center)", EMPLOYEE, employee_password),
        ]
        for username, display, role, password in accounts:
            if username not in existing:
                session.add(
                    User(
                        username=username,
                        display_name=display,
                        role=role,
                        password_hash=hash_password(password),
                    )
                )
                created["users"] += 1
        have = session.scalar(select(func.count()).select_from(Concert)) or 0
        if have:
            return created
        today = datetime.now(UTC).replace(hour=20, minute=0, second=0, microsecond=0)
        now = datetime.now(UTC)
        for i in range(concerts):
            artist, genre = ARTISTS[i % len(ARTISTS)]
            venue = VENUES[i % len(VENUES)]
            concert = Concert(
                is_visible=True,
                artist=artist,
                genre=genre,
                location=venue,
                title=f"{artist} live at {venue.split(',')[0]}",
                description=f"An evening of {genre.lower()} with {artist}.",
                price=5 * rng.randint(4, 39),
                start_time=today + timedelta(days=rng.randint(2, 364)),
                ticket_count=tickets_per_concert,
                created_on=now,
                created_by="System",
                updated_on=now,
                updated_by="System",
            )
            session.add(concert)
            session.flush()
            numbers = new_ticket_numbers(tickets_per_concert)
            if numbers:
                session.execute(
                    insert(TicketNumber),
                    [{"concert_id": concert.id, "number": n} for n in numbers],
                )
            created["concerts"] += 1
    log.info("seeded", extra=created)
    return created
