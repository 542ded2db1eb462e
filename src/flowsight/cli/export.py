"""`flowsight export FORMAT FILE`: monitoring as code from the workload model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from rich.markup import escape

from flowsight.cli.export_options import (
    checked_variant,
    crd_options,
    locate_findings,
    merged_alertmanager,
    pairs,
    validated_names,
)
from flowsight.cli.output import print_findings, stderr
from flowsight.errors import UsageError
from flowsight.export import ExportOptions
from flowsight.export.base import DEFAULT_HORIZON_DAYS, DEFAULT_METRIC
from flowsight.export.registry import exporters, get_exporter
from flowsight.load import load_workload


def _horizon_start(value: str | None) -> datetime:
    if value is None:
        return ExportOptions().horizon_start
    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError as error:
        raise UsageError(
            f"--horizon-start '{value}' is not a date", hint="write it as YYYY-MM-DD"
        ) from error
    return day.replace(tzinfo=UTC)


def write_output(text: str, output: Path | None) -> None:
    """Write to the file, or to standard output when no file is given."""
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {output}: {error.strerror}") from error
    stderr.print(f"wrote {output}")


@click.command("export")
@click.argument("format_name", metavar="FORMAT", type=click.Choice(list(exporters())))
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="File to write (default: stdout)."
)
@click.option(
    "--metric", default=DEFAULT_METRIC, show_default=True, help="Histogram the SLIs read."
)
@click.option(
    "--service-label",
    default="service_name",
    show_default=True,
    help="Label holding the service name (`job` when Prometheus scrapes the OTel exporter).",
)
@click.option(
    "--horizon-start", help="First day of the schedule gates, YYYY-MM-DD (default: today)."
)
@click.option(
    "--horizon-days",
    type=click.IntRange(7, 3660),
    default=DEFAULT_HORIZON_DAYS,
    show_default=True,
    help="Days the schedule gates cover; a ticket alert warns 30 days before they end.",
)
@click.option("--smtp-smarthost", default="localhost:25", show_default=True)
@click.option("--smtp-from", default="alertmanager@localhost", show_default=True)
@crd_options
def command(
    format_name: str,
    file: Path,
    output: Path | None,
    metric: str,
    service_label: str,
    horizon_start: str | None,
    horizon_days: int,
    smtp_smarthost: str,
    smtp_from: str,
    variant: str | None,
    labels: tuple[str, ...],
    resource_name: str | None,
    namespace: str | None,
    resource_labels: tuple[str, ...],
    merge_into: Path | None,
) -> None:
    """Generate monitoring for the workload in FILE.

    \b
    FORMAT is one of:
      prometheus    recording rules and schedule-gated burn-rate alerts
      alertmanager  routing tree, receivers and inhibition from escalation paths
      openslo       OpenSLO v1 Service, SLI, SLO and AlertPolicy documents
      grafana       dashboard JSON, a row per criticality

    \b
    --format picks a variant:
      prometheus    rules (default) | prometheusrule (monitoring.coreos.com/v1 CRD)
      alertmanager  config (default) | route (a subtree to merge) |
                    alertmanagerconfig (monitoring.coreos.com/v1alpha1 CRD)

    \b
    Example:
      flowsight export prometheus examples/relecloud/workload.yaml -o rules.yaml
      flowsight export prometheus workload.yaml --format prometheusrule --label team=shop
      flowsight export alertmanager workload.yaml --format route --merge-into alertmanager.yml
    """
    metric, service_label = validated_names(metric, service_label)
    options = ExportOptions(
        metric=metric,
        service_label=service_label,
        horizon_start=_horizon_start(horizon_start),
        horizon_days=horizon_days,
        smtp_smarthost=smtp_smarthost,
        smtp_from=smtp_from,
        variant=checked_variant(format_name, variant),
        alert_labels=pairs(labels, "--label", alert=True),
        resource_name=resource_name,
        namespace=namespace,
        resource_labels=pairs(resource_labels, "--metadata-label", alert=False),
    )
    loaded = load_workload(file)
    artifact = get_exporter(format_name).export(loaded.workload, options)
    for warning in artifact.warnings:
        stderr.print(f"[yellow]warning:[/yellow] {escape(warning)}", markup=True)
    print_findings(locate_findings(loaded, list(artifact.findings)), stderr)
    text = artifact.text
    if merge_into is not None:
        text = merged_alertmanager(format_name, loaded.workload, options, merge_into)
    write_output(text, output)
