"""Placeholders in journey requests and values extracted from responses.

A string that is exactly one placeholder (`"{concert_id}"`) keeps the value's
type, so an extracted integer stays an integer in a JSON body; placeholders
inside longer strings are formatted into them.
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from flowsight.model import Extract, parse_duration

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*|uuid|random:\d+-\d+|now\+[0-9.]+[a-z]+)\}")


class TemplateError(Exception):
    """A placeholder names no variable, or an extract found nothing."""


def _builtin(name: str, rng: random.Random) -> Any:
    if name == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if name.startswith("random:"):
        low, high = (int(n) for n in name[7:].split("-"))
        return rng.randint(min(low, high), max(low, high))
    if name.startswith("now+"):
        moment = datetime.now(UTC) + parse_duration(name[4:])
        return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return None


def _value(name: str, variables: dict[str, Any], rng: random.Random) -> Any:
    if name in variables:
        return variables[name]
    found = _builtin(name, rng)
    if found is None:
        raise TemplateError(f"placeholder {{{name}}} names no extracted value or credential")
    return found


def render(value: Any, variables: dict[str, Any], rng: random.Random) -> Any:
    """Substitute placeholders in strings, recursively through lists and dict keys/values."""
    if isinstance(value, str):
        whole = _PLACEHOLDER.fullmatch(value)
        if whole:
            return _value(whole.group(1), variables, rng)
        return _PLACEHOLDER.sub(lambda m: str(_value(m.group(1), variables, rng)), value)
    if isinstance(value, list):
        return [render(v, variables, rng) for v in value]
    if isinstance(value, dict):
        return {str(render(k, variables, rng)): render(v, variables, rng) for k, v in value.items()}
    return value


def _walk(node: Any, parts: list[str]) -> list[Any]:
    if not parts:
        return [node]
    head, rest = parts[0], parts[1:]
    if head == "*" and isinstance(node, list):
        return [found for item in node for found in _walk(item, rest)]
    if isinstance(node, list) and head.isdigit() and int(head) < len(node):
        return _walk(node[int(head)], rest)
    if isinstance(node, dict) and head in node:
        return _walk(node[head], rest)
    return []


def extract(
    rule: Extract, body: str, json_body: Any, headers: dict[str, str], rng: random.Random
) -> Any:
    """The value `rule` selects from a response; TemplateError when nothing matches."""
    if rule.header is not None:
        found = [headers[rule.header.lower()]] if rule.header.lower() in headers else []
    elif rule.regex is not None:
        found = [m.group(1) if m.groups() else m.group(0) for m in re.finditer(rule.regex, body)]
    else:
        found = _walk(json_body, (rule.json_path or "").split(".")) if json_body is not None else []
    if not found:
        source = rule.json_path or rule.regex or rule.header
        raise TemplateError(f"could not extract '{rule.name}' ({source}) from the response")
    return rng.choice(found) if rule.pick == "random" else found[0]
