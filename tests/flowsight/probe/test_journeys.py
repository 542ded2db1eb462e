"""Journeys in the model and the placeholders/extraction they use (no network)."""

from __future__ import annotations

import random

import pytest
from pydantic import ValidationError

from flowsight.load import load_workload
from flowsight.model import Extract, Flow, Journey
from flowsight.probe.template import TemplateError, extract, render
from tests.flowsight.probe.conftest import EXAMPLE

FLOW = {
    "id": "f",
    "name": "F",
    "kind": "user",
    "description": "d",
    "criticality": "low",
    "steps": [{"id": "list", "name": "List"}],
}


def test_every_relecloud_flow_declares_journeys() -> None:
    workload = load_workload(EXAMPLE).workload
    assert all(flow.journeys for flow in workload.flows)
    steps = {(f.id, r.step) for f in workload.flows for j in f.journeys for r in j.requests}
    assert ("purchase-ticket", "checkout") in steps


def test_a_journey_must_name_a_step_of_its_flow() -> None:
    journey = {"id": "j", "requests": [{"name": "x", "step": "nope", "path": "/"}]}
    with pytest.raises(ValidationError, match="names step 'nope'"):
        Flow.model_validate({**FLOW, "journeys": [journey]})
    ok = {"id": "j", "requests": [{"name": "x", "step": "list", "path": "/"}]}
    assert Flow.model_validate({**FLOW, "journeys": [ok]}).journeys[0].id == "j"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"name": "v", "json_path": "a", "regex": "b"}, "exactly one of"),
        ({"name": "v"}, "exactly one of"),
        ({"name": "v", "regex": "("}, "does not compile"),
        ({"name": "Bad-Name", "header": "x"}, "should match pattern"),
    ],
)
def test_extract_rules_are_validated(raw: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Extract.model_validate(raw)


def test_sign_in_needs_a_role_and_bodies_are_exclusive() -> None:
    request = {"name": "s", "path": "/login"}
    with pytest.raises(ValidationError, match="names the role"):
        Journey.model_validate({"id": "j", "sign_in": request, "requests": [request]})
    with pytest.raises(ValidationError, match="form or a json_body"):
        Journey.model_validate(
            {"id": "j", "requests": [{**request, "form": {"a": "b"}, "json_body": {"a": 1}}]}
        )


def test_placeholders_keep_types_and_fill_strings() -> None:
    rng = random.Random(1)
    body = render({"items": {"{cid}": 1}, "id": "{cid}", "t": "c-{cid}"}, {"cid": 42}, rng)
    assert body == {"items": {"42": 1}, "id": 42, "t": "c-42"}
    assert 1 <= render("{random:1-3}", {}, rng) <= 3
    assert len(render("{uuid}", {}, rng)) == 36
    assert render("{now+30d}", {}, rng).endswith("Z")
    with pytest.raises(TemplateError, match="names no extracted value"):
        render("{missing}", {}, rng)


def test_extraction_from_json_regex_and_headers() -> None:
    rng = random.Random(2)
    data = {"items": [{"id": 3}, {"id": 5}]}
    rule = Extract(name="cid", json_path="items.*.id", pick="random")
    assert extract(rule, "", data, {}, rng) in (3, 5)
    assert extract(Extract(name="c", json_path="items.1.id"), "", data, {}, rng) == 5
    html = '<input name="csrf_token" value="abc">'
    csrf = Extract(name="csrf", regex='name="csrf_token" value="([^"]+)"')
    assert extract(csrf, html, None, {}, rng) == "abc"
    assert extract(Extract(name="l", header="Location"), "", None, {"location": "/x"}, rng) == "/x"
    with pytest.raises(TemplateError, match="could not extract 'cid'"):
        extract(rule, "", {"items": []}, {}, rng)
