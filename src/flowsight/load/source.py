"""YAML reading that remembers where every value came from.

PyYAML's node tree carries marks; we build plain Python data from it ourselves
so that every dotted path can be traced back to file:line:column, and so that
duplicate keys (which PyYAML silently overwrites) become findings.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
import yaml_rs

from flowsight.errors import InputError
from flowsight.findings import Finding
from flowsight.load.block_scan import BlockIndex, scan_block_positions

PathKey = tuple[str | int, ...]

#: libyaml's parser when PyYAML was built with it (much faster, same marks).
Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Values a document may expand to through aliases; the same cap yaml_rs applies
#: (its "alias replay limit"), so both parser paths refuse an alias bomb alike.
MAX_EXPANDED_NODES = 1_000_000


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    column: int


class SourceMap:
    """Where each value (and each mapping key) of the loaded data was written.

    Locating needs PyYAML's node tree, which costs several times the fast parse;
    so a map can be lazy: it composes the document only when a finding first
    asks where something is, and a clean workload never pays for it.
    """

    def __init__(
        self,
        values: dict[PathKey, Location] | None = None,
        keys: dict[PathKey, Location] | None = None,
        files: list[str] | None = None,
        builder: Callable[[], tuple[dict[PathKey, Location], dict[PathKey, Location]]]
        | None = None,
        text: str | None = None,
    ) -> None:
        self._values = values if values is not None else {}
        self._keys = keys if keys is not None else {}
        self.files = files if files is not None else []
        self._builder = builder
        self._text = text
        self._quick: BlockIndex | None = None

    def _ensure(self) -> None:
        if self._builder is not None:
            builder, self._builder = self._builder, None
            values, keys = builder()
            self._values.update(values)
            self._keys.update(keys)

    @property
    def values(self) -> dict[PathKey, Location]:
        self._ensure()
        return self._values

    @property
    def keys(self) -> dict[PathKey, Location]:
        self._ensure()
        return self._keys

    def _quick_locate(self, path: PathKey, prefer_key: bool) -> Location | None:
        """The block scanner's answer, when it has one for exactly this question."""
        if self._text is None:
            return None
        if self._quick is None:
            self._quick = scan_block_positions(self._text)
        table = self._quick.keys if prefer_key else self._quick.values
        found = table.get(path)
        return Location(self.files[0], *found) if found else None

    def locate(self, path: PathKey, prefer_key: bool = False) -> Location | None:
        """The location of `path`, or of its nearest ancestor that has one."""
        quick = self._quick_locate(tuple(path), prefer_key)
        if quick is not None:
            return quick
        values, keys = self.values, self.keys
        probe = tuple(path)
        while True:
            if prefer_key and probe in keys:
                return keys[probe]
            if probe in values:
                return values[probe]
            if not probe:
                # PyYAML refused text yaml_rs read (a DEL character, say): the file at least.
                return Location(self.files[0], 1, 1) if self.files else None
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
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: PathKey) -> Any:
        """A scalar's value; one YAML cannot represent (such as 2026-13-45) is a finding."""
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, TypeError, ArithmeticError, LookupError) as error:
            self._add(
                node,
                path,
                "yaml.bad-value",
                f"`{node.value}` cannot be read: {error}",
                "quote the value if it is meant as text",
            )
            return node.value

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.scalar(key_node, path) if isinstance(key_node, yaml.ScalarNode) else None
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


def _reader_finding(error: yaml.reader.ReaderError, filename: str, text: str) -> Finding:
    before = text[: error.position]
    line = before.count("\n") + 1
    column = error.position - (before.rfind("\n") + 1) + 1
    return Finding(
        "yaml.syntax",
        "error",
        f"YAML syntax error: control character U+{error.character:04X} is not allowed",
        filename,
        line,
        column,
        None,
        "delete the invisible character (YAML allows only printable text)",
    )


