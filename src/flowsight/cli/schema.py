"""`flowsight schema`: print the workload file's JSON Schema."""

from __future__ import annotations

import json

import click

from flowsight.schema import workload_schema


@click.command("schema")
def command() -> None:
    """Print the JSON Schema of the workload file (for yaml-language-server)."""
    click.echo(json.dumps(workload_schema(), indent=2, sort_keys=True))
