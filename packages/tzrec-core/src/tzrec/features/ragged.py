"""Column-at-a-time helpers that turn pyarrow input columns into ragged (values, lengths).

Inputs arrive as scalars, separator-joined strings, lists or nested lists; every feature
first brings them to one *ragged* form: a flat pyarrow array of the present values and
an int32 count per row. Nulls and empty strings count as absent values, so a row with
nothing in it has length 0 and later takes the feature's default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc


def offsets_of(lengths: npt.ArrayLike, dtype: npt.DTypeLike = np.int64) -> np.ndarray:
    """Row offsets ``[0, l0, l0 + l1, ...]`` of rows with the given lengths."""
    lengths = np.asarray(lengths)
    out = np.zeros(len(lengths) + 1, dtype=dtype)
    np.cumsum(lengths, out=out[1:])
    return out


def list_array(lengths: npt.ArrayLike, values: pa.Array) -> pa.ListArray:
    """A ``list<T>`` array whose rows have ``lengths`` values each, over flat ``values``."""
    return pa.ListArray.from_arrays(pa.array(offsets_of(lengths, np.int32)), values)


@dataclass(frozen=True)
class Ragged:
    """A batch of variable-length rows.

    Attributes:
        values: flat pyarrow array of all rows' values, in row order.
        lengths: int32 count of values per row.
    """

    values: pa.Array
    lengths: npt.NDArray[np.int32]

    @property
    def num_rows(self) -> int:
        """Number of rows."""
        return int(self.lengths.shape[0])

    def offsets(self) -> npt.NDArray[np.int64]:
        """Row start offsets into ``values``, with a final end offset."""
        return offsets_of(self.lengths)

    def row_ids(self) -> npt.NDArray[np.int64]:
        """The row index of each value."""
        return np.repeat(np.arange(self.num_rows, dtype=np.int64), self.lengths)

    def to_list_array(self) -> pa.ListArray:
        """The rows as a ``list<T>`` array (empty rows are empty lists)."""
        return list_array(self.lengths, self.values)


def combine_chunks(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A contiguous array from an array or a chunked array."""
    if isinstance(arr, pa.ChunkedArray):
        return arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr


def is_string_type(t: pa.DataType) -> bool:
    """Whether ``t`` is string or large_string."""
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def is_list_type(t: pa.DataType) -> bool:
    """Whether ``t`` is a list, large_list or fixed_size_list."""
    return bool(pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t))


def _has_empty_string(arr: pa.Array) -> bool:
    """Whether a string array holds an empty string (read from its offsets)."""
    lengths = pc.binary_length(arr)
    return bool(pc.min(lengths).as_py() == 0) if len(arr) else False


def _may_contain(arr: pa.Array, separator: str) -> bool:
    """Whether any string of ``arr`` may contain ``separator`` (no false negatives).

    Looks for the separator's first byte in the array's data buffer with numpy, far
    cheaper than splitting every string when (as usual) no value is multi-valued.
    """
    if not len(arr):
        return False
    sep = separator.encode()
    offsets_buf, data_buf = arr.buffers()[1], arr.buffers()[2]
    if data_buf is None or offsets_buf is None:
        return False
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=width)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8)[int(offsets[0]) : int(offsets[-1])]
    return bool((data == sep[0]).any())


def _drop_absent(flat: pa.Array, parents: npt.NDArray[np.int64], num_rows: int) -> Ragged:
    """Drop nulls (and empty strings) from a flat array whose values belong to rows."""
    is_string = is_string_type(flat.type)
    if not flat.null_count and not (is_string and _has_empty_string(flat)):
        counts = np.bincount(parents, minlength=num_rows)
        return Ragged(flat, counts.astype(np.int32))
    keep = pc.is_valid(flat)
    if is_string:
        # binary_length reads the offsets only; utf8_length would scan the bytes.
        keep = pc.and_kleene(keep, pc.not_equal(pc.binary_length(flat), pa.scalar(0, pa.int32())))
    keep_np = keep.to_numpy(zero_copy_only=False)
    counts = np.bincount(parents[keep_np], minlength=num_rows)
    return Ragged(flat.filter(keep), counts.astype(np.int32))


def as_ragged(arr: pa.Array | pa.ChunkedArray, separator: str | None = None) -> Ragged:
    """Bring a column to ragged form, one level deep.

    Args:
        arr: a scalar column, a string column holding ``separator``-joined values, or a
            list column (nested lists are flattened completely).
        separator: splits string values; None keeps each string whole.

    Returns:
        the present values of each row: nulls, null elements and empty strings dropped.
    """
    arr = combine_chunks(arr)
    n = len(arr)
    t = arr.type
    if pa.types.is_dictionary(t):
        arr = arr.cast(t.value_type)
        t = arr.type
    if is_list_type(t):
        flat = arr
        parents = None
        while is_list_type(flat.type):
            idx = pc.list_parent_indices(flat).to_numpy()
            parents = idx if parents is None else parents[idx]
            flat = pc.list_flatten(flat)
        assert parents is not None
        if separator and is_string_type(flat.type) and _may_contain(flat, separator):
            split = pc.split_pattern(flat, separator)
            parents = parents[pc.list_parent_indices(split).to_numpy()]
            flat = pc.list_flatten(split)
        return _drop_absent(flat, parents.astype(np.int64), n)
    if separator and is_string_type(t) and _may_contain(arr, separator):
        split = pc.split_pattern(arr, separator)
        parents = pc.list_parent_indices(split).to_numpy()
        return _drop_absent(pc.list_flatten(split), parents.astype(np.int64), n)
    return _drop_absent(arr, np.arange(n, dtype=np.int64), n)


