"""The one Finding shape, pinned: text, JSON, SARIF and the dashboard all rely on it."""

from __future__ import annotations

import json

from flowsight.findings import Finding


def test_finding_json_keys_are_exactly_the_documented_ones() -> None:
    finding = Finding("logical.dead-end", "error", "m", "w.yaml", 3, 5, "flows[0]", "h")
    data = json.loads(json.dumps(finding.to_dict()))
    assert list(data) == [
        "rule",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "path",
        "hint",
    ]
    assert data == {
        "rule": "logical.dead-end",
        "severity": "error",
        "message": "m",
        "file": "w.yaml",
        "line": 3,
        "column": 5,
        "path": "flows[0]",
        "hint": "h",
    }


def test_optional_fields_serialize_as_null() -> None:
    data = Finding("x.y", "info", "m").to_dict()
    assert data["file"] is None and data["line"] is None and data["hint"] is None
    assert Finding("x.y", "info", "m").location() == "<workload>"
