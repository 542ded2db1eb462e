"""Commands that need an optional extra say so, instead of failing on an import.

The base install (`pip install flowsight`) measures, checks and exports; the
demo app's stack and the ClickHouse driver are extras (pyproject.toml).
"""

from __future__ import annotations

from importlib.util import find_spec

from flowsight.errors import UsageError

#: Extra -> the modules it brings that flowsight uses.
EXTRAS = {
    "relecloud": [
        "sqlalchemy",
        "alembic",
        "argon2",
        "redis",
        "psycopg",
        "PIL",
        "opentelemetry.sdk",
        "opentelemetry.exporter.otlp.proto.http",
    ],
    "clickhouse": ["clickhouse_connect"],
}


def _installed(module: str) -> bool:
    try:
        return find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require_extra(extra: str, needed_by: str) -> None:
    """A UsageError (exit 2) naming the pip command when the extra is not installed."""
    missing = [module for module in EXTRAS[extra] if not _installed(module)]
    if missing:
        raise UsageError(
            f"{needed_by} needs the `{extra}` extra, which is not installed "
            f"(missing: {', '.join(missing)})",
            f"pip install 'flowsight[{extra}]'",
        )
