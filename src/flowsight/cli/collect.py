"""`flowsight collect`: run the OTLP/HTTP receiver into a telemetry store."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from flowsight.cli.options import db_option
from flowsight.errors import UsageError

if TYPE_CHECKING:
    from fastapi import FastAPI


@click.command("collect")
@db_option("Telemetry store directory (created if missing).")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to bind; off loopback a token is required.",
)
@click.option("--port", default=4318, show_default=True, type=int, help="Port (OTLP/HTTP: 4318).")
@click.option(
    "--token",
    envvar="FLOWSIGHT_TOKEN",
    metavar="TOKEN",
    help="Bearer token every request must send (env FLOWSIGHT_TOKEN; prefer the variable).",
)
@click.option(
    "--max-body-mb",
    default=20,
    show_default=True,
    type=int,
    help="Largest request body in MiB; larger ones get 413.",
)
@click.option(
    "--max-in-flight-mb",
    default=64,
    show_default=True,
    type=int,
    help="MiB of all requests in flight together; past it, 429 with Retry-After.",
)
@click.option(
    "--retain",
    default=None,
    metavar="AGE",
    help="Drop whole segments older than this (for example 400d); default: keep everything.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    metavar="N",
    help="Receiving processes sharing the port, each with its own log, in-flight budget "
    "and queue (so N times the memory bound); 1 serves from this process.",
)
def command(
    db: str,
    host: str,
    port: int,
    token: str | None,
    max_body_mb: int,
    max_in_flight_mb: int,
    retain: str | None,
    workers: int,
) -> None:
    """Receive OpenTelemetry traces over OTLP/HTTP into the store.

    Serves POST /v1/traces (protobuf or JSON, optionally gzip) until interrupted.
    Off loopback every request must carry the bearer token. Exit code 2 when the
    port is busy or an option is out of range. With --workers N, N processes
    answer on the one port into the one store (/metrics sums them); exit code 1
    if one of them dies (the next start replays its log).

    \b
    Example:
      flowsight collect --db telemetry --port 4318
      OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 my-service
    """
    from flowsight.cli.listen import bind, serve
    from flowsight.cli.output import stderr
    from flowsight.telemetry import open_store
    from flowsight.telemetry.allocator import use_long_running_pool
    from flowsight.telemetry.compaction import parse_retention
    from flowsight.telemetry.receiver import make_app
    from flowsight.telemetry.upkeep import Maintainer, run_upkeep
    from flowsight.telemetry.workers import serve_workers
    from flowsight.web import auth

    if max_body_mb < 1 or max_in_flight_mb < max_body_mb:
        raise UsageError("--max-body-mb must be at least 1 and --max-in-flight-mb at least that")
    token = auth.require_token(host, token or None)
    retain_seconds = parse_retention(retain)
    sock = bind(host, port)
    store = open_store(db, create=True)
    use_long_running_pool()  # before the fork: every worker inherits it

    def build_app() -> FastAPI:
        app = make_app(store, max_body_mb * 1024 * 1024, max_in_flight_mb * 1024 * 1024)
        if token is not None:
            auth.install(app, token)
        return app

    guard = "bearer token required" if token else "loopback only, no token"
    processes = f", {workers} workers" if workers > 1 else ""
    stderr.print(
        f"receiving OTLP/HTTP traces on http://{host}:{port}/v1/traces into {db} "
        f"({guard}{processes})"
    )
    if workers > 1:
        serve_workers(workers, sock, build_app, serve, Maintainer(store, retain_seconds))
        return
    app = build_app()
    run_upkeep(app, store, retain_seconds)
    serve(app, sock)
