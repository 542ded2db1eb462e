"""`flowsight import openslo FILES`: bootstrap a workload from OpenSLO v1 documents."""

from __future__ import annotations

from pathlib import Path

import click

from flowsight.cli.export import write_output
from flowsight.cli.options import output_option
from flowsight.cli.output import stderr
from flowsight.imports.openslo import import_documents, read_documents, workload_yaml


@click.command("import")
@click.argument("source", type=click.Choice(["openslo"]))
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@output_option("Workload file to write (default: stdout).")
def command(source: str, files: tuple[Path, ...], output: str | None) -> None:
    """Write a workload file built from OpenSLO documents.

    SOURCE is the format of FILES (openslo: OpenSLO v1 YAML). Each SLO becomes a
    flow to complete; what a workload cannot hold is named on stderr as a warning.
    Exit code 2 when a document cannot be read.

    \b
    Example:
      flowsight export openslo workload.yaml -o slos.yaml
      flowsight import openslo slos.yaml -o workload.yaml
    """
    imported = import_documents(read_documents(list(files)))
    for warning in imported.warnings:
        stderr.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    write_output(workload_yaml(imported.workload), Path(output) if output else None)
