"""Purchase flow: checkout, idempotency, declines, capture failure, breaker, images."""

from __future__ import annotations

import copy
import io
import time
from typing import Any

from conftest import App, csrf
from PIL import Image
from sqlalchemy import func, select

from relecloud.models import Ticket, TicketNumber
from relecloud.payment import CAPTURE_FAIL_SUFFIX, DECLINE_SUFFIX

CHECKOUT: dict[str, Any] = {
    "customer": {"name": "Pat Doe", "email": "Pat@Example.com", "phone": "555-0100"},
    "payment": {
        "name_on_card": "Pat Doe",
        "card_number": "4111111111111111",
        "security_code": "123",
        "expiration": "1239",
    },
    "items": {"2": 2, "3": 1},
}


def _checkout(app: App, key: str, body: dict[str, Any] | None = None) -> Any:
    return app.anon.post(
        "/api/checkout", json=body or CHECKOUT, headers={**app.employee_api, "Idempotency-Key": key}
    )


def _free(app: App, concert_id: int) -> int:
    with app.services.db.read() as session:
        return int(
            session.scalar(
                select(func.count()).where(
                    TicketNumber.concert_id == concert_id,
                    TicketNumber.ticket_id.is_(None),
                    TicketNumber.hold_id.is_(None),
                )
            )
            or 0
        )


def _card(suffix: str) -> dict[str, Any]:
    body = copy.deepcopy(CHECKOUT)
    body["payment"]["card_number"] = "411111111111" + suffix
    return body


def test_checkout_sells_tickets_from_the_pool(fresh_app: App) -> None:
    before = _free(fresh_app, 2)
    response = _checkout(fresh_app, "order-1")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "succeeded" and body["confirmation"].startswith("C-")
    assert len(body["tickets"]) == 3
    assert {t["customer_email"] for t in body["tickets"]} == {"pat@example.com"}
    assert _free(fresh_app, 2) == before - 2
    numbers = [t["number"] for t in body["tickets"]]
    assert len(set(numbers)) == 3
    mine = fresh_app.anon.get("/api/tickets", headers=fresh_app.employee_api).json()
    assert mine["total"] == 3
    # The administrator sold none of them.
    assert fresh_app.anon.get("/api/tickets", headers=fresh_app.admin_api).json()["total"] == 0


def test_retried_checkout_with_the_same_key_buys_once(fresh_app: App) -> None:
    gateway = fresh_app.services.gateway
    first = _checkout(fresh_app, "retry-me")
    calls = gateway.calls
    second = _checkout(fresh_app, "retry-me")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert gateway.calls == calls  # not charged again
    with fresh_app.services.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 3
    captured = [h for h in gateway.holds.values() if h.state == "captured"]
    assert len(captured) == 1
    # The same key with a different request is an error, not a second purchase.
    other = copy.deepcopy(CHECKOUT)
    other["items"] = {"2": 1}
    assert _checkout(fresh_app, "retry-me", other).status_code == 400


def test_declined_card_releases_seats_and_charges_nothing(fresh_app: App) -> None:
    before = _free(fresh_app, 2)
    response = _checkout(fresh_app, "declined", _card(DECLINE_SUFFIX))
    assert response.status_code == 402
    assert "insufficient funds" in response.json()["detail"]
    assert _free(fresh_app, 2) == before


def test_failed_capture_releases_the_held_tickets(fresh_app: App) -> None:
    before = (_free(fresh_app, 2), _free(fresh_app, 3))
    response = _checkout(fresh_app, "capture-fails", _card(CAPTURE_FAIL_SUFFIX))
    assert response.status_code == 402
    assert (_free(fresh_app, 2), _free(fresh_app, 3)) == before
    holds = list(fresh_app.services.gateway.holds.values())
    assert [h.state for h in holds] == ["voided"]
    # Only successful checkouts are remembered: the key can be retried with another card.
    assert _checkout(fresh_app, "capture-fails").status_code == 201


def test_not_enough_tickets_is_a_conflict(fresh_app: App) -> None:
    body = copy.deepcopy(CHECKOUT)
    body["items"] = {"4": 11}  # the fixture pool has 10 per concert
    response = _checkout(fresh_app, "too-many", body)
    assert response.status_code == 409
    assert "NotEnoughTicketsRemaining" in response.json()["detail"]
    assert _free(fresh_app, 4) == 10