def _read_bounded(path: Path) -> bytes:
    """At most MAX_FILE_BYTES of a regular file; the size is known before anything is read.

    A device (``/dev/zero``), a FIFO or a socket has no size to check and would be
    read without end, so only regular files are accepted.
    """
    name = str(path)
    try:
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise IsADirectoryError
            if not stat.S_ISREG(info.st_mode):
                raise InputError(
                    f"{name}: not a regular file", "point flowsight at a .yaml file", name
                )
            if info.st_size > MAX_FILE_BYTES:
                raise InputError(_too_large(name), "split the workload into files", name)
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError as error:
        raise InputError(f"{name}: no such file", "check the path", name) from error
    except IsADirectoryError as error:
        raise InputError(f"{name}: is a directory") from error
    except OSError as error:
        raise InputError(f"{name}: cannot be read ({error.strerror})") from error
    if len(raw) > MAX_FILE_BYTES:  # the file grew while it was read
        raise InputError(_too_large(name), "split the workload into files", name)
    return raw


def _too_large(name: str) -> str:
    return f"{name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"


def read_text(path: Path) -> str:
    """The file's text; unreadable, binary or non-UTF-8 input raises InputError."""
    name = str(path)
    raw = _read_bounded(path)
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
    """Parse one YAML document into plain data, a (lazy) source map and findings.

    The data comes from yaml_rs (a Rust YAML 1.2 parser that rejects duplicate
    keys), the locations from PyYAML on demand; a document yaml_rs rejects is
    re-read with PyYAML to locate and explain the problem.
    """
    try:
        data = yaml_rs.loads(text)
    except yaml_rs.YAMLDecodeError as error:
        data, source, findings = locate_yaml(text, filename)
        if not findings:
            findings = [_rust_finding(error, filename)]
        return None, source, findings
    if data is None:
        return None, SourceMap(files=[filename]), [_empty_finding(filename)]
    source = SourceMap(files=[filename], builder=lambda: event_positions(text, filename), text=text)
    return data, source, []


class _PositionLoader(Loader):  # type: ignore[valid-type,misc]
    """libyaml's event stream, which carries every mark and needs no tag resolution."""


def event_positions(
    text: str, filename: str
) -> tuple[dict[PathKey, Location], dict[PathKey, Location]]:
    """Positions only, from the parser's events: no node tree, no values constructed.

    Only called for text yaml_rs already accepted; should PyYAML's stricter reading
    still reject it, the map simply stays empty and findings fall back to the file.
    """
    walker = _EventWalker(filename)
    try:
        for event in yaml.parse(text, Loader=_PositionLoader):
            walker.feed(event)
    except yaml.YAMLError:
        pass
    return walker.values, walker.keys


