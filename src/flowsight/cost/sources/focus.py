"""FOCUS cost exports (FinOps Open Cost and Usage Specification), CSV or Parquet.

DuckDB scans the export and sums the cost per month and resource inside the
engine, so a bill of millions of rows comes back as one row per resource and
month. Each resource is then mapped to a component, first match wins:

1. the tag `flowsight-component` (in the FOCUS `Tags` JSON) naming a component id;
2. `ResourceName`, or the last segment of `ResourceId`, equal to a component id or name;
3. `ServiceName` equal to a component id or name.

A charge that maps to nothing stays unmapped and is reported, never spread.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from flowsight.cost.sources.base import CostLine
from flowsight.errors import CostDataError, InputError
from flowsight.model import Workload

TAG = "flowsight-component"
COST_COLUMNS = ("EffectiveCost", "BilledCost")
OPTIONAL = ("ResourceId", "ResourceName", "ServiceName", "Tags")


def _reader(path: Path) -> str:
    quoted = "'" + str(path).replace("'", "''") + "'"
    if path.suffix == ".parquet":
        return f"read_parquet({quoted})"
    return f"read_csv({quoted}, header = true, all_varchar = true)"


def _columns(connection: duckdb.DuckDBPyConnection, path: Path, cost: str) -> set[str]:
    try:
        names = {
            row[0]
            for row in connection.execute(f"DESCRIBE SELECT * FROM {_reader(path)}").fetchall()
        }
    except duckdb.Error as error:
        raise InputError(f"{path}: cannot read the FOCUS export ({error})") from None
    for needed in ("ChargePeriodStart", cost):
        if needed not in names:
            raise CostDataError(
                f"{path}:1: the FOCUS export has no column {needed}",
                hint=f"FOCUS exports name the cost {' or '.join(COST_COLUMNS)} and the "
                "period ChargePeriodStart",
                file=str(path),
                line=1,
            )
    return names


def _column(names: set[str], name: str) -> str:
    return f'CAST("{name}" AS VARCHAR)' if name in names else "CAST(NULL AS VARCHAR)"


def _typed(path: Path, names: set[str], cost: str) -> str:
    tags = (
        f'json_extract_string(CAST("Tags" AS VARCHAR), \'$."{TAG}"\')'
        if "Tags" in names
        else "CAST(NULL AS VARCHAR)"
    )
    return (
        f'SELECT row_number() OVER () AS rn, CAST("{cost}" AS VARCHAR) AS raw_cost, '
        f'CAST("ChargePeriodStart" AS VARCHAR) AS raw_start, '
        f'TRY_CAST("{cost}" AS DOUBLE) AS cost, '
        f'TRY_CAST("ChargePeriodStart" AS TIMESTAMPTZ) AS start, {tags} AS tag, '
        f"{_column(names, 'ResourceName')} AS resource_name, "
        f"{_column(names, 'ResourceId')} AS resource_id, "
        f"{_column(names, 'ServiceName')} AS service FROM {_reader(path)}"
    )


def _first_bad_row(connection: duckdb.DuckDBPyConnection, path: Path, cost: str) -> None:
    row = connection.execute(
        "SELECT rn, raw_cost, raw_start, cost IS NULL FROM typed "
        "WHERE (cost IS NULL AND coalesce(raw_cost, '') <> '') OR start IS NULL "
        "ORDER BY rn LIMIT 1"
    ).fetchone()
    if row is None:
        return
    number, raw_cost, raw_start, bad_cost = row
    what = (
        f"{cost} '{raw_cost}' is not a number"
        if bad_cost
        else (f"ChargePeriodStart '{raw_start or ''}' is not a date-time")
    )
    line = int(number) + 1
    raise CostDataError(f"{path}:{line}: {what}", file=str(path), line=line)


def _component(workload: Workload, tag: str | None, names: list[str | None]) -> str | None:
    ids = {c.id: c.id for c in workload.components}
    by_name = {**{c.id.lower(): c.id for c in workload.components}}
    by_name.update({c.name.lower(): c.id for c in workload.components if c.name})
    if tag and tag in ids:
        return tag
    for name in names:
        if name and name.lower() in by_name:
            return by_name[name.lower()]
    return None


def focus_costs(
    path: str | Path, workload: Workload, cost: str = "EffectiveCost"
) -> list[CostLine]:
    """Cost per mapped component (or unmapped resource) and month, summed in DuckDB."""
    path = Path(path)
    if cost not in COST_COLUMNS:
        raise CostDataError(f"--cost-column must be one of {', '.join(COST_COLUMNS)}")
    if not path.is_file():
        raise InputError(f"{path}: no such cost file")
    with duckdb.connect(":memory:") as connection:
        names = _columns(connection, path, cost)
        try:
            connection.execute(f"CREATE TEMP TABLE typed AS {_typed(path, names, cost)}")
        except duckdb.Error as error:
            raise CostDataError(f"{path}: cannot read the FOCUS export ({error})") from None
        _first_bad_row(connection, path, cost)
        rows = connection.execute(
            "SELECT strftime(start AT TIME ZONE 'UTC', '%Y-%m') AS month, tag, resource_name, "
            "regexp_extract(resource_id, '([^/]+)/*$', 1), service, "
            "coalesce(resource_name, resource_id, service, '(no resource)'), sum(coalesce(cost, 0)) "
            "FROM typed GROUP BY ALL ORDER BY ALL"
        ).fetchall()
    lines: dict[tuple[str | None, str, str], float] = {}
    for month, tag, name, last, service, label, amount in rows:
        component = _component(workload, tag, [name, last, service])
        key = (component, component or str(label), str(month))
        lines[key] = lines.get(key, 0.0) + float(amount)
    return [CostLine(c, label, month, amount) for (c, label, month), amount in lines.items()]
