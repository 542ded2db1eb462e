"""The shape of an OpenSLO SLO, checked before its meaning is read.

Each field flowsight reads must have the type the v1 spec gives it; a field of
another type is refused at its own line and column, so no later step meets a
number where it expects a mapping.
"""

from __future__ import annotations

from typing import Any

from flowsight.errors import ExportError
from flowsight.imports.openslo.documents import Document, Located

NUMBER = (int, float)
SPEC_FIELDS: dict[str, tuple[type, ...]] = {
    "description": (str,),
    "service": (str,),
    "indicator": (dict,),
    "indicatorRef": (str,),
    "timeWindow": (list,),
    "budgetingMethod": (str,),
    "objectives": (list,),
    "alertPolicies": (list, type(None)),
}
OBJECTIVE_FIELDS: dict[str, tuple[type, ...]] = {
    "displayName": (str,),
    "op": (str,),
    "value": NUMBER,
    "target": NUMBER,
    "targetPercent": NUMBER,
    "timeSliceTarget": NUMBER,
    "timeSliceWindow": (str, *NUMBER),
}
NAMES = {str: "text", int: "a number", float: "a number", dict: "a mapping", list: "a list"}


def _expect(mapping: Located, fields: dict[str, tuple[type, ...]], what: str) -> None:
    for key, types in fields.items():
        if key not in mapping:
            continue
        value = mapping[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            wanted = " or ".join(dict.fromkeys(NAMES.get(t, "empty") for t in types))
            raise ExportError(
                f"{mapping.where(key)}: {what} field '{key}' must be {wanted}, not {value!r}",
                hint="see the OpenSLO v1 specification for the field",
            )


def _mapping(value: Any, where: str, what: str) -> Located:
    if not isinstance(value, dict):
        raise ExportError(f"{where}: {what} must be a mapping, not {value!r}")
    return value if isinstance(value, Located) else Located(value)


def check_slo(slo: Document) -> None:
    """Refuse an SLO whose fields have the wrong types, at the field."""
    body = slo.body
    _mapping(body.get("metadata"), body.where("metadata"), f"SLO '{slo.name}' metadata")
    spec = _mapping(body.get("spec"), body.where("spec"), f"SLO '{slo.name}' spec")
    _expect(spec, SPEC_FIELDS, f"SLO '{slo.name}'")
    if "indicator" in spec:
        indicator = _mapping(spec["indicator"], spec.where("indicator"), "the indicator")
        for key in ("metadata", "spec"):
            _mapping(indicator.get(key), indicator.where(key), f"the indicator's {key}")
    for number, objective in enumerate(spec.get("objectives") or [], 1):
        where = spec.where("objectives")
        found = _mapping(objective, where, f"SLO '{slo.name}' objective {number}")
        _expect(found, OBJECTIVE_FIELDS, f"SLO '{slo.name}' objective {number}")
    for window in spec.get("timeWindow") or []:
        _mapping(window, spec.where("timeWindow"), f"SLO '{slo.name}' timeWindow item")
