"""The receiver's write-ahead log: group commit, conversion off the request path, crash replay."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from test_receiver import _free_port, request

from flowsight.telemetry import open_store
from flowsight.telemetry.receiver import make_app
from flowsight.telemetry.spans import SpanColumns, SpanRecord
from flowsight.telemetry.store import connect, segment_files, span_count
from flowsight.telemetry.wal import WriteAheadLog, encode, read_records, recover, wal_root

FLOWSIGHT = [sys.executable, "-m", "flowsight"]
JSON = {"content-type": "application/json"}


def _table(spans: int, offset: int = 0) -> pa.Table:
    columns = SpanColumns()
    for index in range(offset, offset + spans):
        columns.add(SpanRecord(f"{index + 1:032x}", f"{index + 1:016x}", "s", "n", 2, 10, 20))
    return columns.table()


def _wal_files(store) -> list[Path]:  # type: ignore[no-untyped-def]
    return sorted(wal_root(store).glob("*/*.wal"))


def test_group_commit_covers_many_requests_with_one_fsync(tmp_path: Path):
    store = open_store(tmp_path / "store", create=True)
    wal = WriteAheadLog(store, rotate_seconds=60)
    wal.start()
    futures = [wal.submit(_table(2, 2 * i)) for i in range(300)]
    for future in futures:
        future.result(timeout=30)
    assert wal.stats.records == 300 and wal.stats.batches < 300
    assert span_count(store) == 600 and segment_files(store) == []  # visible from the log
    wal.close()
    assert [p.name.split("-")[0] for p in segment_files(store)] == ["w"]
    assert span_count(store) == 600 and _wal_files(store) == []


def test_acknowledged_records_wait_on_disk_not_in_memory(tmp_path: Path):
    """Held tables cost the receiver hundreds of MiB (wal.py): once acknowledged, a record
    is only in its log file until the converter reads it back."""
    store = open_store(tmp_path / "store", create=True)
    wal = WriteAheadLog(store, rotate_seconds=60)
    wal.start()
    tables = [_table(2_000, 2_000 * i) for i in range(20)]
    made = sum(table.nbytes for table in tables)
    before = pa.total_allocated_bytes()
    for table in tables:
        wal.submit(table).result(timeout=30)
    del tables, table
    assert wal.stats.pending_spans == 40_000 and segment_files(store) == []
    assert before - pa.total_allocated_bytes() > made * 0.9  # released on acknowledgement
    wal.close()
    assert span_count(store) == 40_000 and wal.stats.pending_bytes == 0


def test_short_writes_are_finished_before_the_acknowledgement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """write(2) may write less than asked (a disk nearly full); the converter reads the
    records back from the file, so each acknowledged one must be whole there."""
    write = os.write
    monkeypatch.setattr(os, "write", lambda descriptor, data: write(descriptor, data[:1000]))
    store = open_store(tmp_path / "store", create=True)
    wal = WriteAheadLog(store, rotate_seconds=60)
    wal.start()
    for batch in range(5):
        wal.submit(_table(50, 50 * batch)).result(timeout=30)
    assert [table.num_rows for table in read_records(_wal_files(store)[0])] == [50] * 5
    wal.close()
    monkeypatch.undo()
    assert span_count(store) == 250


def test_log_files_rotate_into_one_segment_each(tmp_path: Path):
    store = open_store(tmp_path / "store", create=True)
    wal = WriteAheadLog(store, rotate_seconds=0.2)
    wal.start()
    for batch in range(3):
        wal.submit(_table(5, batch * 5)).result(timeout=30)
        time.sleep(0.5)
    deadline = time.monotonic() + 20
    while len(segment_files(store)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(segment_files(store)) == 3 and span_count(store) == 15
    wal.close()


def test_replay_skips_torn_tail_and_never_duplicates(tmp_path: Path):
    store = open_store(tmp_path / "store", create=True)
    dead = wal_root(store) / "dead-writer"
    dead.mkdir(parents=True)
    log = dead / f"{1:012d}.wal"
    torn = encode(_table(4, 100))
    log.write_bytes(encode(_table(3)) + encode(_table(2, 10)) + torn[: len(torn) // 2])
    assert [t.num_rows for t in read_records(log)] == [3, 2]
    copy = tmp_path / "copy.wal"
    shutil.copy(log, copy)
    assert recover(store) == 5 and span_count(store) == 5 and not dead.exists()
    # A crash after the segment was published but before the log was deleted:
    dead.mkdir()
    shutil.copy(copy, log)
    assert recover(store) == 5 and span_count(store) == 5 and not log.exists()


def test_queue_behind_sheds_with_503_and_metrics_tell(tmp_path: Path):
    store = open_store(tmp_path / "store", create=True)
    app = make_app(store)
    with TestClient(app) as http:
        assert http.post("/v1/traces", json=request(3), headers=JSON).status_code == 200
        app.state.receiver.queue_bytes = -1
        shed = http.post("/v1/traces", json=request(3, 10), headers=JSON)
        assert shed.status_code == 503 and shed.headers["retry-after"] == "1"
        assert "behind" in shed.json()["message"]
        metrics = http.get("/metrics").text
    assert "flowsight_receiver_spans_accepted_total 3\n" in metrics
    assert 'flowsight_receiver_requests_refused_total{status="503"} 1' in metrics
    assert "flowsight_receiver_queue_bytes" in metrics and "flowsight_store_segments" in metrics
    # Leaving the client ran the lifespan's shutdown: everything is a segment now.
    assert span_count(store) == 3 and len(segment_files(store)) == 1 and _wal_files(store) == []


def _collect(db: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [*FLOWSIGHT, "collect", "--db", str(db), "--port", str(port)], stderr=subprocess.PIPE
    )
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("collect did not start")


def test_sigkill_under_concurrent_load_loses_nothing_acknowledged(tmp_path: Path):
    db, port = tmp_path / "store", _free_port()
    process = _collect(db, port)
    url = f"http://127.0.0.1:{port}/v1/traces"
    acknowledged: list[int] = []
    stop = threading.Event()

    def client(number: int) -> None:
        with httpx.Client(timeout=10) as http:
            batch = 0
            while not stop.is_set():
                try:
                    answer = http.post(url, json=request(20, (number * 10_000 + batch) * 20))
                except httpx.TransportError:
                    return
                if answer.status_code == 200:
                    acknowledged.append(20)
                batch += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while sum(acknowledged) < 2000 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    stop.set()
    for thread in threads:
        thread.join()
    assert sum(acknowledged) > 0
    store = open_store(db)
    seen = span_count(store)
    assert seen >= sum(acknowledged)  # unacknowledged in-flight requests may also be there
    restarted = _collect(db, port)  # replays the dead log into segments
    restarted.send_signal(signal.SIGTERM)
    restarted.wait(timeout=60)
    assert span_count(store) == seen and _wal_files(store) == []
    distinct = connect(store).execute("SELECT count(DISTINCT span_id) FROM spans").fetchone()
    assert distinct == (seen,)


def test_sigterm_flushes_everything_into_segments(tmp_path: Path):
    db, port = tmp_path / "store", _free_port()
    process = _collect(db, port)
    for batch in range(5):
        answer = httpx.post(f"http://127.0.0.1:{port}/v1/traces", json=request(10, batch * 10))
        assert answer.status_code == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM
    store = open_store(db)
    assert span_count(store) == 50 and _wal_files(store) == []
    assert len(segment_files(store)) >= 1
