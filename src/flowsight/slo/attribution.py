"""Which flow and step a span belongs to, with one meaning in SQL, PromQL and Python.

A span belongs to the first flow whose attribute rule it matches (the flow's
`telemetry.attribute` equals its value), else to the first flow, in
declaration order, with a route rule matching its service, method and route.
The step is the span's step attribute when the flow names one, else the step
of the flow's first route rule that matches.

Route globs: `*` is any run of characters, `?` one character, `{name}` one
non-empty path segment (so `/concerts/{id}` matches the raw path
`/concerts/42` and the template `/concerts/{concert_id}` alike); everything
else is literal. `route_regex` is the one translation: SQL anchors it
(`^...$`), PromQL label matchers are anchored by Prometheus, Python uses
`re.fullmatch`. The regex uses only syntax RE2 (DuckDB, ClickHouse,
Prometheus) and Python's `re` read alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from flowsight.model import Workload

_GLOB_TOKENS = re.compile(r"(\*|\?|\{[^/}]*\})")
_REGEX_SPECIAL = set("\\.+*?()|[]{}^$")
SEGMENT = "[^/]+"


@dataclass(frozen=True)
class RouteRule:
    flow: str
    step: str | None
    service: str | None
    method: str | None
    pattern: str
    #: the span column the pattern is matched against: the route, or the span name
    #: (consumers and jobs, which have no route)
    column: str = "route"


@dataclass(frozen=True)
class AttributeRule:
    flow: str
    attribute: str
    value: str
    step_attribute: str | None


def _literal(text: str) -> str:
    return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)


def route_regex(glob: str) -> str:
    """A route glob as an unanchored regex body (see the module docstring)."""
    out = []
    for token in _GLOB_TOKENS.split(glob):
        if token == "*":
            out.append(".*")
        elif token == "?":
            out.append(".")
        elif token.startswith("{") and token.endswith("}"):
            out.append(SEGMENT)
        elif token:
            out.append(_literal(token))
    return "".join(out)


def anchored_route_regex(glob: str) -> str:
    """The same regex anchored at both ends, for engines that search (SQL)."""
    return f"^{route_regex(glob)}$"


def is_glob(pattern: str) -> bool:
    """Whether a route pattern needs the regex (else it is compared literally)."""
    return bool(re.search(r"[*?{]", pattern))


def literal_prefix(pattern: str) -> str:
    """The part before the first wildcard: a cheap pre-test engines can run first."""
    return re.split(r"[*?{]", pattern, maxsplit=1)[0]


def route_matches(glob: str, route: str | None) -> bool:
    return route is not None and re.fullmatch(route_regex(glob), route) is not None


def attribution_rules(workload: Workload) -> tuple[list[AttributeRule], list[RouteRule]]:
    """Every flow's attribute rule and route rules, in declaration order."""
    attributes, routes = [], []
    for flow in workload.flows:
        mapping = flow.telemetry
        if mapping is None:
            continue
        if mapping.attribute:
            attributes.append(
                AttributeRule(
                    flow.id, mapping.attribute, mapping.value or flow.id, mapping.step_attribute
                )
            )
        routes += [
            RouteRule(
                flow.id, r.step, r.service, r.method, r.pattern, "route" if r.route else "name"
            )
            for r in mapping.routes
        ]
    return attributes, routes


@dataclass(frozen=True)
class Span:
    """What attribution reads of an entry span."""

    service: str | None
    method: str | None
    route: str | None  # http.route, else url.path
    attributes: Mapping[str, str]
    name: str | None = None  # the span name, which span-name rules match


def _route_rule_matches(rule: RouteRule, span: Span) -> bool:
    if rule.service and span.service != rule.service:
        return False
    if rule.method and rule.method != "*" and span.method != rule.method:
        return False
    value = span.name if rule.column == "name" else span.route
    if is_glob(rule.pattern):
        return route_matches(rule.pattern, value)
    return value == rule.pattern


def attribute(workload: Workload, span: Span) -> tuple[str, str | None] | None:
    """(flow, step) of a span, None when no flow claims it: the SQL's CASE, in Python."""
    attributes, routes = attribution_rules(workload)
    flow = next((r.flow for r in attributes if span.attributes.get(r.attribute) == r.value), None)
    if flow is None:
        flow = next((r.flow for r in routes if _route_rule_matches(r, span)), None)
    if flow is None:
        return None
    for rule in attributes:
        if rule.flow == flow and rule.step_attribute and span.attributes.get(rule.step_attribute):
            return flow, span.attributes[rule.step_attribute]
    step = next(
        (r.step for r in routes if r.flow == flow and r.step and _route_rule_matches(r, span)),
        None,
    )
    return flow, step
