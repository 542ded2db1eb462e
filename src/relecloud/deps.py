"""FastAPI dependencies: services, the signed-in user (cookie or bearer), CSRF."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from relecloud.models import ADMINISTRATOR, User
from relecloud.security import Session
from relecloud.services import Services


class LoginRequired(Exception):
    """An HTML page needs a signed-in user; the handler redirects to /login."""


class Forbidden(Exception):
    """The signed-in user lacks the role; the handler renders 403."""


class CsrfFailed(Exception):
    """A form was posted without the session's CSRF token."""


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(request: Request) -> Session:
    session: Session = request.scope["relecloud.session"]
    return session


SessionDep = Annotated[Session, Depends(get_session)]


def _load_user(
    request: Request, services: Services, user_id: int | None, control_plane: bool = False
) -> User | None:
    if user_id is None:
        return None
    with services.db.read(control_plane) as db_session:
        user = db_session.get(User, user_id)
    if user is not None:
        request.scope["relecloud.user"] = (user.username, user.role)
    return user


def page_user(request: Request, services: ServicesDep, session: SessionDep) -> User | None:
    return _load_user(request, services, session.user_id)


OptionalPageUser = Annotated[User | None, Depends(page_user)]


def require_page_user(user: OptionalPageUser) -> User:
    if user is None:
        raise LoginRequired()
    return user


PageUser = Annotated[User, Depends(require_page_user)]


def require_page_admin(user: PageUser) -> User:
    if user.role != ADMINISTRATOR:
        raise Forbidden()
    return user


PageAdmin = Annotated[User, Depends(require_page_admin)]


async def check_csrf(request: Request) -> None:
    form = await request.form()
    token = form.get("csrf_token")
    session: Session = request.scope["relecloud.session"]
    if not session.check_csrf(token if isinstance(token, str) else None):
        raise CsrfFailed()


CsrfChecked = Depends(check_csrf)

bearer = HTTPBearer(auto_error=False, description="Token from POST /api/auth/token")


def api_user_optional(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User | None:
    if credentials is None:
        return None
    return _load_user(request, services, services.tokens.resolve(credentials.credentials))


def require_api_user(user: Annotated[User | None, Depends(api_user_optional)]) -> User:
    if user is None:
        raise HTTPException(
            401,
            "Not signed in: send Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


ApiUser = Annotated[User, Depends(require_api_user)]


def require_api_admin(user: ApiUser) -> User:
    if user.role != ADMINISTRATOR:
        raise HTTPException(403, "Administrator role required")
    return user


ApiAdmin = Annotated[User, Depends(require_api_admin)]


def _fault_admin(request: Request, services: Services, user_id: int | None, api: bool) -> User:
    user = _load_user(request, services, user_id, control_plane=True)
    if user is None:
        if api:
            raise HTTPException(401, "Not signed in", headers={"WWW-Authenticate": "Bearer"})
        raise LoginRequired()
    if user.role != ADMINISTRATOR:
        if api:
            raise HTTPException(403, "Administrator role required")
        raise Forbidden()
    return user


def require_fault_admin_api(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    """Administrator for the fault API; works during an injected database outage."""
    user_id = services.tokens.resolve(credentials.credentials) if credentials else None
    return _fault_admin(request, services, user_id, api=True)


def require_fault_admin_page(request: Request, services: ServicesDep, session: SessionDep) -> User:
    return _fault_admin(request, services, session.user_id, api=False)


FaultAdminApi = Annotated[User, Depends(require_fault_admin_api)]
FaultAdminPage = Annotated[User, Depends(require_fault_admin_page)]
