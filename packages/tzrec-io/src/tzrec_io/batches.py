"""Stream helpers on record batches: row windows and row striding.

Re-chunking to a batch size is :func:`tzrec.datasets.record_batches.rechunk`, shared with
the dataset.
"""

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