class _EventWalker:
    """Turns start/end events into dotted paths, tracking where each key and value begins."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.values: dict[PathKey, Location] = {}
        self.keys: dict[PathKey, Location] = {}
        # Frames: [kind, path, state]; kind map|seq|skip; state: map -> next key or None
        # (expecting a key), seq -> next index, skip -> nesting depth.
        self.frames: list[list[Any]] = []

    def _location(self, event: yaml.Event) -> Location:
        mark = event.start_mark
        if mark is None:
            return Location(self.filename, 1, 1)
        return Location(self.filename, mark.line + 1, mark.column + 1)

    def _node_path(self, event: yaml.Event) -> PathKey | None:
        """The path of the node this event starts, or None when it is a mapping key."""
        if not self.frames:
            return ()
        frame = self.frames[-1]
        kind, path, state = frame
        if kind == "seq":
            frame[2] = state + 1
            return (*path, state)
        if state is None:
            key = event.value if isinstance(event, yaml.ScalarEvent) else "?"
            frame[2] = str(key)
            self.keys.setdefault((*path, str(key)), self._location(event))
            return None
        frame[2] = None
        return (*path, state)

    def feed(self, event: yaml.Event) -> None:
        if self.frames and self.frames[-1][0] == "skip":
            self._skip(event)
            return
        if isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            self.frames.pop()
            return
        if not isinstance(event, yaml.NodeEvent):
            return
        path = self._node_path(event)
        collection = isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent)
        if path is None:
            if collection:
                self.frames.append(["skip", (), 1])
            return
        self.values[path] = self._location(event)
        if isinstance(event, yaml.MappingStartEvent):
            self.frames.append(["map", path, None])
        elif isinstance(event, yaml.SequenceStartEvent):
            self.frames.append(["seq", path, 0])

    def _skip(self, event: yaml.Event) -> None:
        """Inside a complex (collection) key: only count nesting until it closes."""
        frame = self.frames[-1]
        if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            frame[2] += 1
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            frame[2] -= 1
            if frame[2] == 0:
                self.frames.pop()


_RUST_POSITION = re.compile(r"line (\d+), column (\d+)")


def _rust_finding(error: Exception, filename: str) -> Finding:
    message = str(error).splitlines()
    found = _RUST_POSITION.search(str(error))
    line, column = (int(found.group(1)), int(found.group(2))) if found else (1, 1)
    problem = message[-1].strip() if message else "invalid YAML"
    return Finding(
        "yaml.syntax",
        "error",
        f"YAML syntax error: {problem}",
        filename,
        line,
        column,
        None,
        "check the indentation and the quoting around this place",
    )


def _empty_finding(filename: str) -> Finding:
    return Finding(
        "yaml.empty",
        "error",
        "the file is empty",
        filename,
        1,
        1,
        None,
        "start from `flowsight init` or declare at least `workload: {name: ...}`",
    )


def _alias_bomb(root: yaml.Node, filename: str) -> Finding | None:
    """A finding when aliases would expand the document past MAX_EXPANDED_NODES.

    Sizes are counted once per distinct node (the composed tree shares aliased
    nodes), iteratively, so neither a bomb nor deep nesting costs more than the
    text itself. The finding points at the deepest node that crosses the cap.
    """
    sizes: dict[int, int] = {}
    started: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not expanded:
            if id(node) in started:  # reached again inside itself: `&a [*a]`
                return _alias_finding(node, filename, "an alias here refers to itself")
            started.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        total = 1 + sum(sizes.get(id(child), 1) for child in children)
        sizes[id(node)] = total
        if total > MAX_EXPANDED_NODES:
            message = f"aliases here expand to more than {MAX_EXPANDED_NODES:,} values"
            return _alias_finding(node, filename, message)
    return None


def _alias_finding(node: yaml.Node, filename: str, message: str) -> Finding:
    mark = node.start_mark
    return Finding(
        "yaml.alias-expansion",
        "error",
        message,
        filename,
        mark.line + 1,
        mark.column + 1,
        None,
        "write the values out, or use fewer nested aliases (`*name`)",
    )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def locate_yaml(text: str, filename: str) -> tuple[Any, SourceMap, list[Finding]]:
    """PyYAML's reading: slower, but every value and key comes with its position."""
    try:
        loader = Loader(text)
    except yaml.reader.ReaderError as error:
        return None, SourceMap(files=[filename]), [_reader_finding(error, filename, text)]
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            return None, SourceMap(files=[filename]), [_syntax_finding(error, filename, text)]
        except yaml.YAMLError as error:
            finding = Finding("yaml.syntax", "error", f"YAML error: {error}", filename, 1, 1)
            return None, SourceMap(files=[filename]), [finding]
        if node is None:
            return None, SourceMap(files=[filename]), [_empty_finding(filename)]
        bomb = _alias_bomb(node, filename)
        if bomb is not None:
            return None, SourceMap(files=[filename]), [bomb]
        builder = _Builder(loader, filename)
        try:
            data = builder.build(node, ())
        except yaml.MarkedYAMLError as error:
            return None, builder.source, [_syntax_finding(error, filename, text)]
        return data, builder.source, builder.findings
    finally:
        loader.dispose()
