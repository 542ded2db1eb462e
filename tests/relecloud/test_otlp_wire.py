"""The direct OTLP encoder must produce what the stock protobuf encoder produces."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.util.types import AttributeValue

from relecloud.otlp_wire import encode_request


def _spans() -> tuple[ReadableSpan, ...]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "relecloud"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("relecloud", "1.2.3")
    other = provider.get_tracer("other")
    remote = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(1))
    attributes: dict[str, AttributeValue] = {
        "app.flow": "purchase-ticket",
        "app.flow.step": "checkout",
        "http.response.status_code": 503,
        "neg": -5,
        "app.cache.hit": True,
        "flag": False,
        "ratio": 0.25,
        "unicode": "Beyoncé ✓",
        "list": ("a", "b"),
        "ints": (1, 2, 3),
    }
    parent = trace.set_span_in_context(trace.NonRecordingSpan(remote))
    for kind in SpanKind:
        with tracer.start_as_current_span(
            "GET /x", context=parent, kind=kind, attributes=attributes
        ) as span:
            span.set_status(Status(StatusCode.ERROR, "boom"))
            span.record_exception(ValueError("bad"))
            with tracer.start_as_current_span("SELECT relecloud", links=[Link(remote, {"k": 1})]):
                pass
        with other.start_as_current_span("heartbeat", kind=kind) as span:
            span.set_status(Status(StatusCode.OK))
    return exporter.get_finished_spans()


def test_wire_encoding_decodes_to_the_stock_message() -> None:
    spans = _spans()
    for _ in range(2):  # the second pass is served from the key/value cache
        mine = ExportTraceServiceRequest.FromString(encode_request(spans))
        assert mine == encode_spans(spans)


def test_empty_batch() -> None:
    assert ExportTraceServiceRequest.FromString(encode_request([])) == encode_spans([])


def test_equal_values_of_other_types_are_not_confused() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("relecloud")
    for value in (True, 1, 1.0, False, 0):
        with tracer.start_as_current_span("s", attributes={"v": value}):
            pass
    spans = exporter.get_finished_spans()
    mine = ExportTraceServiceRequest.FromString(encode_request(spans))
    assert mine == encode_spans(spans)
