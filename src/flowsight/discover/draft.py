"""From an observation to a workload draft: what the traces say, and what a person decides.

The traces say which entry points exist, how they group, which downstream calls they
make, how often, how reliably and how fast. They do not say who owns a flow, whom to
escalate to, what a failure costs or how critical a flow is: those are written as
placeholders (listed under `placeholders:`, reported by `check` as info), never guessed.
Observed targets are rounded to an objective a team would write and commented as observed.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flowsight.discover.observe import TARGET_KINDS, CallStats, EntryKey, EntryStats, Observation
from flowsight.discover.shape import suggest_schedule

#: Objectives a team would write, highest first.
OBJECTIVE_LADDER = (99.99, 99.95, 99.9, 99.5, 99.0, 95.0, 90.0)
OWNER = "owner-to-decide"
ONCALL = "oncall-to-decide"
#: A call made by at least this share of a flow's entries is a strong dependency.
STRONG_SHARE = 0.9
_VERSION = re.compile(r"^v\d+$")


@dataclass
class FlowDraft:
    id: str
    kind: str
    entries: list[EntryStats]
    calls: list[CallStats] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(e.count for e in self.entries)


def slug(text: str) -> str:
    """An identifier flowsight accepts: lower case, digits and single dashes."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned or "unnamed"


def resource(route: str) -> str:
    """The first named path segment, past `api` and versions: /api/v1/orders/{id} -> orders."""
    for segment in route.strip("/").split("/"):
        if segment and segment != "api" and not _VERSION.match(segment) and "{" not in segment:
            return segment
    return "home"


#: The group of entry points an existing workload already claims (`--into`).
CLAIMED = "\x1fclaimed"


def group_entries(observation: Observation, taken: frozenset[str] = frozenset()) -> list[FlowDraft]:
    """Entry points into flows: by the --group-by value, else by service and resource."""
    groups: dict[tuple[str, str], list[EntryStats]] = defaultdict(list)
    for entry in observation.entries:
        key = entry.key
        if key.group == CLAIMED:
            continue
        if key.group is not None:
            name = key.group
        elif key.kind == "http":
            name = resource(key.route)
        else:
            name = key.route
        groups[(key.service, name)].append(entry)
    names = [name for _, name in groups]
    drafts = []
    for (service, name), entries in sorted(groups.items()):
        flow_id = slug(name if names.count(name) == 1 else f"{service}-{name}")
        while flow_id in taken:
            flow_id += "-new"
        kind = "user" if any(e.key.kind == "http" for e in entries) else "system"
        members = {e.key for e in entries}
        calls = [c for c in observation.calls if c.entry in members]
        drafts.append(FlowDraft(flow_id, kind, entries, calls))
    return drafts


def objective(count: int, bad: int) -> float:
    """The highest ladder objective the observed traffic meets and could have measured."""
    observed = 100.0 * (count - bad) / count if count else 0.0
    for candidate in OBJECTIVE_LADDER:
        if candidate <= observed + 1e-9 and (100 - candidate) / 100 * count >= 1:
            return candidate
    return OBJECTIVE_LADDER[-1]


def latency_threshold(p95_ns: int) -> str:
    """The observed p95 rounded up to 1, 2, 2.5 or 5 times a power of ten (ms or s)."""
    ms = max(p95_ns / 1e6, 1.0)
    power = 10 ** math.floor(math.log10(ms))
    nice = next(step * power for step in (1, 2, 2.5, 5, 10) if step * power >= ms - 1e-9)
    if nice >= 1000:
        seconds = nice / 1000
        return f"{seconds:g}s"
    return f"{nice:g}ms"


def component_id(call: CallStats) -> str:
    """The workload's own component when its span rules match the call, else a new id."""
    return call.components[0] if call.components else slug(call.target)


def _step_id(entry: EntryKey) -> str:
    if entry.step is not None:
        return slug(entry.step)
    if entry.kind == "http":
        return slug(f"{entry.method or 'any'} {entry.route}")
    return slug(entry.route)


def component(call: CallStats) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": component_id(call),
        "name": f"{call.target} ({call.attribute})",
        "kind": TARGET_KINDS.get(call.attribute, "external"),
    }
    if call.attribute == "service":
        data["service"] = call.target
    else:
        data["spans"] = [{"attribute": call.attribute, "values": [call.target]}]
    return data


