"""Reading OpenSLO files: multi-document YAML, top-level lists and JSON, with locations.

Every mapping read from YAML remembers where it and each of its keys start, so a
refusal can say `slos.yaml:12:7` instead of "somewhere in the SLO". JSON that
YAML cannot read (rare: tabs, some escapes) is read as JSON and located by
document index and field path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from flowsight.errors import ExportError, InputError

API_VERSION = "openslo/v1"
KINDS = (
    "Service",
    "SLI",
    "SLO",
    "AlertPolicy",
    "AlertCondition",
    "AlertNotificationTarget",
    "DataSource",
)


class Located(dict[str, Any]):
    """A mapping that knows its place in its file: `where()` for itself or one of its keys."""

    origin: str = ""
    line: int | None = None
    column: int | None = None
    key_marks: dict[str, tuple[int, int]]

    def where(self, key: str | None = None) -> str:
        marks = getattr(self, "key_marks", {})
        if key is not None and key in marks:
            line, column = marks[key]
            return f"{self.origin}:{line}:{column}"
        if self.line is not None:
            return f"{self.origin}:{self.line}:{self.column}"
        return f"{self.origin}{f' field {key}' if key else ''}"


class _Loader(yaml.SafeLoader):
    origin = ""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    found = Located()
    found.origin = loader.origin
    found.line, found.column = node.start_mark.line + 1, node.start_mark.column + 1
    found.key_marks = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        found[str(key)] = loader.construct_object(value_node, deep=True)
        found.key_marks[str(key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    return found


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _locate(value: Any, origin: str) -> Any:
    """JSON values as Located mappings (origin only: JSON read by `json` has no marks)."""
    if isinstance(value, dict):
        found = Located({k: _locate(v, origin) for k, v in value.items()})
        found.origin = origin
        return found
    if isinstance(value, list):
        return [_locate(v, origin) for v in value]
    return value


@dataclass
class Document:
    """One OpenSLO object and where it came from (`file document 2`, `file item 3`)."""

    body: Located
    label: str

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))

    @property
    def name(self) -> str:
        metadata = self.body.get("metadata")
        return str(metadata.get("name", "")) if isinstance(metadata, dict) else ""

    @property
    def spec(self) -> Located:
        spec = self.body.get("spec")
        return spec if isinstance(spec, Located) else Located()


def _load(path: Path) -> list[Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read ({error})", file=str(path)) from error
    loader_class = type("_FileLoader", (_Loader,), {"origin": str(path)})
    try:
        return list(yaml.load_all(text, Loader=loader_class))
    except yaml.YAMLError as error:
        if path.suffix.lower() == ".json":
            try:
                return [_locate(json.loads(text), str(path))]
            except json.JSONDecodeError:
                pass
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise InputError(
            f"{where}: is not YAML or JSON ({getattr(error, 'problem', error)})",
            file=str(path),
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None


def _check(body: Any, label: str) -> Located:
    if not isinstance(body, Located):
        raise ExportError(f"{label}: is not an OpenSLO object (a mapping with apiVersion and kind)")
    version = body.get("apiVersion")
    if version != API_VERSION:
        hint = "only apiVersion openslo/v1 is read"
        if isinstance(version, str) and version.startswith("openslo/"):
            hint += f"; convert {version} documents to v1 first (for example with `oslo convert`)"
            hint += " (SLOs of openslo/v1alpha, Sloth's format, are read too)"
        raise ExportError(
            f"{body.where('apiVersion')}: {label} is not an OpenSLO {API_VERSION} document "
            f"(apiVersion {version!r})",
            hint=hint,
        )
    if body.get("kind") not in KINDS:
        raise ExportError(
            f"{body.where('kind')}: {label} has kind {body.get('kind')!r}, "
            f"which OpenSLO v1 does not define",
            hint=f"OpenSLO v1 kinds: {', '.join(KINDS)}",
        )
    metadata = body.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str):
        raise ExportError(f"{body.where('metadata')}: {label} has no metadata.name")
    return body


def _objects(body: Any, label: str) -> list[Document]:
    """The v1 objects of one document; a v1alpha SLO (Sloth's format) becomes v1 SLOs."""
    from flowsight.imports.openslo.alpha import ALPHA_VERSION, v1_from_alpha

    if isinstance(body, Located) and body.get("apiVersion") == ALPHA_VERSION:
        return [Document(_check(converted, label), label) for converted in v1_from_alpha(body)]
    return [Document(_check(body, label), label)]


def read_documents(paths: list[Path]) -> list[Document]:
    """Every OpenSLO object of the files in file order; a document may be a list of objects."""
    documents: list[Document] = []
    for path in paths:
        for number, loaded in enumerate(_load(path), 1):
            if loaded is None:
                continue
            if isinstance(loaded, list):
                for index, item in enumerate(loaded, 1):
                    documents += _objects(item, f"{path} document {number} item {index}")
            else:
                documents += _objects(loaded, f"{path} document {number}")
    return documents


def as_document(body: dict[str, Any], label: str) -> Document:
    """An object given as plain data (tests, Python callers), checked like a file's."""
    return Document(_check(_locate(body, label), label), label)
