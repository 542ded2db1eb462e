"""Small Markdown and Mermaid builders: documents are assembled from data.

Nothing here interpolates user text into syntax without escaping it: text is
escaped for HTML (`<script>` stays text in every renderer), for Markdown
inline syntax (a `[link](javascript:...)` or `*` in a name stays literal), for
tables (`|`) and for Mermaid labels (quotes, entities, backticks). Syntax the
builders write themselves (a link to a page) is passed as `Raw`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_INLINE = set("\\`*_[]|~!#")
_MERMAID = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;"}
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x85\u2028\u2029]")


class Raw(str):
    """Markdown the builders wrote themselves (e.g. a link whose text is already escaped)."""


def text(value: object) -> str:
    """User text as inline Markdown that renders as exactly that text, on one line."""
    if isinstance(value, Raw):
        return value
    out = []
    for char in _LINE_BREAKS.sub(" ", str(value)):
        if char in _HTML:
            out.append(_HTML[char])
        elif char in _INLINE:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def link(label: object, target: str) -> Raw:
    """`[label](target)` with the label escaped; `target` is a page name flowsight chose."""
    return Raw(f"[{text(label)}]({target})")


def escape_cell(value: object) -> str:
    return text(value)


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


def mermaid_label(label: str) -> str:
    """A quoted Mermaid label; entity codes keep quotes, tags and backticks literal."""
    flat = _LINE_BREAKS.sub(" ", label)
    return '"' + "".join(_MERMAID.get(c, c) for c in flat) + '"'


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
