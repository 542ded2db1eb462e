"""Authentication: argon2 hashes, sessions, CSRF, throttling, bearer tokens."""

from __future__ import annotations

from conftest import App, csrf, login
from fastapi.testclient import TestClient
from sqlalchemy import select

from relecloud.config import DEV_EMPLOYEE_PASSWORD
from relecloud.models import User
from relecloud.security import hash_password, verify_password


def test_passwords_are_stored_as_argon2id_hashes(shared_app: App) -> None:
    with shared_app.services.db.read() as session:
        users = session.scalars(select(User)).all()
    assert {u.username for u in users} >= {"admin", "alice", "bob"}
    for user in users:
        assert user.password_hash.startswith("$argon2id$")
        assert DEV_EMPLOYEE_PASSWORD not in user.password_hash
    hashed = hash_password("s3cret!")
    assert hashed != hash_password("s3cret!")  # salted
    assert verify_password(hashed, "s3cret!")
    assert not verify_password(hashed, "s3cret")
    assert not verify_password(None, "s3cret!")
    assert not verify_password("not-a-hash", "s3cret!")


def test_session_cookie_is_httponly_and_samesite(shared_app: App) -> None:
    client = TestClient(shared_app.app)
    token = csrf(client, "/login")
    response = client.post(
        "/login",
        data={"username": "alice", "password": DEV_EMPLOYEE_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # The session id rotates at sign-in (no session fixation).
    assert token not in cookie
    assert client.get("/cart").status_code == 200


def test_wrong_password_is_rejected(shared_app: App) -> None:
    client = TestClient(shared_app.app)
    token = csrf(client, "/login")
    response = client.post(
        "/login", data={"username": "alice", "password": "nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "wrong password" in response.text
    assert client.get("/cart", follow_redirects=False).status_code == 303
    api = client.post("/api/auth/token", json={"username": "ghost", "password": "x"})
    assert api.status_code == 401


def test_forms_without_the_csrf_token_are_rejected(shared_app: App) -> None:
    client = TestClient(shared_app.app)
    login(client, "alice", DEV_EMPLOYEE_PASSWORD)
    for path, data in [
        ("/cart/add", {"concert_id": "1", "count": "1"}),
        ("/cart/add", {"concert_id": "1", "count": "1", "csrf_token": "forged"}),
        ("/logout", {}),
    ]:
        response = client.post(path, data=data, follow_redirects=False)
        assert response.status_code == 403, path
        assert "CSRF" in response.text
    # A token from another session does not work either.
    other = TestClient(shared_app.app)
    foreign = csrf(other, "/login")
    response = client.post(
        "/cart/add",
        data={"concert_id": "1", "count": "1", "csrf_token": foreign},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert client.get("/cart").status_code == 200  # still signed in, cart untouched
    anon = TestClient(shared_app.app)
    sign_in = anon.post("/login", data={"username": "alice", "password": DEV_EMPLOYEE_PASSWORD})
    assert sign_in.status_code == 403


def test_login_is_throttled_after_repeated_failures(fresh_app: App) -> None:
    limit = fresh_app.services.settings.login_max_failures
    client = TestClient(fresh_app.app)
    token = csrf(client, "/login")
    for _ in range(limit):
        response = client.post(
            "/login", data={"username": "bob", "password": "guess", "csrf_token": token}
        )
        assert response.status_code == 401
    # Even the right password is refused while the account is locked.
    locked = client.post(
        "/login", data={"username": "bob", "password": DEV_EMPLOYEE_PASSWORD, "csrf_token": token}
    )
    assert locked.status_code == 429
    api = client.post(
        "/api/auth/token", json={"username": "BOB", "password": DEV_EMPLOYEE_PASSWORD}
    )
    assert api.status_code == 429
    # Other accounts are unaffected.
    ok = client.post(
        "/api/auth/token", json={"username": "alice", "password": DEV_EMPLOYEE_PASSWORD}
    )
    assert ok.status_code == 200


def test_bearer_tokens_authenticate_the_api(shared_app: App) -> None:
    assert shared_app.anon.get("/api/tickets").status_code == 401
    bad = shared_app.anon.get("/api/tickets", headers={"Authorization": "Bearer forged"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"
    assert shared_app.anon.get("/api/tickets", headers=shared_app.employee_api).status_code == 200
    # Session cookies do not authenticate the API (so the API needs no CSRF token).
    assert shared_app.employee.get("/api/tickets").status_code == 401


def test_sign_in_redirect_stays_on_site(shared_app: App) -> None:
    client = TestClient(shared_app.app)
    token = csrf(client, "/login")
    response = client.post(
        "/login",
        data={
            "username": "alice",
            "password": DEV_EMPLOYEE_PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/steal",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/concerts"
