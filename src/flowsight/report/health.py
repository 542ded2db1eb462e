"""Health as the report and dashboard show it: read from the evaluation result.

The states, the roll-up and their labels, symbols and colors are owned by
flowsight.slo.health; `evaluate` puts each flow's health and the workload's
roll-up in its result, and the views read them from there.
"""

from __future__ import annotations

from flowsight.evaluate.results import Evaluation, FlowResult
from flowsight.slo.health import COLOR, LABEL, RANK, STATES, SYMBOL, Health, contribution, counts

__all__ = [
    "COLOR",
    "LABEL",
    "RANK",
    "STATES",
    "SYMBOL",
    "Health",
    "contribution",
    "counts",
    "flow_health",
    "workload_health",
]


def flow_health(result: FlowResult) -> Health:
    return result.health


def workload_health(evaluation: Evaluation) -> Health:
    return evaluation.health
