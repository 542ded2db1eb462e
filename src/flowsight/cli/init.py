"""`flowsight init [DIR]`: write a commented starter workload."""

from __future__ import annotations

import click

from flowsight.cli.output import stdout
from flowsight.starter import write_starter


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing workload.yaml.")
def command(directory: str, force: bool) -> None:
    """Write a commented starter workload.yaml into DIRECTORY (default: here)."""
    target = write_starter(directory, force)
    stdout.print(f"wrote {target}; next: flowsight check {target}")
