"""Size-tiered compaction and retention: bounded segment count, and SIGKILL at every step
leaves readers with exactly the rows they had (or, for retention, exactly the survivors)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flowsight.errors import UsageError
from flowsight.telemetry import compaction, open_store
from flowsight.telemetry.compaction import (
    FANOUT,
    MergeCancelled,
    collect_garbage,
    expire,
    parse_retention,
)
from flowsight.telemetry.spans import SCHEMA, SpanColumns, SpanRecord
from flowsight.telemetry.store import connect, segment_files, write_table
from flowsight.telemetry.upkeep import (
    LARGE,
    LARGE_TIER,
    SMALL,
    Maintainer,
    maintain,
    maintain_lane,
    upkeep_lock,
)

DAY = 86_400 * 10**9
NOW = 1_780_000_000 * 10**9


def _fill(store, segments: int, spans: int = 50, age_days: float = 0) -> None:  # type: ignore[no-untyped-def]
    for segment in range(segments):
        columns = SpanColumns()
        for index in range(spans):
            number = (int(age_days * 1000) * 10**6) + segment * spans + index + 1
            start = NOW - int(age_days * DAY) - index * 1000
            columns.add(
                SpanRecord(f"{number:032x}", f"{number:016x}", "s", "n", 2, start, start + 9)
            )
        write_table(store, columns.table())


def _rows(store) -> tuple:  # type: ignore[no-untyped-def]
    with connect(store) as connection:
        row = connection.execute(
            "SELECT count(*), count(DISTINCT span_id), sum(hash(span_id)) FROM spans"
        ).fetchone()
    assert row is not None
    return tuple(row)


def test_tiers_keep_the_segment_count_bounded_and_rows_exact(tmp_path: Path):
    store = open_store(tmp_path / "store", create=True)
    _fill(store, 40)
    before = _rows(store)
    for _ in range(10):
        maintain(store, grace=0)
    assert len(segment_files(store)) < FANOUT
    assert _rows(store) == before and before[0] == before[1] == 2000
    leftovers = [p for p in store.segments_dir.iterdir() if p.suffix == ".parquet"]
    assert len(leftovers) == len(segment_files(store))


def _earliest_per_row_group(path: Path) -> list[int]:
    metadata = pq.read_metadata(path)
    column = metadata.schema.names.index("start_ns")
    return [
        metadata.row_group(group).column(column).statistics.min
        for group in range(metadata.num_row_groups)
    ]


def test_a_merge_lays_its_inputs_out_in_time_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compaction, "ROW_GROUP_ROWS", 50)  # one row group per input
    store = open_store(tmp_path / "store", create=True)
    for age in (3, 1, 2, 0):  # written out of time order, as late data arrives
        _fill(store, 1, age_days=age)
    before = _rows(store)
    maintain(store, grace=0)
    (merged,) = segment_files(store)
    earliest = _earliest_per_row_group(merged)
    assert len(earliest) == 4 and earliest == sorted(earliest)
    assert _rows(store) == before


def test_a_merge_casts_segments_of_another_writer_to_the_schema(tmp_path: Path) -> None:
    """A segment written with wider integer types (as DuckDB or an older writer might)
    merges into one of the store's schema, with the same rows."""
    store = open_store(tmp_path / "store", create=True)
    _fill(store, 1)
    wide = pa.schema(
        [
            field.with_type(pa.int64()) if field.name in ("kind", "status") else field
            for field in SCHEMA
        ]
    )
    (segment,) = segment_files(store)
    pq.write_table(pq.read_table(segment).cast(wide), segment)
    _fill(store, 3, age_days=1)  # a tier of four
    before = _rows(store)
    maintain(store, grace=0)
    (merged,) = segment_files(store)
    assert pq.read_schema(merged).remove_metadata() == SCHEMA.remove_metadata()
    assert _rows(store) == before


def test_retention_drops_whole_segments_past_the_horizon(tmp_path: Path):
    store = open_store(tmp_path / "store", create=True)
    _fill(store, 3, age_days=500)
    _fill(store, 2, age_days=10)
    assert _rows(store)[0] == 250
    assert expire(store, 400 * 86400, now=NOW / 1e9, grace=60) == 3
    assert _rows(store)[0] == 100  # hidden at once
    files = [p for p in store.segments_dir.iterdir() if p.suffix == ".parquet"]
    assert len(files) == 5  # deleted only after the grace period
    collect_garbage(store, grace=0)
    assert len([p for p in store.segments_dir.iterdir() if p.suffix == ".parquet"]) == 2
    assert not list(store.segments_dir.glob("r-*.json")) and _rows(store)[0] == 100


def test_retention_option_is_checked():
    assert parse_retention("400d") == 400 * 86400 and parse_retention(None) is None
    for wrong in ("0d", "5m", "forever", "999999999999999999999d"):
        with pytest.raises(UsageError):
            parse_retention(wrong)


STEP_SCRIPT = """
import sys
from flowsight.telemetry import open_store
from flowsight.telemetry.compaction import expire
from flowsight.telemetry.upkeep import maintain
store = open_store(sys.argv[1])
if sys.argv[2] == "retain":
    expire(store, 400 * 86400, now={now}, grace=0)
else:
    maintain(store, grace=0)
"""


