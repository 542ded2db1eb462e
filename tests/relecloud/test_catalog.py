"""Concert list (cache-aside), details, search (with fallback), administrators' changes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import App, csrf

from relecloud.services import Services

NEW = {
    "title": "Cache Buster",
    "artist": "Invalidators",
    "genre": "Jazz",
    "location": "Loft",
    "price": 30,
    "start_time": "2020-01-01T00:00:00Z",
    "is_visible": True,
    "ticket_count": 3,
}
INJECTIONS = [
    "' OR 1=1 --",
    "'; DROP TABLE concerts; --",
    '" OR ""="',
    "%",
    "_",
    "\\",
    "1' UNION SELECT * FROM users --",
]


@pytest.fixture(params=["memory", "redis"])
def cached_app(request: pytest.FixtureRequest, make_services: Callable[..., Services]) -> App:
    if request.param == "memory":
        return App(make_services())
    services = make_services(redis_url=request.getfixturevalue("redis_url"))
    assert services.store.name == "redis"
    services.cache.invalidate()  # the redis server is shared by the session
    return App(services)


def test_upcoming_list_is_cached_and_invalidated_on_change(cached_app: App) -> None:
    client, cache = cached_app.anon, cached_app.services.cache
    first = client.get("/api/concerts/upcoming", params={"page_size": 50})
    assert first.headers["x-cache"] == "miss"
    second = client.get("/api/concerts/upcoming", params={"page_size": 50})
    assert second.headers["x-cache"] == "hit" and second.json() == first.json()
    assert cache.hits == 1 and cache.misses == 1
    total = first.json()["total"]
    # A new concert starting soon invalidates every cached page at once.
    body = {**NEW, "start_time": "2030-01-01T00:00:00Z"}
    created = client.post("/api/concerts", json=body, headers=cached_app.admin_api)
    assert created.status_code == 201, created.text
    third = client.get("/api/concerts/upcoming", params={"page_size": 50})
    assert third.headers["x-cache"] == "miss"
    assert third.json()["total"] == total + 1
    # Edit and delete invalidate too.
    concert_id = created.json()["id"]
    hidden = {**body, "is_visible": False}
    assert (
        client.put(
            f"/api/concerts/{concert_id}", json=hidden, headers=cached_app.admin_api
        ).status_code
        == 202
    )
    fourth = client.get("/api/concerts/upcoming", params={"page_size": 50})
    assert fourth.headers["x-cache"] == "miss" and fourth.json()["total"] == total
    client.get("/api/concerts/upcoming", params={"page_size": 50})
    assert (
        client.delete(f"/api/concerts/{concert_id}", headers=cached_app.admin_api).status_code
        == 204
    )
    assert (
        client.get("/api/concerts/upcoming", params={"page_size": 50}).headers["x-cache"] == "miss"
    )


def test_cache_can_be_switched_off(make_services: Callable[..., Services]) -> None:
    app = App(make_services(cache_enabled=False))
    for _ in range(2):
        assert app.anon.get("/api/concerts/upcoming").headers["x-cache"] == "miss"


def test_upcoming_list_is_sorted_paged_and_visible_only(shared_app: App) -> None:
    page1 = shared_app.anon.get("/api/concerts/upcoming", params={"page_size": 7}).json()
    page2 = shared_app.anon.get("/api/concerts/upcoming", params={"page": 2, "page_size": 7}).json()
    starts = [c["start_time"] for c in page1["items"] + page2["items"]]
    assert starts == sorted(starts)
    assert len(page1["items"]) == 7
    assert not {c["id"] for c in page1["items"]} & {c["id"] for c in page2["items"]}
    assert all(c["is_visible"] for c in page1["items"])
    html = shared_app.anon.get("/concerts")
    assert html.status_code == 200 and page1["items"][0]["title"] in html.text


@pytest.mark.parametrize("text", INJECTIONS)
def test_sql_injection_strings_are_ordinary_search_text(shared_app: App, text: str) -> None:
    response = shared_app.anon.get("/api/concerts/search", params={"q": text})
    assert response.status_code == 200
    assert response.json()["total"] == 0
    page = shared_app.anon.get("/concerts/search", params={"q": text})
    assert page.status_code == 200 and "No concerts." in page.text
    assert shared_app.anon.get("/api/concerts/upcoming").json()["total"] > 0  # tables intact


def test_search_matches_fields_filters_and_sorts(shared_app: App) -> None:
    search = shared_app.anon.get
    jazz = search("/api/concerts/search", params={"q": "jazz", "page_size": 50}).json()
    assert jazz["total"] > 0 and all(c["genre"] == "Jazz" for c in jazz["items"])
    venue = search("/api/concerts/search", params={"q": "budokan"}).json()
    assert venue["total"] > 0 and all("Budokan" in c["location"] for c in venue["items"])
    ranged = search(
        "/api/concerts/search",
        params={"min_price": 50, "max_price": 100, "sort": "price", "desc": True, "page_size": 50},
    ).json()
    prices = [c["price"] for c in ranged["items"]]
    assert prices == sorted(prices, reverse=True) and all(50 <= p <= 100 for p in prices)


def test_search_failure_falls_back_to_the_upcoming_list(shared_app: App) -> None:
    admin = shared_app.admin_api
    fault = {"kind": "error", "flow": "search-concerts", "count": 2}
    assert shared_app.anon.post("/api/admin/faults", json=fault, headers=admin).status_code == 201
    page = shared_app.anon.get("/concerts/search", params={"q": "jazz"})
    assert page.status_code == 200
    assert "Search is not available right now" in page.text
    api = shared_app.anon.get("/api/concerts/search", params={"q": "jazz"})
    assert api.status_code == 503
    assert shared_app.anon.get("/api/concerts/search", params={"q": "jazz"}).status_code == 200


def test_concert_rules_of_the_original(shared_app: App) -> None:
    admin, client = shared_app.admin_api, shared_app.anon
    no_tickets = {**NEW, "start_time": "2031-01-01T00:00:00Z", "ticket_count": 0}
    refused = client.post("/api/concerts", json=no_tickets, headers=admin)
    assert refused.status_code == 400
    assert "visible" in refused.json()["detail"]
    visible = client.post("/api/concerts", json={**no_tickets, "ticket_count": 2}, headers=admin)
    concert_id = visible.json()["id"]
    assert client.delete(f"/api/concerts/{concert_id}", headers=admin).status_code == 400
    resize = {**no_tickets, "ticket_count": 5}
    assert client.put(f"/api/concerts/{concert_id}", json=resize, headers=admin).status_code == 400
    # Sell one, hide it: a concert with sold tickets cannot be deleted.
    sold = client.post(
        "/api/checkout",
        headers={**shared_app.employee_api, "Idempotency-Key": "rules"},
        json={
            "customer": {"name": "A", "email": "a@example.com", "phone": "1"},
            "payment": {
                "name_on_card": "A",
                "card_number": "4111111111111111",
                "security_code": "123",
                "expiration": "1239",
            },
            "items": {str(concert_id): 1},
        },
    )
    assert sold.status_code == 201, sold.text
    hidden = {**no_tickets, "ticket_count": 2, "is_visible": False}
    assert client.put(f"/api/concerts/{concert_id}", json=hidden, headers=admin).status_code == 202
    refused_delete = client.delete(f"/api/concerts/{concert_id}", headers=admin)
    assert refused_delete.status_code == 400 and "sold" in refused_delete.json()["detail"]
    # Hidden concerts are invisible to everyone but administrators.
    assert client.get(f"/api/concerts/{concert_id}").status_code == 404
    assert shared_app.employee.get(f"/concerts/{concert_id}").status_code == 404
    assert shared_app.admin.get(f"/concerts/{concert_id}").status_code == 200


def test_admin_creates_and_edits_concerts_with_forms(shared_app: App) -> None:
    client = shared_app.admin
    token = csrf(client)
    form = {
        "title": "Form Night",
        "artist": "HTML Band",
        "genre": "Pop",
        "location": "Web",
        "description": "",
        "price": "25",
        "start_time": "2031-02-03T20:00",
        "ticket_count": "4",
        "is_visible": "true",
        "csrf_token": token,
    }
    created = client.post("/concerts", data=form, follow_redirects=False)
    assert created.status_code == 303
    path = created.headers["location"]
    assert "Form Night" in client.get(path).text
    bad = client.post(path + "/edit", data={**form, "price": "-3"}, follow_redirects=False)
    assert bad.status_code == 400 and "price" in bad.text
    renamed = client.post(
        path + "/edit", data={**form, "title": "Renamed Night"}, follow_redirects=False
    )
    assert renamed.status_code == 303
    assert "Renamed Night" in client.get(path).text


def test_a_start_time_utc_cannot_hold_is_refused_not_a_server_error(shared_app: App) -> None:
    """Found by the schemathesis run: year 1 at +00:01 is year 0 in UTC."""
    body = {**NEW, "start_time": "0001-01-01T00:00:00+00:01"}
    answer = shared_app.anon.post("/api/concerts", json=body, headers=shared_app.admin_api)
    assert answer.status_code == 422
    assert "out of range" in answer.text and "start_time" in answer.text
