"""The `flowsight` command: thin adapters over the library.

Each subcommand lives in its own module of this package, calls one library
function and formats its result. Only this layer prints and chooses exit codes.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from flowsight import __version__
from flowsight.cli.output import print_error
from flowsight.errors import FlowsightError

#: Modules of this package that each define `command`, in help order.
COMMAND_MODULES = [
    "check",
    "explain",
    "docs",
    "schema",
    "init",
    "diff",
    "discover",
    "drift",
    "ingest",
    "collect",
    "evaluate",
    "probe",
    "load",
    "demo",
    "report",
    "cost",
    "review",
    "serve",
    "export",
    "import_",
]


class FlowsightGroup(click.Group):
    """Turns FlowsightError into a message and its documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FlowsightError as error:
            print_error(error)
            ctx.exit(error.exit_code)


@click.group(cls=FlowsightGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flowsight")
def cli() -> None:
    """Design, measure and run a workload by its flows."""


for _name in COMMAND_MODULES:
    cli.add_command(importlib.import_module(f"flowsight.cli.{_name}").command)


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="flowsight")
