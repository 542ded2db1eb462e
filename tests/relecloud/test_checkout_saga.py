"""Issue 16 defect 2: after the capture, every path issues the tickets or reverses the payment.

A fault is injected at every step of a checkout (each database transaction and gateway
call; failing or crashing, before or after the real work), on SQLite and PostgreSQL.
Then the checkout is recovered, by a retry with the same Idempotency-Key or by the
sweeper, and the invariants are checked. On main the "fail after capture" cases left the
money captured with no ticket and the key answering 409 forever (`pending`).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from conftest import build
from fastapi.testclient import TestClient
from saga_faults import MODES, Crash, FaultPlan, FaultyDatabase, FaultyGateway, assert_invariants
from sqlalchemy import func, select

from relecloud import purchase, saga
from relecloud.app import create_app
from relecloud.errors import Conflict, InProgress, RelecloudError
from relecloud.models import Ticket, User
from relecloud.schemas import CheckoutIn
from relecloud.services import Services

REQUEST = {
    "customer": {"name": "Pat Doe", "email": "pat@example.com", "phone": "555-0100"},
    "payment": {
        "name_on_card": "Pat Doe",
        "card_number": "4111111111111111",
        "security_code": "123",
        "expiration": "1239",
    },
    "items": {"2": 2, "3": 1},
}
#: begin, preauthorize, record the hold, capture, issue the tickets
STEPS = 5


def _request(body: dict[str, object] | None = None) -> CheckoutIn:
    return CheckoutIn.model_validate(body or REQUEST)


def _alice(services: Services) -> int:
    with services.db.read() as session:
        return int(session.scalar(select(User.id).where(User.username == "alice")) or 0)


@pytest.fixture(params=["sqlite", "postgresql"])
def shop(request: pytest.FixtureRequest, make_services: Callable[..., Services]) -> Services:
    """A fresh shop of 4 concerts x 6 seats."""
    if request.param == "sqlite":
        return make_services(concerts=4, tickets=6)
    services = make_services(request.getfixturevalue("pg_database"), concerts=4, tickets=6)
    assert services.db.dialect == "postgresql"
    return services


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def big_shop(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Services]:
    """One shop per database for the whole fault matrix: every case leaves it settled."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('saga')}/relecloud.db"
    else:
        url = request.getfixturevalue("postgres_url")
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute('CREATE DATABASE "relecloud_saga"')
        url = url.rsplit("/", 1)[0] + "/relecloud_saga"
    services = build(url, concerts=4, tickets=200)
    assert services.db.dialect == request.param
    yield services
    services.db.dispose()


def _new_holds(services: Services, before: set[str]) -> list[str]:
    return [h.state for code, h in services.gateway.holds.items() if code not in before]


def _sold(services: Services) -> int:
    with services.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)


def _faulted_checkout(services: Services, plan: FaultPlan, key: str) -> str:
    db = FaultyDatabase(services.db, plan)
    gateway = FaultyGateway(services.payments, plan)
    try:
        purchase.checkout(
            db,  # type: ignore[arg-type]
            gateway,  # type: ignore[arg-type]
            user_id=_alice(services),
            key=key,
            request=_request(),
            lease_s=0,
        )
    except Crash:
        return "crashed"
    except RelecloudError as exc:
        return type(exc).__name__
    return "ok"


def test_the_happy_path_takes_the_five_steps(shop: Services) -> None:
    plan = FaultPlan(step=0, mode="fail-before")
    assert _faulted_checkout(shop, plan, "plain") == "ok"
    assert plan.log == [
        "db.write",
        "gateway.preauthorize",
        "db.write",
        "gateway.capture",
        "db.write",
    ]
    assert_invariants(shop)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("step", range(1, STEPS + 1))
