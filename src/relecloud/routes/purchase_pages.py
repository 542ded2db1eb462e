"""Purchase-ticket flow: cart, checkout on behalf of a customer, my tickets (pages)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from relecloud import catalog, purchase
from relecloud.deps import CsrfChecked, PageUser, ServicesDep, SessionDep
from relecloud.errors import Conflict, NotFound, PaymentError, ValidationFailed
from relecloud.flows import flow
from relecloud.images import render_ticket
from relecloud.models import ADMINISTRATOR
from relecloud.schemas import CheckoutIn
from relecloud.security import Session
from relecloud.services import Services
from relecloud.web import render

router = APIRouter(include_in_schema=False)
ConcertId = Annotated[int, Form(ge=1, le=2**31 - 1)]
ALLOWED_COUNTS = {*range(1, 11), 20}


def _cart_lines(services: Services, session: Session) -> tuple[list[dict[str, Any]], float]:
    lines: list[dict[str, Any]] = []
    for key, count in session.cart.items():
        try:
            concert = catalog.details(services.db, int(key), include_hidden=False)
        except NotFound:
            continue
        subtotal = concert.price * count
        lines.append(
            {"id": concert.id, "title": concert.title, "count": count, "subtotal": subtotal}
        )
    return lines, sum(line["subtotal"] for line in lines)


@router.get("/cart")
@flow("purchase-ticket", "cart")
def view_cart(
    request: Request, services: ServicesDep, session: SessionDep, user: PageUser
) -> Response:
    lines, total = _cart_lines(services, session)
    return render(request, "cart.html", user=user, lines=lines, total=total)


@router.post("/cart/add", dependencies=[CsrfChecked])
@flow("purchase-ticket", "cart")
def add_to_cart(
    services: ServicesDep,
    session: SessionDep,
    _user: PageUser,
    concert_id: ConcertId,
    count: Annotated[int, Form(ge=1, le=20)] = 1,
) -> Response:
    if count not in ALLOWED_COUNTS:
        raise ValidationFailed("choose 1 to 10 or 20 tickets")
    catalog.details(services.db, concert_id, include_hidden=False)  # 404 when not on sale
    cart = session.cart
    cart[str(concert_id)] = min(20, cart.get(str(concert_id), 0) + count)
    session.set_cart(cart)
    return RedirectResponse("/cart", status_code=303)


@router.post("/cart/remove", dependencies=[CsrfChecked])
@flow("purchase-ticket", "cart")
def remove_from_cart(session: SessionDep, _user: PageUser, concert_id: ConcertId) -> Response:
    cart = session.cart
    cart.pop(str(concert_id), None)
    session.set_cart(cart)
    return RedirectResponse("/cart", status_code=303)


def _checkout_page(
    request: Request,
    services: Services,
    session: Session,
    user: Any,
    status: int = 200,
    **extra: Any,
) -> Response:
    lines, total = _cart_lines(services, session)
    if not lines:
        return RedirectResponse("/cart", status_code=303)
    extra.setdefault(
        "form", {"name": "", "email": "", "phone": "", "name_on_card": "", "expiration": ""}
    )
    return render(
        request,
        "checkout.html",
        user=user,
        total=total,
        status=status,
        idempotency_key=secrets.token_urlsafe(16),
        **extra,
    )


@router.get("/cart/checkout")
@flow("purchase-ticket", "checkout")
def checkout_form(
    request: Request, services: ServicesDep, session: SessionDep, user: PageUser
) -> Response:
    return _checkout_page(request, services, session, user)


@router.post("/cart/checkout", dependencies=[CsrfChecked])
@flow("purchase-ticket", "checkout")
async def checkout(
    request: Request, services: ServicesDep, session: SessionDep, user: PageUser
) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    safe_form = {
        k: form.get(k, "") for k in ("name", "email", "phone", "name_on_card", "expiration")
    }
    try:
        body = CheckoutIn.model_validate(
            {
                "customer": {k: form.get(k, "") for k in ("name", "email", "phone")},
                "payment": {
                    k: form.get(k, "")
                    for k in ("name_on_card", "card_number", "security_code", "expiration")
                },
                "items": session.cart,
            }
        )
    except ValidationError as exc:
        errors = {str(e["loc"][-1]): e["msg"] for e in exc.errors()}
        return await run_in_threadpool(
            _checkout_page,
            request,
            services,
            session,
            user,
            400,
            form=safe_form,
            errors=errors,
            error="Please correct the form.",
        )
    try:
        await run_in_threadpool(
            lambda: purchase.checkout(
                services.db,
                services.payments,
                user_id=user.id,
                key=form.get("idempotency_key", ""),
                request=body,
                hold_ttl_s=services.settings.hold_ttl_s,
                lease_s=services.settings.checkout_lease_s,
            )
        )
    except (Conflict, PaymentError, ValidationFailed, NotFound) as exc:
        status = 402 if isinstance(exc, PaymentError) else 409
        if type(exc).__name__ in ("GatewayUnavailable", "CircuitOpen"):
            status = 503
        return await run_in_threadpool(
            _checkout_page, request, services, session, user, status, form=safe_form, error=str(exc)
        )
    session.set_cart({})
    return RedirectResponse("/tickets", status_code=303)


@router.get("/tickets")
@flow("purchase-ticket", "my-tickets")
def my_tickets(
    request: Request,
    services: ServicesDep,
    user: PageUser,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    tickets = purchase.my_tickets(services.db, user.id, page, 5)
    return render(request, "tickets.html", user=user, tickets=tickets)


@router.get("/tickets/{ticket_id}/image.png")
@flow("purchase-ticket", "my-tickets")
def ticket_image(
    ticket_id: Annotated[int, Path(ge=1, le=2**31 - 1)], services: ServicesDep, user: PageUser
) -> Response:
    ticket = purchase.ticket_for_image(services.db, ticket_id, user.id, user.role == ADMINISTRATOR)
    return Response(
        render_ticket(ticket),
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=3600"},
    )
