"""`discover --into FILE`: only what the existing workload lacks, as a unified diff.

New flows (for entry points no flow claims), their use cases, the components no
existing span rule describes and the placeholder parties are appended at the end of
their top-level lists in the file's own text, so every comment and layout of the file
is kept; the patched text is loaded and must still be a valid workload.
"""

from __future__ import annotations

import difflib
import re
import tempfile
from pathlib import Path
from typing import Any

from flowsight.discover.build import Draft
from flowsight.discover.emit import dump
from flowsight.errors import UsageError

SECTIONS = ("parties", "components", "use_cases", "flows", "placeholders")


def _block_end(lines: list[str], section: str) -> tuple[int, str] | None:
    """(index after the section's last item line, item indent), None if there is no block."""
    head = re.compile(rf"^{section}:\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if head.match(line)), None)
    if start is None:
        return None
    end = start + 1
    while end < len(lines) and not re.match(r"^[A-Za-z_\"']", lines[end]):
        end += 1
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip()[:1] == "#"):
        end -= 1
    items = [line for line in lines[start + 1 : end] if line.lstrip().startswith("- ")]
    indent = items[0][: len(items[0]) - len(items[0].lstrip())] if items else "  "
    return end, indent


def _items(section: str, values: list[Any], draft: Draft) -> list[str]:
    comments = {p: c for p, c in draft.comments.items() if p[:1] == (section,)}
    text = dump({section: values}, comments, [])
    return text.splitlines()[1:]


def patched_text(original: str, draft: Draft) -> str:
    lines = original.splitlines()
    for section in SECTIONS:
        values = draft.document.get(section) or []
        if not values:
            continue
        items = _items(section, values, draft)
        found = _block_end(lines, section)
        if found is None:
            lines += ["", f"{section}:", *items]
            continue
        end, indent = found
        if re.match(rf"^{section}:\s*\[", "\n".join(lines)):
            raise UsageError(f"'{section}' is written inline; write it as a block list to patch it")
        lines[end:end] = [indent + line[2:] for line in items]
    return "\n".join(lines) + "\n"


def unified_patch(path: Path, original: str, patched: str) -> str:
    return "".join(
        difflib.unified_diff(
            original.splitlines(keepends=True),
            patched.splitlines(keepends=True),
            fromfile=f"a/{path.name}",
            tofile=f"b/{path.name}",
        )
    )


def check_patched(path: Path, patched: str) -> None:
    """The patched file must load as a workload (its findings are the reviewer's to read)."""
    from flowsight.load import load_workload

    with tempfile.NamedTemporaryFile("w", suffix=".yaml", dir=path.parent, delete=True) as handle:
        handle.write(patched)
        handle.flush()
        load_workload(handle.name)
