"""Cache-aside for the upcoming-concerts list (key ``UpcomingConcerts``, 1 h expiry).

Pages are stored as ready-to-send JSON under a generation number; every concert change
bumps the generation, which invalidates every cached page at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from relecloud.store import KeyValueStore, StoreUnavailable

log = logging.getLogger(__name__)
GENERATION_KEY = "UpcomingConcerts:generation"


class UpcomingCache:
    def __init__(self, store: KeyValueStore, ttl_s: int, enabled: bool = True) -> None:
        self.store = store
        self.ttl_s = ttl_s
        self.enabled = enabled
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    def _generation(self) -> str:
        raw = self.store.get(GENERATION_KEY)
        return raw.decode() if raw is not None else "0"

    def get_or_load(
        self, page: int, page_size: int, load: Callable[[], bytes]
    ) -> tuple[bytes, bool]:
        """Return (JSON page, cache hit?). A broken cache degrades to the database."""
        if not self.enabled:
            return load(), False
        try:
            key = f"UpcomingConcerts:{self._generation()}:{page}:{page_size}"
            cached = self.store.get(key)
        except StoreUnavailable as exc:
            log.warning("cache unavailable, reading the database", extra={"error": str(exc)})
            return load(), False
        if cached is not None:
            with self._lock:
                self.hits += 1
            return cached, True
        with self._lock:
            self.misses += 1
        value = load()
        try:
            self.store.set(key, value, self.ttl_s)
        except StoreUnavailable as exc:
            log.warning("cache unavailable, not storing", extra={"error": str(exc)})
        return value, False

    def peek(self, page: int, page_size: int) -> bytes | None:
        """A cached page or None, without loading (counts as a hit when found)."""
        if not self.enabled:
            return None
        try:
            cached = self.store.get(f"UpcomingConcerts:{self._generation()}:{page}:{page_size}")
        except StoreUnavailable:
            return None
        if cached is not None:
            with self._lock:
                self.hits += 1
        return cached

    def invalidate(self) -> None:
        """Drop every cached page (called on each concert create/edit/delete)."""
        try:
            self.store.incr(GENERATION_KEY, 10 * 365 * 86_400)
        except StoreUnavailable as exc:
            log.error("cache invalidation failed", extra={"error": str(exc)})
            raise
