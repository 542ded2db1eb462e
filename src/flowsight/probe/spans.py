"""A probe run as OpenTelemetry spans, marked synthetic, so probes are telemetry too.

Each journey is one root span, covering the flow's own requests, attributed to its flow through the flow's own
telemetry attribute (so `flowsight evaluate` counts it as one synthetic
execution of the flow, and the `probes` signal of an operations target sees
it), with one CLIENT child span per request. The system under test's server
spans join the same trace through the `traceparent` the runner sent.
"""

from __future__ import annotations

from flowsight.model import Flow
from flowsight.probe.runner import JourneyOutcome
from flowsight.telemetry import SpanRecord

SERVICE = "flowsight-probe"
KIND_INTERNAL, KIND_CLIENT = 1, 3
STATUS_OK, STATUS_ERROR = 1, 2
SYNTHETIC = {"flowsight.synthetic": "true", "user_agent.synthetic.type": "test"}


def _flow_attributes(flow: Flow) -> dict[str, str]:
    mapping = flow.telemetry
    attribute = mapping.attribute if mapping and mapping.attribute else "app.flow"
    value = mapping.value if mapping and mapping.value else flow.id
    return {attribute: value}


def _own_span(flow: Flow, outcome: JourneyOutcome) -> tuple[int, int]:
    """The flow's own part of the journey: from its first request to the end of its last.

    A purchase journey signs in first, but signing in is the authentication
    flow's execution; the purchase flow starts at its own start event.
    """
    own = [r for r in outcome.requests if r.flow == flow.id] or outcome.requests
    if not own:
        return outcome.start_ns, outcome.end_ns
    return own[0].start_ns, own[-1].end_ns


def journey_spans(flow: Flow, outcome: JourneyOutcome, base_url: str) -> list[SpanRecord]:
    """The root span of the journey (the flow's own part of it) and a child per request."""
    start_ns, end_ns = _own_span(flow, outcome)
    root = dict(SYNTHETIC)
    root.update(_flow_attributes(flow))
    root["flowsight.probe.journey"] = outcome.journey
    root["flowsight.probe.result"] = "passed" if outcome.passed else "failed"
    if outcome.user:
        root["enduser.id"] = outcome.user
    if outcome.error:
        root["error.message"] = outcome.error[:500]
    spans = [
        SpanRecord(
            trace_id=outcome.trace_id,
            span_id=outcome.span_id,
            service=SERVICE,
            name=f"probe {flow.id}/{outcome.journey}",
            kind=KIND_INTERNAL,
            start_ns=start_ns,
            end_ns=end_ns,
            status=STATUS_OK if outcome.passed else STATUS_ERROR,
            attributes=root,
        )
    ]
    for request in outcome.requests:
        attributes = dict(SYNTHETIC)
        attributes.update(
            {
                "http.request.method": request.method,
                "url.full": base_url + request.path,
                "flowsight.probe.request": request.name,
                "flowsight.flow": request.flow,
            }
        )
        if request.step:
            attributes["flowsight.flow.step"] = request.step
        if request.status is not None:
            attributes["http.response.status_code"] = str(request.status)
        if request.error:
            attributes["error.message"] = request.error[:500]
        spans.append(
            SpanRecord(
                trace_id=outcome.trace_id,
                span_id=request.span_id,
                parent_span_id=outcome.span_id,
                service=SERVICE,
                name=f"{request.method} {request.name}",
                kind=KIND_CLIENT,
                start_ns=request.start_ns,
                end_ns=request.end_ns,
                status=STATUS_OK if request.ok else STATUS_ERROR,
                attributes=attributes,
            )
        )
    return spans
