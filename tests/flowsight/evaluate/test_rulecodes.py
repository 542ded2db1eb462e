"""The one-CASE rule codes attribute every span exactly as the plain flow and step CASEs."""

from __future__ import annotations

import itertools

import duckdb

from flowsight.evaluate.base import AttributeRule, QueryPlan, RouteRule
from flowsight.evaluate.duckdb import DIALECT
from flowsight.evaluate.onepass import flow_numbers
from flowsight.evaluate.rulecodes import code_case, coded_step
from flowsight.evaluate.sql import attribute_names, flow_case, step_case

PLAN = QueryPlan(
    0,
    1,
    attribute_rules=[
        AttributeRule("a", "app.flow", "a", "app.step"),
        AttributeRule("b", "app.flow", "b", None),
        AttributeRule("c", "team.flow", "c", "app.step"),
        AttributeRule("a", "app.flow", "a-too", None),
    ],
    route_rules=[
        RouteRule("b", None, "shop", "GET", "/items/{id}"),
        RouteRule("b", "view", "shop", "*", "/items/*"),
        RouteRule("a", "cart", "shop", "POST", "/cart*"),
        RouteRule("c", "pay", None, "*", "/pay"),
        RouteRule("a", "list", "shop", "GET", "/items/{id}"),
    ],
    counted={},
    thresholds_ns={},
)
VALUES = {
    "app.flow": [None, "a", "b", "a-too", "zzz"],
    "team.flow": [None, "c"],
    "app.step": [None, "s1"],
    "service": ["shop", "other"],
    "http_method": ["GET", "POST"],
    "route": ["/items/7", "/items/{id}", "/cart", "/cart/add", "/pay", "/x", None],
}


def _key(row: tuple) -> tuple:
    return tuple("\x00" if value is None else value for value in row)


def test_rule_codes_match_the_plain_attribution():
    names = attribute_names(PLAN)
    rows = list(itertools.product(*VALUES.values()))
    columns = [f"attr_{names.index(k)}" for k in ("app.flow", "team.flow", "app.step")]
    columns += ["service", "http_method", "route"]
    connection = duckdb.connect()
    connection.execute(f"CREATE TABLE s ({', '.join(c + ' VARCHAR' for c in columns)})")
    connection.executemany(f"INSERT INTO s VALUES ({', '.join('?' * len(columns))})", rows)
    numbers = flow_numbers(PLAN)
    names_of = {str(n): f for f, n in numbers.items()}
    plain = connection.execute(
        f"SELECT *, {step_case(PLAN, DIALECT, extracted=True)} AS step FROM "
        f"(SELECT *, {flow_case(PLAN, DIALECT, extracted=True)} AS flow FROM s) ORDER BY ALL"
    ).fetchall()
    coded = connection.execute(
        f"SELECT * EXCLUDE (code, flow), flow, {coded_step(PLAN, DIALECT, numbers)} AS step FROM "
        f"(SELECT *, CAST(code // 1000 AS INTEGER) AS flow FROM "
        f"(SELECT *, {code_case(PLAN, DIALECT, numbers)} AS code FROM s))"
    ).fetchall()
    renamed = [
        (*row[:-2], None if row[-2] is None else names_of[str(row[-2])], row[-1]) for row in coded
    ]
    assert len(plain) == len(rows) and sorted(map(_key, renamed)) == sorted(map(_key, plain))
    assert {r[-2] for r in plain} == {None, "a", "b", "c"}
