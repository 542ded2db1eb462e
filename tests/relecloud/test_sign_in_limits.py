"""Issue 16 defects 6 and 7: bounded password checks and a race-free lockout.

On main the lockout read the failure count, ran the slow argon2 check, then added the
failure: 100 parallel wrong passwords all passed the read (36 checks against a limit
of 5). And argon2 checks (64 MiB each) had no concurrency limit: 120 sign-ins took
the process to 2.6 GB. Neither `Services.password_checks` nor a 503 existed there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import App

from relecloud.errors import Overloaded
from relecloud.routes.auth_pages import authenticate
from relecloud.services import Services

GUESSES = 100


def _parallel(count: int, call: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(count)

    def run(i: int) -> object:
        barrier.wait()
        try:
            return call(i)
        except Overloaded:
            return "overloaded"

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_a_hundred_parallel_wrong_passwords_get_at_most_the_limit_of_checks(
    request: pytest.FixtureRequest, make_services: Callable[..., Services], store: str
) -> None:
    redis_url = request.getfixturevalue("redis_url") if store == "redis" else None
    services = make_services(
        concerts=1, tickets=1, redis_url=redis_url, password_wait_s=120, login_max_failures=5
    )
    assert services.store.name == store
    results = _parallel(GUESSES, lambda _: authenticate(services, "alice", "wrong password"))
    assert services.password_checks.performed <= 5
    assert results.count(None) == services.password_checks.performed
    assert results.count("locked") == GUESSES - services.password_checks.performed
    # Still locked for the window, even with the right password.
    assert authenticate(services, "alice", "employee-pass-123") == "locked"


def test_concurrent_checks_never_exceed_the_slots_sized_to_memory(
    make_services: Callable[..., Services],
) -> None:
    # 128 MiB for 64 MiB argon2 hashes: two at a time.
    services = make_services(concerts=1, tickets=1, password_memory_mib=128, password_wait_s=120)
    checks = services.password_checks
    assert checks.slots == 128 * 1024 // 65536 == 2
    results = _parallel(8, lambda i: authenticate(services, f"nobody-{i}", "guess"))
    assert results == [None] * 8
    assert checks.performed == 8 and checks.peak <= 2


def test_a_sign_in_over_the_limit_is_503_with_retry_after(
    make_services: Callable[..., Services],
) -> None:
    services = make_services(concerts=1, tickets=1, password_memory_mib=64, password_wait_s=0.05)
    app = App(services)
    try:
        with services.password_checks.slot():  # the only slot is busy
            response = app.anon.post("/api/auth/token", json={"username": "alice", "password": "x"})
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert services.password_checks.performed == 0
        # The slot free again, sign-in works.
        again = app.anon.post(
            "/api/auth/token", json={"username": "alice", "password": "employee-pass-123"}
        )
        assert again.status_code == 200
    finally:
        app.close()
