"""The workload model: flows as code.

Import everything from here; the sub-modules only split the file by noun.
"""

from flowsight.model.base import Duration, StrictModel, format_duration, parse_duration
from flowsight.model.flow import (
    CRITICALITY_RANK,
    Branch,
    BusinessImpact,
    Criticality,
    Dependency,
    ErrorHandling,
    Flow,
    RouteMatch,
    Step,
    TelemetryMapping,
)
from flowsight.model.journey import Extract, Journey, JourneyRequest
from flowsight.model.schedule import ALWAYS, WEEKDAYS, Schedule, always_schedule
from flowsight.model.targets import (
    CostTarget,
    LatencyThreshold,
    MaintenancePolicy,
    OperationsTarget,
    PerformanceTarget,
    ReliabilityTarget,
    SecurityTarget,
    Targets,
)
from flowsight.model.workload import (
    SCOPE_RANK,
    BusinessProcess,
    Component,
    Consumer,
    ExecutionProfile,
    MaintenanceWindow,
    Party,
    SpanMatch,
    Stage,
    UseCase,
    Workload,
    WorkloadInfo,
)

__all__ = [
    "ALWAYS",
    "CRITICALITY_RANK",
    "SCOPE_RANK",
    "WEEKDAYS",
    "Branch",
    "BusinessImpact",
    "BusinessProcess",
    "Component",
    "Consumer",
    "CostTarget",
    "Criticality",
    "Dependency",
    "Duration",
    "ErrorHandling",
    "ExecutionProfile",
    "Extract",
    "Flow",
    "Journey",
    "JourneyRequest",
    "LatencyThreshold",
    "MaintenancePolicy",
    "MaintenanceWindow",
    "OperationsTarget",
    "Party",
    "PerformanceTarget",
    "ReliabilityTarget",
    "RouteMatch",
    "Schedule",
    "SecurityTarget",
    "SpanMatch",
    "Stage",
    "Step",
    "StrictModel",
    "Targets",
    "TelemetryMapping",
    "UseCase",
    "Workload",
    "WorkloadInfo",
    "always_schedule",
    "format_duration",
    "parse_duration",
]
