"""`flowsight diff OLD NEW`: what changed per flow between two workload versions."""

from __future__ import annotations

import json

import click

from flowsight.cli.options import format_option
from flowsight.cli.output import stdout
from flowsight.diff import diff_workloads, load_version


@click.command("diff")
@click.argument("old")
@click.argument("new")
@format_option(["text", "json"], "text", "text, or JSON with one object per change")
def command(old: str, new: str, output_format: str) -> None:
    """Compare two versions of a workload, flow by flow.

    OLD and NEW are files, directories or git `REV:PATH`.

    Lists per flow the changes to targets, criticality, owners, escalation paths
    and steps. Exit code 0 whether or not anything changed; 2 when a version
    cannot be read.

    \b
    Example:
      flowsight diff HEAD~1:workload.yaml workload.yaml
    """
    changes = diff_workloads(load_version(old), load_version(new))
    if output_format == "json":
        click.echo(json.dumps({"changes": [c.to_dict() for c in changes]}, indent=2, default=str))
        return
    if not changes:
        stdout.print("no changes to any flow")
        return
    current = None
    for change in changes:
        if change.flow != current:
            current = change.flow
            stdout.print(f"[bold]{current}[/bold]")
        stdout.print(f"  {change.describe()}", markup=False)
