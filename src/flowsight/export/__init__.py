"""Monitoring as code: exporters from the workload model to monitoring systems.

`flowsight.export.registry.get_exporter(name).export(workload, options)`
returns an Artifact. The registry imports the exporter modules; they import
base and their helpers, never the registry or this package's names, so the
package has no import cycle.
"""

from flowsight.export.base import Artifact, Exporter, ExportOptions

__all__ = ["Artifact", "ExportOptions", "Exporter"]
