"""OpenSLO v1alpha SLOs, the format Sloth reads, as v1 SLOs.

v1alpha puts a `ratioMetrics` (good or bad, and total, each a source + query) in
every objective and spells windows as `count` + `unit`. Each objective becomes
one v1 SLO with an inline ratio indicator (the first keeps the SLO's name, the
others get `-2`, `-3`, ...); windows are rolling unless `isRolling: false`, as
Sloth reads them. Places stay those of the v1alpha text.
"""

from __future__ import annotations

from typing import Any

from flowsight.errors import ExportError
from flowsight.imports.openslo.documents import Located

ALPHA_VERSION = "openslo/v1alpha"
UNITS = {"second": "s", "minute": "m", "hour": "h", "day": "d", "week": "w", "month": "M"}
UNITS |= {"quarter": "Q", "year": "Y"}


def _like(source: Located, value: dict[str, Any]) -> Located:
    """`value` as a Located that reports `source`'s place."""
    found = Located(value)
    found.origin, found.line, found.column = source.origin, source.line, source.column
    found.key_marks = dict(getattr(source, "key_marks", {}))
    return found


def _window(spec: Located, name: str) -> list[dict[str, Any]]:
    windows = spec.get("timeWindows") or []
    if len(windows) != 1 or not isinstance(windows[0], dict):
        raise ExportError(
            f"{spec.where('timeWindows')}: SLO '{name}' needs exactly one timeWindows item"
        )
    window = windows[0]
    unit = UNITS.get(str(window.get("unit", "")).lower())
    if unit is None or not isinstance(window.get("count"), int):
        raise ExportError(
            f"{spec.where('timeWindows')}: SLO '{name}' window {window} is not a count and a unit"
        )
    rolling = window.get("isRolling", True) is not False
    found: dict[str, Any] = {"duration": f"{window['count']}{unit}", "isRolling": rolling}
    if not rolling and isinstance(window.get("calendar"), dict):
        found["calendar"] = window["calendar"]
    return [found]


def _metric(part: Any, where: str) -> dict[str, Any]:
    if not isinstance(part, dict) or not isinstance(part.get("query"), str):
        raise ExportError(f"{where}: a v1alpha ratioMetrics part needs a query")
    return {
        "metricSource": {
            "type": str(part.get("source") or "unknown"),
            "spec": {"query": part["query"]},
        }
    }


def v1_from_alpha(body: Located) -> list[Located]:
    """The v1 SLOs of one v1alpha SLO (only kind SLO has a v1alpha form flowsight reads)."""
    if body.get("kind") != "SLO":
        raise ExportError(
            f"{body.where('kind')}: a v1alpha {body.get('kind')!r} has no meaning for flowsight",
            hint="only v1alpha SLOs are read; give other objects as openslo/v1",
        )
    metadata = dict(body.get("metadata") or {})
    name = str(metadata.get("name", ""))
    given = body.get("spec")
    spec: Located = given if isinstance(given, Located) else Located()
    objectives = spec.get("objectives") or []
    found = []
    for number, objective in enumerate(objectives, 1):
        where = objective.where() if isinstance(objective, Located) else spec.where("objectives")
        ratio = objective.get("ratioMetrics") if isinstance(objective, dict) else None
        if not isinstance(ratio, dict):
            raise ExportError(f"{where}: SLO '{name}' objective {number} has no ratioMetrics")
        metric: dict[str, Any] = {"counter": ratio.get("counter") is True}
        for part in ("good", "bad", "total"):
            if part in ratio:
                metric[part] = _metric(ratio[part], where)
        v1_objective = {"target": objective.get("target")}
        if objective.get("displayName"):
            v1_objective["displayName"] = objective["displayName"]
        slo_name = name if number == 1 else f"{name}-{number}"
        v1_spec = {
            "description": spec.get("description") or "",
            "service": spec.get("service") or "",
            "indicator": {
                "metadata": {"name": slo_name},
                "spec": _like(spec, {"ratioMetric": _like(spec, metric)}),
            },
            "timeWindow": [_like(spec, w) for w in _window(spec, name)],
            "budgetingMethod": spec.get("budgetingMethod") or "Occurrences",
            "objectives": [
                _like(objective if isinstance(objective, Located) else spec, v1_objective)
            ],
        }
        converted = _like(
            body,
            {
                "apiVersion": "openslo/v1",
                "kind": "SLO",
                "metadata": {**metadata, "name": slo_name},
                "spec": _like(spec, v1_spec),
            },
        )
        found.append(converted)
    if not found:
        raise ExportError(f"{spec.where('objectives')}: SLO '{name}' has no objectives")
    return found
