"""YAML reading that remembers where every value came from.

PyYAML's node tree carries marks; we build plain Python data from it ourselves
so that every dotted path can be traced back to file:line:column, and so that
duplicate keys (which PyYAML silently overwrites) become findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from flowsight.errors import InputError
from flowsight.findings import Finding

PathKey = tuple[str | int, ...]
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of the loaded data was written."""

    values: dict[PathKey, Location] = field(default_factory=dict)
    keys: dict[PathKey, Location] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def locate(self, path: PathKey, prefer_key: bool = False) -> Location | None:
        """The location of `path`, or of its nearest ancestor that has one."""
        probe = tuple(path)
        while True:
            if prefer_key and probe in self.keys:
                return self.keys[probe]
            if probe in self.values:
                return self.values[probe]
            if not probe:
                return None
            probe = probe[:-1]

    def shifted(self, prefix: str, offset: int) -> SourceMap:
        """Re-index list items under `prefix` by `offset` (used when files are merged)."""

        def shift(table: dict[PathKey, Location]) -> dict[PathKey, Location]:
            out: dict[PathKey, Location] = {}
            for key, loc in table.items():
                if len(key) >= 2 and key[0] == prefix and isinstance(key[1], int):
                    key = (prefix, key[1] + offset, *key[2:])
                out[key] = loc
            return out

        return SourceMap(shift(self.values), shift(self.keys), list(self.files))


def dotted(path: PathKey) -> str:
    """`('flows', 3, 'targets')` -> `flows[3].targets`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Builder:
    def __init__(self, loader: yaml.SafeLoader, filename: str) -> None:
        self.loader = loader
        self.filename = filename
        self.source = SourceMap(files=[filename])
        self.findings: list[Finding] = []

    def mark(self, node: yaml.Node) -> Location:
        return Location(self.filename, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.source.values[path] = self.mark(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                self._add(key_node, path, "yaml.key", "a key must be a plain name")
                continue
            key = str(key)
            child = (*path, key)
            if key in result:
                first = self.source.keys[child]
                self._add(
                    key_node,
                    child,
                    "yaml.duplicate-key",
                    f"duplicate key `{key}` (first written at line {first.line})",
                    "remove one of the two; YAML would silently keep only the last",
                )
                continue
            self.source.keys[child] = self.mark(key_node)
            result[key] = self.build(value_node, child)
        return result

    def _add(self, node: yaml.Node, path: PathKey, rule: str, message: str, hint: str = "") -> None:
        loc = self.mark(node)
        self.findings.append(
            Finding(
                rule, "error", message, loc.file, loc.line, loc.column, dotted(path), hint or None
            )
        )


def _syntax_finding(error: yaml.MarkedYAMLError, filename: str, text: str) -> Finding:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else 1
    column = mark.column + 1 if mark else 1
    problem = error.problem or "invalid YAML"
    hint = "check the indentation and the quoting around this place"
    lines = text.splitlines()
    if (
        (mark and mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1])
        or "\t" in problem
        or "'\\t'" in problem
    ):
        problem = "a tab character is used for indentation"
        hint = "YAML indents with spaces only; replace the tabs with spaces"
    return Finding(
        "yaml.syntax", "error", f"YAML syntax error: {problem}", filename, line, column, None, hint
    )


def read_text(path: Path) -> str:
    """The file's text; unreadable, binary or non-UTF-8 input raises InputError."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as error:
        raise InputError(f"{name}: no such file", "check the path", name) from error
    except IsADirectoryError as error:
        raise InputError(f"{name}: is a directory") from error
    except OSError as error:
        raise InputError(f"{name}: cannot be read ({error.strerror})") from error
    if len(raw) > MAX_FILE_BYTES:
        raise InputError(f"{name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        line = raw.count(b"\n", 0, offset) + 1
        raise InputError(
            f"{name}:{line}:1: this is a binary file, not YAML",
            "point flowsight at the workload's .yaml file",
            name,
            line,
            1,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise InputError(
            f"{name}:{line}:1: not UTF-8 text (byte {error.start})",
            "save the file as UTF-8",
            name,
            line,
            1,
        ) from error


def parse_yaml(text: str, filename: str) -> tuple[Any, SourceMap, list[Finding]]:
    """Parse one YAML document into plain data plus its source map and findings."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            return None, SourceMap(files=[filename]), [_syntax_finding(error, filename, text)]
        except yaml.YAMLError as error:
            finding = Finding("yaml.syntax", "error", f"YAML error: {error}", filename, 1, 1)
            return None, SourceMap(files=[filename]), [finding]
        if node is None:
            finding = Finding(
                "yaml.empty",
                "error",
                "the file is empty",
                filename,
                1,
                1,
                None,
                "start from `flowsight init` or declare at least `workload: {name: ...}`",
            )
            return None, SourceMap(files=[filename]), [finding]
        builder = _Builder(loader, filename)
        try:
            data = builder.build(node, ())
        except yaml.MarkedYAMLError as error:
            return None, builder.source, [_syntax_finding(error, filename, text)]
        return data, builder.source, builder.findings
    finally:
        loader.dispose()
