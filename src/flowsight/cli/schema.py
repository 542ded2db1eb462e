"""`flowsight schema`: print the workload file's JSON Schema."""

from __future__ import annotations

import json

import click

from flowsight.schema import workload_schema


@click.command("schema")
def command() -> None:
    """Print the workload file's JSON Schema (for editors).

    yaml-language-server and CI validators read it; `flowsight init` writes it
    next to the starter.

    \b
    Example:
      flowsight schema > workload.schema.json
    """
    click.echo(json.dumps(workload_schema(), indent=2, sort_keys=True))
