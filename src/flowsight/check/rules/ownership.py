"""Ownership: a process owner and an escalation path whose scope grows to the end."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from flowsight.calendar import weekly_open_hours
from flowsight.check.base import RuleContext, rule
from flowsight.check.rules._common import flows
from flowsight.findings import Finding
from flowsight.model import SCOPE_RANK, Party

#: A schedule open more hours a week than this (5 x 10 h) is beyond business hours.
EXTENDED_HOURS_PER_WEEK = 50.0


@rule(
    "ownership.process-owner",
    "ownership",
    "warning",
    "Every flow names its process owner.",
    "The Azure Well-Architected guide's flow documentation starts with the process owner, the individual who owns "
    "the business process and decides on its targets and trade-offs.",
)
def process_owner(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        if flow.owner is None:
            yield ctx.finding(
                base,
                f"flow `{flow.id}` names no process owner",
                "add `owner:` with the id of the party that owns the business process",
            )


@rule(
    "ownership.escalation-path",
    "ownership",
    "warning",
    "Every flow has an escalation path.",
    "The Azure Well-Architected guide asks for the individuals or groups to contact to resolve issues, in order; "
    "without them an incident on the flow starts with finding someone to call.",
)
def escalation_path(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        if not flow.escalation_path:
            yield ctx.finding(
                (*base, "escalation_path"),
                f"flow `{flow.id}` has no escalation path",
                "add `escalation_path:` listing parties from first responder to executive",
            )


def _scope_problem(path: list[Party]) -> str | None:
    """Why a path's scope does not grow, or None when it does."""
    for earlier, later in itertools.pairwise(path):
        if SCOPE_RANK[later.scope] < SCOPE_RANK[earlier.scope]:
            return f"narrows from `{earlier.id}` ({earlier.scope}) to `{later.id}` ({later.scope})"
    if len(path) > 1 and SCOPE_RANK[path[-1].scope] <= SCOPE_RANK[path[0].scope]:
        return (
            f"ends with `{path[-1].id}` ({path[-1].scope}), no wider than where it starts "
            f"(`{path[0].id}`, {path[0].scope})"
        )
    return None


@rule(
    "ownership.escalation-scope",
    "ownership",
    "warning",
    "Every escalation path ends with a party of wider scope than it starts with.",
    "The Azure Well-Architected guide: the scope of individual responsibility grows with each person on the path. A "
    "path that narrows or ends where it began leaves nobody with the authority to trade off "
    "the flow against the rest of the business.",
)
def escalation_scope(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        path = [p for p in (ctx.workload.party(i) for i in flow.escalation_path) if p]
        problem = _scope_problem(path)
        if problem:
            yield ctx.finding(
                (*base, "escalation_path"),
                f"the escalation path of flow `{flow.id}` {problem}",
                "order the path by growing scope (engineer, team, department, executive) and "
                "end it with someone who can decide for the business",
            )


@rule(
    "ownership.on-call",
    "ownership",
    "warning",
    "Parties on the escalation path of an extended-hours or 24/7 flow are on call.",
    "A flow whose objective counts evenings, weekends or nights (a schedule open more than "
    "50 hours a week) needs its escalation path reachable then; a party that works office "
    "hours cannot answer for those hours.",
)
def on_call(ctx: RuleContext) -> Iterator[Finding]:
    for flow, base in flows(ctx.workload):
        if flow.targets.reliability is None:
            continue
        schedule = ctx.workload.flow_schedule(flow)
        hours = weekly_open_hours(schedule)
        if hours <= EXTENDED_HOURS_PER_WEEK:
            continue
        for k, party_id in enumerate(flow.escalation_path):
            party = ctx.workload.party(party_id)
            if party and not party.on_call:
                yield ctx.finding(
                    (*base, "escalation_path", k),
                    f"`{party.id}` is on the escalation path of flow `{flow.id}`, whose "
                    f"objective runs {hours:g} h a week ({schedule.id}), but is not on call",
                    "put an on-call party there, or set `on_call: true` if the party is",
                )
