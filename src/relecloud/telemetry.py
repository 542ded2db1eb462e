"""OpenTelemetry for Relecloud: tracer provider, OTLP export, DB spans, heartbeat, logs.

Relecloud keeps its own ``TracerProvider`` (service.name ``relecloud``) instead of the
global one, so it can share a process with other instrumented code (tests, flowsight).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import threading
import time
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import event
from sqlalchemy.engine import Engine

from relecloud import __version__
from relecloud.otlp_wire import WireOTLPSpanExporter

SERVICE_NAME = "relecloud"
_lock = threading.Lock()
_provider: TracerProvider | None = None
_otlp_endpoints: set[str] = set()
_UNTRACED = frozenset({"BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE"})


def provider() -> TracerProvider:
    """The process-wide Relecloud tracer provider (created on first use)."""
    global _provider
    with _lock:
        if _provider is None:
            resource = Resource.create(
                {"service.name": SERVICE_NAME, "service.version": __version__}
            )
            _provider = TracerProvider(resource=resource)
        return _provider


def add_span_exporter(exporter: SpanExporter) -> None:
    """Send every Relecloud span to ``exporter`` synchronously (tests use this with
    ``InMemorySpanExporter``)."""
    provider().add_span_processor(SimpleSpanProcessor(exporter))


def export_otlp(endpoint: str, delay_ms: int) -> None:
    """Export spans over OTLP/HTTP protobuf to ``{endpoint}/v1/traces`` (once per URL).

    Batches of up to 2,048 spans: at a few hundred requests/s the export thread then
    wakes on the schedule, not every 512 spans, and posts fewer, larger requests."""
    url = endpoint.rstrip("/") + "/v1/traces"
    with _lock:
        if url in _otlp_endpoints:
            return
        _otlp_endpoints.add(url)
    processor = BatchSpanProcessor(
        WireOTLPSpanExporter(endpoint=url, timeout=5),
        schedule_delay_millis=delay_ms,
        max_queue_size=16_384,
        max_export_batch_size=2_048,
    )
    provider().add_span_processor(processor)


def flush() -> None:
    if _provider is not None:
        _provider.force_flush(5000)


def tracer(enabled: bool = True) -> trace.Tracer:
    if not enabled:
        return trace.NoOpTracer()
    return provider().get_tracer("relecloud", __version__)


def instrument_engine(engine: Engine, db_tracer: trace.Tracer) -> None:
    """A CLIENT span per SQL statement (statement text only, never parameters)."""
    system = "postgresql" if engine.dialect.name == "postgresql" else engine.dialect.name

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, _m: Any):
        operation = statement.lstrip().split(" ", 1)[0].upper()
        if operation in _UNTRACED:
            return
        span = db_tracer.start_span(
            f"{operation} relecloud",
            kind=SpanKind.CLIENT,
            attributes={
                "db.system.name": system,
                "db.system": system,
                "db.operation.name": operation,
                "db.query.text": statement[:2000],
            },
        )
        if context is not None:
            context._relecloud_span = span

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, _m: Any):
        span = getattr(context, "_relecloud_span", None)
        if span is not None:
            span.end()
            context._relecloud_span = None

    def failed(exception_context: Any) -> None:
        context = exception_context.execution_context
        span = getattr(context, "_relecloud_span", None)
        if span is not None:
            span.set_status(
                Status(StatusCode.ERROR, type(exception_context.original_exception).__name__)
            )
            span.end()
            context._relecloud_span = None

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    event.listen(engine, "handle_error", failed)


def emit_heartbeat(hb_tracer: trace.Tracer) -> None:
    """One ROOT span proving the telemetry pipeline is alive."""
    with hb_tracer.start_as_current_span(
        "heartbeat",
        context=trace.set_span_in_context(trace.INVALID_SPAN),
        kind=SpanKind.INTERNAL,
        attributes={"app.flow": "collect-telemetry", "app.flow.step": "heartbeat"},
    ):
        pass


async def heartbeat_loop(hb_tracer: trace.Tracer, interval_s: float) -> None:
    while True:
        emit_heartbeat(hb_tracer)
        await asyncio.sleep(interval_s)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the current trace and span ids."""

    _skip = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        ctx = trace.get_current_span().get_span_context()
        if ctx.is_valid:
            entry["trace_id"] = format(ctx.trace_id, "032x")
            entry["span_id"] = format(ctx.span_id, "016x")
        for key, value in vars(record).items():
            if key not in self._skip and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("relecloud")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
