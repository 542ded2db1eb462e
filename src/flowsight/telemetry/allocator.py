"""Which of Arrow's allocators a piece of work runs on.

Arrow buffers remember the pool that made them, so the default pool can change
at any time; the choice only decides where new buffers come from.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import pyarrow as pa

#: Arrow's own switch: a user who set it chose a pool, and we keep that choice.
POOL_ENV = "ARROW_DEFAULT_MEMORY_POOL"


@contextlib.contextmanager
def system_allocator() -> Iterator[None]:
    """Arrow's default allocator (mimalloc) hands the large blocks of file ingest back to
    the OS and faults them in again, block after block: about a tenth of the CPU time."""
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def use_long_running_pool() -> str:
    """Put `collect` and `serve` on jemalloc where Arrow has it; returns the pool's name.

    Their merges decode batch after batch on two threads while requests are
    converted on others. On mimalloc, Arrow's default, a merge into row groups of
    65,536 rows raised the process's peak RSS by about 145 MiB, on jemalloc by about
    80; in paired receiver bursts jemalloc acked as many spans/s with a fifth less
    peak RSS (bench/README.md, Receiver, runs M1-M4).
    """
    if not os.environ.get(POOL_ENV):
        with contextlib.suppress(NotImplementedError):
            pa.set_memory_pool(pa.jemalloc_memory_pool())
    return pa.default_memory_pool().backend_name
