"""`flowsight collect`: run the OTLP/HTTP receiver into a telemetry store."""

from __future__ import annotations

import click

from flowsight.cli.options import db_option
from flowsight.errors import UsageError


@click.command("collect")
@db_option("Telemetry store directory (created if missing).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=4318, show_default=True, type=int, help="Port (OTLP/HTTP: 4318).")
@click.option(
    "--max-body-mb",
    default=20,
    show_default=True,
    type=int,
    help="Largest request body in MiB; larger ones get 413.",
)
def command(db: str, host: str, port: int, max_body_mb: int) -> None:
    """Receive OpenTelemetry traces over OTLP/HTTP into the store.

    Serves POST /v1/traces (protobuf or JSON, optionally gzip) until interrupted.
    Exit code 2 when the port is busy or an option is out of range.

    \b
    Example:
      flowsight collect --db telemetry --port 4318
      OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 my-service
    """
    from flowsight.cli.listen import bind, serve
    from flowsight.cli.output import stderr
    from flowsight.telemetry import open_store
    from flowsight.telemetry.receiver import make_app

    if max_body_mb < 1:
        raise UsageError("--max-body-mb must be at least 1")
    sock = bind(host, port)
    store = open_store(db, create=True)
    app = make_app(store, max_body_mb * 1024 * 1024)
    stderr.print(f"receiving OTLP/HTTP traces on http://{host}:{port}/v1/traces into {db}")
    serve(app, sock)
