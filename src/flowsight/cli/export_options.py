"""Options of `flowsight export` beyond the basics: variants, labels, CRD metadata, merging."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml

from flowsight.errors import UsageError
from flowsight.export.alertmanager import build_subtree
from flowsight.export.alertmanager_formats import merge_route
from flowsight.export.base import ExportOptions, dump_yaml
from flowsight.export.escape import is_label_name
from flowsight.findings import Finding
from flowsight.load import LoadedWorkload
from flowsight.model import Workload
from flowsight.model.base import RESERVED_ALERT_LABELS

F = TypeVar("F", bound=Callable[..., Any])
MAX_CONFIG_BYTES = 10 * 1024 * 1024
#: Aliases expand without bound (an alias bomb); real configurations use a few, if any.
MAX_ALIASES = 100
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def crd_options(function: F) -> F:
    for option in reversed(
        [
            click.option(
                "--format",
                "variant",
                help="Output variant: prometheus rules|prometheusrule; "
                "alertmanager config|route|alertmanagerconfig.",
            ),
            click.option(
                "--label",
                "labels",
                multiple=True,
                metavar="KEY=VALUE",
                help="Extra label on every alert (repeatable; over the workload's labels).",
            ),
            click.option("--name", "resource_name", help="metadata.name of a CRD output."),
            click.option("--namespace", help="metadata.namespace of a CRD output."),
            click.option(
                "--metadata-label",
                "resource_labels",
                multiple=True,
                metavar="KEY=VALUE",
                help="metadata.labels of a CRD output (repeatable), e.g. release=prometheus.",
            ),
            click.option(
                "--merge-into",
                type=click.Path(path_type=Path),
                help="alertmanager: write this alertmanager.yml with flowsight's route merged in.",
            ),
        ]
    ):
        function = option(function)
    return function


def pairs(values: tuple[str, ...], option: str, alert: bool) -> tuple[tuple[str, str], ...]:
    """KEY=VALUE options as pairs; alert label keys must be free Prometheus label names."""
    found = []
    for value in values:
        key, sep, text = value.partition("=")
        if not sep or not key:
            raise UsageError(f"{option} '{value}' is not KEY=VALUE", hint="e.g. team=checkout")
        if alert and (not is_label_name(key) or key in RESERVED_ALERT_LABELS):
            raise UsageError(
                f"{option} '{key}' cannot be an alert label",
                hint="use a Prometheus label name (letters, digits, '_') that flowsight does "
                f"not set itself ({', '.join(sorted(RESERVED_ALERT_LABELS))})",
            )
        found.append((key, text))
    return tuple(found)


#: Exporters that have output variants; the others refuse --format rather than ignore it.
VARIANTS = {
    "prometheus": ("rules", "prometheusrule"),
    "alertmanager": ("config", "route", "alertmanagerconfig"),
}


def checked_variant(format_name: str, variant: str | None) -> str | None:
    if variant is None:
        return None
    known = VARIANTS.get(format_name)
    if known is None or variant not in known:
        hint = f"use one of: {', '.join(known)}" if known else "leave --format out"
        raise UsageError(f"export {format_name} has no --format '{variant}'", hint=hint)
    return variant


def validated_names(metric: str, service_label: str) -> tuple[str, str]:
    if not re.match(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$", metric):
        raise UsageError(f"--metric '{metric}' is not a Prometheus metric name")
    if not is_label_name(service_label):
        raise UsageError(f"--service-label '{service_label}' is not a Prometheus label name")
    return metric, service_label


def _path_key(path: str) -> tuple[str | int, ...]:
    return tuple(int(index) if index else name for name, index in _PATH_PART.findall(path))


def locate_findings(loaded: LoadedWorkload, findings: list[Finding]) -> list[Finding]:
    """Exporter findings with the file, line and column their path was written at."""
    located = []
    for finding in findings:
        where = loaded.source.locate(_path_key(finding.path)) if finding.path else None
        located.append(
            Finding(
                finding.rule,
                finding.severity,
                finding.message,
                where.file if where else str(loaded.path),
                where.line if where else None,
                where.column if where else None,
                finding.path,
                finding.hint,
            )
        )
    return located


def _read_config(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise UsageError(f"{path} is larger than 10 MiB; it is not an Alertmanager config")
        text = path.read_text(encoding="utf-8")
        aliases = sum(
            isinstance(e, yaml.AliasEvent) for e in yaml.parse(text, Loader=yaml.SafeLoader)
        )
        if aliases > MAX_ALIASES:
            raise UsageError(f"{path} uses {aliases} YAML aliases; at most {MAX_ALIASES} are read")
        data = yaml.safe_load(text)
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from error
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise UsageError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not an Alertmanager configuration (a mapping)")
    return data


def merged_alertmanager(
    format_name: str, workload: Workload, options: ExportOptions, path: Path
) -> str:
    """The configuration at `path` with flowsight's subtree merged in, as YAML."""
    if format_name != "alertmanager" or options.variant not in (None, "route", "config"):
        raise UsageError(
            "--merge-into works with `export alertmanager` (--format route)",
            hint="drop --merge-into, or export alertmanager",
        )
    fragment, _ = build_subtree(workload, options)
    smtp = (options.smtp_smarthost, options.smtp_from)
    return dump_yaml(merge_route(_read_config(path), fragment, smtp))
