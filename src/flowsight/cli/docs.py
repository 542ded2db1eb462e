"""`flowsight docs FILE -o DIR`: write the flow catalog and one page per flow."""

from __future__ import annotations

import click

from flowsight.cli.output import stdout
from flowsight.docs import write_docs
from flowsight.load import load_workload


@click.command("docs")
@click.argument("file", type=click.Path())
@click.option(
    "-o",
    "--output",
    default="docs/flows",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Directory to write the Markdown into.",
)
def command(file: str, output: str) -> None:
    """Write the flow catalog and one Markdown page per flow.

    The catalog of workload FILE, a page per flow with its Mermaid diagram, into
    the --output directory. Exit code 2 when FILE cannot be loaded.

    \b
    Example:
      flowsight docs examples/relecloud/workload.yaml -o docs/flows
    """
    result = write_docs(load_workload(file), output)
    stdout.print(f"wrote the catalog {result.catalog} and {len(result.flow_pages)} flow pages")
