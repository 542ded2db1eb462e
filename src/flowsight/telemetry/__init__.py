"""OpenTelemetry traces in: decoding OTLP, file ingest, the store and the OTLP/HTTP receiver."""

from flowsight.telemetry.files import IngestReport, ingest_files
from flowsight.telemetry.spans import SpanRecord
from flowsight.telemetry.store import TelemetryStore, compact, open_store, record_spans

__all__ = [
    "IngestReport",
    "SpanRecord",
    "TelemetryStore",
    "compact",
    "ingest_files",
    "open_store",
    "record_spans",
]
