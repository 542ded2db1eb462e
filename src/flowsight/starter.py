"""`flowsight init`: a commented starter workload that passes `flowsight check`.

The starter is kept as a YAML file in the package (comments are the point of it)
and verified by a test that runs `check` on what `init` writes.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from flowsight.errors import UsageError

STARTER_NAME = "workload.yaml"


def starter_text() -> str:
    return files("flowsight").joinpath("starter_workload.yaml").read_text(encoding="utf-8")


def write_starter(directory: str | Path, force: bool = False) -> Path:
    target = Path(directory) / STARTER_NAME
    if target.exists() and not force:
        raise UsageError(f"{target} already exists", "pass --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(starter_text(), encoding="utf-8")
    return target
