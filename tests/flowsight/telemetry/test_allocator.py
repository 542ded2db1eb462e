"""The allocator `collect` and `serve` run on (each case in a fresh interpreter: the
default pool is process-wide)."""

from __future__ import annotations

import os
import subprocess
import sys

import pyarrow as pa

CHOOSE = (
    "import pyarrow as pa\n"
    "from flowsight.telemetry.allocator import use_long_running_pool\n"
    "print(use_long_running_pool(), pa.default_memory_pool().backend_name)\n"
)


def _choose(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run(
        [sys.executable, "-c", CHOOSE], env={**clean, **env}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def _has_jemalloc() -> bool:
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        return False
    return True


def test_a_long_running_process_allocates_from_jemalloc_where_arrow_has_it() -> None:
    expected = "jemalloc" if _has_jemalloc() else pa.default_memory_pool().backend_name
    assert _choose() == [expected, expected]


def test_a_pool_the_user_chose_through_arrows_variable_is_kept() -> None:
    assert _choose(ARROW_DEFAULT_MEMORY_POOL="system") == ["system", "system"]
