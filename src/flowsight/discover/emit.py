"""YAML for a person to read: block style, small leaf mappings inline, comments kept.

The draft is built as data; this serialises it. PyYAML writes every scalar and every
inline mapping (so quoting is PyYAML's, never ours), and this module only lays out
the blocks and appends the comments a path carries, which PyYAML cannot write.
"""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[str | int, ...]
INLINE_WIDTH = 100


def _flow(value: Any) -> str:
    text = yaml.safe_dump(
        value, default_flow_style=True, width=10**6, allow_unicode=True, sort_keys=False
    )
    return text.strip().removesuffix("...").strip()


def _is_leaf(value: Any) -> bool:
    return not isinstance(value, dict | list)


def _inline(value: Any) -> str | None:
    """A mapping or list of scalars (or of lists of scalars) that fits on one line."""
    if isinstance(value, dict):
        parts = list(value.values())
    elif isinstance(value, list):
        parts = value
    else:
        return None
    if not all(_is_leaf(p) or (isinstance(p, list) and all(map(_is_leaf, p))) for p in parts):
        return None
    text = _flow(value)
    return text if len(text) <= INLINE_WIDTH else None


def _comment(comments: dict[Path, str], path: Path) -> str:
    text = comments.get(path)
    return f"  # {text}" if text else ""


def _lines(value: Any, path: Path, indent: str, comments: dict[Path, str]) -> list[str]:
    out: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _entry(f"{indent}{_flow(key)}:", item, (*path, key), indent, comments)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _entry(f"{indent}-", item, (*path, i), indent, comments, dash=True)
    return out


def _entry(
    head: str, item: Any, path: Path, indent: str, comments: dict[Path, str], dash: bool = False
) -> list[str]:
    note = _comment(comments, path)
    if _is_leaf(item) or item in ({}, []):
        return [f"{head} {_flow(item)}{note}"]
    inline = _inline(item)
    if inline is not None and not any(p[: len(path)] == path and p != path for p in comments):
        return [f"{head} {inline}{note}"]
    if dash and isinstance(item, dict):
        body = _lines(item, path, indent + "  ", comments)
        first = body[0].lstrip()
        return [f"{head} {first}{note}", *body[1:]]
    return [f"{head}{note}", *_lines(item, path, indent + "  ", comments)]


def dump(document: dict[str, Any], comments: dict[Path, str], header: list[str]) -> str:
    """The document as YAML, `header` lines as a leading comment, a blank line between sections."""
    lines = [f"# {line}".rstrip() for line in header]
    for key, value in document.items():
        lines.append("")
        lines += _entry(f"{_flow(key)}:", value, (key,), "", comments)
    return "\n".join(lines).lstrip("\n") + "\n"
