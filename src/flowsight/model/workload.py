"""The workload: everything a flow refers to, in one validated document."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from flowsight.model.base import AlertLabels, Identifier, Percent, StrictModel
from flowsight.model.contact import Contact, contact_text
from flowsight.model.flow import Criticality, Flow
from flowsight.model.schedule import ALWAYS, Schedule, always_schedule

PartyScope = Literal["engineer", "team", "department", "executive"]
SCOPE_RANK: dict[str, int] = {"engineer": 0, "team": 1, "department": 2, "executive": 3}
ComponentKind = Literal[
    "web",
    "api",
    "database",
    "cache",
    "identity",
    "queue",
    "storage",
    "external",
    "network",
    "compute",
    "monitoring",
]


class WorkloadInfo(StrictModel):
    name: str
    description: str | None = None
    owner: Identifier | None = None
    labels: AlertLabels = Field(
        default_factory=dict,
        description="Labels every exported alert carries, e.g. {team: shop, cluster: eu-1}.",
    )


class Party(StrictModel):
    """A person or team, referenced by id wherever an owner or contact is needed."""

    id: Identifier
    name: str
    role: str | None = None
    scope: PartyScope = Field(
        default="team", description="Breadth of responsibility; grows along an escalation path."
    )
    contact: str | Contact | None = Field(
        default=None,
        description="An e-mail address or http(s) URL, or {kind: email|slack|pagerduty|"
        "opsgenie|webhook, ...}.",
    )
    on_call: bool = False

    @property
    def contact_label(self) -> str | None:
        """The contact as people read it (address, channel, URL)."""
        return contact_text(self.contact)


class SpanMatch(StrictModel):
    """Spans that are this component's work, e.g. its database calls from any service.

    Every condition given must hold; `values` empty means the attribute is present.
    Cost allocation sums the work of matching spans per flow (docs/cost-and-review.md).
    """

    attribute: str | None = Field(default=None, description="Span attribute, e.g. db.system.")
    values: list[str] = Field(default_factory=list, description="Accepted attribute values.")
    service: str | None = Field(default=None, description="service.name of the span.")
    name: str | None = Field(default=None, description="Span name glob, e.g. 'GET /pay*'.")

    @model_validator(mode="after")
    def _says_something(self) -> SpanMatch:
        if not (self.attribute or self.service or self.name):
            raise ValueError("a span match names an attribute, a service or a span name")
        if self.values and not self.attribute:
            raise ValueError("values need the attribute they are values of")
        return self


class Component(StrictModel):
    id: Identifier
    name: str | None = None
    kind: ComponentKind
    sla: Percent | None = Field(default=None, description="Vendor SLA in percent.")
    instances: int = Field(default=1, ge=1, description="Redundant copies (e.g. regions).")
    monthly_cost: float | None = Field(default=None, ge=0)
    service: str | None = Field(default=None, description="service.name of its spans, if any.")
    spans: list[SpanMatch] = Field(
        default_factory=list,
        description="Spans that are this component's work (any rule matching); "
        "without rules, the server spans of `service`.",
    )


class Stage(StrictModel):
    id: Identifier
    name: str
    use_case: Identifier | None = None


class BusinessProcess(StrictModel):
    id: Identifier
    name: str
    description: str | None = None
    owner: Identifier | None = None
    stages: list[Stage] = Field(default_factory=list)


class Consumer(StrictModel):
    kind: Literal["user", "system"]
    name: str


class ExecutionProfile(StrictModel):
    expected_per_minute: float | None = Field(default=None, ge=0)
    peak_per_minute: float | None = Field(default=None, ge=0)
    busy_periods: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _peak_not_below_expected(self) -> ExecutionProfile:
        if (
            self.expected_per_minute is not None
            and self.peak_per_minute is not None
            and self.peak_per_minute < self.expected_per_minute
        ):
            raise ValueError("peak_per_minute is below expected_per_minute")
        return self


class UseCase(StrictModel):
    id: Identifier
    name: str
    purpose: str
    criticality: Criticality
    consumers: list[Consumer] = Field(default_factory=list)
    start_event: str | None = None
    end_event: str | None = None
    execution: ExecutionProfile | None = None
    depends_on: list[Identifier] = Field(default_factory=list)


class MaintenanceWindow(StrictModel):
    id: Identifier
    start: datetime = Field(strict=False)
    end: datetime = Field(strict=False)
    announced: datetime = Field(strict=False, description="When the window was announced.")
    flows: list[Identifier] = Field(min_length=1)
    description: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> MaintenanceWindow:
        for name in ("start", "end", "announced"):
            if getattr(self, name).tzinfo is None:
                raise ValueError(f"{name} needs a UTC offset, e.g. 2026-11-20T02:00:00Z")
        if self.end <= self.start:
            raise ValueError("the window ends before it starts")
        return self


RuleSetting = Literal["error", "warning", "info", "off"]


class Workload(StrictModel):
    workload: WorkloadInfo
    parties: list[Party] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    components: list[Component] = Field(default_factory=list)
    business_processes: list[BusinessProcess] = Field(default_factory=list)
    use_cases: list[UseCase] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    maintenance: list[MaintenanceWindow] = Field(default_factory=list)
    rules: dict[str, RuleSetting] = Field(
        default_factory=dict, description="Design-review rule id -> severity or 'off'."
    )
    placeholders: list[str] = Field(
        default_factory=list,
        description="Dotted paths (e.g. 'flows[0].owner') whose values stand in for a "
        "person's decision; `flowsight discover` writes them and `check` lists them as info.",
    )
    _indexes: dict[str, dict[str, int]] = PrivateAttr(default_factory=dict)

    def _find(self, section: str, item_id: str) -> Any:
        """Look an id up by index, so rules over thousands of flows stay linear.

        The index remembers positions and is checked against the list on every hit,
        so a list changed after loading is re-indexed rather than trusted.
        """
        items: list[Any] = getattr(self, section)
        index = self._indexes.get(section)
        position = index.get(item_id) if index is not None else None
        if position is not None and position < len(items) and items[position].id == item_id:
            return items[position]
        index = {}
        for i, item in enumerate(items):
            index.setdefault(item.id, i)
        self._indexes[section] = index
        position = index.get(item_id)
        return items[position] if position is not None else None

    def schedule(self, schedule_id: str) -> Schedule | None:
        found: Schedule | None = self._find("schedules", schedule_id)
        if found is None and schedule_id == ALWAYS:
            return always_schedule()
        return found

    def flow(self, flow_id: str) -> Flow | None:
        found: Flow | None = self._find("flows", flow_id)
        return found

    def party(self, party_id: str) -> Party | None:
        found: Party | None = self._find("parties", party_id)
        return found

    def component(self, component_id: str) -> Component | None:
        found: Component | None = self._find("components", component_id)
        return found

    def use_case(self, use_case_id: str) -> UseCase | None:
        found: UseCase | None = self._find("use_cases", use_case_id)
        return found

    def process(self, process_id: str) -> BusinessProcess | None:
        found: BusinessProcess | None = self._find("business_processes", process_id)
        return found

    def flow_schedule(self, flow: Flow) -> Schedule:
        """The schedule the flow's reliability objective applies in (24/7 without one)."""
        reliability = flow.targets.reliability
        found = self.schedule(reliability.schedule) if reliability else None
        return found or always_schedule()
