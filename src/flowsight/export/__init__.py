"""Monitoring as code: exporters from the workload model to monitoring systems.

`get_exporter(name).export(workload, options)` returns an Artifact; every
exporter module registers itself in flowsight.export.base.
"""

from flowsight.export.base import Artifact, Exporter, ExportOptions, exporters, get_exporter

__all__ = ["Artifact", "ExportOptions", "Exporter", "exporters", "get_exporter"]
