"""The export package has no import cycle: the registry imports the exporters, never back."""

from __future__ import annotations

import ast
from pathlib import Path

import flowsight.export

PACKAGE = Path(flowsight.export.__file__).parent


def _imports(path: Path) -> set[str]:
    """flowsight.export modules a module imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "flowsight.export":
                found |= {f"flowsight.export.{a.name}" for a in node.names}
            elif node.module.startswith("flowsight.export."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("flowsight.export.")}
    return found


def test_the_export_modules_import_each_other_without_a_cycle() -> None:
    graph = {
        f"flowsight.export.{p.stem}": _imports(p)
        for p in PACKAGE.glob("*.py")
        if p.stem != "__init__"
    }
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module in done:
            return
        for child in graph.get(module, set()):
            visit(child, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())
    assert "flowsight.export.registry" not in set().union(*graph.values())
