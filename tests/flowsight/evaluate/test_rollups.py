"""The rollup cache gives evaluate's result field for field as a scan of every span does:
cold, warm, after merges carried it, with new segments, windows moved by minutes,
schedules, maintenance and unattributed spans; and SIGKILL never leaves it wrong."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import WORKLOAD, at, span
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowsight.cli import cli
from flowsight.evaluate import evaluate_workload
from flowsight.evaluate.duckdb import DuckDBBackend
from flowsight.load import load_workload
from flowsight.model import Workload
from flowsight.telemetry import SpanRecord, TelemetryStore, open_store, record_spans
from flowsight.telemetry import rollups as rollup_files
from flowsight.telemetry.compaction import merge
from flowsight.telemetry.spans import SpanColumns
from flowsight.telemetry.store import segment_files
from flowsight.telemetry.wal import convert, encode, read_records, wal_root

BASE = at("2026-11-21T00:00:00Z")

#: (minute offset from BASE, kind of span, status, duration ms)
SpanSpec = tuple[int, int, int, int]
spans_strategy = st.lists(
    st.tuples(
        st.integers(0, 5 * 1440),
        st.integers(0, 6),
        st.sampled_from([200, 201, 404, 429, 500, 503]),
        st.integers(1, 2000),
    ),
    min_size=1,
    max_size=60,
)


def _record(spec: SpanSpec) -> SpanRecord:
    minute, kind, status, ms = spec
    when = (BASE + timedelta(minutes=minute, seconds=minute % 60)).isoformat()
    if kind == 0:
        return span(when, status, ms=ms)
    if kind == 1:
        return span(when, status, flow=None, route="/items/7", method="GET", ms=ms, user=None)
    if kind == 2:
        return span(when, status, flow="strict", route=None, ms=ms, old=True)
    if kind == 3:
        return span(when, 200, flow="beat", step="heartbeat", name="heartbeat", kind=1)
    if kind == 4:
        return span(when, status, flow=None, route=f"/unknown/{ms % 3}", method="GET")
    if kind == 5:
        return span(when, status, flow=None, route=None, path="/items/9", method="GET", old=True)
    return span(when, status, flow="buy", step="item", route=None, ms=ms, kind=1)


def _workload() -> Workload:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "workload.yaml"
        path.write_text(WORKLOAD)
        return load_workload(path).workload


def _both(workload: Workload, store: TelemetryStore, **kwargs: Any) -> tuple[dict, dict]:
    cached = evaluate_workload(workload, store, **kwargs).to_dict()
    raw = evaluate_workload(workload, DuckDBBackend(store, cache=False), **kwargs).to_dict()
    return cached, raw


def _moments(now_minute: int, window: str | None) -> dict[str, Any]:
    now = BASE + timedelta(minutes=now_minute, seconds=17)
    return {"now": now, "window": window}


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    batches=st.lists(spans_strategy, min_size=1, max_size=4),
    later=spans_strategy,
    now_minute=st.integers(2 * 1440, 6 * 1440),
    shift=st.integers(1, 90),
    window=st.sampled_from([None, "1d", "3d", "7d"]),
    merge_new=st.booleans(),
)
def test_cached_equals_raw_through_the_store_life(
    batches: list[list[SpanSpec]],
    later: list[SpanSpec],
    now_minute: int,
    shift: int,
    window: str | None,
    merge_new: bool,
) -> None:
    workload = _workload()
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "store", create=True)
        for batch in batches:
            record_spans(store, [_record(s) for s in batch])
        checks = [_moments(now_minute, window)]
        cold, raw = _both(workload, store, **checks[0])
        assert cold == raw  # cold: every rollup computed now
        assert _both(workload, store, **checks[0]) == (raw, raw)  # warm
        segments = segment_files(store)
        if len(segments) >= 2:
            merge(store, segments, grace=0)  # the merge carries the rollups
            assert len(segment_files(store)) == 1
            cached = rollup_files.cached(store, _only_key(store), segment_files(store))
            assert len(cached) == 1
        record_spans(store, [_record(s) for s in later])  # a new segment arrives
        if merge_new:  # merged before any evaluate saw it: the merge tags it
            merge(store, segment_files(store), grace=0)
            assert rollup_files.cached(store, _only_key(store), segment_files(store))
        for moment in (_moments(now_minute + shift, window), _moments(now_minute - shift, None)):
            cached_result, raw_result = _both(workload, store, **moment)
            assert cached_result == raw_result


def _only_key(store: TelemetryStore) -> str:
    keys = [p.name for p in rollup_files.rollups_root(store).iterdir()]
    assert len(keys) == 1
    return keys[0]


def _busy_store(store: TelemetryStore) -> None:
    for day in range(3):
        record_spans(
            store,
            [
                _record(
                    (day * 1440 + 780 + minute * 3, minute % 7, 503 if minute % 5 else 200, minute)
                )
                for minute in range(120)
            ],
        )


NOW = {"now": at("2026-11-24T12:00:00Z")}


def test_a_store_without_room_for_rollups_still_evaluates(workload, store):
    """Read-only directories cannot be made as root (tests may run as root), so the
    rollups folder is a plain file here: every write fails, evaluate still answers."""
    _busy_store(store)
    blocker = rollup_files.rollups_root(store)
    blocker.write_text("not a folder")
    if os.geteuid() != 0:
        os.chmod(store.path, 0o555)
        os.chmod(store.tmp_dir, 0o555)
    before = sorted(str(p) for p in store.path.rglob("*"))
    try:
        cached, raw = _both(workload, store, **NOW)
    finally:
        os.chmod(store.path, 0o755)
        os.chmod(store.tmp_dir, 0o755)
    assert cached == raw and cached["flows"][0]["requests"] > 0
    assert sorted(str(p) for p in store.path.rglob("*")) == before


def test_alert_timeline_and_evaluate_keep_their_own_keys(workload, store):
    """Different thresholds (a different plan) tag spans differently: a key each."""
    _busy_store(store)
    _both(workload, store, **NOW)
    _both(workload, store, window="1d", **NOW)
    assert len(list(rollup_files.rollups_root(store).iterdir())) == 1  # the window is no key


def test_garbage_is_collected(workload, store):
    _busy_store(store)
    evaluate_workload(workload, store, **NOW)
    key = _only_key(store)
    folder = rollup_files.rollups_root(store) / key
    orphan = folder / "s-gone.parquet"
    orphan.write_bytes((folder / segment_files(store)[0].name).read_bytes())
    stale = rollup_files.rollups_root(store) / "0ldfingerprint"
    stale.mkdir()
    (stale / "x.parquet").write_bytes(b"")
    day_ago = datetime.now().timestamp() - rollup_files.UNUSED_SECONDS
    os.utime(stale, (day_ago, day_ago))
    later = datetime.now().timestamp() + rollup_files.ORPHAN_SECONDS + 1
    assert rollup_files.collect_garbage(store, now=later) == 2
    assert not orphan.exists() and not stale.exists() and folder.exists()
    assert len(list(folder.glob("*.parquet"))) == len(segment_files(store))


EVALUATE_SCRIPT = """
import sys
from datetime import datetime
from flowsight.cli import cli
from flowsight.evaluate import evaluate_workload
from flowsight.load import load_workload
from flowsight.telemetry import open_store
from flowsight.telemetry.upkeep import maintain
store = open_store(sys.argv[1])
if sys.argv[3] == "evaluate":
    workload = load_workload(sys.argv[2]).workload
    evaluate_workload(workload, store, now=datetime.fromisoformat("2026-11-24T12:00:00+00:00"))
