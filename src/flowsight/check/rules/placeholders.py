"""Placeholders: values a draft stands in for a person's decision (`flowsight discover`)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from flowsight.check.base import RuleContext, rule
from flowsight.findings import Finding
from flowsight.load.source import PathKey

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_dotted(text: str) -> PathKey:
    """`flows[3].owner` -> `('flows', 3, 'owner')`, the inverse of `dotted`."""
    return tuple(
        int(index) if index else name for name, index in _PART.findall(text) if name or index
    )


@rule(
    "ownership.placeholder",
    "ownership",
    "info",
    "A value stands in for a decision a person still has to make.",
    "A draft drawn from traces can say what runs, how often and how reliably, but not who "
    "owns a flow, whom to escalate to, what its failure costs the business or how critical "
    "it is. `flowsight discover` writes such values as placeholders and lists their paths "
    "under `placeholders:`; each is reported here until a person confirms it and removes "
    "its path from the list.",
)
def placeholder(ctx: RuleContext) -> Iterator[Finding]:
    for i, text in enumerate(ctx.workload.placeholders):
        path = parse_dotted(text)
        located = path if ctx.loaded.source.locate(path) is not None else ("placeholders", i)
        yield ctx.finding(
            located,
            f"`{text}` is a placeholder: a person decides its value",
            f"confirm or change the value, then remove '{text}' from `placeholders:`",
        )
