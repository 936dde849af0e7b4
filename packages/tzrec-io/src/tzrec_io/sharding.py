"""Row-balanced sharding: which rows of an input each shard reads.

All rows of all units (Parquet row groups, ODPS table partitions) are laid end to end
in input order; shard ``k`` of ``S`` takes the contiguous global range
``[k * N // S, (k + 1) * N // S)``. The ranges tile ``[0, N)``, so every row is read by
exactly one shard, and shards differ by at most one row whatever the unit sizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def check_shard(shard_index: int, num_shards: int, skip_rows: int) -> None:
    """Raise ValueError unless ``0 <= shard_index < num_shards`` and ``skip_rows >= 0``."""
    if num_shards < 1:
        raise ValueError(f"num_shards must be at least 1, got {num_shards}")
    if not 0 <= shard_index < num_shards:
        raise ValueError(f"shard_index must be in [0, {num_shards}), got {shard_index}")
    if skip_rows < 0:
        raise ValueError(f"skip_rows must be >= 0, got {skip_rows}")


def shard_range(total_rows: int, shard_index: int, num_shards: int) -> tuple[int, int]:
    """The global row range ``[start, stop)`` of one shard of ``total_rows`` rows."""
    return (
        shard_index * total_rows // num_shards,
        (shard_index + 1) * total_rows // num_shards,
    )


@dataclass(frozen=True)
class Piece:
    """The rows ``[start, stop)`` (offsets inside the unit) of unit ``unit`` to read."""

    unit: int
    start: int
    stop: int


def pieces_in_range(unit_rows: Sequence[int], start: int, stop: int) -> list[Piece]:
    """The parts of the units that overlap the global row range ``[start, stop)``.

    Args:
        unit_rows: rows of each unit, in input order.
        start: first global row wanted.
        stop: one past the last global row wanted.

    Returns:
        One :class:`Piece` per overlapping unit (units without rows are left out), in
        input order.
    """
    if stop <= start:
        return []
    rows = np.asarray(unit_rows, dtype=np.int64)
    ends = np.cumsum(rows)
    begins = ends - rows
    overlapping = np.nonzero((begins < stop) & (ends > start) & (rows > 0))[0]
    local_start = np.maximum(start - begins[overlapping], 0)
    local_stop = np.minimum(stop, ends[overlapping]) - begins[overlapping]
    return [
        Piece(int(u), int(a), int(b))
        for u, a, b in zip(overlapping, local_start, local_stop, strict=True)
    ]


def shard_pieces(
    unit_rows: Sequence[int], shard_index: int, num_shards: int, skip_rows: int = 0
) -> list[Piece]:
    """The pieces one shard reads, after skipping its first ``skip_rows`` rows.

    Args:
        unit_rows: rows of each unit, in input order.
        shard_index: which shard.
        num_shards: how many shards.
        skip_rows: rows at the start of the shard already consumed.
    """
    check_shard(shard_index, num_shards, skip_rows)
    start, stop = shard_range(int(sum(unit_rows)), shard_index, num_shards)
    return pieces_in_range(unit_rows, min(start + skip_rows, stop), stop)
