"""A simulated recommendations service, off unless RELECLOUD_RECOMMENDATIONS=1.

It exists to show `flowsight drift` finding a downstream call that the workload model
does not declare: with the setting on, opening a concert also asks "recommendations"
for similar concerts, recorded as a CLIENT span with `peer.service=recommendations`, as
an instrumented HTTP client would record it. The answer is computed in process (the
workplace has no other service to call): other visible concerts of the same genre.
"""

from __future__ import annotations

from opentelemetry.trace import SpanKind
from sqlalchemy import select

from relecloud.models import Concert
from relecloud.services import Services

PEER = "recommendations"


def similar(services: Services, concert_id: int, limit: int = 3) -> list[int]:
    """Ids of up to `limit` visible concerts of the same genre, as the service answers."""
    if not services.settings.recommendations:
        return []
    attributes = {"peer.service": PEER, "server.address": "recommendations.internal"}
    with (
        services.tracer.start_as_current_span(
            "GET /similar", kind=SpanKind.CLIENT, attributes=attributes
        ),
        services.db.read() as session,
    ):
        genre = session.scalar(select(Concert.genre).where(Concert.id == concert_id))
        query = (
            select(Concert.id)
            .where(Concert.genre == genre, Concert.id != concert_id, Concert.is_visible)
            .order_by(Concert.id)
            .limit(limit)
        )
        return list(session.scalars(query))