def percent(count: int, bad: int) -> str:
    return f"{100.0 * (count - bad) / count:.3f} %" if count else "-"


def _order(
    ids: list[str], moves: dict[tuple[str, str], int], traffic: dict[str, int]
) -> tuple[list[str], dict[str, list[str]]]:
    """Steps from where sessions start, each followed by where its users usually go next."""
    out_of = {i: sum(n for (a, _), n in moves.items() if a == i) for i in ids}
    into = {i: sum(n for (_, b), n in moves.items() if b == i) for i in ids}
    first = max(ids, key=lambda i: (out_of[i] - into[i], traffic[i], i))
    follow = {
        a: sorted(
            (b for (x, b), n in moves.items() if x == a and n >= 0.1 * out_of[a]),
            key=lambda b: (-moves[(a, b)], b),
        )
        for a in ids
    }
    order, queue = [first], [first]
    while queue:
        for b in follow[queue.pop(0)]:
            if b not in order:
                order.append(b)
                queue.append(b)
    for i in sorted(ids, key=lambda i: (-traffic[i], i)):
        if i not in order:
            follow[first].append(i)
            order.append(i)
    return order, follow


def steps(
    draft: FlowDraft, transitions: list[tuple[EntryKey, EntryKey, int]]
) -> tuple[list[dict[str, Any]], dict[EntryKey, str | None]]:
    """Steps and the step each entry point's route rule names (None: no step by route)."""
    if len(draft.entries) == 1 and draft.entries[0].sequence and draft.entries[0].key.step is None:
        names = list(dict.fromkeys(draft.entries[0].sequence))
        ids = [slug(n) for n in names]
        found = [
            {"id": i, "name": n, **({"next": [ids[k + 1]]} if k + 1 < len(ids) else {"end": True})}
            for k, (i, n) in enumerate(zip(ids, names, strict=True))
        ]
        return found, {draft.entries[0].key: None}
    by_entry = {e.key: _step_id(e.key) for e in draft.entries}
    traffic: dict[str, int] = defaultdict(int)
    triggers: dict[str, list[str]] = defaultdict(list)
    uses: dict[str, set[str]] = defaultdict(set)
    for entry in draft.entries:
        traffic[by_entry[entry.key]] += entry.count
        triggers[by_entry[entry.key]].append(entry.key.label())
    for call in draft.calls:
        uses[by_entry[call.entry]].add(component_id(call))
    moves: dict[tuple[str, str], int] = defaultdict(int)
    for a, b, count in transitions:
        if a in by_entry and b in by_entry and by_entry[a] != by_entry[b]:
            moves[(by_entry[a], by_entry[b])] += count
    order, follow = _order(sorted(traffic), moves, traffic)
    found = []
    for i in order:
        entry_name = next(e.key for e in draft.entries if by_entry[e.key] == i)
        step: dict[str, Any] = {
            "id": i,
            "name": entry_name.step
            or (
                f"{entry_name.method} {entry_name.route}" if entry_name.method else entry_name.route
            ),
            "trigger": "Observed entry point: " + "; ".join(sorted(triggers[i])),
        }
        if uses[i]:
            step["components"] = sorted(uses[i])
        if follow[i]:
            step["next"] = follow[i]
        step["end"] = True
        found.append(step)
    return found, dict(by_entry)


def route_rule(entry: EntryKey, step: str | None) -> dict[str, Any]:
    rule: dict[str, Any] = {"service": entry.service}
    if entry.kind == "http":
        rule["method"] = entry.method or "*"
        rule["route"] = entry.route
    else:
        rule["name"] = entry.route
    if step is not None:
        rule["step"] = step
    return rule


def schedule_for(observation: Observation, timezone: str) -> tuple[dict[str, Any], str] | None:
    hours: dict[int, int] = defaultdict(int)
    for entry in observation.entries:
        if entry.key.kind == "http":
            for hour, count in entry.hours.items():
                hours[hour] += count
    if not observation.entries:
        return None
    first = min(e.first_ns for e in observation.entries)
    last = max(e.last_ns for e in observation.entries)
    return suggest_schedule(hours, timezone, (last - first) / 3.6e12)
