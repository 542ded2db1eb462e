"""Arrow arrays read and built through their buffers, with numpy.

Why: the checks of the Arrow ingest path look at every byte of an id or a
timestamp; a numpy table lookup over a string array's data buffer does that at
memory speed, where a regex kernel takes a call per value. And `pa.scalar` /
`pa.array` on Python values import pandas (a third of a second per process),
so constants and index arrays are built from buffers here.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_I = pa.int64()


def byte_set(characters: bytes) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(characters)] = True
    return table


#: Bytes a blank line may start with (what bytes.strip() strips).
BLANK = byte_set(b" \t\n\r\x0b\x0c")
#: Allowed bytes: one inclusive range (compared with SIMD, 2.5x faster than a table
#: lookup), or a 256-entry table (faster than three ranges).
Allowed = tuple[int, int] | np.ndarray
DIGITS: Allowed = (ord("0"), ord("9"))
HEX: Allowed = byte_set(b"0123456789abcdefABCDEF")


def byte_lengths(values: pa.Array) -> np.ndarray:
    """Byte length of each string (0 for null)."""
    return np.diff(np.frombuffer(values.buffers()[1], np.int32)[values.offset :][: len(values) + 1])


def value_bytes(values: pa.Array) -> np.ndarray:
    """All the bytes of a string array's values, back to back (null ones hold none)."""
    offsets = np.frombuffer(values.buffers()[1], np.int32)[values.offset :][: len(values) + 1]
    data = values.buffers()[2]
    if data is None or not len(offsets):
        return np.zeros(0, np.uint8)
    return np.frombuffer(data, np.uint8)[offsets[0] : offsets[-1]]


def all_within(raw: np.ndarray, allowed: Allowed) -> bool:
    """Whether every byte is allowed."""
    if isinstance(allowed, np.ndarray):
        return bool(allowed[raw].all())
    low, high = allowed
    return bool(((raw - np.uint8(low)) <= np.uint8(high - low)).all())


def only(values: pa.Array, allowed: Allowed) -> bool:
    """Whether every byte of every value is allowed (null values hold none)."""
    return all_within(value_bytes(values), allowed)


def int_scalar(value: int, kind: pa.DataType = _I) -> pa.Scalar:
    """A constant for compute calls, built from a buffer: `pa.scalar` (which compute calls
    apply to plain Python values) imports pandas, a third of a second per process."""
    data = np.array([value], dtype=kind.to_pandas_dtype())
    return pa.Array.from_buffers(kind, 1, [None, pa.py_buffer(data)])[0]


def text_scalar(value: str) -> pa.Scalar:
    data = value.encode()
    offsets = np.array([0, len(data)], dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)])[
        0
    ]


def from_numpy(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """An integer numpy array as Arrow, without a copy (and without `pa.array`, which
    imports pandas too)."""
    kind = pa.from_numpy_dtype(values.dtype)
    bitmap = None if valid is None else pa.py_buffer(np.packbits(valid, bitorder="little"))
    return pa.Array.from_buffers(kind, len(values), [bitmap, pa.py_buffer(values)])


def to_numpy(values: pa.Array) -> np.ndarray:
    """A null-free integer array as numpy, without a copy (`to_numpy` would import pandas)."""
    dtype = np.dtype(values.type.to_pandas_dtype())
    return np.frombuffer(values.buffers()[1], dtype)[values.offset :][: len(values)]


def flat(lists: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """(items, index of the list each item came from)."""
    parents = to_numpy(pc.list_parent_indices(lists))
    return lists.flatten(), parents


def offsets(lists: pa.Array) -> pa.Array:
    """List offsets into `lists.flatten()` (a null list counts as empty)."""
    lengths = to_numpy(pc.list_value_length(lists).fill_null(int_scalar(0, pa.int32())))
    return from_numpy(np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32))
