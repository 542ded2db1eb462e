"""`flowsight init [DIR]`: write a commented starter workload and its JSON Schema."""

from __future__ import annotations

import click

from flowsight.cli.options import force_option


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option(
    "--example",
    type=click.Choice(["relecloud"]),
    help="Write a shipped example instead of the starter (relecloud: the guide's ticketing app).",
)
@force_option("Overwrite an existing workload.yaml.")
def command(directory: str, example: str | None, force: bool) -> None:
    """Write a commented starter workload.yaml and its JSON Schema.

    Writes DIRECTORY/workload.yaml (default: here) and the workload.schema.json
    its first line points editors at. The starter passes `flowsight check`.
    Exit code 2 when workload.yaml exists (unless --force).

    \b
    Example:
      flowsight init my-service
      flowsight init --example relecloud relecloud-demo
    """
    from flowsight.cli.output import stdout
    from flowsight.starter import write_starter

    target = write_starter(directory, force, example)
    stdout.print(f"wrote {target} and its schema; next: flowsight check {target}", markup=False)
