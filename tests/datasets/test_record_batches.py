"""rechunk: exact batch sizes across seams, zero-copy pass-through, remainder handling."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tzrec.datasets.record_batches import rechunk


def stream(*sizes: int) -> list[pa.RecordBatch]:
    start, out = 0, []
    for n in sizes:
        out.append(pa.record_batch({"id": list(range(start, start + n))}))
        start += n
    return out


def ids(batches: list[pa.RecordBatch]) -> list[int]:
    return [v for b in batches for v in b.column("id").to_pylist()]


def test_cuts_exact_sizes_across_seams_and_keeps_the_order() -> None:
    out = list(rechunk(stream(3, 0, 7, 1, 4), 4))
    assert [b.num_rows for b in out] == [4, 4, 4, 3]
    assert ids(out) == list(range(15))


def test_drop_remainder_drops_only_the_short_tail() -> None:
    out = list(rechunk(stream(5, 6), 4, drop_remainder=True))
    assert [b.num_rows for b in out] == [4, 4]
    assert ids(out) == list(range(8))


def test_batch_of_the_right_size_passes_through_untouched() -> None:
    (batch,) = stream(4)
    (out,) = list(rechunk([batch], 4))
    assert out is batch


def test_batch_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(rechunk(stream(1), 0))
