"""Targets for the five Well-Architected pillars of one flow."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from flowsight.model.base import AlertLabels, Duration, Identifier, Objective, Percent, StrictModel

Classification = Literal["public", "internal", "confidential", "restricted"]
Budgeting = Literal["requests", "timeslices"]
MAX_WINDOW_DAYS = 366


class MaintenancePolicy(StrictModel):
    """How planned maintenance is treated when measuring the objective."""

    notice: Duration | None = Field(
        default=None,
        description="Minimum advance notice; a window announced later counts as downtime.",
    )
    outside_schedule_free: bool = Field(
        default=True,
        description="Maintenance while the schedule is closed costs nothing (it is not measured).",
    )


class ReliabilityTarget(StrictModel):
    availability: Objective = Field(description="Availability objective in percent, e.g. 99.9.")
    schedule: Identifier = Field(default="always", description="Schedule the objective applies in.")
    budgeting: Budgeting = "requests"
    slice: Duration | None = Field(
        default=None, description="Time-slice length for timeslices budgeting (default 1m)."
    )
    slice_threshold: Objective | None = Field(
        default=None,
        description="A slice is good when its success ratio is at least this (default: the objective).",
    )
    window: str = Field(
        default="30d",
        pattern=r"^(\d+d|calendar-month)$",
        description="SLO window: rolling 'Nd' or 'calendar-month'.",
    )
    client_errors_are_bad: bool = Field(
        default=False, description="Count 4xx responses as bad (they are good by default)."
    )
    rto: Duration | None = Field(default=None, description="Recovery time objective.")
    rpo: Duration | None = Field(default=None, description="Recovery point objective.")
    maintenance: MaintenancePolicy = Field(default_factory=MaintenancePolicy)

    @model_validator(mode="after")
    def _slices_only_for_timeslices(self) -> ReliabilityTarget:
        if self.budgeting == "requests" and (self.slice or self.slice_threshold):
            raise ValueError("slice and slice_threshold only apply when budgeting is 'timeslices'")
        return self

    @field_validator("window")
    @classmethod
    def _window_in_range(cls, window: str) -> str:
        """A rolling window of 1 to MAX_WINDOW_DAYS days: `0d` divides by zero downstream,
        and `99999999999d` overflows every time computation and PromQL range."""
        if window != "calendar-month" and not 1 <= int(window[:-1]) <= MAX_WINDOW_DAYS:
            raise ValueError(f"the window must be 1d to {MAX_WINDOW_DAYS}d, not {window}")
        return window

    @property
    def window_days(self) -> int:
        """Length of the SLO window in days (a calendar month counts as 30)."""
        return 30 if self.window == "calendar-month" else int(self.window[:-1])


class LatencyThreshold(StrictModel):
    percentile: float = Field(gt=0, lt=100, description="e.g. 95 for p95.")
    threshold: Duration = Field(description="e.g. '500ms'.")


class PerformanceTarget(StrictModel):
    latency: list[LatencyThreshold] = Field(default_factory=list)
    throughput_per_minute: float | None = Field(
        default=None, ge=0, description="Requests per minute the flow must sustain."
    )
    max_error_rate: Percent | None = Field(
        default=None, description="Highest error rate (%) a load test may see."
    )


class SecurityTarget(StrictModel):
    classification: Classification = "internal"
    authentication: bool = False
    roles: list[str] = Field(default_factory=list)
    payment_data: bool = Field(default=False, description="The flow handles payment card data.")
    compliance: list[str] = Field(default_factory=list, description="e.g. PCI-DSS, GDPR.")


class CostTarget(StrictModel):
    monthly_budget: float | None = Field(default=None, ge=0)
    per_1000_executions: float | None = Field(default=None, ge=0)
    currency: str = "USD"


class OperationsTarget(StrictModel):
    signals: list[Literal["traces", "metrics", "logs", "heartbeat", "probes"]] = Field(
        default_factory=list, description="Signals that must be collected for the flow."
    )
    alert_severity: Literal["page", "ticket", "none"] = "ticket"
    dashboards: list[str] = Field(default_factory=list)
    labels: AlertLabels = Field(
        default_factory=dict,
        description="Labels the flow's alerts carry (over the workload's), e.g. {team: checkout}.",
    )


class Targets(StrictModel):
    reliability: ReliabilityTarget | None = None
    performance: PerformanceTarget | None = None
    security: SecurityTarget | None = None
    cost: CostTarget | None = None
    operations: OperationsTarget | None = None