def test_a_retry_with_the_same_key_recovers_every_fault(
    big_shop: Services, step: int, mode: str
) -> None:
    shop, key = big_shop, f"retry-{step}-{mode}"
    before, sold = set(shop.gateway.holds), _sold(shop)
    outcome = _faulted_checkout(shop, FaultPlan(step, mode), key)
    result = purchase.checkout(
        shop.db, shop.payments, user_id=_alice(shop), key=key, request=_request(), lease_s=0
    )
    assert len(result.tickets) == 3 and _sold(shop) == sold + 3, outcome
    assert_invariants(shop)
    assert _new_holds(shop, before).count("captured") == 1  # paid once


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("step", range(1, STEPS + 1))
def test_the_sweeper_settles_every_fault_nobody_retries(
    big_shop: Services, step: int, mode: str
) -> None:
    shop = big_shop
    before, sold = set(shop.gateway.holds), _sold(shop)
    outcome = _faulted_checkout(shop, FaultPlan(step, mode), f"sweep-{step}-{mode}")
    saga.sweep(shop.db, shop.payments, lease_s=0)
    assert_invariants(shop)
    # Paid and not reversed by the request itself: settled forward into the tickets.
    forward = step == STEPS or (step == 4 and mode == "crash-after")
    assert _sold(shop) == sold + (3 if forward else 0), outcome
    assert _new_holds(shop, before).count("captured") == (1 if forward else 0)


def test_a_retry_inside_the_lease_is_told_when_to_come_back(shop: Services) -> None:
    plan = FaultPlan(5, "crash-before")
    db, gateway = FaultyDatabase(shop.db, plan), FaultyGateway(shop.payments, plan)
    with pytest.raises(Crash):
        purchase.checkout(db, gateway, user_id=_alice(shop), key="k", request=_request(), lease_s=2)  # type: ignore[arg-type]
    with pytest.raises(InProgress) as raised:
        purchase.checkout(shop.db, shop.payments, user_id=_alice(shop), key="k", request=_request())
    assert 1 <= raised.value.retry_after_s <= 2
    time.sleep(2.05)
    # Once the lease is over, the paid-for checkout is finished, not charged again.
    result = purchase.checkout(
        shop.db, shop.payments, user_id=_alice(shop), key="k", request=_request(), lease_s=0
    )
    assert len(result.tickets) == 3
    assert_invariants(shop)


def test_seats_lost_while_the_gateway_retried_are_refunded(shop: Services) -> None:
    """The hold expires during capture and a rival buys the seats: refund, never 'pending'."""
    alice = _alice(shop)
    rival = copy.deepcopy(REQUEST)
    rival["items"] = {"2": 6}
    plan = FaultPlan(step=0, mode="fail-before")
    gateway = FaultyGateway(shop.payments, plan)
    real_capture = shop.payments.capture

    def capture_slowly(hold: str, amount: float) -> str:
        confirmation = real_capture(hold, amount)
        purchase.checkout(
            shop.db, shop.payments, user_id=alice, key="rival", request=_request(rival)
        )
        return confirmation

    gateway.capture = capture_slowly  # type: ignore[method-assign]
    with pytest.raises(Conflict, match="seats were sold"):
        purchase.checkout(
            shop.db,
            gateway,  # type: ignore[arg-type]
            user_id=alice,
            key="late",
            request=_request(),
            hold_ttl_s=0,
        )
    assert_invariants(shop)
    states = sorted(h.state for h in shop.gateway.holds.values())
    assert states == ["captured", "refunded"]


def test_the_served_app_sweeps_a_checkout_nobody_retries(
    make_services: Callable[..., Services],
) -> None:
    """`relecloud serve` runs the sweeper: a crash after capture ends in the tickets."""
    services = make_services(concerts=4, tickets=6, sweep_s=0.2, checkout_lease_s=0.1)
    plan = FaultPlan(5, "crash-before")
    db, gateway = FaultyDatabase(services.db, plan), FaultyGateway(services.payments, plan)
    with pytest.raises(Crash):
        purchase.checkout(
            db, gateway, user_id=_alice(services), key="k", request=_request(), lease_s=0.1
        )  # type: ignore[arg-type]
    assert _sold(services) == 0
    with TestClient(create_app(services.settings, services)):  # runs the lifespan
        deadline = time.monotonic() + 20
        while _sold(services) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert _sold(services) == 3
    assert_invariants(services)
