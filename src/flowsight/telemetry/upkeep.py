"""Running the store's upkeep (flowsight.telemetry.compaction) for `collect`, `serve` and `ingest`.

Why two lanes: in a 30-minute soak the segment count stayed flat for 25 minutes and then
climbed from 95 to 292, because one merge of the largest tier (474 MB) held the single
upkeep thread for minutes while the receiver kept publishing small segments. The small
tiers (inputs under 16 MiB, merges of seconds) and the large tiers (minutes) now each have
a thread and a lock of their own, so a long merge never holds up the short ones:

- small lane, `upkeep.lock`: merges in tiers below LARGE_TIER, deferred deletions; and,
  when it can also take `upkeep-large.lock` without waiting (no large merge running),
  retention and the clean-up of leftovers of crashed merges.
- large lane, `upkeep-large.lock`: merges in tiers from LARGE_TIER up, nothing else.

The lanes never pick the same segment (their tiers are disjoint, and a merge's output
appears only once its inputs are hidden). Retention and the orphan clean-up need both
locks: retention could otherwise hide a segment that a running large merge then copies
back, and an uncommitted manifest may be a running merge's. Whoever needs the whole store
(`maintain`, `compact` after an ingest) takes both locks, small first, so no two holders
wait on each other in a cycle.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from starlette.concurrency import run_in_threadpool

from flowsight.telemetry.compaction import (
    GRACE_SECONDS,
    MergeCancelled,
    collect_garbage,
    expire,
    merge,
    plan,
)
from flowsight.telemetry.store import TelemetryStore

INTERVAL_SECONDS = 5.0
#: The first tier of the large lane: inputs of 16 MiB and more (tier() grows x4 from 4 MiB).
#: Below it a merge is a few seconds of CPU; from it up, tens of seconds to minutes.
LARGE_TIER = 2
SMALL_LOCK = "upkeep.lock"
LARGE_LOCK = "upkeep-large.lock"


@dataclass(frozen=True)
class Lane:
    name: str
    lock: str
    tiers_from: int
    tiers_below: int | None
    #: deferred deletions, and (when the other lane is idle) retention and orphans
    housekeeping: bool


SMALL = Lane("small", SMALL_LOCK, 0, LARGE_TIER, housekeeping=True)
LARGE = Lane("large", LARGE_LOCK, LARGE_TIER, None, housekeeping=False)


@dataclass
class Upkeep:
    """Counters for /metrics, added to by both lanes' threads."""

    compactions: int = 0
    merged_segments: int = 0
    expired_segments: int = 0
    deleted_segments: int = 0
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **counts: int) -> None:
        with self._guard:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)


@contextmanager
def upkeep_lock(
    store: TelemetryStore, wait: bool = False, name: str = SMALL_LOCK
) -> Iterator[bool]:
    """One holder of a lane per store at a time (collect, serve and ingest may share a
    store): two merges of the same inputs would each hide them and count their rows twice."""
    descriptor = os.open(store.path / name, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descriptor)


@contextmanager
def whole_store(store: TelemetryStore, wait: bool = False) -> Iterator[bool]:
    """Both lanes' locks, small first (the order every holder of both uses)."""
    with upkeep_lock(store, wait, SMALL_LOCK) as small:
        if not small:
            yield False
            return
        with upkeep_lock(store, wait, LARGE_LOCK) as large:
            yield large


def maintain(
    store: TelemetryStore,
    retain_seconds: float | None = None,
    grace: float = GRACE_SECONDS,
    upkeep: Upkeep | None = None,
    max_merges: int = 8,
) -> Upkeep:
    """One round of everything, both lanes: garbage, retention, then merges in every tier
    (skipped when another thread or process holds either lane right now)."""
    upkeep = upkeep or Upkeep()
    with whole_store(store) as mine:
        if mine:
            _housekeeping(store, retain_seconds, grace, upkeep, whole=True)
            _merges(store, 0, None, grace, upkeep, max_merges)
    return upkeep


