"""Passwords (argon2id), server-side sessions, CSRF tokens, API tokens, throttling."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from relecloud.errors import Overloaded
from relecloud.store import KeyValueStore

SESSION_COOKIE = "relecloud_session"


def _password_hasher() -> PasswordHasher:
    """argon2id with the library's defaults (64 MiB, 3 passes) unless the environment lowers them.

    A demo or a test on a shared 2-core machine can set RELECLOUD_ARGON2_MEMORY_KIB and
    RELECLOUD_ARGON2_TIME_COST before seeding; stored hashes carry their own parameters,
    so verification follows whatever the hash was made with.
    """
    memory = int(os.environ.get("RELECLOUD_ARGON2_MEMORY_KIB", "65536"))
    passes = int(os.environ.get("RELECLOUD_ARGON2_TIME_COST", "3"))
    return PasswordHasher(memory_cost=max(memory, 8192), time_cost=max(passes, 1))


_hasher = _password_hasher()
# Verifying against this keeps unknown usernames as slow as wrong passwords.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def argon2_memory_kib() -> int:
    """Memory one argon2 computation takes with this process's parameters."""
    return int(_hasher.memory_cost)


class PasswordChecks:
    """At most ``slots`` argon2 verifications at once, so memory stays bounded.

    Each verification takes ``argon2_memory_kib`` (64 MiB by default); without a
    limit 120 anonymous sign-ins took the process to 2.6 GB and starved every other
    page. A check waits at most ``wait_s`` for a slot, then fails with Overloaded
    (503 + Retry-After) instead of queueing without end.
    """

    def __init__(self, slots: int, wait_s: float) -> None:
        self.slots = max(1, slots)
        self.wait_s = wait_s
        self._semaphore = threading.BoundedSemaphore(self.slots)
        self._lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.performed = 0

    @classmethod
    def sized_to_memory(cls, budget_mib: int, wait_s: float) -> PasswordChecks:
        return cls(budget_mib * 1024 // argon2_memory_kib(), wait_s)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """One argon2 computation's worth of memory, or Overloaded after ``wait_s``."""
        if not self._semaphore.acquire(timeout=self.wait_s):
            raise Overloaded("Too many sign-ins at once; try again in a moment")
        try:
            with self._lock:
                self.running += 1
                self.peak = max(self.peak, self.running)
            yield
        finally:
            with self._lock:
                self.running -= 1
            self._semaphore.release()

    def verify(self, password_hash: str | None, password: str) -> bool:
        with self.slot():
            with self._lock:
                self.performed += 1
            return verify_password(password_hash, password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass
class Session:
    """One browser session; the cookie holds only a random id."""

    id: str
    data: dict[str, Any] = field(default_factory=dict)
    dirty: bool = False
    is_new: bool = False

    @property
    def user_id(self) -> int | None:
        value = self.data.get("user_id")
        return value if isinstance(value, int) else None

    @property
    def csrf_token(self) -> str:
        token = self.data.get("csrf")
        if not isinstance(token, str):
            token = secrets.token_urlsafe(32)
            self.data["csrf"] = token
            self.dirty = True
        return token

    def check_csrf(self, submitted: str | None) -> bool:
        expected = self.data.get("csrf")
        if not isinstance(expected, str) or not submitted:
            return False
        return hmac.compare_digest(expected.encode(), submitted.encode())

    @property
    def cart(self) -> dict[str, int]:
        cart = self.data.get("cart")
        return dict(cart) if isinstance(cart, dict) else {}

    def set_cart(self, cart: dict[str, int]) -> None:
        self.data["cart"] = cart
        self.dirty = True


class SessionManager:
    def __init__(self, store: KeyValueStore, ttl_s: int) -> None:
        self.store = store
        self.ttl_s = ttl_s

    def load(self, cookie: str | None) -> Session:
        if cookie:
            raw = self.store.get("session:" + _digest(cookie))
            if raw is not None:
                return Session(id=cookie, data=json.loads(raw))
        return Session(id=secrets.token_urlsafe(32), is_new=True)

    def save(self, session: Session) -> None:
        if session.dirty:
            payload = json.dumps(session.data).encode()
            self.store.set("session:" + _digest(session.id), payload, self.ttl_s)
            session.dirty = False

    def rotate(self, session: Session, user_id: int | None) -> Session:
        """A fresh id and CSRF token at sign-in and sign-out (no session fixation)."""
        self.store.delete("session:" + _digest(session.id))
        data: dict[str, Any] = {"cart": session.cart} if user_id is not None else {}
        if user_id is not None:
            data["user_id"] = user_id
        return Session(id=secrets.token_urlsafe(32), data=data, dirty=True, is_new=True)


class TokenManager:
    """Opaque bearer tokens for the JSON API; only their hash is stored."""

    def __init__(self, store: KeyValueStore, ttl_s: int) -> None:
        self.store = store
        self.ttl_s = ttl_s

    def issue(self, user_id: int) -> str:
        token = secrets.token_urlsafe(32)
        self.store.set("token:" + _digest(token), str(user_id).encode(), self.ttl_s)
        return token

    def resolve(self, token: str) -> int | None:
        raw = self.store.get("token:" + _digest(token))
        return int(raw) if raw is not None else None


class LoginThrottle:
    """After ``max_failures`` failed sign-ins a username is locked for the window.

    Race-free: an attempt is counted (one atomic INCR, in Redis or under the memory
    store's lock) before the password is checked, and only the first ``max_failures``
    attempts of a window get a check. Reading the count first and adding a failure
    after the slow check let 100 parallel guesses all pass the read: 36 checks ran
    against a limit of 5.
    """

    def __init__(self, store: KeyValueStore, max_failures: int, window_s: int) -> None:
        self.store = store
        self.max_failures = max_failures
        self.window_s = window_s

    def _key(self, username: str) -> str:
        return "login-fail:" + _digest(username.strip().lower())

    def locked(self, username: str) -> bool:
        raw = self.store.get(self._key(username))
        return raw is not None and int(raw) >= self.max_failures

    def attempt(self, username: str) -> bool:
        """Count one sign-in attempt; False when the username is locked (no check allowed)."""
        return self.store.incr(self._key(username), self.window_s) <= self.max_failures

    def succeeded(self, username: str) -> None:
        self.store.delete(self._key(username))
