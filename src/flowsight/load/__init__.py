"""Loading a workload: YAML (a file or a directory of files) -> validated Workload.

Loading reports every problem at once, each located at file:line:column with a
dotted path and a hint; it never lets a parser or validator traceback through.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from flowsight.errors import InputError, WorkloadError
from flowsight.findings import Finding, has_errors, sort_findings
from flowsight.load.references import reference_findings
from flowsight.load.source import Location, PathKey, SourceMap, parse_yaml, read_text
from flowsight.load.validation import validation_findings
from flowsight.model import Workload

__all__ = [
    "LoadResult",
    "LoadedWorkload",
    "load_workload",
    "read_workload",
    "without_cycle_collector",
]

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class LoadedWorkload:
    workload: Workload
    source: SourceMap
    path: Path


@dataclass
class LoadResult:
    """What loading found: the workload when it validated, and every finding."""

    loaded: LoadedWorkload | None
    findings: list[Finding]


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
        if not files:
            raise InputError(f"{path}: the directory holds no .yaml or .yml file")
        return files
    return [path]


def _merge(
    parts: list[tuple[Any, SourceMap, str]],
) -> tuple[dict[str, Any], SourceMap, list[Finding]]:
    """Merge documents: lists of the same key concatenate; a mapping key may appear once.

    The merged source map is lazy like each part's: positions are composed only when a
    finding asks, so a clean workload split over many files never pays for them.
    """
    merged: dict[str, Any] = {}
    plan: list[tuple[str, SourceMap, int | None]] = []
    files: list[str] = []
    findings: list[Finding] = []
    for data, part_source, filename in parts:
        files.append(filename)
        if not isinstance(data, dict):
            loc = part_source.locate(())
            findings.append(
                Finding(
                    "model.not-a-mapping",
                    "error",
                    "the top level of a workload file must be a mapping of keys such as "
                    "`workload`, `flows`, `parties`",
                    filename,
                    loc.line if loc else 1,
                    loc.column if loc else 1,
                    None,
                    "start from `flowsight init` for an example",
                )
            )
            continue
        for key, value in data.items():
            if isinstance(value, list) and isinstance(merged.get(key), list):
                plan.append((key, part_source, len(merged[key])))
                merged[key].extend(value)
            elif key in merged:
                loc = part_source.keys.get((key,))
                findings.append(
                    Finding(
                        "model.duplicate-section",
                        "error",
                        f"`{key}` is declared in more than one file",
                        filename,
                        loc.line if loc else 1,
                        loc.column if loc else 1,
                        key,
                        "declare single sections such as `workload` in one file only",
                    )
                )
            else:
                merged[key] = list(value) if isinstance(value, list) else value
                plan.append((key, part_source, None))
    return merged, SourceMap(files=files, builder=lambda: _merged_positions(plan)), findings


def _merged_positions(
    plan: list[tuple[str, SourceMap, int | None]],
) -> tuple[dict[PathKey, Location], dict[PathKey, Location]]:
    values: dict[PathKey, Location] = {}
    keys: dict[PathKey, Location] = {}
    for key, part_source, offset in plan:
        own = part_source if offset is None else part_source.shifted(key, offset)
        for table, part_table in ((values, own.values), (keys, own.keys)):
            table.update({k: v for k, v in part_table.items() if k and k[0] == key})
    return values, keys


@contextmanager
def without_cycle_collector() -> Iterator[None]:
    """Pause Python's cyclic GC while the workload's objects are built.

    Loading allocates millions of acyclic containers; each allocation burst triggers a
    collection that walks every live object, which made loading 100 k flows quadratic
    (most of its time in the collector). Reference counting still frees garbage.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_workload(path: str | Path) -> LoadResult:
    """Load and validate; unreadable input raises InputError, everything else is a finding."""
    with without_cycle_collector():
        return _read_workload(Path(path))


def _read_workload(path: Path) -> LoadResult:
    root = path
    parts = []
    findings: list[Finding] = []
    for file in _files(root):
        data, source, file_findings = parse_yaml(read_text(file), str(file))
        findings.extend(file_findings)
        if data is not None or not file_findings:
            parts.append((data, source, str(file)))
    if has_errors(findings):
        return LoadResult(None, sort_findings(findings))
    if len(parts) == 1 and isinstance(parts[0][0], dict):
        merged, source, merge_findings = parts[0][0], parts[0][1], list[Finding]()
    else:
        merged, source, merge_findings = _merge(parts)
    findings.extend(merge_findings)
    if has_errors(findings):
        return LoadResult(None, sort_findings(findings))
    try:
        workload = Workload.model_validate(merged)
    except ValidationError as error:
        return LoadResult(
            None, sort_findings(findings + validation_findings(error, source, merged))
        )
    findings.extend(reference_findings(workload, source))
    loaded = LoadedWorkload(workload, source, root)
    return LoadResult(None if has_errors(findings) else loaded, sort_findings(findings))


def load_workload(path: str | Path) -> LoadedWorkload:
    """Load a workload that must be valid; raises WorkloadError with every finding otherwise."""
    result = read_workload(path)
    if result.loaded is None:
        raise WorkloadError(result.findings)
    return result.loaded
