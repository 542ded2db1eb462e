"""The JSON Schema of the workload file, for editors (yaml-language-server) and CI."""

from __future__ import annotations

from typing import Any

from flowsight.model import Workload
from flowsight.model.base import IDENTIFIER

SCHEMA_ID = "https://flowsight.dev/schema/workload.json"


def workload_schema() -> dict[str, Any]:
    schema = Workload.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = SCHEMA_ID
    schema["title"] = "flowsight workload"
    return schema


def _type_name(prop: dict[str, Any]) -> str:
    """A property's type in words, with links to the tables of nested objects."""
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in prop:
        kinds = [_type_name(p) for p in prop["anyOf"] if p.get("type") != "null"]
        return " or ".join(dict.fromkeys(kinds))
    if "enum" in prop:
        return " \\| ".join(f"`{value}`" for value in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type_name(prop.get('items', {}))}"
    if kind == "object":
        values = prop.get("additionalProperties")
        return f"map to {_type_name(values)}" if isinstance(values, dict) else "mapping"
    if kind == "string" and prop.get("pattern") == IDENTIFIER:
        return "id"
    if kind == "string" and "format" in prop:
        return str(prop["format"])
    return {"number": "number", "integer": "integer", "boolean": "true/false"}.get(kind, kind)


def _table(title: str, definition: dict[str, Any]) -> list[str]:
    required = set(definition.get("required", []))
    lines = [f"### {title}", ""]
    if definition.get("description"):
        lines += [" ".join(definition["description"].split()), ""]
    lines += ["| key | required | type | meaning |", "|---|---|---|---|"]
    for key, prop in definition.get("properties", {}).items():
        mark = "**required**" if key in required else ""
        meaning = " ".join(str(prop.get("description", "")).split()).replace("|", "\\|")
        lines.append(f"| `{key}` | {mark} | {_type_name(prop)} | {meaning} |")
    return lines


def keys_markdown() -> str:
    """Every key of the workload file, its type and whether it is required, from the model.

    docs/workload.md embeds this (tests/flowsight/cli/test_reference.py keeps it fresh).
    """
    schema = workload_schema()
    lines = _table("Workload", schema)
    for name, definition in sorted(schema["$defs"].items()):
        lines += ["", *_table(name, definition)]
    return "\n".join(lines)