def maintain_lane(
    store: TelemetryStore,
    lane: Lane,
    retain_seconds: float | None = None,
    grace: float = GRACE_SECONDS,
    upkeep: Upkeep | None = None,
    max_merges: int = 8,
    cancel: threading.Event | None = None,
) -> Upkeep:
    """One round of one lane (see the module doc for what each does); `cancel` set
    gives up a running merge (shutdown)."""
    upkeep = upkeep or Upkeep()
    with upkeep_lock(store, name=lane.lock) as mine:
        if not mine:
            return upkeep
        if lane.housekeeping:
            with upkeep_lock(store, name=LARGE_LOCK) as whole:
                _housekeeping(store, retain_seconds, grace, upkeep, whole)
        _merges(store, lane.tiers_from, lane.tiers_below, grace, upkeep, max_merges, cancel)
    return upkeep


def _housekeeping(
    store: TelemetryStore,
    retain_seconds: float | None,
    grace: float,
    upkeep: Upkeep,
    whole: bool,
) -> None:
    upkeep.add(deleted_segments=collect_garbage(store, grace, orphans=whole))
    if retain_seconds is not None and whole:
        upkeep.add(expired_segments=expire(store, retain_seconds, grace=grace))


def _merges(
    store: TelemetryStore,
    tiers_from: int,
    tiers_below: int | None,
    grace: float,
    upkeep: Upkeep,
    max_merges: int,
    cancel: threading.Event | None = None,
) -> None:
    for _ in range(max_merges):
        inputs = plan(store, tiers_from, tiers_below)
        if not inputs or (cancel is not None and cancel.is_set()):
            break
        try:
            merge(store, inputs, grace, cancel)
        except MergeCancelled:
            break
        upkeep.add(compactions=1, merged_segments=len(inputs))


def _lower_priority() -> None:
    """Run this thread (and the DuckDB threads a merge starts from it) at nice 10.

    Why: a merge is CPU-heavy and can wait; under a burst it took a core from the
    receiver's request path, and acks matter more. Linux sets nice per thread and
    new threads inherit it; elsewhere this does nothing."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


class Maintainer:
    """Both lanes every few seconds, each in a background thread, for `collect` and `serve`."""

    def __init__(
        self,
        store: TelemetryStore,
        retain_seconds: float | None = None,
        interval: float = INTERVAL_SECONDS,
        grace: float = GRACE_SECONDS,
    ) -> None:
        self.store = store
        self.retain_seconds = retain_seconds
        self.interval = interval
        self.grace = grace
        self.upkeep = Upkeep()
        self.failures_by_lane = {lane.name: 0 for lane in (SMALL, LARGE)}
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(
                target=self._run, args=(lane,), name=f"store-upkeep-{lane.name}", daemon=True
            )
            for lane in (SMALL, LARGE)
        ]

    @property
    def failures(self) -> int:
        return sum(self.failures_by_lane.values())

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join()

    def _run(self, lane: Lane) -> None:
        _lower_priority()
        while not self._stop.wait(self.interval):
            try:
                maintain_lane(
                    self.store,
                    lane,
                    self.retain_seconds,
                    self.grace,
                    self.upkeep,
                    cancel=self._stop,
                )
            except (OSError, pa.ArrowException):
                self.failures_by_lane[lane.name] += 1  # a full disk, say: retried next round
            # A merge decodes row groups of tens of MB; give the allocator's cached pages
            # back, or two lanes' worth of them stays in the receiver's RSS.
            pa.default_memory_pool().release_unused()


def run_upkeep(app: Any, store: TelemetryStore, retain_seconds: float | None) -> Maintainer:
    """Run a Maintainer for the life of an ASGI app (`collect`, `serve`)."""
    maintainer = Maintainer(store, retain_seconds)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(target: Any) -> AsyncIterator[Any]:
        maintainer.start()
        try:
            async with inner(target) as state:
                yield state
        finally:
            await run_in_threadpool(maintainer.stop)

    app.router.lifespan_context = lifespan
    app.state.upkeep = maintainer.upkeep
    return maintainer
