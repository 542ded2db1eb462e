"""Authentication flow, API side: bearer tokens."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from relecloud.deps import ServicesDep
from relecloud.flows import flow
from relecloud.models import User
from relecloud.routes.auth_pages import authenticate
from relecloud.schemas import Credentials, ErrorOut, TokenOut

router = APIRouter(prefix="/api/auth", tags=["authentication"])


@router.post(
    "/token",
    response_model=TokenOut,
    responses={401: {"model": ErrorOut}, 429: {"model": ErrorOut}},
)
@flow("authentication", "sign-in")
def issue_token(body: Credentials, services: ServicesDep) -> TokenOut:
    """Exchange a user name and password for a bearer token."""
    result = authenticate(services, body.username, body.password)
    if result == "locked":
        raise HTTPException(429, "Too many failed sign-ins; try again later")
    if not isinstance(result, User):
        raise HTTPException(401, "Unknown user name or wrong password")
    return TokenOut(access_token=services.tokens.issue(result.id), expires_in=services.tokens.ttl_s)