def test_invalid_card_details_are_rejected_like_the_original(fresh_app: App) -> None:
    for field, value in [
        ("card_number", "5111111111111111"),
        ("card_number", "41111"),
        ("security_code", "12"),
        ("expiration", "1320"),
        ("expiration", "0120"),
    ]:
        body = copy.deepcopy(CHECKOUT)
        body["payment"][field] = value
        assert _checkout(fresh_app, f"bad-{field}-{value}", body).status_code == 422, value
    missing = _checkout(fresh_app, "", CHECKOUT)
    assert missing.status_code == 422


def test_failing_gateway_trips_the_breaker_and_it_recovers(fresh_app: App) -> None:
    services = fresh_app.services
    breaker = services.payments.breaker
    admin = {**fresh_app.admin_api}
    outage = {"kind": "outage", "target": "payment-gateway", "duration_s": 60}
    assert fresh_app.anon.post("/api/admin/faults", json=outage, headers=admin).status_code == 201
    # 3 attempts per checkout: the breaker (5 consecutive failures) opens in the second one.
    first = _checkout(fresh_app, "b1")
    assert first.status_code == 503
    assert breaker.state == "closed"
    second = _checkout(fresh_app, "b2")
    assert second.status_code == 503
    assert breaker.state == "open"
    calls = services.gateway.calls
    third = _checkout(fresh_app, "b3")
    assert third.status_code == 503 and "circuit is open" in third.json()["detail"]
    assert services.gateway.calls == calls  # failing fast, gateway not called
    assert _free(fresh_app, 2) == 10  # nothing held
    assert fresh_app.anon.delete("/api/admin/faults", headers=admin).status_code == 204
    time.sleep(breaker.open_s + 0.05)
    assert breaker.state == "half-open"
    assert _checkout(fresh_app, "b4").status_code == 201
    assert breaker.state == "closed"


def test_cart_checkout_pages_and_ticket_image(fresh_app: App) -> None:
    client = fresh_app.employee
    token = csrf(client)
    add = client.post(
        "/cart/add",
        data={"concert_id": "5", "count": "2", "csrf_token": token},
        follow_redirects=False,
    )
    assert add.status_code == 303
    cart = client.get("/cart")
    assert "Checkout" in cart.text and "$" in cart.text
    form = client.get("/cart/checkout").text
    key = form.split('name="idempotency_key" value="', 1)[1].split('"', 1)[0]
    data = {
        "csrf_token": token,
        "idempotency_key": key,
        "name": "Sam",
        "email": "sam@example.com",
        "phone": "555",
        "name_on_card": "Sam",
        "card_number": "4111111111111111",
        "security_code": "321",
        "expiration": "1239",
    }
    bought = client.post("/cart/checkout", data=data, follow_redirects=False)
    assert bought.status_code == 303 and bought.headers["location"] == "/tickets"
    # A double-submitted form (same key) does not buy twice.
    client.post("/cart/add", data={"concert_id": "5", "count": "2", "csrf_token": token})
    again = client.post("/cart/checkout", data=data, follow_redirects=False)
    assert again.status_code == 303  # replays the first order's result
    tickets = client.get("/tickets")
    assert tickets.text.count(".png") == 2
    image_url = tickets.text.split('href="/tickets/', 1)[1].split('"', 1)[0]
    image = client.get("/tickets/" + image_url)
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(image.content)).size == (640, 200)
    # Bob cannot see Alice's ticket image; the administrator can.
    assert fresh_app.admin.get("/tickets/" + image_url).status_code == 200


def test_quantities_are_strict_integers(fresh_app: App) -> None:
    """Issue 16: on main `true` and `"2"` were coerced into quantities 1 and 2."""
    for quantity in (True, "2", 2.0, "two"):
        body = copy.deepcopy(CHECKOUT)
        body["items"] = {"2": quantity}
        response = _checkout(fresh_app, f"strict-{quantity!r}", body)
        assert response.status_code == 422, (quantity, response.text)
    assert _free(fresh_app, 2) == 10
