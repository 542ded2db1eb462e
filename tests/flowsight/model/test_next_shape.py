"""`next` takes one shape everywhere: a step id, or a list of step ids."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from flowsight.load import load_workload
from flowsight.schema import workload_schema
from tests.flowsight.conftest import run_cli

WORKLOAD = """\
workload: {name: Shop}
flows:
  - id: checkout
    name: Checkout
    kind: user
    description: Pay.
    criticality: high
    steps:
      - id: cart
        name: Cart
        next: pay
        branches:
          - {criterion: empty basket, next: [cart]}
          - {criterion: coupon, next: pay}
      - {id: pay, name: Pay, next: [ship, cart]}
      - {id: ship, name: Ship, end: true}
"""


def test_single_ids_and_lists_mean_the_same(tmp_path: Path) -> None:
    path = tmp_path / "workload.yaml"
    path.write_text(WORKLOAD)
    steps = load_workload(path).workload.flows[0].steps
    assert steps[0].next == ["pay"]
    assert [b.next for b in steps[0].branches] == ["cart", "pay"]
    assert steps[1].next == ["ship", "cart"]
    report = json.loads(run_cli("check", str(path), "--format", "json").output)
    assert not [f for f in report["findings"] if f["rule"].startswith("model.")]


def test_the_schema_accepts_both_shapes_for_editors() -> None:
    data = yaml.safe_load(WORKLOAD)
    assert list(jsonschema.Draft202012Validator(workload_schema()).iter_errors(data)) == []
    data["flows"][0]["steps"][0]["branches"][0]["next"] = ["cart", "pay"]
    assert list(jsonschema.Draft202012Validator(workload_schema()).iter_errors(data))


def test_a_wrong_shape_says_the_expected_shape_not_quote_strings(tmp_path: Path) -> None:
    path = tmp_path / "workload.yaml"
    path.write_text(WORKLOAD.replace("next: [ship, cart]", "next: {to: ship}"))
    result = run_cli("check", str(path))
    assert result.exit_code == 1
    assert "`next` is a step id or a list of step ids" in result.output
    assert "quote strings" not in result.output
