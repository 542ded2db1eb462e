"""Flattening model data to dotted leaves, and showing a leaf's value as text.

Lists of mappings are keyed by what names an item (its id, name, percentile,
component or flow) rather than its position, so inserting a step does not make
every later step look changed; lists of plain values stay one leaf
(`next: [] -> [sign-out]`).
"""

from __future__ import annotations

from typing import Any

#: Item keys that name a list entry, in order of preference.
_NAMING_KEYS = ("id", "percentile", "component", "flow", "name", "attribute", "action")


def _item_key(item: dict[str, Any], index: int, seen: set[str]) -> str:
    for key in _NAMING_KEYS:
        value = item.get(key)
        if value is not None and not isinstance(value, dict | list):
            name = f"p{value:g}" if key == "percentile" else str(value)
            if name not in seen:
                return name
    return str(index)


def leaves(value: Any, prefix: str) -> dict[str, Any]:
    """Dotted path -> plain value (str, number, bool, None, or a list of plain values)."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(leaves(inner, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and any(isinstance(item, dict) for item in value):
        out = {}
        seen: set[str] = set()
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                out[f"{prefix}.{index}"] = item
                continue
            key = _item_key(item, index, seen)
            seen.add(key)
            out.update(leaves(item, f"{prefix}.{key}"))
        return out
    return {prefix: value}


def show(value: Any) -> str:
    """A leaf as a reader writes it: lists in brackets, numbers without noise."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return ", ".join(f"{k}={show(v)}" for k, v in value.items())
    return str(value)
