"""Stream helpers on record batches: row windows, row striding and re-chunking."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pyarrow as pa


def row_window(
    batches: Iterable[pa.RecordBatch], skip: int, count: int | None = None
) -> Iterator[pa.RecordBatch]:
    """Rows ``[skip, skip + count)`` of a stream of batches (zero-copy slices).

    Stops pulling from ``batches`` as soon as the window is complete, so a lazy
    reader reads no further than needed.

    Args:
        batches: the stream.
        skip: rows to drop at the start.
        count: rows to yield after them; None yields the rest.
    """
    remaining = count
    if remaining is not None and remaining <= 0:
        return
    for batch in batches:
        if skip >= batch.num_rows:
            skip -= batch.num_rows
            continue
        piece = batch.slice(skip) if skip else batch
        skip = 0
        if remaining is not None:
            if piece.num_rows >= remaining:
                yield piece.slice(0, remaining)
                return
            remaining -= piece.num_rows
        if piece.num_rows:
            yield piece


def stride_rows(
    batches: Iterable[pa.RecordBatch], first: int, step: int
) -> Iterator[pa.RecordBatch]:
    """The rows whose index in the stream is ``first, first + step, first + 2 * step...``.

    Args:
        batches: the stream; row indices count from 0 across all its batches.
        first: index of the first row kept (may lie beyond the first batches).
        step: distance between kept rows (>= 1).
    """
    position = 0
    for batch in batches:
        n = batch.num_rows
        offset = max(first - position, 0)
        if offset == 0:
            offset = (first - position) % step
        if offset < n:
            yield batch.take(pa.array(np.arange(offset, n, step, dtype=np.int64)))
        position += n


def concat_batches(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    """One record batch holding the rows of ``batches`` (all of one schema)."""
    if len(batches) == 1:
        return batches[0]
    combined = pa.Table.from_batches(batches).combine_chunks()
    return combined.to_batches()[0]


def rechunk(batches: Iterable[pa.RecordBatch], batch_size: int) -> Iterator[pa.RecordBatch]:
    """Re-cut a stream into batches of exactly ``batch_size`` rows (the last may be short).

    Small input batches are concatenated; large ones are sliced (zero-copy). Empty
    batches are dropped.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    for batch in batches:
        offset = 0
        while offset < batch.num_rows:
            take = min(batch_size - pending_rows, batch.num_rows - offset)
            pending.append(batch.slice(offset, take))
            pending_rows += take
            offset += take
            if pending_rows == batch_size:
                yield concat_batches(pending)
                pending, pending_rows = [], 0
    if pending_rows:
        yield concat_batches(pending)
