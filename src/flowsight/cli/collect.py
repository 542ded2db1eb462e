"""`flowsight collect`: run the OTLP/HTTP receiver into a telemetry store."""

from __future__ import annotations

import click

from flowsight.cli.output import stderr
from flowsight.errors import UsageError


@click.command("collect")
@click.option("--db", "db", required=True, type=click.Path(), help="Telemetry store directory.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=4318, show_default=True, type=int, help="Port (OTLP/HTTP: 4318).")
@click.option(
    "--max-body-mb", default=20, show_default=True, type=int, help="Largest request body."
)
def command(db: str, host: str, port: int, max_body_mb: int) -> None:
    """Receive OpenTelemetry traces over OTLP/HTTP (POST /v1/traces) into the store."""
    import uvicorn

    from flowsight.telemetry import open_store
    from flowsight.telemetry.receiver import make_app

    if max_body_mb < 1:
        raise UsageError("--max-body-mb must be at least 1")
    store = open_store(db, create=True)
    app = make_app(store, max_body_mb * 1024 * 1024)
    stderr.print(f"receiving OTLP/HTTP traces on http://{host}:{port}/v1/traces into {db}")
    uvicorn.run(app, host=host, port=port, log_level="warning")
