"""The published schemas of other projects (fixtures/README.md), as jsonschema validators."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator

FIXTURES = Path(__file__).parent / "fixtures"


class _CrdLoader(yaml.SafeLoader):
    """Reads YAML 1.1's `=` value tag as the string it is in the CRD's enums."""


_CrdLoader.add_constructor(
    "tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node)
)  # type: ignore[arg-type,union-attr]


def _without_inline_flags(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {
            key: value.replace("(?i)", "") if key == "pattern" else _without_inline_flags(value)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_without_inline_flags(item) for item in schema]
    return schema


def prometheus_rule_validator() -> Draft7Validator:
    crd = yaml.load(
        (FIXTURES / "monitoring.coreos.com_prometheusrules.yaml").read_text(), _CrdLoader
    )
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")
    return Draft7Validator(version["schema"]["openAPIV3Schema"])


def alertmanager_config_validator() -> Draft7Validator:
    schema = json.loads((FIXTURES / "alertmanagerconfig-v1alpha1.openapi.json").read_text())
    return Draft7Validator(_without_inline_flags(schema))


def grafana_dashboard_validator() -> Draft7Validator:
    return Draft7Validator(json.loads((FIXTURES / "grafana-dashboard.jsonschema.json").read_text()))


def errors(validator: Draft7Validator, document: Any) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in validator.iter_errors(document)
    ]
