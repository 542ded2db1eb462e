"""Key-value stores for the cache, sessions, API tokens and login throttling.

Redis when ``RELECLOUD_REDIS_URL`` is set, a thread-safe in-process dict otherwise.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

import redis

from relecloud.errors import RelecloudError


class StoreUnavailable(RelecloudError):
    """The cache/session store (Redis) cannot be reached."""


class KeyValueStore(Protocol):
    name: str

    def get(self, key: str) -> bytes | None: ...

    def set(self, key: str, value: bytes, ttl_s: int) -> None: ...

    def delete(self, key: str) -> None: ...

    def incr(self, key: str, ttl_s: int) -> int:
        """Increment a counter; the TTL is set when the counter is created."""
        ...

    def ping(self) -> None: ...


class MemoryStore:
    """In-process store with per-key expiry."""

    name = "memory"

    def __init__(self) -> None:
        self._data: dict[str, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str, now: float) -> bytes | None:
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] <= now:
            del self._data[key]
            return None
        return item[0]

    def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._live(key, time.monotonic())

    def set(self, key: str, value: bytes, ttl_s: int) -> None:
        with self._lock:
            self._data[key] = (value, time.monotonic() + ttl_s)
            if len(self._data) > 100_000:
                now = time.monotonic()
                for k in [k for k, (_, exp) in self._data.items() if exp <= now]:
                    del self._data[k]

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def incr(self, key: str, ttl_s: int) -> int:
        with self._lock:
            now = time.monotonic()
            current = self._live(key, now)
            if current is None:
                self._data[key] = (b"1", now + ttl_s)
                return 1
            value = int(current) + 1
            self._data[key] = (str(value).encode(), self._data[key][1])
            return value

    def ping(self) -> None:
        return None


class RedisStore:
    """Redis-backed store; connection errors become StoreUnavailable."""

    name = "redis"

    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def _call(self, op: str, *args: object) -> object:
        try:
            return getattr(self._redis, op)(*args)
        except redis.RedisError as exc:
            raise StoreUnavailable(f"redis {op} failed: {exc}") from exc

    def get(self, key: str) -> bytes | None:
        value = self._call("get", key)
        return value if isinstance(value, bytes) else None

    def set(self, key: str, value: bytes, ttl_s: int) -> None:
        self._call("set", key, value, ttl_s)

    def delete(self, key: str) -> None:
        self._call("delete", key)

    def incr(self, key: str, ttl_s: int) -> int:
        try:
            pipe = self._redis.pipeline()
            pipe.incr(key)
            pipe.expire(key, ttl_s, nx=True)
            value, _ = pipe.execute()
        except redis.RedisError as exc:
            raise StoreUnavailable(f"redis incr failed: {exc}") from exc
        return int(value)

    def ping(self) -> None:
        self._call("ping")


def make_store(redis_url: str | None) -> KeyValueStore:
    return RedisStore(redis_url) if redis_url else MemoryStore()
