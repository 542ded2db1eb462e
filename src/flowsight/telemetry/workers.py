"""`flowsight collect --workers N`: N receiving processes on one listening socket.

Why: one receiving process tops out at about one core (the interpreter's HTTP
and request handling, the kernel's socket work), far below what the native
decoder could take. The parent binds the port once and forks N workers that
inherit it, so the kernel spreads connections over them (a keep-alive
connection stays with the worker that accepted it). The fork comes after the
imports, so workers share that memory copy-on-write, and before any thread of
ours starts (pyarrow's allocator and thread pools re-arm in the child through
pthread_atfork); each worker builds its own app. Each worker is a whole
receiver with its own write-ahead log (wal.py gives every log its own id and
lock, and a dead one is replayed by the next writer to start), its own
in-flight budget and its own queue limit: the memory bound is N times one
worker's. The parent serves nothing; it runs the store upkeep (compaction,
retention) once for all of them and watches the workers.

Metrics: a scrape lands on any worker, so each worker writes its counters to
its slot of a shared memory board (an anonymous mapping made before the fork)
a few times a second and at every scrape, and `/metrics` answers the sums.

Ending: SIGTERM or SIGINT to the parent is passed to every worker as SIGTERM,
which flushes its log (the receiver's lifespan) before it exits. A SIGKILLed
parent runs no code, so each worker watches a lifeline pipe whose only writer
is the parent: end-of-file means the parent is gone, and the worker shuts
down as if told to. If a worker dies, the parent stops the others and fails:
what that worker acknowledged is in its log and replayed at the next start.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from flowsight.errors import ReceiverFailed
from flowsight.telemetry.upkeep import Maintainer

#: Metrics that are sums over the workers (and the parent's upkeep); names as one receiver has them.
REFUSED = [
    f'flowsight_receiver_requests_refused_total{{status="{s}"}}' for s in (400, 413, 415, 429, 503)
]
UPKEEP = ["flowsight_store_compactions_total", "flowsight_store_segments_expired_total"]
SUMMED = [
    "flowsight_receiver_spans_accepted_total",
    "flowsight_receiver_in_flight_bytes",
    "flowsight_receiver_queue_bytes",
    "flowsight_receiver_wal_lag_spans",
    "flowsight_receiver_wal_batches_total",
    "flowsight_receiver_wal_records_total",
    "flowsight_receiver_segments_written_total",
    *REFUSED,
    *UPKEEP,
]
PUBLISH_SECONDS = 0.2


class MetricsBoard:
    """One row of counters per process, in memory shared across the fork."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self._memory = mmap.mmap(-1, rows * len(SUMMED) * 8)
        self._cells = memoryview(self._memory).cast("d")

    def write(self, row: int, values: dict[str, float]) -> None:
        base = row * len(SUMMED)
        for index, name in enumerate(SUMMED):
            self._cells[base + index] = values.get(name, 0.0)

    def sums(self) -> dict[str, float]:
        width = len(SUMMED)
        return {
            name: sum(self._cells[row * width + index] for row in range(self.rows))
            for index, name in enumerate(SUMMED)
        }

    def totals(self, row: int, values: dict[str, float]) -> dict[str, float]:
        """`values` of one worker (written to its row first) with every summed one replaced
        by the total; refusals appear once any worker counted one, as with one receiver."""
        self.write(row, values)
        sums = self.sums()
        combined = {
            name: sums.get(name, value)
            for name, value in values.items()
            if name not in REFUSED and name not in UPKEEP
        }
        combined.update({name: sums[name] for name in REFUSED if sums[name]})
        combined.update({name: sums[name] for name in UPKEEP})
        return combined


def _watch_owner(lifeline: int) -> None:
    """In a worker: shut down gracefully (as on SIGTERM) once the parent is gone."""

    def watch() -> None:
        with contextlib.suppress(OSError):
            while os.read(lifeline, 1):
                pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()


def _publish(board: MetricsBoard, row: int, receiver: Any) -> None:
    def loop() -> None:
        pause = threading.Event()
        while not pause.wait(PUBLISH_SECONDS):
            with contextlib.suppress(OSError):  # the segment listing; retried next time
                board.write(row, receiver.metrics())

    threading.Thread(target=loop, name="metrics-publish", daemon=True).start()


def _run_worker(
    row: int,
    build_app: Callable[[], Any],
    serve: Callable[[Any], None],
    board: MetricsBoard,
    lifeline: int,
) -> int:
    """The body of one forked worker; returns its exit status (never returns to the CLI)."""
    try:
        _watch_owner(lifeline)
        app = build_app()
        app.state.combine_metrics = lambda values: board.totals(row, values)
        _publish(board, row, app.state.receiver)
        serve(app)
        return 0
    except BaseException:  # a worker must never fall back into the parent's code
        traceback.print_exc()
        return 1


class WorkerPool:
    """The parent's side: fork the workers, run the upkeep, pass on the end."""

    def __init__(
        self,
        count: int,
        build_app: Callable[[], Any],
        serve: Callable[[Any], None],
        maintainer: Maintainer,
    ) -> None:
        self.count = count
        self.build_app = build_app
        self.serve = serve
        self.maintainer = maintainer
        self.board = MetricsBoard(count + 1)
        self.pids: list[int] = []
        self._stop = threading.Event()

    def _fork(self, row: int, lifeline: int, keep_alive: int) -> int:
        pid = os.fork()
        if pid == 0:
            os.close(keep_alive)
            status = _run_worker(row, self.build_app, self.serve, self.board, lifeline)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
        return pid

    def run(self) -> None:
        """Serve until SIGTERM/SIGINT; raises ReceiverFailed if a worker died on its own."""
        lifeline, keep_alive = os.pipe()
        try:
            self.pids = [self._fork(row, lifeline, keep_alive) for row in range(self.count)]
        finally:
            os.close(lifeline)
        for ending in (signal.SIGTERM, signal.SIGINT):
            signal.signal(ending, lambda *_: self._stop.set())
        self.maintainer.start()
        died = None
        try:
            while not self._stop.wait(PUBLISH_SECONDS) and died is None:
                upkeep = self.maintainer.upkeep
                self.board.write(
                    self.count,
                    {UPKEEP[0]: upkeep.compactions, UPKEEP[1]: upkeep.expired_segments},
                )
                died = self._reap_one()
        finally:
            self._stop_workers()
            os.close(keep_alive)
            self.maintainer.stop()
        if died is not None:
            raise ReceiverFailed(
                f"receiving worker {died} stopped on its own; the others were stopped",
                hint="its acknowledged spans are replayed at the next start; see the message above",
            )

    def _reap_one(self) -> int | None:
        with contextlib.suppress(ChildProcessError):
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid in self.pids:
                self.pids.remove(pid)
                return pid
        return None

    def _stop_workers(self) -> None:
        """SIGTERM every worker (each flushes its log) and wait for all of them."""
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        for pid in self.pids:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.pids = []


def serve_workers(
    count: int,
    sock: socket.socket,
    build_app: Callable[[], Any],
    serve: Callable[[Any, socket.socket], None],
    maintainer: Maintainer,
) -> None:
    """Serve `build_app()` from `count` forked processes sharing `sock` (already bound)."""
    try:
        WorkerPool(count, build_app, lambda app: serve(app, sock), maintainer).run()
    finally:
        sock.close()
