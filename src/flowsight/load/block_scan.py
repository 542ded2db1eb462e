"""A fast, partial position index for block-style YAML.

Locating findings through PyYAML's event stream costs about a second per
30,000 lines. Most findings point at block-style structure (a flow, its
targets, a component), which a single pass over the lines can locate. This
scanner records only what it is sure of and gives up (returns nothing) on any
construct it does not model: anchors, tags, complex keys, multi-line flow
collections or quoted scalars, documents markers. Anything it did not record is
located by the full event walk, so it can make locating faster but never
different; a test compares both on the example and on mutated documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PathKey = tuple[str | int, ...]
Position = tuple[int, int]  # 1-based line and column

_KEY = re.compile(r"""([A-Za-z0-9_.$/-][A-Za-z0-9_.$/ -]*?|"[^"\\]*"|'[^']*')[ ]*:(?:[ ]+|$)""")


class _GiveUp(Exception):
    """A construct the scanner does not model: the caller uses the full walk."""


@dataclass
class _Frame:
    indent: int
    path: PathKey
    kind: str  # "map" or "seq"
    count: int = 0


@dataclass
class BlockIndex:
    values: dict[PathKey, Position] = field(default_factory=dict)
    keys: dict[PathKey, Position] = field(default_factory=dict)


def _balanced(text: str) -> bool:
    """Whether a value that starts on this line also ends on it.

    Plain scalars are taken as ending here (a continuation line makes the scan
    give up later); quoted scalars and flow collections must close on the line.
    """
    if text[0] == '"':
        return re.match(r'"(?:[^"\\]|\\.)*"', text) is not None
    if text[0] == "'":
        return re.match(r"'(?:[^']|'')*'", text) is not None
    if text[0] not in "[{":
        return True
    depth, quote, previous = 0, "", "["
    for char in text:
        if quote:
            if char == quote:
                quote, previous = "", "x"
            continue
        if char in "\"'" and previous in "[{,:":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        if char != " ":
            previous = char
    return depth == 0 and not quote


class _Scanner:
    def __init__(self) -> None:
        self.index = BlockIndex()
        self.frames: list[_Frame] = []
        self.pending: tuple[PathKey, int] | None = None
        self.pending_is_key = False
        self.block_scalar_indent: int | None = None

    def line(self, number: int, text: str) -> None:
        stripped = text.lstrip(" ")
        column = len(text) - len(stripped)
        if self.block_scalar_indent is not None:
            if not stripped or column > self.block_scalar_indent:
                return
            self.block_scalar_indent = None
        if not stripped or stripped.startswith("#"):
            return
        if "\t" in text[:column] or stripped.startswith(("---", "...", "%", "? ")):
            raise _GiveUp
        self._open_pending(number, column, stripped)
        while self.frames and (
            self.frames[-1].indent > column
            or (
                self.frames[-1].indent == column
                and self.frames[-1].kind == "seq"
                and not stripped.startswith("-")
            )
        ):
            self.frames.pop()
        if not self.frames:
            raise _GiveUp
        if stripped == "-" or stripped.startswith("- "):
            self._item(number, column, stripped)
        else:
            self._key(number, column, stripped)

    def _open_pending(self, number: int, column: int, stripped: str) -> None:
        """A key or item with its value on the following lines: open that collection."""
        if self.pending is None:
            return
        path, owner_indent = self.pending
        is_key, self.pending, self.pending_is_key = self.pending_is_key, None, False
        is_item = stripped == "-" or stripped.startswith("- ")
        # A key's value sequence may sit at the key's own column; an item's may not
        # (a `-` there is the next item, and the pending one is empty).
        nested_ok = column > owner_indent or (column == owner_indent and is_key)
        if is_item and nested_ok:
            self.index.values[path] = (number, column + 1)
            self.frames.append(_Frame(column, path, "seq"))
        elif not is_item and column > owner_indent:
            self.index.values[path] = (number, column + 1)
            self.frames.append(_Frame(column, path, "map"))

    def _item(self, number: int, column: int, stripped: str) -> None:
        frame = self.frames[-1]
        if frame.kind != "seq" or frame.indent != column:
            raise _GiveUp
        path = (*frame.path, frame.count)
        frame.count += 1
        rest = stripped[1:].lstrip(" ")
        rest_column = column + (len(stripped) - len(rest))
        if not rest or rest.startswith("#"):
            self.pending, self.pending_is_key = (path, column), False
            return
        if rest.startswith("-") or rest[0] in "&*!|>":
            raise _GiveUp
        self.index.values[path] = (number, rest_column + 1)
        if _KEY.match(rest):
            self.frames.append(_Frame(rest_column, path, "map"))
            self._key(number, rest_column, rest)
        elif not _balanced(rest):
            raise _GiveUp

    def _key(self, number: int, column: int, stripped: str) -> None:
        frame = self.frames[-1]
        match = _KEY.match(stripped)
        if frame.kind != "map" or frame.indent != column or match is None:
            raise _GiveUp
        key = match.group(1)
        if key[0] in "\"'":
            key = key[1:-1]
        path = (*frame.path, key)
        if path in self.index.keys:
            raise _GiveUp
        self.index.keys[path] = (number, column + 1)
        value = stripped[match.end() :]
        value_column = column + match.end()
        if not value or value.startswith("#"):
            self.pending, self.pending_is_key = (path, column), True
        elif value[0] in "&*!":
            raise _GiveUp
        elif value[0] in "|>":
            self.index.values[path] = (number, value_column + 1)
            self.block_scalar_indent = column
        elif not _balanced(value):
            raise _GiveUp
        else:
            self.index.values[path] = (number, value_column + 1)


def scan_block_positions(text: str) -> BlockIndex:
    """Positions of the block-style structure of one YAML document, or an empty index."""
    scanner = _Scanner()
    lines = text.splitlines()
    first = next(
        (i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")),
        None,
    )
    if first is None or lines[first].startswith((" ", "-")):
        return BlockIndex()
    scanner.index.values[()] = (first + 1, 1)
    scanner.frames.append(_Frame(0, (), "map"))
    try:
        for number, text_line in enumerate(lines[first:], start=first + 1):
            scanner.line(number, text_line)
    except _GiveUp:
        return BlockIndex()
    return scanner.index
