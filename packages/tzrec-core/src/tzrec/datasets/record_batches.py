"""Re-cutting streams of arrow record batches to a fixed number of rows.

Readers decode files in whatever sizes the format gives (row groups, CSV blocks, file
ends); the dataset needs batches of exactly ``batch_size`` rows. Both use
:func:`rechunk`, which slices without copying and concatenates only across the seams.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyarrow as pa


def concat_batches(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    """One record batch holding the rows of ``batches`` (all of one schema)."""
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches).combine_chunks().to_batches()[0]


def rechunk(
    batches: Iterable[pa.RecordBatch], batch_size: int, drop_remainder: bool = False
) -> Iterator[pa.RecordBatch]:
    """Re-cut a stream into batches of exactly ``batch_size`` rows.

    Large input batches are sliced (zero-copy), small ones concatenated, empty ones
    dropped; a batch that already has ``batch_size`` rows passes through as it is.

    Args:
        batches: the stream.
        batch_size: rows per output batch (>= 1).
        drop_remainder: drop the last, short batch instead of yielding it.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    for batch in batches:
        offset = 0
        while offset < batch.num_rows:
            take = min(batch_size - pending_rows, batch.num_rows - offset)
            piece = batch if take == batch.num_rows else batch.slice(offset, take)
            pending.append(piece)
            pending_rows += take
            offset += take
            if pending_rows == batch_size:
                yield concat_batches(pending)
                pending, pending_rows = [], 0
    if pending_rows and not drop_remainder:
        yield concat_batches(pending)
