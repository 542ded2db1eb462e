"""Purchase-ticket flow: JSON API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query

from relecloud import purchase
from relecloud.deps import ApiUser, ServicesDep
from relecloud.flows import flow
from relecloud.schemas import CheckoutIn, CheckoutOut, ErrorOut, TicketPage

router = APIRouter(prefix="/api", tags=["purchase"])
_ERRORS = {
    400: {"model": ErrorOut, "description": "a business rule rejected the request"},
    401: {"model": ErrorOut},
    402: {"model": ErrorOut, "description": "the card was declined"},
    404: {"model": ErrorOut, "description": "a concert is not on sale"},
    409: {"model": ErrorOut, "description": "not enough tickets, or the key is in progress"},
    503: {"model": ErrorOut, "description": "the payment gateway is unavailable"},
}


@router.post("/checkout", response_model=CheckoutOut, status_code=201, responses=_ERRORS)  # type: ignore[arg-type]
@flow("purchase-ticket", "checkout")
def checkout(
    body: CheckoutIn,
    services: ServicesDep,
    user: ApiUser,
    idempotency_key: Annotated[
        str,
        Header(alias="Idempotency-Key", min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$"),
    ],
) -> CheckoutOut:
    """Buy tickets for a customer. Retrying with the same Idempotency-Key buys once."""
    return purchase.checkout(
        services.db,
        services.payments,
        user_id=user.id,
        key=idempotency_key,
        request=body,
        hold_ttl_s=services.settings.hold_ttl_s,
        lease_s=services.settings.checkout_lease_s,
    )


@router.get("/tickets", response_model=TicketPage, responses={401: {"model": ErrorOut}})
@flow("purchase-ticket", "my-tickets")
def my_tickets(
    services: ServicesDep,
    user: ApiUser,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 5,
) -> TicketPage:
    """Tickets the signed-in employee sold, newest first."""
    return purchase.my_tickets(services.db, user.id, page, page_size)
