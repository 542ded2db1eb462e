"""`collect` decodes in threads of its own process: nothing it starts can outlive it.

It once decoded in a forkserver's worker processes, which a SIGKILLed `collect`
left running as orphans until a lifeline was added. The native decoder releases
the GIL, so threads use both cores and the pool went; this holds that no helper
process comes back unnoticed, and that however `collect` ends (SIGTERM, or
SIGKILL that runs no shutdown code) none of its process tree is left running.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_receiver import _free_port, request
from test_wal import _collect

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc (Linux)"
)


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _running(pids: set[int]) -> set[int]:
    """Those of `pids` still running (a zombie has ended; its parent just has not reaped it)."""
    return {pid for pid in pids if (fields := _stat(pid)) is not None and fields[0] != "Z"}


def _await_exit(pids: set[int], seconds: float = 30) -> set[int]:
    deadline = time.monotonic() + seconds
    while _running(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return _running(pids)


@pytest.fixture
def helpers() -> Iterator[set[int]]:
    """Processes a test expects to end; any left running are killed so nothing leaks."""
    pids: set[int] = set()
    yield pids
    for pid in _running(pids):
        os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("ending", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_collect_starts_no_process_that_could_outlive_it(
    tmp_path: Path, helpers: set[int], ending: signal.Signals
) -> None:
    port = _free_port()
    process = _collect(tmp_path / "store", port)
    answer = httpx.post(f"http://127.0.0.1:{port}/v1/traces", json=request(5), timeout=10)
    assert answer.status_code == 200
    helpers.update(_descendants(process.pid))
    assert _running(helpers) == set(), "collect started helper processes"
    helpers.add(process.pid)
    process.send_signal(ending)
    process.wait(timeout=60)
    assert _await_exit(helpers) == set()
