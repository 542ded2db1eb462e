"""Kubernetes resources of the Prometheus Operator (monitoring.coreos.com) around our data.

`prometheus_rule` wraps a rule file as a `PrometheusRule` (v1); the same
metadata rules serve the `AlertmanagerConfig` (v1alpha1) of the Alertmanager
export. Names are DNS-1123 subdomains built from the workload name unless
`--name` is given; labels come from `--metadata-label` (the operator selects
rules by label, e.g. `release: prometheus`).
"""

from __future__ import annotations

import re
from typing import Any

from flowsight.errors import ExportError
from flowsight.export.base import ExportOptions
from flowsight.model import Workload

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")


def default_name(workload: Workload, suffix: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", workload.workload.name.lower()).strip("-") or "workload"
    return f"flowsight-{base}"[: 253 - len(suffix) - 1].rstrip("-") + f"-{suffix}"


def metadata(workload: Workload, options: ExportOptions, suffix: str) -> dict[str, Any]:
    """Kubernetes object metadata, checked as the API server would check it."""
    name = options.resource_name or default_name(workload, suffix)
    if len(name) > 253 or not _DNS_SUBDOMAIN.match(name):
        raise ExportError(
            f"--name '{name}' is not a Kubernetes object name",
            hint="use lower-case letters, digits, '-' and '.', starting and ending alphanumeric",
        )
    meta: dict[str, Any] = {"name": name}
    if options.namespace is not None:
        if len(options.namespace) > 63 or not _DNS_LABEL.match(options.namespace):
            raise ExportError(
                f"--namespace '{options.namespace}' is not a Kubernetes namespace name",
                hint="use at most 63 lower-case letters, digits and '-'",
            )
        meta["namespace"] = options.namespace
    labels = {"app.kubernetes.io/managed-by": "flowsight"}
    for key, value in options.resource_labels:
        if not _LABEL_KEY.match(key) or len(value) > 63 or not _LABEL_VALUE.match(value):
            raise ExportError(
                f"--metadata-label '{key}={value}' is not a Kubernetes label",
                hint="keys like 'release' or 'example.com/team'; values of at most 63 "
                "letters, digits, '-', '_' or '.'",
            )
        labels[key] = value
    meta["labels"] = labels
    return meta


def prometheus_rule(
    workload: Workload, rules: dict[str, Any], options: ExportOptions
) -> dict[str, Any]:
    """The rule file's groups as the `spec` of a monitoring.coreos.com/v1 PrometheusRule."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": metadata(workload, options, "rules"),
        "spec": {"groups": rules["groups"]},
    }
