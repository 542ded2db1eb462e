"""Under concurrency a ticket is never sold twice and a concert is never oversold.

Runs against a real SQLite file and a real PostgreSQL server (started by conftest).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from relecloud import purchase
from relecloud.errors import Conflict
from relecloud.models import Ticket, TicketNumber, User
from relecloud.schemas import CheckoutIn
from relecloud.services import Services

BUYERS = 50


def _request(concert_id: int, count: int, customer: int) -> CheckoutIn:
    return CheckoutIn.model_validate(
        {
            "customer": {
                "name": f"Customer {customer}",
                "email": f"c{customer % 3}@example.com",
                "phone": "555-0100",
            },
            "payment": {
                "name_on_card": "X",
                "card_number": "4111111111111111",
                "security_code": "123",
                "expiration": "1239",
            },
            "items": {str(concert_id): count},
        }
    )


def _user_id(services: Services, username: str) -> int:
    with services.db.read() as session:
        return int(session.scalar(select(User.id).where(User.username == username)) or 0)


def _race(services: Services, calls: list[Callable[[], object]]) -> list[str]:
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], object]) -> str:
        barrier.wait()
        try:
            call()
        except Conflict:
            return "conflict"
        return "ok"

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _assert_last_ten_sold_once(services: Services) -> None:
    alice = _user_id(services, "alice")
    # 15 seats: sell 5 first, then 50 buyers race for the last 10.
    purchase.checkout(
        services.db, services.payments, user_id=alice, key="warm-up", request=_request(1, 5, 99)
    )
    calls: list[Callable[[], object]] = [
        (
            lambda i=i: purchase.checkout(
                services.db,
                services.payments,
                user_id=alice,
                key=f"buyer-{i}",
                request=_request(1, 1, i),
            )
        )
        for i in range(BUYERS)
    ]
    results = _race(services, calls)
    assert results.count("ok") == 10
    assert results.count("conflict") == BUYERS - 10
    with services.db.read() as session:
        sold = session.execute(select(Ticket.number).where(Ticket.concert_id == 1)).scalars().all()
        assert len(sold) == 15 and len(set(sold)) == 15
        linked = session.scalar(
            select(func.count(func.distinct(TicketNumber.ticket_id))).where(
                TicketNumber.concert_id == 1, TicketNumber.ticket_id.is_not(None)
            )
        )
        assert linked == 15
        free = session.scalar(
            select(func.count()).where(
                TicketNumber.concert_id == 1, TicketNumber.ticket_id.is_(None)
            )
        )
        assert free == 0
    captured = [h for h in services.gateway.holds.values() if h.state == "captured"]
    assert len(captured) == 11  # warm-up + 10 winners; losers were never charged


def _assert_same_key_buys_once(services: Services) -> None:
    bob = _user_id(services, "bob")
    request = _request(2, 2, 7)
    calls: list[Callable[[], object]] = [
        (
            lambda: purchase.checkout(
                services.db, services.payments, user_id=bob, key="same", request=request
            )
        )
        for _ in range(10)
    ]
    results = _race(services, calls)
    assert "ok" in results
    with services.db.read() as session:
        assert session.scalar(select(func.count()).where(Ticket.concert_id == 2)) == 2
    again = purchase.checkout(
        services.db, services.payments, user_id=bob, key="same", request=request
    )
    assert len(again.tickets) == 2


@pytest.fixture(params=["sqlite", "postgresql"])
def race_services(
    request: pytest.FixtureRequest, make_services: Callable[..., Services]
) -> Services:
    if request.param == "sqlite":
        return make_services(concerts=3, tickets=15)
    url = request.getfixturevalue("pg_database")
    services = make_services(url, concerts=3, tickets=15)
    assert services.db.dialect == "postgresql"
    return services


def test_fifty_buyers_race_for_the_last_ten_tickets(race_services: Services) -> None:
    _assert_last_ten_sold_once(race_services)


def test_concurrent_retries_with_one_key_buy_once(race_services: Services) -> None:
    _assert_same_key_buys_once(race_services)