else:
    maintain(store, grace=0)
"""


@pytest.mark.parametrize(
    ("step", "action"),
    [
        ("rollup-staged", "evaluate"),
        ("rollup-staged", "merge"),
        ("merge-rollups", "merge"),
        ("merge-published", "merge"),
    ],
)
def test_sigkill_leaves_the_cache_exact(tmp_path, workload, store, step, action):
    _busy_store(store)
    if action == "merge":
        evaluate_workload(workload, store, **NOW)  # rollups to carry
        _busy_store(store)  # and segments the merge must tag
    workload_file = tmp_path / "workload.yaml"
    workload_file.write_text(WORKLOAD)
    result = subprocess.run(
        [sys.executable, "-c", EVALUATE_SCRIPT, str(store.path), str(workload_file), action],
        env={**os.environ, "FLOWSIGHT_CRASH_AT": step},
        capture_output=True,
        text=True,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    cached, raw = _both(workload, store, **NOW)
    assert cached == raw and cached["flows"][0]["requests"] > 0
    key = _only_key(store)
    assert set(rollup_files.cached(store, key, segment_files(store))) == {
        p.name for p in segment_files(store)
    }


def test_a_merge_tags_only_for_keys_in_use(workload, store):
    _busy_store(store)
    evaluate_workload(workload, store, **NOW)
    key = _only_key(store)
    folder = rollup_files.rollups_root(store) / key
    _busy_store(store)
    hour_ago = datetime.now().timestamp() - rollup_files.ACTIVE_SECONDS
    os.utime(folder / rollup_files.USED_MARKER, (hour_ago, hour_ago))
    merged = merge(store, segment_files(store), grace=0)
    assert not (folder / merged.name).exists()  # an idle key is not kept up by merges
    evaluate_workload(workload, store, **NOW)  # in use again: evaluate tags the merged one
    (folder / rollup_files.TAGGING_FILE).write_text("1\nSELECT 'tampered'")
    record_spans(store, [_record((3000, 0, 200, 10))])
    merged = merge(store, segment_files(store), grace=0)
    assert not (folder / merged.name).exists()  # a tagging file not matching its key
    assert _both(workload, store, **NOW)[0] == _both(workload, store, **NOW)[1]
    assert rollup_files.key_of((folder / rollup_files.TAGGING_FILE).read_text()) == key
    assert _both(workload, store, **NOW)[0] == _both(workload, store, **NOW)[1]


def test_stored_tagging_sql_cannot_touch_files(tmp_path, workload, store):
    """Whoever can write the store can forge a key for any SQL: a merge runs it, but in a
    DuckDB without file access, and the merge itself goes on."""
    outside = tmp_path / "outside.csv"
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    for sql in (
        f"COPY (SELECT 1) TO '{outside}'",
        f"SELECT content AS flow FROM read_text('{secret}')",
        "SELECT 1 AS not_a_rollup",
    ):
        text = "1\n" + sql
        folder = rollup_files.rollups_root(store) / rollup_files.key_of(text)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / rollup_files.TAGGING_FILE).write_text(text)
        (folder / rollup_files.USED_MARKER).touch()
        record_spans(store, [_record((3000, 0, 200, 10))])
        merged = merge(store, segment_files(store), grace=0)
        assert merged.exists() and not (folder / merged.name).exists()
    assert not outside.exists()


def test_the_cli_bypass_gives_the_same_json_and_reads_no_rollup(tmp_path, workload, store):
    _busy_store(store)
    workload_file = tmp_path / "workload.yaml"
    workload_file.write_text(WORKLOAD)
    base = ["evaluate", str(workload_file), "--db", str(store.path), "--format", "json"]
    base += ["--now", "2026-11-24T12:00:00Z", "--fail-on", "none"]
    runner = CliRunner()
    bypassed = runner.invoke(cli, [*base, "--no-cache"])
    assert bypassed.exit_code == 0, bypassed.output
    assert not rollup_files.rollups_root(store).exists()  # the bypass writes no cache
    cached = runner.invoke(cli, base)
    assert cached.exit_code == 0, cached.output
    assert json.loads(cached.output) == json.loads(bypassed.output)
    assert len(list(rollup_files.rollups_root(store).rglob("*.parquet"))) == 3


def test_spans_still_in_a_write_ahead_log_count_once(workload, store):
    """Acknowledged spans not converted yet are tagged in memory on each run, never cached."""
    _busy_store(store)
    columns = SpanColumns()
    for minute in range(0, 300, 7):
        columns.add(_record((2 * 1440 + 780 + minute, minute % 7, 200, minute + 1)))
    log = wal_root(store) / "log1" / "000001.wal"
    log.parent.mkdir(parents=True)
    log.write_bytes(encode(columns.table()))
    with_log, raw = _both(workload, store, **NOW)
    assert with_log == raw
    assert with_log != _both(workload, open_store(_copy_without_wal(store)), **NOW)[0]
    key = _only_key(store)
    assert len(rollup_files.cached(store, key, segment_files(store))) == 3  # segments only
    convert(store, "log1", 1, list(read_records(log)))
    assert _both(workload, store, **NOW) == (raw, raw)


def _copy_without_wal(store: TelemetryStore) -> Path:
    import shutil

    target = store.path.parent / "without-wal"
    shutil.copytree(store.path, target, ignore=shutil.ignore_patterns("wal"))
    return target
