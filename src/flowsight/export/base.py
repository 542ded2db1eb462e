"""The one exporter interface and the shared serialisers (the registry: export/registry.py).

Every exporter turns a validated Workload into one artifact built as plain
data and serialised here, so no output is ever string-templated (Go-template
braces in annotations stay data) and the same input always gives the same
bytes: mapping keys are sorted and lists are built in a stable order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import yaml

from flowsight.errors import ExportError
from flowsight.findings import Finding
from flowsight.model import Workload

DEFAULT_METRIC = "http_server_request_duration_seconds"
DEFAULT_HORIZON_DAYS = 730


@dataclass(frozen=True)
class ExportOptions:
    """Knobs shared by the exporters; defaults match the OpenTelemetry Prometheus exporter."""

    metric: str = DEFAULT_METRIC
    service_label: str = "service_name"
    horizon_start: datetime = field(
        default_factory=lambda: datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    )
    horizon_days: int = DEFAULT_HORIZON_DAYS
    smtp_smarthost: str = "localhost:25"
    smtp_from: str = "alertmanager@localhost"
    #: The exporter's output variant (`--format`); None is the exporter's default.
    variant: str | None = None
    #: Extra alert labels (`--label k=v`), over the workload's own.
    alert_labels: tuple[tuple[str, str], ...] = ()
    #: Kubernetes metadata of CRD outputs (PrometheusRule, AlertmanagerConfig).
    resource_name: str | None = None
    namespace: str | None = None
    resource_labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Artifact:
    """One generated file: its text, the name it is usually given, and caveats worth telling."""

    text: str
    filename: str
    warnings: tuple[str, ...] = ()
    #: Located warnings about the output (printed; they do not change the exit code).
    findings: tuple[Finding, ...] = ()


class Exporter(Protocol):
    """What every exporter offers: a name for the CLI, a one-line description, export()."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    def export(self, workload: Workload, options: ExportOptions) -> Artifact: ...


def register(exporter: Exporter) -> Exporter:
    """Mark a module's exporter; flowsight.export.registry lists the modules.

    The registry imports the exporter modules, never the other way round, so
    base -> exporter -> registry has no cycle.
    """
    return exporter


def variant(options: ExportOptions, known: tuple[str, ...]) -> str:
    """The chosen output variant of an exporter whose variants are `known` (first: default)."""
    chosen = options.variant or known[0]
    if chosen not in known:
        raise ExportError(
            f"unknown --format '{chosen}' for this exporter", hint=f"use one of: {', '.join(known)}"
        )
    return chosen


class _Dumper(yaml.SafeDumper):
    """Block style; multi-line strings as literal blocks so expressions stay readable.

    Never anchors and aliases (`&id001`/`*id001`): a list shared by two rules is
    written out twice, because Kubernetes, promtool and people read plain YAML.
    """

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and _block_safe(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _block_safe(value: str) -> bool:
    """A literal block keeps the text exactly only without carriage returns or edge spaces."""
    return not any(c in value for c in "\r\x85\u2028\u2029") and value == value.strip(" \t")


_Dumper.add_representer(str, _str)


def dump_yaml(data: Any) -> str:
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=True,
        default_flow_style=False,
        width=100000,
        allow_unicode=True,
    )


def dump_yaml_all(documents: list[Any]) -> str:
    return yaml.dump_all(
        documents,
        Dumper=_Dumper,
        sort_keys=True,
        default_flow_style=False,
        width=100000,
        allow_unicode=True,
        explicit_start=True,
    )


def dump_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


Builder = Callable[[Workload, ExportOptions], Artifact]


@dataclass(frozen=True)
class FunctionExporter:
    """An Exporter made from a build function, so each module stays a plain function."""

    name: str
    description: str
    build: Builder

    def export(self, workload: Workload, options: ExportOptions) -> Artifact:
        return self.build(workload, options)
