"""Each design-review rule fires on a workload that breaks it and stays quiet otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from flowsight.check import REGISTRY, CheckResult

from .conftest import Mutation, add_flow, flow

Data = dict[str, Any]


def _step(data: Data, index: int) -> Data:
    result: Data = flow(data)["steps"][index]
    return result


def _extra_dead_end(data: Data) -> None:
    _step(data, 0)["next"] = ["pay", "stray"]
    flow(data)["steps"].append(
        {
            "id": "stray",
            "name": "Stray",
            "trigger": "t",
            "components": ["web"],
            "on_error": [{"action": "fail"}],
        }
    )


def _orphan(data: Data) -> None:
    flow(data)["steps"].append(
        {
            "id": "orphan",
            "name": "Orphan",
            "trigger": "t",
            "components": ["web"],
            "on_error": [{"action": "fail"}],
            "end": True,
        }
    )


def _no_resilience(data: Data) -> None:
    for step in flow(data)["steps"]:
        step["on_error"] = [{"action": "fail"}]


def _dependent_flow(data: Data, **changes: Any) -> None:
    add_flow(data, id="auth", name="Auth", **changes)
    flow(data)["dependencies"].append({"flow": "auth"})


def _fallback(data: Data) -> None:
    add_flow(data, id="backup", name="Backup", criticality="low")
    flow(data)["dependencies"][1]["fallback_flow"] = "backup"


def _no_start(data: Data) -> None:
    del flow(data)["start_event"]
    del data["use_cases"][0]["start_event"]


def _set(path: str, value: Any) -> Mutation:
    """A mutation setting (or deleting, for value None) a '/'-separated path of flow 0."""

    def mutate(data: Data) -> None:
        *parents, last = path.split("/")
        node: Any = flow(data)
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is None:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return mutate


def _data(mutate: Callable[[Data], Any]) -> Mutation:
    return lambda data: mutate(data) and None


TRIGGERS: dict[str, Mutation] = {
    "scoped.boundary-events": _no_start,
    "scoped.steps": _set("steps", []),
    "scoped.use-case": _set("use_case", None),
    "logical.unreachable-step": _orphan,
    "logical.dead-end": _extra_dead_end,
    "logical.cycle-without-exit": _set("steps/1/end", False),
    "logical.branch-criterion": _set("steps/1/branches/0/criterion", None),
    "maintainable.step-components": _set("steps/0/components", []),
    "maintainable.shared-blast-radius": _data(lambda d: add_flow(d, id="refund", name="R")),
    "defined.step-trigger": _set("steps/0/trigger", None),
    "reliable.step-error-handling": _set("steps/0/on_error", []),
    "reliable.strong-dependency-resilience": _no_resilience,
    "reliable.recovery-objectives": _set("targets/reliability/rto", None),
    "reliable.availability-target": _set("targets/reliability", None),
    "scalable.execution-profile": _data(lambda d: d["use_cases"][0].pop("execution")),
    "scalable.throughput-below-peak": _set("targets/performance/throughput_per_minute", 5),
    "secure.security-target": _set("targets/security", None),
    "secure.authentication": _set("targets/security/authentication", False),
    "secure.compliance": _set("targets/security/payment_data", True),
    "efficient.cost-target": _set("targets/cost", None),
    "efficient.budget-order": _data(
        lambda d: add_flow(
            d,
            id="browse",
            name="B",
            criticality="medium",
            targets={"cost": {"monthly_budget": 500}},
        )
    ),
    "user-centric.latency-target": _set("targets/performance/latency", []),
    "ownership.process-owner": _set("owner", None),
    "ownership.escalation-path": _set("escalation_path", []),
    "ownership.escalation-scope": _set("escalation_path", ["lead", "eng"]),
    "ownership.on-call": _data(lambda d: d["parties"][2].update(on_call=False)),
    "ownership.placeholder": _data(lambda d: d.update(placeholders=["flows[0].owner"])),
    "consistency.criticality-order": _data(
        lambda d: add_flow(
            d,
            id="browse",
            name="B",
            criticality="medium",
            targets={"reliability": {"availability": 99.95}},
        )
    ),
    "consistency.dependency-criticality": lambda d: _dependent_flow(d, criticality="medium"),
    "feasibility.objective-above-ceiling": _data(
        lambda d: [c.update(sla=99.9) for c in d["components"]]
    ),
    "feasibility.fallback-effect": _fallback,
    "feasibility.unknown-availability": _data(lambda d: d["components"][0].pop("sla")),
    "feasibility.schedule-coverage": lambda d: _dependent_flow(
        d, targets={"reliability": {"availability": 99.99, "schedule": "office"}}
    ),
    "feasibility.downtime-budget": lambda d: None,
}

#: Rules that report on the baseline by design, with the mutation that silences them.
QUIET: dict[str, Mutation] = {
    "feasibility.downtime-budget": _data(
        lambda d: (
            flow(d).update(criticality="low")
            or flow(d)["targets"].pop("reliability")
            or d["use_cases"][0].update(criticality="low")
        )
    ),
}


def _fired(result: CheckResult, rule_id: str) -> list[str]:
    return [f.message for f in result.findings if f.rule == rule_id]


def test_every_rule_has_a_trigger_case() -> None:
    assert set(TRIGGERS) == set(REGISTRY)


def test_every_practice_of_the_seed_has_a_rule() -> None:
    practices = {rule.practice for rule in REGISTRY.values()}
    nine = {"scoped", "logical", "maintainable", "defined", "reliable"}
    nine |= {"scalable", "secure", "efficient", "user-centric"}
    assert nine <= practices


@pytest.mark.parametrize("rule_id", sorted(TRIGGERS))
def test_rule_fires_on_a_broken_design(run_check: Callable[..., CheckResult], rule_id: str) -> None:
    result = run_check(TRIGGERS[rule_id])
    assert result.loaded is not None, [f.message for f in result.findings]
    fired = [f for f in result.findings if f.rule == rule_id]
    assert fired, f"{rule_id} did not fire"
    assert all(f.severity == REGISTRY[rule_id].severity for f in fired)
    assert all(f.hint or f.severity == "info" for f in fired)
    assert all(f.line is not None and f.path for f in fired)


@pytest.mark.parametrize("rule_id", sorted(TRIGGERS))
def test_rule_is_quiet_on_a_sound_design(
    run_check: Callable[..., CheckResult], rule_id: str
) -> None:
    result = run_check(QUIET.get(rule_id))
    assert result.loaded is not None
    assert _fired(result, rule_id) == []


def test_baseline_has_no_error_or_warning(run_check: Callable[..., CheckResult]) -> None:
    result = run_check()
    assert [f.rule for f in result.findings] == ["feasibility.downtime-budget"]


def test_on_call_is_not_required_for_business_hours(run_check: Callable[..., CheckResult]) -> None:
    def office(data: Data) -> None:
        data["parties"][2]["on_call"] = False
        flow(data)["targets"]["reliability"]["schedule"] = "office"

    assert _fired(run_check(office), "ownership.on-call") == []


def test_system_flows_need_no_latency(run_check: Callable[..., CheckResult]) -> None:
    def system(data: Data) -> None:
        flow(data)["kind"] = "system"
        flow(data)["targets"]["performance"]["latency"] = []

    assert _fired(run_check(system), "user-centric.latency-target") == []


def test_a_fallback_flow_counts_as_resilience(run_check: Callable[..., CheckResult]) -> None:
    def fallback_only(data: Data) -> None:
        _no_resilience(data)
        _fallback(data)
        flow(data)["dependencies"][0]["fallback_flow"] = "backup"

    assert _fired(run_check(fallback_only), "reliable.strong-dependency-resilience") == []


def test_cycle_rule_names_only_steps_in_the_loop(run_check: Callable[..., CheckResult]) -> None:
    messages = _fired(run_check(_set("steps/1/end", False)), "logical.cycle-without-exit")
    assert len(messages) == 2
    assert "`cart`" in messages[0] and "`pay`" in messages[1]


def test_dead_end_is_not_reported_as_a_cycle(run_check: Callable[..., CheckResult]) -> None:
    result = run_check(_extra_dead_end)
    assert len(_fired(result, "logical.dead-end")) == 1
    assert _fired(result, "logical.cycle-without-exit") == []


def test_schedule_coverage_counts_the_uncovered_hours(
    run_check: Callable[..., CheckResult],
) -> None:
    message = _fired(
        run_check(TRIGGERS["feasibility.schedule-coverage"]), "feasibility.schedule-coverage"
    )
    assert len(message) == 1
    assert "128.0 h a week uncovered" in message[0]


def test_covered_schedule_is_quiet(run_check: Callable[..., CheckResult]) -> None:
    def office_on_office(data: Data) -> None:
        flow(data)["targets"]["reliability"]["schedule"] = "office"
        data["parties"][2]["on_call"] = False
        _dependent_flow(
            data, targets={"reliability": {"availability": 99.99, "schedule": "always"}}
        )

    assert _fired(run_check(office_on_office), "feasibility.schedule-coverage") == []


def test_workload_rules_section_overrides_and_disables(
    run_check: Callable[..., CheckResult],
) -> None:
    def configured(data: Data) -> None:
        data["rules"] = {"feasibility.downtime-budget": "off", "ownership.on-call": "error"}
        data["parties"][2]["on_call"] = False

    result = run_check(configured)
    assert _fired(result, "feasibility.downtime-budget") == []
    assert {f.severity for f in result.findings if f.rule == "ownership.on-call"} == {"error"}
    assert not result.ok


def test_run_overrides_beat_the_workload(run_check: Callable[..., CheckResult]) -> None:
    def configured(data: Data) -> None:
        data["rules"] = {"ownership.on-call": "error"}
        data["parties"][2]["on_call"] = False

    result = run_check(configured, {"ownership.on-call": "info"})
    assert {f.severity for f in result.findings if f.rule == "ownership.on-call"} == {"info"}
    assert result.ok
