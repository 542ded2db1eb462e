"""flowsight's Alertmanager subtree, merged into a configuration or wrapped as a CRD.

`merge_route` puts the subtree first under an existing root route (it matches
only flowsight's own label, so other alerts fall through to the routes that
were there) and adds the receivers, inhibit rules and time intervals it
refers to. Merging again replaces the previous flowsight subtree of the same
workload, so the command can run in CI on every change.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from flowsight.errors import ExportError
from flowsight.export.base import ExportOptions
from flowsight.export.prometheus_crd import metadata
from flowsight.export.receivers import crd_receiver
from flowsight.model import Workload

_MATCHER = re.compile(r'^([a-zA-Z_][a-zA-Z0-9_]*)(=~|!~|!=|=)"(.*)"$')
_CAMEL = {
    "group_by": "groupBy",
    "group_wait": "groupWait",
    "group_interval": "groupInterval",
    "repeat_interval": "repeatInterval",
    "mute_time_intervals": "muteTimeIntervals",
}


def _names(items: list[dict[str, Any]]) -> set[str]:
    return {item["name"] for item in items if isinstance(item, dict) and "name" in item}


def merge_route(
    existing: dict[str, Any], fragment: dict[str, Any], smtp: tuple[str, str] | None = None
) -> dict[str, Any]:
    """`existing` with flowsight's subtree first under its root route; the input is not changed.

    `smtp` (smarthost, from) fills the global SMTP settings when e-mail
    receivers are added and the configuration has none.
    """
    config = copy.deepcopy(existing)
    root = config.get("route")
    if not isinstance(root, dict):
        raise ExportError(
            "the configuration to merge into has no root 'route'",
            hint="merge into a complete alertmanager.yml, or use --format config",
        )
    ours = fragment["route"]["matchers"]
    routes = root.get("routes") or []
    previous = [r for r in routes if isinstance(r, dict) and r.get("matchers") == ours]
    root["routes"] = [copy.deepcopy(fragment["route"])] + [r for r in routes if r not in previous]
    for key in ("receivers", "time_intervals"):
        adding = fragment.get(key) or []
        present = config.get(key) or []
        clash = _names(present) & _names(adding)
        if clash and not previous:
            raise ExportError(
                f"the configuration already has {key} named {', '.join(sorted(clash))}",
                hint="rename them, or merge into a configuration without them",
            )
        kept = [item for item in present if item.get("name") not in _names(adding)]
        if adding or kept:
            config[key] = kept + copy.deepcopy(adding)
    inhibit = [r for r in config.get("inhibit_rules") or [] if r not in fragment["inhibit_rules"]]
    config["inhibit_rules"] = inhibit + copy.deepcopy(fragment["inhibit_rules"])
    if smtp and any("email_configs" in r for r in fragment["receivers"]):
        settings = config.setdefault("global", {}) or {}
        config["global"] = settings
        settings.setdefault("smtp_smarthost", smtp[0])
        settings.setdefault("smtp_from", smtp[1])
    return config


def _matchers(matchers: list[str]) -> list[dict[str, str]]:
    out = []
    for text in matchers:
        found = _MATCHER.match(text)
        if found is None:  # every matcher is built by this package; a miss is a bug here
            raise ExportError(f"internal: cannot convert the matcher {text!r}")
        name, operator, value = found.groups()
        out.append({"name": name, "value": value, "matchType": operator})
    return out


def _crd_route(route: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in route.items():
        if key == "matchers":
            out["matchers"] = _matchers(value)
        elif key == "routes":
            out["routes"] = [_crd_route(child) for child in value]
        else:
            out[_CAMEL.get(key, key)] = value
    return out


def _crd_interval(interval: dict[str, Any]) -> dict[str, Any]:
    start, end = (int(x) for x in interval["days_of_month"][0].split(":"))
    return {
        "times": [
            {"startTime": t["start_time"], "endTime": t["end_time"]} for t in interval["times"]
        ],
        "daysOfMonth": [{"start": start, "end": end}],
        "months": interval["months"],
        "years": interval["years"],
    }


def alertmanager_config(
    workload: Workload, fragment: dict[str, Any], options: ExportOptions, warnings: list[str]
) -> dict[str, Any]:
    """The subtree as a monitoring.coreos.com/v1alpha1 AlertmanagerConfig.

    The operator adds a `namespace` matcher to the route itself; times are UTC,
    the operator's default location.
    """
    receivers = [
        crd_receiver(workload, r["name"].removeprefix("party-"), warnings)
        if r["name"].startswith("party-")
        else {"name": r["name"]}
        for r in fragment["receivers"]
    ]
    inhibit = [
        {
            "sourceMatch": _matchers(rule["source_matchers"]),
            "targetMatch": _matchers(rule["target_matchers"]),
            "equal": rule["equal"],
        }
        for rule in fragment["inhibit_rules"]
    ]
    spec: dict[str, Any] = {
        "route": _crd_route(fragment["route"]),
        "receivers": receivers,
        "inhibitRules": inhibit,
    }
    if fragment["time_intervals"]:
        spec["muteTimeIntervals"] = [
            {"name": t["name"], "timeIntervals": [_crd_interval(i) for i in t["time_intervals"]]}
            for t in fragment["time_intervals"]
        ]
    return {
        "apiVersion": "monitoring.coreos.com/v1alpha1",
        "kind": "AlertmanagerConfig",
        "metadata": metadata(workload, options, "alerts"),
        "spec": spec,
    }
