"""Generated traffic of a small shop whose flows are known, for discover and drift.

Four flows, each with a different shape of entry point:
- catalog (user): GET /products, GET /products/{id} and GET /api/products on shop-web;
  each call hops to the inventory service (a server span under a client span), which
  reads PostgreSQL;
- orders (user): POST /orders and GET /orders/{id} on shop-web, calling the payments
  service (a client span with peer.service and no traced callee), PostgreSQL, and
  publishing to Kafka;
- order-events (system): a Kafka consumer on fulfilment, `orders process`, with the
  INTERNAL steps validate -> reserve -> persist and a PostgreSQL write;
- nightly-report (system): a root INTERNAL span `nightly-report` on reports, daily at
  02:00 UTC, reading PostgreSQL.

Every number is a function of the seed, so two runs give the same spans.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from flowsight.telemetry import SpanRecord

START = datetime(2026, 11, 16, tzinfo=UTC)  # a Monday
MS = 1_000_000

SHOP_WORKLOAD = """
workload: {name: Shop}
parties:
  - {id: team, name: Shop team, contact: team@shop.example, on_call: true}
components:
  - {id: inventory, kind: api, sla: 99.5, service: inventory}
  - {id: payments, kind: external, sla: 99, spans: [{attribute: peer.service, values: [payments]}]}
  - {id: postgresql, kind: database, sla: 99.99, spans: [{attribute: db.system, values: [postgresql]}]}
  - {id: kafka, kind: queue, sla: 99.9, spans: [{attribute: messaging.system, values: [kafka]}]}
flows:
  - id: catalog
    name: Catalog
    kind: user
    description: Browse products.
    criticality: high
    owner: team
    escalation_path: [team]
    steps:
      - {id: list, name: List products, components: [inventory, postgresql], next: [detail]}
      - {id: detail, name: Product detail, components: [inventory, postgresql], end: true}
    dependencies:
      - {component: inventory}
      - {component: postgresql}
    telemetry:
      routes:
        - {service: shop-web, method: GET, route: /products, step: list}
        - {service: shop-web, method: GET, route: /api/products, step: list}
        - {service: shop-web, method: GET, route: "/products/{id}", step: detail}
    targets:
      reliability: {availability: 99}
      performance: {latency: [{percentile: 95, threshold: 300ms}]}
  - id: orders
    name: Orders
    kind: user
    description: Place and view orders.
    criticality: high
    owner: team
    escalation_path: [team]
    steps:
      - {id: place, name: Place an order, components: [payments, postgresql, kafka], next: [view]}
      - {id: view, name: View the order, components: [postgresql], end: true}
    dependencies:
      - {component: payments}
      - {component: postgresql}
      - {component: kafka}
    telemetry:
      routes:
        - {service: shop-web, method: POST, route: /orders, step: place}
        - {service: shop-web, method: GET, route: "/orders/{id}", step: view}
    targets:
      reliability: {availability: 99}
      performance: {latency: [{percentile: 95, threshold: 800ms}]}
  - id: order-events
    name: Order events
    kind: system
    description: Fulfil placed orders.
    criticality: medium
    owner: team
    escalation_path: [team]
    steps:
      - {id: validate, name: validate, next: [reserve]}
      - {id: reserve, name: reserve, next: [persist]}
      - {id: persist, name: persist, components: [postgresql], end: true}
    dependencies:
      - {component: kafka}
      - {component: postgresql}
    telemetry:
      routes:
        - {service: fulfilment, name: orders process}
    targets:
      reliability: {availability: 99}
  - id: nightly-report
    name: Nightly report
    kind: system
    description: Report the day.
    criticality: low
    owner: team
    escalation_path: [team]
    steps:
      - {id: run, name: Run the report, components: [postgresql], end: true}
    dependencies:
      - {component: postgresql}
    telemetry:
      routes:
        - {service: reports, name: nightly-report, step: run}
    targets:
      reliability: {availability: 90}
