"""List, search and create-concerts flows: pages for the call-center staff."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from opentelemetry import trace
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from relecloud import catalog, recommendations
from relecloud.deps import CsrfChecked, OptionalPageUser, PageAdmin, ServicesDep
from relecloud.errors import SearchUnavailable, ValidationFailed
from relecloud.flows import flow
from relecloud.models import ADMINISTRATOR, User, utcnow
from relecloud.schemas import ConcertIn, Text
from relecloud.web import page_count, render

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)
ConcertId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Page = Annotated[int, Query(ge=1, le=10_000)]
PAGE_SIZE = 10


def _table(data: dict[str, Any], base_url: str) -> dict[str, Any]:
    return {**data, "pages": page_count(data["total"], data["page_size"]), "base_url": base_url}


def _upcoming_page(
    request: Request, services: Any, user: User | None, page: int, **extra: Any
) -> Response:
    body, hit = catalog.upcoming(services.db, services.cache, page, PAGE_SIZE)
    trace.get_current_span().set_attribute("app.cache.hit", hit)
    data = _table(json.loads(body), "/concerts?")
    template = extra.pop("template", "concerts.html")
    return render(request, template, user=user, **data, **extra)


@router.get("/")
@router.get("/concerts")
@flow("list-concerts", "list-upcoming")
def list_concerts(
    request: Request, services: ServicesDep, user: OptionalPageUser, page: Page = 1
) -> Response:
    return _upcoming_page(request, services, user, page)


@router.get("/concerts/search")
@flow("search-concerts", "search")
def search_page(
    request: Request,
    services: ServicesDep,
    user: OptionalPageUser,
    q: Annotated[Text, Query(max_length=200)] = "",
    min_price: Annotated[float | None, Query(ge=0, le=100_000)] = None,
    max_price: Annotated[float | None, Query(ge=0, le=100_000)] = None,
    sort: Literal["price", "date"] = "date",
    desc: bool = False,
    page: Page = 1,
) -> Response:
    form: dict[str, Any] = {
        "q": q,
        "min_price": min_price,
        "max_price": max_price,
        "sort": sort,
        "desc": desc,
    }
    query = catalog.SearchQuery(q, min_price, max_price, sort, desc, page, PAGE_SIZE)
    try:
        if services.faults.take_error("search-concerts"):
            raise SearchUnavailable("injected fault in search")
        data = catalog.search(services.db, query)
    except SearchUnavailable as exc:
        # Degrade to the upcoming list (flow list-concerts), as the seed describes.
        log.warning("search failed; showing upcoming concerts", extra={"error": str(exc)})
        trace.get_current_span().set_attribute("app.fallback", "list-concerts")
        notice = "Search is not available right now; here are the upcoming concerts."
        return _upcoming_page(
            request, services, user, 1, notice=notice, template="search.html", **form
        )
    params = "&".join(f"{k}={v}" for k, v in form.items() if v not in (None, "", False))
    base = "/concerts/search?" + (params + "&" if params else "")
    return render(request, "search.html", user=user, **_table(data, base), **form)


def _blank_form() -> dict[str, Any]:
    start = (utcnow() + timedelta(days=30)).replace(hour=20, minute=0, second=0, microsecond=0)
    return {
        "title": "",
        "artist": "",
        "genre": "",
        "location": "",
        "description": "",
        "price": "",
        "start_time": start.strftime("%Y-%m-%dT%H:%M"),
        "ticket_count": 100,
        "is_visible": False,
    }


@router.get("/concerts/new")
@flow("create-concerts", "create")
def new_concert(request: Request, user: PageAdmin) -> Response:
    return render(
        request,
        "concert_form.html",
        user=user,
        heading="New concert",
        action="/concerts",
        form=_blank_form(),
    )


async def _form_data(request: Request) -> dict[str, Any]:
    form = await request.form()
    data: dict[str, Any] = {
        k: v for k, v in form.items() if k != "csrf_token" and isinstance(v, str)
    }
    data["is_visible"] = data.get("is_visible") == "true"
    return data


def _parse(data: dict[str, Any]) -> ConcertIn:
    values = dict(data)
    if isinstance(values.get("start_time"), str) and values["start_time"]:
        try:
            values["start_time"] = datetime.fromisoformat(values["start_time"])
        except ValueError:
            raise ValidationFailed(
                "invalid start time", {"start_time": "use YYYY-MM-DDTHH:MM"}
            ) from None
    if values.get("ticket_count") == "":
        values["ticket_count"] = 0
    try:
        return ConcertIn.model_validate(values)
    except ValidationError as exc:
        errors = {".".join(str(p) for p in e["loc"]) or "form": e["msg"] for e in exc.errors()}
        raise ValidationFailed("the concert is not valid", errors) from None


@router.post("/concerts", dependencies=[CsrfChecked])
@flow("create-concerts", "create")
async def create_concert(request: Request, services: ServicesDep, user: PageAdmin) -> Response:
    data = await _form_data(request)
    try:
        concert = await run_in_threadpool(
            catalog.create_concert, services.db, services.cache, _parse(data), user.username
        )
    except ValidationFailed as exc:
        return render(
            request,
            "concert_form.html",
            user=user,
            heading="New concert",
            action="/concerts",
            form={**_blank_form(), **data},
            status=400,
            error=str(exc),
            errors=exc.errors,
        )
    return RedirectResponse(f"/concerts/{concert.id}", status_code=303)


@router.get("/concerts/{concert_id}")
@flow("list-concerts", "concert-details")
def concert_page(
    request: Request, concert_id: ConcertId, services: ServicesDep, user: OptionalPageUser
) -> Response:
    is_admin = user is not None and user.role == ADMINISTRATOR
    concert = catalog.details(services.db, concert_id, include_hidden=is_admin)
    recommendations.similar(services, concert_id)
    return render(request, "concert.html", user=user, concert=concert)


@router.get("/concerts/{concert_id}/edit")
@flow("create-concerts", "edit")
def edit_form(
    request: Request, concert_id: ConcertId, services: ServicesDep, user: PageAdmin
) -> Response:
    concert = catalog.details(services.db, concert_id, include_hidden=True)
    form = concert.model_dump()
    form["start_time"] = concert.start_time.strftime("%Y-%m-%dT%H:%M")
    return render(
        request,
        "concert_form.html",
        user=user,
        heading=f"Edit {concert.title}",
        action=f"/concerts/{concert_id}/edit",
        form=form,
    )


@router.post("/concerts/{concert_id}/edit", dependencies=[CsrfChecked])
@flow("create-concerts", "edit")
async def edit_concert(
    request: Request, concert_id: ConcertId, services: ServicesDep, user: PageAdmin
) -> Response:
    data = await _form_data(request)
    try:
        await run_in_threadpool(
            catalog.update_concert,
            services.db,
            services.cache,
            concert_id,
            _parse(data),
            user.username,
        )
    except ValidationFailed as exc:
        return render(
            request,
            "concert_form.html",
            user=user,
            heading="Edit concert",
            action=f"/concerts/{concert_id}/edit",
            form={**_blank_form(), **data},
            status=400,
            error=str(exc),
            errors=exc.errors,
        )
    return RedirectResponse(f"/concerts/{concert_id}", status_code=303)


@router.post("/concerts/{concert_id}/delete", dependencies=[CsrfChecked])
@flow("create-concerts", "delete")
def delete_concert(concert_id: ConcertId, services: ServicesDep, _admin: PageAdmin) -> Response:
    catalog.delete_concert(services.db, services.cache, concert_id)
    return RedirectResponse("/concerts", status_code=303)
