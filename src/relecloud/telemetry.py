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
from contextvars import ContextVar, Token
from typing import Any

from opentelemetry import context as context_api
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


# Statements run while a request is being handled are recorded here (plain tuples) and
# turned into spans when the request ends: building a span inside a write transaction
# would lengthen the time the SQLite write lock is held. Outside a request (CLI,
# heartbeat) spans are built at once.
_pending: ContextVar[list[tuple[Any, ...]] | None] = ContextVar("relecloud_db", default=None)


def collect_db_spans() -> Token[list[tuple[Any, ...]] | None]:
    """Start recording database calls for the current request (see ``emit_db_spans``)."""
    return _pending.set([])


def emit_db_spans(db_tracer: trace.Tracer, token: Token[list[tuple[Any, ...]] | None]) -> None:
    """Build the recorded CLIENT spans, with their real start and end times."""
    records = _pending.get() or []
    _pending.reset(token)
    for parent, name, attributes, started, ended, error in records:
        span = db_tracer.start_span(
            name,
            context=parent,
            kind=SpanKind.CLIENT,
            attributes=attributes,
            start_time=started,
        )
        if error:
            span.set_status(Status(StatusCode.ERROR, error))
        span.end(end_time=ended)


def instrument_engine(engine: Engine, db_tracer: trace.Tracer) -> None:
    """A CLIENT span per SQL statement (statement text only, never parameters)."""
    system = "postgresql" if engine.dialect.name == "postgresql" else engine.dialect.name
    attributes_of: dict[str, tuple[str, dict[str, str]]] = {}

    def describe(statement: str) -> tuple[str, dict[str, str]]:
        known = attributes_of.get(statement)
        if known is None:
            operation = statement.lstrip().split(" ", 1)[0].upper()
            known = (
                f"{operation} relecloud",
                {
                    "db.system.name": system,
                    "db.system": system,
                    "db.operation.name": operation,
                    "db.query.text": statement[:2000],
                },
            )
            if len(attributes_of) < 5000:
                attributes_of[statement] = known
        return known

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, _m: Any):
        if context is None or describe(statement)[1]["db.operation.name"] in _UNTRACED:
            return
        context._relecloud_db = (statement, time.time_ns())

    def finish(context: Any, error: str | None) -> None:
        started = getattr(context, "_relecloud_db", None)
        if started is None:
            return
        context._relecloud_db = None
        name, attributes = describe(started[0])
        record = (context_api.get_current(), name, attributes, started[1], time.time_ns(), error)
        pending = _pending.get()
        if pending is not None:
            pending.append(record)
            return
        token = collect_db_spans()
        _pending.get().append(record)  # type: ignore[union-attr]
        emit_db_spans(db_tracer, token)

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, _m: Any):
        finish(context, None)

    def failed(exception_context: Any) -> None:
        error = type(exception_context.original_exception).__name__
        finish(exception_context.execution_context, error)

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
