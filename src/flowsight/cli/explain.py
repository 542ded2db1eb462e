"""`flowsight explain [RULE]`: why a design-review rule exists, in the guide's own words."""

from __future__ import annotations

import difflib
import json

import click

import flowsight.check.rules  # noqa: F401  (importing registers the rules)
from flowsight.check import REGISTRY, Rule
from flowsight.check.practices import PRACTICES
from flowsight.cli.options import format_option
from flowsight.cli.output import stdout
from flowsight.errors import UsageError


def _rule_data(rule: Rule) -> dict[str, str]:
    source, wording = PRACTICES[rule.practice]
    return {
        "id": rule.id,
        "practice": rule.practice,
        "severity": rule.severity,
        "summary": rule.summary,
        "rationale": rule.rationale,
        "source": source,
        "source_wording": wording,
    }


def _lookup(name: str) -> list[Rule]:
    """The rule called `name`, or every rule of the practice `name`."""
    if name in REGISTRY:
        return [REGISTRY[name]]
    practice = [r for _, r in sorted(REGISTRY.items()) if r.practice == name]
    if practice:
        return practice
    close = difflib.get_close_matches(name, sorted(REGISTRY) + sorted(PRACTICES), n=1, cutoff=0.7)
    raise UsageError(
        f"`{name}` is neither a rule id nor a practice",
        f"did you mean `{close[0]}`?" if close else "run `flowsight explain` to list the rules",
    )


def _print_list() -> None:
    for practice in PRACTICES:
        rules = [r for _, r in sorted(REGISTRY.items()) if r.practice == practice]
        stdout.print(f"[bold]{practice}[/bold]")
        for rule in rules:
            stdout.print(f"  {rule.id:<42} {rule.severity:<8} {rule.summary}")


def _print_rule(rule: Rule) -> None:
    data = _rule_data(rule)
    stdout.print(f"[bold]{rule.id}[/bold] ({rule.practice}, default severity {rule.severity})")
    stdout.print(rule.summary)
    stdout.print()
    stdout.print(f"Why: {rule.rationale}")
    stdout.print()
    stdout.print(f'{data["source"]}:\n  "{data["source_wording"]}"')
    stdout.print()
    stdout.print(
        f"Override per run with `--rule {rule.id}=info|warning|error|off`, "
        f"or per workload under `rules: {{{rule.id}: off}}`."
    )


@click.command("explain")
@click.argument("name", required=False)
@format_option(["text", "json"], "text", "text, or JSON with each rule's source wording")
def command(name: str | None, output_format: str) -> None:
    """Explain a design-review rule, or list them all.

    NAME is a rule id or a practice; without NAME every rule is listed.

    Exit codes: 0 explained, 2 unknown rule or practice.

    \b
    Example:
        flowsight explain
        flowsight explain feasibility.objective-above-ceiling
        flowsight explain reliable
    """
    rules = _lookup(name) if name else [r for _, r in sorted(REGISTRY.items())]
    if output_format == "json":
        click.echo(json.dumps([_rule_data(r) for r in rules], indent=2))
    elif name is None:
        _print_list()
    else:
        for i, rule in enumerate(rules):
            if i:
                stdout.print()
            _print_rule(rule)
