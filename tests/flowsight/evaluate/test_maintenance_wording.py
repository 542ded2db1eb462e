"""Late maintenance: its minutes "count as downtime" only where the budget counts minutes."""

from __future__ import annotations

from datetime import UTC, datetime

from flowsight.evaluate.plan import plan_flow
from flowsight.load import load_workload
from tests.flowsight.conftest import EXAMPLE

START, END = datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 25, tzinfo=UTC)


def _late_message(budgeting: str) -> str:
    workload = load_workload(EXAMPLE).workload
    flow = workload.flow("collect-telemetry")
    assert flow is not None and flow.targets.reliability is not None
    if budgeting == "requests":
        reliability = flow.targets.reliability.model_copy(
            update={"budgeting": "requests", "slice": None, "slice_threshold": None}
        )
        flow = flow.model_copy(
            update={"targets": flow.targets.model_copy(update={"reliability": reliability})}
        )
    plan = plan_flow(workload, flow, START, END)
    (late,) = [f for f in plan.findings if f.rule == "evaluate.maintenance-late"]
    return late.message


def test_time_sliced_budget_counts_late_minutes_as_downtime() -> None:
    message = _late_message("timeslices")
    assert "announced 2 h ahead, less than the 48 h notice" in message
    assert message.endswith("its 10 scheduled minutes count as downtime")


def test_request_budget_keeps_late_minutes_in_the_objective() -> None:
    message = _late_message("requests")
    assert "count as downtime" not in message
    assert message.endswith(
        "its 10 scheduled minutes stay in the objective: requests that fail during it "
        "count against the error budget"
    )
