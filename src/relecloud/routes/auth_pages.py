"""Authentication flow, HTML side: sign-in, sign-out, role assignment."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from relecloud.deps import CsrfChecked, OptionalPageUser, PageAdmin, ServicesDep, SessionDep
from relecloud.errors import NotFound
from relecloud.flows import flow
from relecloud.models import ROLES, User
from relecloud.services import Services
from relecloud.web import render

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)


def _safe_next(target: str) -> str:
    # Only same-site paths: no open redirects.
    return target if target.startswith("/") and not target.startswith("//") else "/concerts"


def authenticate(services: Services, username: str, password: str) -> User | str | None:
    """The user, None for bad credentials, or "locked" when throttled."""
    if not services.throttle.attempt(username):
        return "locked"
    with services.db.read() as session:
        user = session.scalar(select(User).where(User.username == username.strip().lower()))
    checks = services.password_checks
    if not checks.verify(user.password_hash if user else None, password) or user is None:
        log.info("sign-in failed", extra={"username": username[:64]})
        return None
    services.throttle.succeeded(username)
    return user


@router.get("/login", response_class=HTMLResponse)
@flow("authentication", "sign-in")
def login_form(request: Request, user: OptionalPageUser, next: str = "/concerts") -> Response:
    return render(request, "login.html", user=user, next=_safe_next(next))


@router.post("/login", response_class=HTMLResponse, dependencies=[CsrfChecked])
@flow("authentication", "sign-in")
def login(
    request: Request,
    services: ServicesDep,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=512)] = "/concerts",
) -> Response:
    result = authenticate(services, username, password)
    if result == "locked":
        return render(
            request,
            "login.html",
            user=None,
            next=_safe_next(next),
            status=429,
            error="Too many failed sign-ins. Try again later.",
        )
    if not isinstance(result, User):
        return render(
            request,
            "login.html",
            user=None,
            next=_safe_next(next),
            status=401,
            error="Unknown user name or wrong password.",
        )
    request.scope["relecloud.session"] = services.sessions.rotate(session, result.id)
    request.scope["relecloud.user"] = (result.username, result.role)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[CsrfChecked])
@flow("authentication", "sign-out")
def logout(request: Request, services: ServicesDep, session: SessionDep) -> Response:
    request.scope["relecloud.session"] = services.sessions.rotate(session, None)
    return RedirectResponse("/login", status_code=303)


@router.get("/admin/users", response_class=HTMLResponse)
@flow("authentication", "assign-role")
def list_users(request: Request, services: ServicesDep, user: PageAdmin) -> Response:
    with services.db.read() as session:
        users = session.scalars(select(User).order_by(User.username)).all()
    return render(request, "admin_users.html", user=user, users=users, roles=ROLES)


@router.post("/admin/users/{user_id}/role", dependencies=[CsrfChecked])
@flow("authentication", "assign-role")
def assign_role(
    services: ServicesDep,
    user: PageAdmin,
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    role: Annotated[str, Form(pattern="^(Administrator|Employee)$")],
) -> Response:
    with services.db.write() as session:
        target = session.get(User, user_id)
        if target is None:
            raise NotFound(f"user {user_id} not found")
        target.role = role
    log.info("role assigned", extra={"target_user": user_id, "role": role, "by": user.username})
    return RedirectResponse("/admin/users", status_code=303)
