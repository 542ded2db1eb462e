"""The plain cost CSV: `component,period,cost`, one row per component and month or day.

Rows are read one at a time and summed per component and month, so memory is
bounded by components x months; every bad row is reported as file:line.
"""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from pathlib import Path

from flowsight.cost.sources.base import CostLine
from flowsight.errors import CostDataError, InputError
from flowsight.model import Workload

COLUMNS = ("component", "period", "cost")
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])(-\d{2})?$")


def _fail(path: Path, line: int, message: str) -> CostDataError:
    return CostDataError(
        f"{path}:{line}: {message}",
        hint="the plain cost CSV has the columns component,period,cost "
        "(period YYYY-MM or YYYY-MM-DD, cost a number)",
        file=str(path),
        line=line,
    )


def _month(path: Path, line: int, text: str) -> str:
    match = PERIOD.match(text.strip())
    if not match:
        raise _fail(path, line, f"period '{text}' is not YYYY-MM or YYYY-MM-DD")
    return f"{match.group(1)}-{match.group(2)}"


def _cost(path: Path, line: int, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _fail(path, line, f"cost '{text}' is not a number") from None
    if not math.isfinite(value):
        raise _fail(path, line, f"cost '{text}' is not a finite number")
    return value


def _check_header(path: Path, reader: csv.DictReader[str]) -> None:
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise _fail(
            path, 1, f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
        )


def _totals(path: Path, reader: csv.DictReader[str]) -> dict[tuple[str, str], float]:
    totals: dict[tuple[str, str], float] = defaultdict(float)
    _check_header(path, reader)
    for row in reader:
        line = reader.line_num
        if None in row or any(row[c] is None for c in COLUMNS):
            raise _fail(path, line, f"expected {len(reader.fieldnames or [])} fields")
        name = row["component"].strip()
        if not name:
            raise _fail(path, line, "the component is empty")
        totals[(name, _month(path, line, row["period"]))] += _cost(path, line, row["cost"])
    return totals


def csv_costs(path: str | Path, workload: Workload) -> list[CostLine]:
    """Cost lines per component and month; a name that is no component stays unmapped."""
    path = Path(path)
    known = {c.id for c in workload.components}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            try:
                totals = _totals(path, reader)
            except csv.Error as error:
                raise _fail(path, reader.line_num, str(error)) from None
    except OSError as error:
        raise InputError(f"{path}: cannot read the cost file ({error.strerror})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: the cost file is not UTF-8 text") from None
    return [
        CostLine(name if name in known else None, name, month, cost)
        for (name, month), cost in sorted(totals.items())
    ]
