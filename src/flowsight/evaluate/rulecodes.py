"""Attribution in one CASE: each entry span gets the code of the rule that claimed it.

Why: the plain attribution (`sql.flow_case`, then `sql.step_case`) tests the
route patterns twice for every span without a flow attribute - once to find the
flow, once to find the step. Here one CASE yields a rule code, flow * 1000 +
(0 for an attribute rule, else the route rule's position + 1), so the flow is
an integer division and the step of a route-claimed span is a lookup by code.
The route patterns are tested again only for a span that a flow attribute
claimed and that carries no step attribute. The result is the same flow and
step as `sql.flow_case`/`sql.step_case` (the first matching rule of the
claiming flow is the rule that claimed the span), which the DuckDB/ClickHouse
parity test holds it to.
"""

from __future__ import annotations

from itertools import groupby

from flowsight.evaluate.base import RULE_CODE_STRIDE as STRIDE
from flowsight.evaluate.base import QueryPlan
from flowsight.evaluate.sql import Dialect, attribute_names, route_condition


def _attribute_codes(plan: QueryPlan, dialect: Dialect, numbers: dict[str, int]) -> list[str]:
    """One lookup per run of consecutive rules on the same attribute (keeps rule order)."""
    names = attribute_names(plan)
    lookups = []
    for attribute, run in groupby(plan.attribute_rules, key=lambda r: r.attribute):
        rules = list(run)
        values = ", ".join(dialect.quote(r.value) for r in rules)
        codes = ", ".join(str(numbers[r.flow] * STRIDE) for r in rules)
        column = f"attr_{names.index(attribute)}"
        lookups.append(f"list_extract([{codes}], list_position([{values}], {column}))")
    return lookups


def code_case(plan: QueryPlan, dialect: Dialect, numbers: dict[str, int]) -> str:
    """The rule code of a span (NULL when no rule claims it)."""
    if len(plan.route_rules) >= STRIDE:
        raise ValueError(f"at most {STRIDE - 1} route rules are supported")
    routes = [
        f"WHEN {route_condition(rule, dialect)} THEN {numbers[rule.flow] * STRIDE + slot + 1}"
        for slot, rule in enumerate(plan.route_rules)
    ]
    options = _attribute_codes(plan, dialect, numbers)
    if routes:
        options.append(f"CASE {' '.join(routes)} ELSE NULL END")
    return f"coalesce({', '.join([*options, 'NULL'])})"


def coded_step(plan: QueryPlan, dialect: Dialect, numbers: dict[str, int]) -> str:
    """The step: the flow's step attribute, else the claiming route rule's step, else the
    first route rule of the flow that matches (only for attribute-claimed spans)."""
    names = attribute_names(plan)
    flows = dict.fromkeys(
        [r.flow for r in plan.attribute_rules] + [r.flow for r in plan.route_rules]
    )
    whens = []
    for flow in flows:
        options = [
            f"attr_{names.index(r.step_attribute)}"
            for r in plan.attribute_rules
            if r.flow == flow and r.step_attribute
        ]
        mine = [(slot, r) for slot, r in enumerate(plan.route_rules) if r.flow == flow and r.step]
        if mine:
            by_code = " ".join(
                f"WHEN {numbers[flow] * STRIDE + slot + 1} THEN {dialect.quote(str(r.step))}"
                for slot, r in mine
            )
            retest = " ".join(
                f"WHEN {route_condition(r, dialect)} THEN {dialect.quote(str(r.step))}"
                for _, r in mine
            )
            options += [f"CASE code {by_code} ELSE NULL END", f"CASE {retest} ELSE NULL END"]
        if options:
            whens.append(f"WHEN {numbers[flow]} THEN coalesce({', '.join([*options, 'NULL'])})")
    return f"CASE flow {' '.join(whens)} ELSE NULL END" if whens else "CAST(NULL AS VARCHAR)"