"""


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def trace(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def span(self) -> str:
        return f"{self.rng.getrandbits(64):016x}"


def _server(
    ids: _Ids,
    trace: str,
    service: str,
    method: str,
    route: str,
    path: str,
    start: int,
    ms: int,
    code: int,
    parent: str = "",
    user: str | None = None,
) -> SpanRecord:
    attributes = {
        "http.request.method": method,
        "http.route": route,
        "url.path": path,
        "http.response.status_code": str(code),
    }
    if user:
        attributes["enduser.id"] = user
    return SpanRecord(
        trace,
        ids.span(),
        service,
        f"{method} {route}",
        2,
        start,
        start + ms * MS,
        parent,
        2 if code >= 500 else 0,
        attributes,
    )


def _client(
    ids: _Ids,
    trace: str,
    parent: str,
    service: str,
    name: str,
    start: int,
    ms: int,
    attributes: dict[str, str],
    failed: bool = False,
    kind: int = 3,
) -> SpanRecord:
    return SpanRecord(
        trace,
        ids.span(),
        service,
        name,
        kind,
        start,
        start + ms * MS,
        parent,
        2 if failed else 0,
        attributes,
    )


DB = {"db.system": "postgresql", "db.operation.name": "SELECT"}


def catalog(ids: _Ids, start: int, user: str, recommend: bool = False) -> list[SpanRecord]:
    rng = ids.rng
    trace = ids.trace()
    which = rng.random()
    if which < 0.5:
        route, path = "/products", "/products"
    elif which < 0.7:
        route, path = "/api/products", "/api/products"
    else:
        item = rng.randint(1, 500)
        route, path = "/products/{id}", f"/products/{item}"
    failed = rng.random() < 0.004
    ms = rng.randint(20, 250)
    entry = _server(
        ids, trace, "shop-web", "GET", route, path, start, ms, 500 if failed else 200, user=user
    )
    call = _client(
        ids,
        trace,
        entry.span_id,
        "shop-web",
        "GET",
        start + MS,
        ms - 5,
        {"server.address": "inventory.internal"},
        failed,
    )
    hop = _server(
        ids,
        trace,
        "inventory",
        "GET",
        "/stock/{id}",
        "/stock/7",
        start + 2 * MS,
        ms - 10,
        500 if failed else 200,
        parent=call.span_id,
    )
    db = _client(ids, trace, hop.span_id, "inventory", "SELECT stock", start + 3 * MS, 4, DB)
    spans = [entry, call, hop, db]
    if recommend:
        spans.append(
            _client(
                ids,
                trace,
                entry.span_id,
                "shop-web",
                "GET /similar",
                start + 4 * MS,
                6,
                {"peer.service": "recommendations"},
            )
        )
    return spans


def orders(ids: _Ids, start: int, user: str, views: bool = True) -> list[SpanRecord]:
    """An order placed, then (unless views were removed) viewed by the same user."""
    rng = ids.rng
    trace = ids.trace()
    failed = rng.random() < 0.01
    ms = rng.randint(100, 700)
    entry = _server(
        ids,
        trace,
        "shop-web",
        "POST",
        "/orders",
        "/orders",
        start,
        ms,
        502 if failed else 201,
        user=user,
    )
    pay = _client(
        ids,
        trace,
        entry.span_id,
        "shop-web",
        "POST /charge",
        start + 5 * MS,
        ms // 2,
        {"peer.service": "payments"},
        failed,
    )
    db = _client(
        ids,
        trace,
        entry.span_id,
        "shop-web",
        "INSERT orders",
        start + 6 * MS,
        3,
        {**DB, "db.operation.name": "INSERT"},
    )
    publish = _client(
        ids,
        trace,
        entry.span_id,
        "shop-web",
        "orders publish",
        start + 7 * MS,
        2,
        {"messaging.system": "kafka"},
        kind=4,
    )
    spans = [entry, pay, db, publish]
    if not failed:
        spans += consumer(ids, trace, publish.span_id, start + 50 * MS)
    if views and not failed:
        view = ids.trace()
        at = start + (ms + 20) * MS
        read = _server(
            ids,
            view,
            "shop-web",
            "GET",
            "/orders/{id}",
            f"/orders/{rng.randint(1, 99)}",
            at,
            rng.randint(10, 120),
            200,
            user=user,
        )
        spans += [
            read,
            _client(ids, view, read.span_id, "shop-web", "SELECT orders", at + MS, 3, DB),
        ]
    return spans


def consumer(ids: _Ids, trace: str, parent: str, start: int) -> list[SpanRecord]:
    failed = ids.rng.random() < 0.002
    entry = SpanRecord(
        trace,
        ids.span(),
        "fulfilment",
        "orders process",
        5,
        start,
        start + 40 * MS,
        parent,
        2 if failed else 0,
        {"messaging.system": "kafka"},
    )
    steps = [
        SpanRecord(
            trace,
            ids.span(),
            "fulfilment",
            name,
            1,
            start + (i + 1) * MS,
            start + (i + 5) * MS,
            entry.span_id,
        )
        for i, name in enumerate(("validate", "reserve", "persist"))
    ]
    db = _client(
        ids,
        trace,
        steps[2].span_id,
        "fulfilment",
        "UPDATE stock",
        start + 4 * MS,
        2,
        {**DB, "db.operation.name": "UPDATE"},
    )
    return [entry, *steps, db]


def nightly(ids: _Ids, start: int) -> list[SpanRecord]:
    trace = ids.trace()
    entry = SpanRecord(
        trace, ids.span(), "reports", "nightly-report", 1, start, start + 90_000 * MS
    )
    db = _client(ids, trace, entry.span_id, "reports", "SELECT orders", start + MS, 80_000, DB)
    return [entry, db]


def shop_traffic(
    days: int = 3, seed: int = 7, recommend: bool = False, views: bool = True
) -> Iterator[SpanRecord]:
    """Business-hours user traffic (Mon-Fri 13:00-22:00 UTC), a job every night at 02:00.

    Planted drifts: `recommend` adds a call to a recommendations service on every catalog
    request; `views=False` removes the order view (GET /orders/{id}) from the system.
    """
    rng = random.Random(seed)
    ids = _Ids(rng)
    for day in range(days):
        midnight = START + timedelta(days=day)
        yield from nightly(ids, int((midnight + timedelta(hours=2)).timestamp() * 1e9))
        if midnight.weekday() >= 5:
            continue
        for minute in range(13 * 60, 22 * 60, 2):
            at = int((midnight + timedelta(minutes=minute)).timestamp() * 1e9)
            user = f"user-{rng.randint(1, 12)}"
            yield from catalog(ids, at, user, recommend)
            if minute % 6 == 0:
                yield from orders(ids, at + 30 * MS, user, views)
