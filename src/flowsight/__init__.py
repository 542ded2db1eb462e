"""flowsight: design, measure and run a workload by its flows."""

__version__ = "0.1.0"
