"""The `flowsight` command: thin adapters over the library.

Each subcommand lives in its own module of this package, calls one library
function and formats its result. Only this layer prints and chooses exit codes.

The group imports a subcommand's module only when that subcommand runs (click's
LazyGroup pattern): `flowsight --help` lists the commands from the summaries
below without importing DuckDB, pydantic or the web stack, so it starts about as
fast as click itself (bench/startup_bench.py). tests/flowsight/cli holds every
summary equal to its command's own first docstring line.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from flowsight import __version__

#: Command name -> (module of this package defining `command`, one-line summary), in help order.
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("check", "Validate a workload file or directory and review its design."),
    "explain": ("explain", "Explain a design-review rule, or list them all."),
    "docs": ("docs", "Write the flow catalog and one Markdown page per flow."),
    "schema": ("schema", "Print the workload file's JSON Schema (for editors)."),
    "init": ("init", "Write a commented starter workload.yaml and its JSON Schema."),
    "diff": ("diff", "Compare two versions of a workload, flow by flow."),
    "discover": ("discover", "Draft a workload from the store's entry points, calls and traffic."),
    "drift": ("drift", "Compare FILE with the traces: exit 1 on any warning or error."),
    "ingest": ("ingest", "Load OTLP trace files (JSON Lines or protobuf) into the store."),
    "collect": ("collect", "Receive OpenTelemetry traces over OTLP/HTTP into the store."),
    "evaluate": ("evaluate", "Measure every flow of FILE against its targets."),
    "probe": ("probe", "Run every flow's journeys once against --base-url."),
    "load": ("load", "Offer FILE's traffic mix to --base-url, then check targets."),
    "demo": ("demo", "Run Relecloud under load with faults and measure every flow."),
    "report": ("report", "Write the flow review as one offline HTML file, or Markdown."),
    "cost": ("cost", "Share each component's cost among the flows by their work."),
    "review": ("review", "Review every flow: targets vs measured, trend, actions."),
    "serve": ("serve", "Serve the live flow dashboard and an OTLP/HTTP receiver."),
    "export": ("export", "Generate monitoring (Prometheus, Alertmanager, OpenSLO, Grafana)."),
    "import": ("import_", "Write a workload file built from OpenSLO documents."),
}

#: Modules of this package that each define `command`, in help order.
COMMAND_MODULES = [module for module, _ in COMMANDS.values()]


class FlowsightGroup(click.Group):
    """Loads subcommands on first use; turns FlowsightError into a message and its exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *sorted(set(self.commands) - set(COMMANDS))]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"flowsight.cli.{COMMANDS[cmd_name][0]}")
        command: click.Command = module.command
        self.commands[cmd_name] = command
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the summaries, so that `--help` imports no subcommand."""
        rows = [(name, summary) for name, (_, summary) in COMMANDS.items()]
        extra = sorted(set(self.commands) - set(COMMANDS))
        rows += [(name, self.commands[name].get_short_help_str()) for name in extra]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        from flowsight.errors import FlowsightError

        try:
            return super().invoke(ctx)
        except FlowsightError as error:
            from flowsight.cli.output import print_error

            print_error(error)
            ctx.exit(error.exit_code)


@click.group(cls=FlowsightGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flowsight")
def cli() -> None:
    """Design, measure and run a workload by its flows.

    Exit codes: 0 ok, 1 findings or a failed target, 2 usage error or unreadable input.
    `flowsight COMMAND --help` shows a command's options and an example.

    \b
    Example:
      flowsight init my-service
      flowsight check my-service/workload.yaml
    """


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="flowsight")
