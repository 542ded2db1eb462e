"""Loading a workload: YAML (a file or a directory of files) -> validated Workload.

Loading reports every problem at once, each located at file:line:column with a
dotted path and a hint; it never lets a parser or validator traceback through.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from flowsight.errors import InputError, WorkloadError
from flowsight.findings import Finding, has_errors, sort_findings
from flowsight.load.references import reference_findings
from flowsight.load.source import SourceMap, parse_yaml, read_text
from flowsight.load.validation import validation_findings
from flowsight.model import Workload

__all__ = ["LoadResult", "LoadedWorkload", "load_workload", "read_workload"]

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
    """Merge documents: lists of the same key concatenate; a mapping key may appear once."""
    merged: dict[str, Any] = {}
    source = SourceMap()
    findings: list[Finding] = []
    for data, part_source, filename in parts:
        source.files.append(filename)
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
                shifted = part_source.shifted(key, len(merged[key]))
                for table, own in ((source.values, shifted.values), (source.keys, shifted.keys)):
                    table.update({k: v for k, v in own.items() if k and k[0] == key})
                merged[key] = merged[key] + value
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
                merged[key] = value
                for table, own in (
                    (source.values, part_source.values),
                    (source.keys, part_source.keys),
                ):
                    table.update({k: v for k, v in own.items() if k and k[0] == key})
    return merged, source, findings


def read_workload(path: str | Path) -> LoadResult:
    """Load and validate; unreadable input raises InputError, everything else is a finding."""
    root = Path(path)
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
