"""`collect --workers 2`: two receiving processes on one port, one store, one /metrics.

Held here: requests from many clients all land, spread over both workers; /metrics
reports the totals of both, whichever worker answers the scrape; SIGTERM flushes
both logs; a SIGKILLed parent leaves no process behind; a worker that dies stops
the rest, and a restart replays its log, so nothing acknowledged is lost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_collect_process_tree import _await_exit, _descendants, _running
from test_receiver import _free_port, request
from test_wal import FLOWSIGHT, _wal_files

from flowsight.telemetry import open_store
from flowsight.telemetry.store import connect, segment_files, span_count

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc (Linux)"
)


@pytest.fixture
def helpers() -> Iterator[set[int]]:
    """Processes a test expects to end; any left running are killed so nothing leaks."""
    pids: set[int] = set()
    yield pids
    for pid in _running(pids):
        os.kill(pid, signal.SIGKILL)


def _collect(
    db: Path, port: int, workers: int = 2, token: str | None = None
) -> subprocess.Popen[bytes]:
    """`collect --workers N`, once it answers and all its workers are up."""
    process = subprocess.Popen(
        [*FLOWSIGHT, "collect", "--db", str(db), "--port", str(port), "--workers", str(workers)],
        stderr=subprocess.PIPE,
        env={**os.environ, "FLOWSIGHT_TOKEN": token} if token else None,
    )
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1)
            if len(_running(_descendants(process.pid))) == workers:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError("collect did not start")


def _metrics(port: int) -> dict[str, float]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {
        name: float(value)
        for name, value in (line.rsplit(" ", 1) for line in text.split("\n") if line)
    }


def _post_from_many_clients(port: int, clients: int = 6, each: int = 8) -> int:
    """Each request on a fresh connection, from parallel clients; returns spans acknowledged."""
    acknowledged: list[int] = []

    def client(number: int) -> None:
        for batch in range(each):
            body = request(10, (number * 1000 + batch) * 10)
            answer = httpx.post(f"http://127.0.0.1:{port}/v1/traces", json=body, timeout=30)
            assert answer.status_code == 200, answer.text
            acknowledged.append(10)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(acknowledged)


def _logs_with_segments(db: Path) -> set[str]:
    """The write-ahead logs (one per worker) whose spans reached a segment."""
    names = [path.name for path in segment_files(open_store(db))]
    return {name.removeprefix("w-").rsplit("-", 1)[0] for name in names if name.startswith("w-")}


def test_two_workers_serve_one_store_and_metrics_sum_both(
    tmp_path: Path, helpers: set[int]
) -> None:
    db, port = tmp_path / "store", _free_port()
    process = _collect(db, port)
    workers = _running(_descendants(process.pid))
    helpers.update(workers | {process.pid})
    assert len(workers) == 2
    sent = _post_from_many_clients(port)
    for _ in range(3):  # refusals are summed too
        answer = httpx.post(f"http://127.0.0.1:{port}/v1/traces", content=b"x", timeout=10)
        assert answer.status_code == 415
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        scrapes = [_metrics(port) for _ in range(6)]  # fresh connections: either worker answers
        if all(
            s["flowsight_receiver_spans_accepted_total"] == sent
            and s.get('flowsight_receiver_requests_refused_total{status="415"}') == 3
            for s in scrapes
        ):
            break  # each worker publishes its counters every PUBLISH_SECONDS
        time.sleep(0.2)
    for scrape in scrapes:
        assert scrape["flowsight_receiver_spans_accepted_total"] == sent
        assert scrape["flowsight_receiver_wal_records_total"] == sent / 10
        assert scrape['flowsight_receiver_requests_refused_total{status="415"}'] == 3
        assert scrape["flowsight_store_compactions_total"] >= 0
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    assert _await_exit(helpers) == set()
    store = open_store(db)
    assert span_count(store) == sent and _wal_files(store) == []
    assert len(_logs_with_segments(db)) == 2, "one worker took every request"


def test_sigkill_of_the_parent_leaves_no_worker_and_loses_nothing(
    tmp_path: Path,
    helpers: set[int],
) -> None:
    db, port = tmp_path / "store", _free_port()
    process = _collect(db, port)
    helpers.update(_running(_descendants(process.pid)) | {process.pid})
    sent = _post_from_many_clients(port, clients=4, each=5)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert _await_exit(helpers) == set(), "workers outlived their parent"
    restarted = _collect(db, port)
    restarted.send_signal(signal.SIGTERM)
    assert restarted.wait(timeout=60) == 0
    store = open_store(db)
    assert span_count(store) == sent and _wal_files(store) == []


def test_a_dead_worker_stops_the_rest_and_a_restart_recovers_its_log(
    tmp_path: Path,
    helpers: set[int],
) -> None:
    db, port = tmp_path / "store", _free_port()
    process = _collect(db, port)
    workers = sorted(_running(_descendants(process.pid)))
    helpers.update(set(workers) | {process.pid})
    sent = _post_from_many_clients(port, clients=4, each=5)
    os.kill(workers[0], signal.SIGKILL)  # its log stays behind, unconverted
    assert process.wait(timeout=60) == 1
    assert b"stopped on its own" in process.stderr.read()  # type: ignore[union-attr]
    assert _await_exit(helpers) == set()
    assert span_count(open_store(db)) == sent  # readers see the dead log at once
    restarted = _collect(db, port)
    restarted.send_signal(signal.SIGTERM)
    assert restarted.wait(timeout=60) == 0
    store = open_store(db)
    assert span_count(store) == sent and _wal_files(store) == []
    distinct = connect(store).execute("SELECT count(DISTINCT span_id) FROM spans").fetchone()
    assert distinct == (sent,)


def test_every_worker_requires_the_token(tmp_path: Path, helpers: set[int]) -> None:
    db, port, token = tmp_path / "store", _free_port(), "a-long-enough-test-token-0123456789"
    process = _collect(db, port, token=token)
    helpers.update(_running(_descendants(process.pid)) | {process.pid})
    url = f"http://127.0.0.1:{port}/v1/traces"
    for _ in range(12):  # fresh connections, so both workers answer some
        assert httpx.post(url, json=request(3), timeout=10).status_code == 401
        assert httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).status_code == 401
    bearer = {"Authorization": f"Bearer {token}"}
    for batch in range(12):
        answer = httpx.post(url, json=request(3, batch * 3), headers=bearer, timeout=10)
        assert answer.status_code == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    assert _await_exit(helpers) == set()
    assert span_count(open_store(db)) == 36
