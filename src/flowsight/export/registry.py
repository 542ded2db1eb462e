"""The built-in exporters by name: the one place that imports every exporter module.

Exporter modules import base (options, serialisers) and their SLI helpers;
only this module imports them, so the package has no import cycle.
"""

from __future__ import annotations

from flowsight.errors import ExportError
from flowsight.export import alertmanager, grafana, openslo, prometheus
from flowsight.export.base import Exporter

_MODULES = (alertmanager, grafana, openslo, prometheus)


def exporters() -> dict[str, Exporter]:
    """Built-in exporters by name, in name order."""
    found: dict[str, Exporter] = {m.EXPORTER.name: m.EXPORTER for m in _MODULES}
    return dict(sorted(found.items()))


def get_exporter(name: str) -> Exporter:
    found = exporters().get(name)
    if found is None:
        raise ExportError(
            f"unknown export format '{name}'", hint=f"use one of: {', '.join(exporters())}"
        )
    return found
