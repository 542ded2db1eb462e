"""List, search and create-concerts flows: JSON API."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Response
from opentelemetry import trace
from starlette.concurrency import run_in_threadpool

from relecloud import catalog, recommendations
from relecloud.deps import ApiAdmin, ServicesDep
from relecloud.errors import SearchUnavailable
from relecloud.flows import flow
from relecloud.schemas import ConcertIn, ConcertPage, ConcertPublic, ErrorOut, Text

router = APIRouter(prefix="/api/concerts", tags=["concerts"])
ConcertId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Page = Annotated[int, Query(ge=1, le=10_000)]
Price = Annotated[float | None, Query(ge=0, le=100_000)]


@router.get("/upcoming", response_model=ConcertPage)
@flow("list-concerts", "list-upcoming")
async def upcoming(
    services: ServicesDep, page: Page = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 10
) -> Response:
    """Visible concerts that have not started, soonest first (cache-aside, 1 h)."""
    # An in-process cache hit is served on the event loop (no thread hop); Redis and
    # the database are called from the thread pool.
    cached = services.cache.peek(page, page_size) if services.store.name == "memory" else None
    if cached is not None:
        body, hit = cached, True
    else:
        body, hit = await run_in_threadpool(
            catalog.upcoming, services.db, services.cache, page, page_size
        )
    trace.get_current_span().set_attribute("app.cache.hit", hit)
    headers = {"X-Cache": "hit" if hit else "miss"}
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "/search",
    response_model=ConcertPage,
    responses={503: {"model": ErrorOut, "description": "search is failing"}},
)
@flow("search-concerts", "search")
def search(
    services: ServicesDep,
    q: Annotated[Text, Query(max_length=200)] = "",
    min_price: Price = None,
    max_price: Price = None,
    sort: Literal["price", "date"] = "date",
    desc: bool = False,
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=50)] = 10,
) -> ConcertPage:
    """Search title, artist, genre and venue; price range; sort by price or date."""
    query = catalog.SearchQuery(q, min_price, max_price, sort, desc, page, page_size)
    try:
        if services.faults.take_error("search-concerts"):
            raise SearchUnavailable("injected fault in search")
        return ConcertPage.model_validate(catalog.search(services.db, query))
    except SearchUnavailable as exc:
        trace.get_current_span().set_attribute("app.search.error", str(exc))
        raise HTTPException(503, "Search is unavailable; use /api/concerts/upcoming") from exc


@router.get("/{concert_id}", response_model=ConcertPublic, responses={404: {"model": ErrorOut}})
@flow("list-concerts", "concert-details")
def concert_details(concert_id: ConcertId, services: ServicesDep) -> ConcertPublic:
    concert = catalog.details(services.db, concert_id, include_hidden=False)
    recommendations.similar(services, concert_id)
    return concert


@router.post(
    "",
    response_model=ConcertPublic,
    status_code=201,
    responses={400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 403: {"model": ErrorOut}},
)
@flow("create-concerts", "create")
def create_concert(body: ConcertIn, services: ServicesDep, user: ApiAdmin) -> ConcertPublic:
    return catalog.create_concert(services.db, services.cache, body, user.username)


@router.put(
    "/{concert_id}",
    response_model=ConcertPublic,
    status_code=202,
    responses={
        400: {"model": ErrorOut},
        401: {"model": ErrorOut},
        403: {"model": ErrorOut},
        404: {"model": ErrorOut},
    },
)
@flow("create-concerts", "edit")
def update_concert(
    concert_id: ConcertId, body: ConcertIn, services: ServicesDep, user: ApiAdmin
) -> ConcertPublic:
    return catalog.update_concert(services.db, services.cache, concert_id, body, user.username)


@router.delete(
    "/{concert_id}",
    status_code=204,
    responses={
        400: {"model": ErrorOut},
        401: {"model": ErrorOut},
        403: {"model": ErrorOut},
        404: {"model": ErrorOut},
    },
)
@flow("create-concerts", "delete")
def delete_concert(concert_id: ConcertId, services: ServicesDep, _admin: ApiAdmin) -> Response:
    catalog.delete_concert(services.db, services.cache, concert_id)
    return Response(status_code=204)
