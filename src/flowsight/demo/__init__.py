"""The end-to-end demo: Relecloud under load with scripted faults, measured by flowsight."""

from flowsight.demo.run import DEMO_CREDENTIALS, DemoResult, anchor_minute, run_demo
from flowsight.demo.scenario import FULL, SHORT, Event, Scenario

__all__ = [
    "DEMO_CREDENTIALS",
    "FULL",
    "SHORT",
    "DemoResult",
    "Event",
    "Scenario",
    "anchor_minute",
    "run_demo",
]
