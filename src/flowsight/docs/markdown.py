"""Small Markdown and Mermaid builders: documents are assembled from data.

Nothing here interpolates user text into syntax without escaping it, so a `|`
in a business-impact text cannot break a table and a quote cannot break a
diagram.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence


def escape_cell(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = [
        "| " + " | ".join(escape_cell(h) for h in headers) + " |",
        "|" + "|".join("---" for _ in headers) + "|",
    ]
    lines += ["| " + " | ".join(escape_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def bullet_list(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def numbered_list(items: Iterable[str]) -> str:
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, start=1))


def document(blocks: Iterable[str | None]) -> str:
    """Join blocks with blank lines, skipping empty ones."""
    return "\n\n".join(b for b in blocks if b) + "\n"


def mermaid_id(*parts: str) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9_]", "_", p) for p in parts)


def mermaid_label(text: str) -> str:
    return '"' + text.replace('"', "#quot;").replace("\n", " ") + '"'


class Mermaid:
    """A flowchart as nodes and edges, rendered in insertion order."""

    def __init__(self, direction: str = "TD") -> None:
        self.direction = direction
        self.lines: list[str] = []

    def node(self, node_id: str, label: str, shape: str = "box") -> None:
        left, right = {
            "box": ("[", "]"),
            "round": ("(", ")"),
            "stadium": ("([", "])"),
            "diamond": ("{", "}"),
            "subroutine": ("[[", "]]"),
        }[shape]
        self.lines.append(f"    {node_id}{left}{mermaid_label(label)}{right}")

    def edge(
        self, source: str, target: str, label: str | None = None, dashed: bool = False
    ) -> None:
        arrow = "-.->" if dashed else "-->"
        text = f"|{mermaid_label(label)}|" if label else ""
        self.lines.append(f"    {source} {arrow}{text} {target}")

    def render(self) -> str:
        return "```mermaid\nflowchart " + self.direction + "\n" + "\n".join(self.lines) + "\n```"
