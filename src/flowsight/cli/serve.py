"""`flowsight serve FILE --db DB`: the live dashboard, its JSON twins, /metrics and the receiver."""

from __future__ import annotations

from pathlib import Path

import click

from flowsight.cli.options import parse_moment, window_options
from flowsight.cli.source import clickhouse_source, source_options
from flowsight.errors import UsageError


@click.command("serve")
@click.argument("file", type=click.Path())
@source_options(
    db_required=True,
    db_help="Telemetry store directory, created if missing (the receiver writes it; "
    "with --clickhouse the pages read ClickHouse instead).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; off loopback a token is required.",
)
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--token",
    envvar="FLOWSIGHT_TOKEN",
    metavar="TOKEN",
    help="Bearer token every request must send (env FLOWSIGHT_TOKEN; prefer the variable).",
)
@click.option(
    "--refresh",
    default=30,
    show_default=True,
    type=int,
    help="Seconds between page refreshes (0: never).",
)
@click.option(
    "--retain",
    default=None,
    metavar="AGE",
    help="Drop whole segments older than this (for example 400d); default: keep everything.",
)
@window_options
def command(
    file: str,
    db: str,
    clickhouse: str | None,
    table: str,
    clickhouse_password_file: str | None,
    host: str,
    port: int,
    token: str | None,
    refresh: int,
    retain: str | None,
    window: str | None,
    start: str | None,
    end: str | None,
    now: str | None,
) -> None:
    """Serve the live flow dashboard and an OTLP/HTTP receiver.

    The dashboard of workload FILE, its JSON twins, /metrics for Prometheus, and
    OTLP traces received at POST /v1/traces. Exit code 2 when the port is busy.

    \b
    Example:
      flowsight serve examples/relecloud/workload.yaml --db telemetry
      FLOWSIGHT_TOKEN=s3cret flowsight serve workload.yaml --db telemetry --host 0.0.0.0
    """
    from flowsight.cli.listen import bind, serve
    from flowsight.cli.output import stderr
    from flowsight.telemetry import open_store
    from flowsight.telemetry.allocator import use_long_running_pool
    from flowsight.telemetry.compaction import parse_retention
    from flowsight.telemetry.upkeep import run_upkeep
    from flowsight.web import DashboardConfig, create_app

    if window and start:
        raise UsageError("--window and --from both set the window start; give one")
    if refresh < 0:
        raise UsageError("--refresh must be 0 (never) or a number of seconds")
    retain_seconds = parse_retention(retain)
    config = DashboardConfig(
        workload_path=Path(file),
        store=open_store(db, create=True),
        host=host,
        token=token or None,
        window=window,
        start=parse_moment(start, "--from"),
        end=parse_moment(end, "--to"),
        now=parse_moment(now, "--now"),
        refresh_seconds=refresh,
        source=clickhouse_source(clickhouse, table, clickhouse_password_file),
    )
    use_long_running_pool()
    app = create_app(config)
    run_upkeep(app, config.store, retain_seconds)
    sock = bind(host, port)
    shown = f"[{host}]" if ":" in host else host
    guard = "bearer token required" if config.token else "loopback only, no token"
    stderr.print(
        f"flowsight dashboard on http://{shown}:{port}/ ({guard}); OTLP/HTTP at /v1/traces"
    )
    serve(app, sock)
