"""Rendering helpers for the server-side pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from relecloud.models import User
from relecloud.security import Session

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
)


def render(
    request: Request,
    template: str,
    *,
    user: User | dict[str, Any] | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    session: Session | None = request.scope.get("relecloud.session")
    values: dict[str, Any] = {"notice": None, "error": None, "errors": {}, "user": user}
    values.update(context)
    values["csrf_token"] = (lambda: session.csrf_token) if session else (lambda: "")
    html = _env.get_template(template).render(**values)
    return HTMLResponse(html, status_code=status)


def page_count(total: int, page_size: int) -> int:
    return max(1, -(-total // page_size))