def split_sequence(
    arr: pa.Array | pa.ChunkedArray, delimiter: str, max_length: int
) -> tuple[pa.Array, npt.NDArray[np.int32]]:
    """Split a sequence column into its steps, keeping the first ``max_length`` of each row.

    Args:
        arr: a string column of ``delimiter``-joined steps, or a list column whose outer
            level is the sequence (``list<T>`` or ``list<list<T>>``).
        delimiter: the step delimiter of string columns.
        max_length: the most steps kept per row (0 keeps all).

    Returns:
        (steps, lengths): a flat array with one element per kept step (a string, a
        scalar or a list), and the int32 number of steps per row. A null or empty
        value is a sequence of no steps, and so is every row of an all-null column
        (arrow type ``null``, as an empty CSV column or a Parquet column written from
        nulls only is read).
    """
    arr = combine_chunks(arr)
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_null(arr.type):
        return pa.nulls(0), np.zeros(len(arr), dtype=np.int32)
    if is_string_type(arr.type):
        arr = pc.split_pattern(arr, delimiter)
        empty = pc.and_(
            pc.equal(pc.list_value_length(arr), 1),
            pc.equal(
                pc.utf8_length(pc.list_element(pc.fill_null(arr, pa.scalar([""], arr.type)), 0)), 0
            ),
        )
        arr = pc.if_else(empty, pa.scalar([], arr.type), arr)
    elif not is_list_type(arr.type):
        raise TypeError(f"a sequence column must be a string or a list, not {arr.type}")
    lengths = pc.fill_null(pc.list_value_length(arr), pa.scalar(0, pa.int32()))
    lengths_np = lengths.to_numpy().astype(np.int32)
    if max_length > 0 and len(lengths_np) and int(lengths_np.max()) > max_length:
        arr = pc.list_slice(arr, 0, max_length)
        lengths_np = np.minimum(lengths_np, max_length).astype(np.int32)
    return pc.list_flatten(arr), lengths_np


def repeat_rows(arr: pa.Array | pa.ChunkedArray, counts: npt.NDArray[np.int32]) -> pa.Array:
    """Repeat row i of ``arr`` ``counts[i]`` times (broadcast a row to its sequence steps)."""
    arr = combine_chunks(arr)
    idx = np.repeat(np.arange(len(arr), dtype=np.int64), counts)
    return arr.take(pa.array(idx))


def default_positions(
    lengths: npt.NDArray[np.int32], num_defaults: int
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.bool_]]:
    """Where ``num_defaults`` values go when every empty row gets them.

    Returns:
        (new_lengths, is_default): the lengths after filling, and a mask over the filled
        flat values that is True at the inserted defaults (the old values keep their
        order in the False positions).
    """
    empty = lengths == 0
    new_lengths = np.where(empty, num_defaults, lengths).astype(np.int32)
    offsets = offsets_of(new_lengths)
    is_default = np.zeros(int(offsets[-1]), dtype=bool)
    starts = offsets[:-1][empty]
    is_default[(starts[:, None] + np.arange(num_defaults)[None, :]).reshape(-1)] = True
    return new_lengths, is_default


def fill_empty_rows(ragged: Ragged, default: pa.Scalar | None) -> Ragged:
    """Give each row without values the single value ``default`` (None: leave empty)."""
    if default is None or not (ragged.lengths == 0).any():
        return ragged
    new_lengths, is_default = default_positions(ragged.lengths, 1)
    # Take from [values..., default]: old values in order, the default where inserted.
    src = np.full(len(is_default), len(ragged.values), dtype=np.int64)
    src[~is_default] = np.arange(len(ragged.values), dtype=np.int64)
    default_arr = pa.array([default.as_py()], type=ragged.values.type)
    combined = pa.concat_arrays([ragged.values, default_arr])
    return Ragged(combined.take(pa.array(src)), new_lengths)


def fill_empty_rows_np(
    values: np.ndarray,
    lengths: npt.NDArray[np.int32],
    default: np.ndarray,
) -> tuple[np.ndarray, npt.NDArray[np.int32]]:
    """Give every empty row the values ``default`` (numpy arrays, vectorised).

    Args:
        values: flat values of all rows (first axis).
        lengths: values per row.
        default: the values an empty row gets (same trailing shape as ``values``).

    Returns:
        (values, lengths) with the defaults inserted.
    """
    empty = lengths == 0
    if not empty.any() or len(default) == 0:
        return values, lengths
    new_lengths, is_default = default_positions(lengths, len(default))
    out = np.empty((len(is_default), *values.shape[1:]), dtype=values.dtype)
    out[~is_default] = values
    out[is_default] = np.tile(default, (int(empty.sum()), *((1,) * (default.ndim - 1))))
    return out, new_lengths