@pytest.mark.parametrize(
    ("step", "action"),
    [
        ("merge-manifest", "merge"),
        ("merge-staged", "merge"),
        ("merge-published", "merge"),
        ("delete-first", "merge"),
        ("retain-manifest", "retain"),
        ("delete-first", "retain"),
    ],
)
def test_sigkill_at_each_step_loses_and_doubles_nothing(tmp_path: Path, step: str, action: str):
    store = open_store(tmp_path / "store", create=True)
    _fill(store, 4, age_days=500 if action == "retain" else 0)
    _fill(store, 2, age_days=1)
    before = _rows(store)
    survivors = _rows_after_expiry(tmp_path) if action == "retain" else before
    result = subprocess.run(
        [sys.executable, "-c", STEP_SCRIPT.format(now=NOW / 1e9), str(store.path), action],
        env={**os.environ, "FLOWSIGHT_CRASH_AT": step},
        capture_output=True,
        text=True,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert _rows(store) in (before, survivors)
    if step != "merge-manifest" and step != "merge-staged":
        assert _rows(store) == survivors  # past the commit point
    # The next round finishes or undoes whatever the crash left, and stays exact.
    collect_garbage(store, grace=0, orphan_age=0)
    maintain(store, grace=0)
    assert _rows(store) in (before, survivors)
    assert not list(store.tmp_dir.iterdir())
    names = {p.name for p in store.segments_dir.iterdir() if p.suffix == ".parquet"}
    assert names == {p.name for p in segment_files(store)}


def _rows_after_expiry(tmp_path: Path) -> tuple:
    reference = open_store(tmp_path / "reference", create=True)
    _fill(reference, 2, age_days=1)
    return _rows(reference)


def test_maintainer_compacts_in_the_background(tmp_path: Path):
    store = open_store(tmp_path / "store", create=True)
    _fill(store, 24)
    before = _rows(store)
    maintainer = Maintainer(store, interval=0.1, grace=30)
    maintainer.start()
    deadline = time.monotonic() + 60
    while len(segment_files(store)) >= FANOUT and time.monotonic() < deadline:
        assert _rows(store) == before  # readers meanwhile see every row exactly once
        time.sleep(0.05)
    maintainer.stop()
    assert len(segment_files(store)) < FANOUT and maintainer.upkeep.compactions >= 2
    assert _rows(store) == before and maintainer.failures == 0


def _large_tiers_from_a_few_kilobytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiers x4 from 8 KiB instead of 4 MiB, so a test's segments span both lanes."""
    monkeypatch.setattr(compaction, "TIER_BASE", 8192)


def _tiers(store) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(compaction.tier(p.stat().st_size) for p in segment_files(store))


def test_the_lanes_merge_disjoint_tiers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _large_tiers_from_a_few_kilobytes(monkeypatch)
    store = open_store(tmp_path / "store", create=True)
    _fill(store, 4, spans=8000)  # each past 4x TIER_BASE: the large lane's
    _fill(store, 6, spans=5)  # tier 0: the small lane's
    assert _tiers(store).count(0) == 6 and min(t for t in _tiers(store) if t) >= LARGE_TIER
    before = _rows(store)
    maintain_lane(store, SMALL, grace=0)
    assert _tiers(store).count(0) < FANOUT and len(segment_files(store)) > FANOUT
    maintain_lane(store, LARGE, grace=0)
    assert all(t < LARGE_TIER for t in _tiers(store)[:-1]) and _rows(store) == before


def test_small_merges_go_on_while_the_large_lane_is_busy(tmp_path: Path):
    """The soak's failure: one long merge held up every small one. Holding the large lane's
    lock stands for a merge of the largest tier that runs for minutes."""
    store = open_store(tmp_path / "store", create=True)
    _fill(store, 12)
    before = _rows(store)
    with upkeep_lock(store, name=LARGE.lock) as held:
        assert held
        assert maintain(store, grace=0).compactions == 0  # the whole store must wait
        upkeep = maintain_lane(store, SMALL, grace=0)
        assert upkeep.compactions >= 1 and len(segment_files(store)) < FANOUT
    assert _rows(store) == before


def test_retention_and_orphan_clean_up_wait_for_the_large_lane(tmp_path: Path):
    """Either could undo a running large merge: retention would hide a segment the merge
    copies back, and an uncommitted manifest may be the merge's own."""
    store = open_store(tmp_path / "store", create=True)
    _fill(store, 1, age_days=500)
    _fill(store, 1)
    orphan = store.segments_dir / "c-1--running.json"
    orphan.write_text('{"replaces": ["a.parquet"]}')
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))
    with upkeep_lock(store, name=LARGE.lock):
        assert maintain_lane(store, SMALL, 400 * 86400, grace=0).expired_segments == 0
        assert orphan.exists() and len(segment_files(store)) == 2
    assert maintain_lane(store, SMALL, 400 * 86400, grace=0).expired_segments == 1
    assert not orphan.exists() and len(segment_files(store)) == 1


def test_a_cancelled_merge_leaves_nothing(tmp_path: Path):
    """Shutdown gives up a running merge instead of waiting minutes for it."""
    store = open_store(tmp_path / "store", create=True)
    _fill(store, 4)
    before, inputs = _rows(store), segment_files(store)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(MergeCancelled):
        compaction.merge(store, inputs, grace=0, cancel=cancel)
    assert segment_files(store) == inputs and _rows(store) == before
    assert not list(store.tmp_dir.iterdir())
    assert not list(store.segments_dir.glob("*.json"))
