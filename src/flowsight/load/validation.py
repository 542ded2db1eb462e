"""Pydantic validation errors turned into located, actionable findings."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from flowsight.findings import Finding
from flowsight.load.source import PathKey, SourceMap, dotted
from flowsight.model import Workload


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/list/dict/Annotated until a model class (or a plain type) remains."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = members[0] if len(members) == 1 else annotation
            if len(members) != 1:
                return annotation
        elif origin in (list, tuple):
            annotation = typing.get_args(annotation)[0]
        elif origin is dict:
            annotation = typing.get_args(annotation)[1]
        else:
            return annotation


def fields_at(loc: PathKey) -> list[str]:
    """The keys the model accepts at the mapping that contains `loc`'s last key."""
    model: Any = Workload
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        info = model.model_fields.get(part)
        if info is None:
            return []
        model = _unwrap(info.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _hint(kind: str, loc: PathKey, message: str, context: dict[str, Any]) -> str | None:
    if kind == "percent_as_ratio":
        value = float(context["value"])
        return f"write {round(value * 100, 9):g}, not {value:g}"
    if loc and loc[-1] == "next" and kind != "string_pattern_mismatch":
        if "branches" in loc:
            return "a branch's `next` is one step id: `next: pay` (or `next: [pay]`)"
        return "`next` is a step id or a list of step ids, e.g. `next: pay` or `next: [pay, ship]`"
    if kind == "extra_forbidden":
        known = fields_at(loc)
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        if close:
            return f"did you mean `{close[0]}`?"
        return f"allowed keys here: {', '.join(known)}" if known else None
    if kind == "missing":
        return f"add `{loc[-1]}`"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return "check the value's type (quote strings, leave numbers unquoted)"
    if "greater_than" in kind or "less_than" in kind:
        return "percentages are written as numbers such as 99.9 (meaning 99.9 %)"
    if kind == "literal_error":
        return None
    if kind == "string_pattern_mismatch" and "a-z0-9" in message:
        return "ids are lower-case letters, digits, '-', '_' or '.' (e.g. purchase-ticket)"
    return None


def _message(kind: str, loc: PathKey, raw: str, value: Any) -> str:
    if kind == "string_pattern_mismatch" and "a-z0-9" in raw:
        return f"`{value}` is not a valid id"
    if kind == "extra_forbidden":
        return f"unknown key `{loc[-1]}`"
    if kind == "missing":
        return f"missing required key `{loc[-1]}`"
    if raw.startswith("Value error, "):
        return raw.removeprefix("Value error, ")
    return raw


_INTERNAL_LOC = re.compile(r"^[a-z][a-z-]*\[.*\]$")


def _clean_loc(loc: tuple[Any, ...], data: Any) -> PathKey:
    """Drop pydantic's internal loc parts (such as `function-after[...]`), keep real keys.

    A user's key may itself contain brackets, so a part is dropped only when the
    data has no such key at that place.
    """
    clean: list[str | int] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            clean.append(part)
            node = node[part]
        elif not (isinstance(part, str) and _INTERNAL_LOC.match(part)):
            clean.append(part)
            node = None
    return tuple(clean)


def validation_findings(error: ValidationError, source: SourceMap, data: Any) -> list[Finding]:
    findings = []
    for item in error.errors(include_url=False):
        loc = _clean_loc(item["loc"], data)
        kind = item["type"]
        where = source.locate(loc, prefer_key=kind == "extra_forbidden")
        if kind == "missing":
            where = source.locate(loc[:-1])
        message = _message(kind, loc, item["msg"], item.get("input"))
        findings.append(
            Finding(
                rule=f"model.{kind.replace('_', '-')}",
                severity="error",
                message=message,
                file=where.file if where else None,
                line=where.line if where else None,
                column=where.column if where else None,
                path=dotted(loc) or None,
                hint=_hint(kind, loc, item["msg"], item.get("ctx") or {}),
            )
        )
    return findings
