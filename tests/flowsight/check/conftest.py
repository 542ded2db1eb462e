"""Fixtures for design-review tests: a workload that passes every rule, to mutate."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from flowsight.check import CheckResult, check_workload

REPO = Path(__file__).resolve().parents[3]
RELECLOUD = REPO / "examples" / "relecloud" / "workload.yaml"

BASELINE: dict[str, Any] = {
    "workload": {"name": "Shop", "owner": "owner"},
    "parties": [
        {"id": "owner", "name": "Owner", "scope": "executive", "on_call": True},
        {"id": "lead", "name": "Lead", "scope": "department", "on_call": True},
        {"id": "eng", "name": "Engineer", "scope": "engineer", "on_call": True},
    ],
    "schedules": [
        {
            "id": "office",
            "timezone": "UTC",
            "hours": {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        }
    ],
    "components": [
        {"id": "web", "kind": "web", "sla": 99.99},
        {"id": "db", "kind": "database", "sla": 99.99},
    ],
    "use_cases": [
        {
            "id": "buy",
            "name": "Buy",
            "purpose": "Sell things.",
            "criticality": "high",
            "start_event": "A shopper opens the cart.",
            "end_event": "The order is placed.",
            "execution": {"expected_per_minute": 10, "peak_per_minute": 20},
        }
    ],
    "flows": [
        {
            "id": "checkout",
            "name": "Checkout",
            "kind": "user",
            "description": "A shopper checks out.",
            "use_case": "buy",
            "owner": "owner",
            "escalation_path": ["eng", "lead", "owner"],
            "criticality": "high",
            "start_event": "A shopper opens the cart.",
            "end_event": "The order is placed.",
            "steps": [
                {
                    "id": "cart",
                    "name": "Cart",
                    "trigger": "The shopper opens the cart.",
                    "components": ["web"],
                    "next": ["pay"],
                    "on_error": [{"action": "retry", "attempts": 3}],
                },
                {
                    "id": "pay",
                    "name": "Pay",
                    "trigger": "The shopper pays.",
                    "components": ["web", "db"],
                    "branches": [{"criterion": "the card is declined", "next": "cart"}],
                    "on_error": [{"action": "retry", "attempts": 3}],
                    "end": True,
                },
            ],
            "dependencies": [{"component": "web"}, {"component": "db"}],
            "targets": {
                "reliability": {"availability": 99.9, "rto": "15m", "rpo": "5m"},
                "performance": {
                    "latency": [{"percentile": 95, "threshold": "500ms"}],
                    "throughput_per_minute": 20,
                },
                "security": {
                    "classification": "confidential",
                    "authentication": True,
                    "roles": ["Clerk"],
                },
                "cost": {"monthly_budget": 100},
            },
        }
    ],
}

Mutation = Callable[[dict[str, Any]], None]


def flow(data: dict[str, Any], index: int = 0) -> dict[str, Any]:
    result: dict[str, Any] = data["flows"][index]
    return result


def add_flow(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of the baseline flow under a new id, with `changes` applied."""
    extra = copy.deepcopy(BASELINE["flows"][0])
    extra.update(changes)
    data["flows"].append(extra)
    return extra


@pytest.fixture
def run_check(tmp_path: Path) -> Callable[..., CheckResult]:
    """Write the baseline (after `mutate`) to a file and check it."""

    def run(mutate: Mutation | None = None, overrides: dict[str, str] | None = None) -> CheckResult:
        data = copy.deepcopy(BASELINE)
        if mutate:
            mutate(data)
        path = tmp_path / "workload.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return check_workload(path, overrides)

    return run
