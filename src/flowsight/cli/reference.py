"""docs/cli.md's command reference, generated from the commands' own `--help`.

One source for the reference and the terminal: the help texts. The text is
rendered at a fixed width so it does not depend on the terminal it is refreshed
in; tests/flowsight/cli/test_reference.py fails when docs/cli.md is stale and
rewrites it under FLOWSIGHT_REFRESH_GOLDEN=1 (`make reference`).
"""

from __future__ import annotations

import re

import click

#: Help is wrapped at this width in the reference, whatever the terminal.
WIDTH = 88
BEGIN = "<!-- BEGIN GENERATED: command reference (make reference) -->"
END = "<!-- END GENERATED: command reference -->"
KEYS_BEGIN = "<!-- BEGIN GENERATED: key reference (make reference) -->"
KEYS_END = "<!-- END GENERATED: key reference -->"


def _help(command: click.Command, name: str, parent: click.Context | None) -> str:
    context = click.Context(
        command, info_name=name, parent=parent, terminal_width=WIDTH, max_content_width=WIDTH
    )
    return command.get_help(context).rstrip()


def render_reference() -> str:
    """The command reference: the group's help, then each command's, in help order."""
    from flowsight.cli import cli

    root = click.Context(
        cli,
        info_name="flowsight",
        terminal_width=WIDTH,
        max_content_width=WIDTH,
        help_option_names=["-h", "--help"],
    )
    parts = [
        BEGIN,
        "",
        "## `flowsight`",
        "",
        "```text",
        cli.get_help(root).rstrip(),
        "```",
    ]
    for name in cli.list_commands(root):
        command = cli.get_command(root, name)
        if command is None:
            continue
        parts += ["", f"## `flowsight {name}`", "", "```text", _help(command, name, root), "```"]
    return "\n".join([*parts, "", END])


def render_keys() -> str:
    """docs/workload.md's key reference, between its markers."""
    from flowsight.schema import keys_markdown

    return "\n".join([KEYS_BEGIN, "", keys_markdown(), "", KEYS_END])


def replace_generated(document: str, generated: str) -> str:
    """`document` with its generated region replaced (appended when it has none)."""
    begin, end = generated.splitlines()[0], generated.splitlines()[-1]
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(document):
        return pattern.sub(lambda _: generated, document, count=1)
    return document.rstrip("\n") + "\n\n" + generated + "\n"
