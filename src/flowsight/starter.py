"""`flowsight init`: a commented starter workload that passes `flowsight check`.

The starter is kept as a YAML file in the package (comments are the point of it)
and verified by a test that runs `check` on what `init` writes. The examples
(Relecloud) ship as package data too, so `flowsight init --example relecloud` and
`flowsight demo` work from any folder of a plain `pip install`.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from flowsight.errors import UsageError

STARTER_NAME = "workload.yaml"
SCHEMA_NAME = "workload.schema.json"
#: Examples shipped in the package: name -> what it shows.
EXAMPLES = {"relecloud": "the concert-ticketing workload of the Azure Well-Architected guide"}
_SCHEMA_COMMENT = re.compile(r"^# yaml-language-server: \$schema=.*$", re.MULTILINE)


def starter_text() -> str:
    return files("flowsight").joinpath("starter_workload.yaml").read_text(encoding="utf-8")


def example_resource(name: str) -> Traversable:
    """The packaged workload file of example `name`."""
    if name not in EXAMPLES:
        known = ", ".join(sorted(EXAMPLES))
        raise UsageError(f"there is no example called `{name}`", f"known examples: {known}")
    return files("flowsight").joinpath("examples", name, STARTER_NAME)


def example_text(name: str) -> str:
    """Example `name`, pointing editors at the schema file written next to it."""
    text = example_resource(name).read_text(encoding="utf-8")
    return _SCHEMA_COMMENT.sub(f"# yaml-language-server: $schema={SCHEMA_NAME}", text, count=1)


def write_starter(directory: str | Path, force: bool = False, example: str | None = None) -> Path:
    """Write workload.yaml (the starter or an example) and the schema it references."""
    from flowsight.schema import workload_schema

    text = example_text(example) if example else starter_text()
    target = Path(directory) / STARTER_NAME
    if target.exists() and not force:
        raise UsageError(f"{target} already exists", "pass --force to overwrite it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        schema = json.dumps(workload_schema(), indent=2, sort_keys=True) + "\n"
        (target.parent / SCHEMA_NAME).write_text(schema, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"{target}: cannot write the starter ({error.strerror})") from None
    return target
