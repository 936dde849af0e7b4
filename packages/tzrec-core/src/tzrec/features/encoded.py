r"""Reading finished feature values: FG_NONE columns, numbers from text, dense rows.

With ``fg_mode=FG_NONE`` the column named after a feature already holds its finished
value (pyfg's encoded output), read here for every feature type:

- sparse: int ids, ``list<int>`` ids, or a string of ids joined by the data config's
  ``fg_encoded_multival_sep`` (default ``"\x03"``); weighted features hold
  ``"id:weight"`` items (or a ``map<int, float>`` column). Every id must lie in
  ``[0, num_embeddings)`` (zch / dynamicemb features hold raw ids and are not
  bound-checked). A row without ids takes ``fg_encoded_default_value`` when set, else
  stays empty.
- dense: float, ``list<float>`` or a string of floats joined by the multi-value
  separator, exactly ``value_dim`` numbers per row. A row without numbers takes
  ``fg_encoded_default_value``; without one it is an error.

The module also holds the number parsing every feature shares (:func:`to_float64`,
:func:`to_int64`, :func:`split_weighted`) and :func:`to_dense`, which turns ragged
numbers into the ``(rows, value_dim)`` matrix of a dense feature.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.ragged import (
    Ragged,
    as_ragged,
    combine_chunks,
    fill_empty_rows_np,
    is_string_type,
    offsets_of,
)
from tzrec.features.values import DenseValue, SparseValue
from tzrec.protos import data_pb2

if TYPE_CHECKING:
    from tzrec.features.feature import BaseFeature

_FLOAT_RE = r"^\s*[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)\s*$"
_INT_RE = r"^\s*[+-]?\d+\s*$"
_NUMBERS = "expected numbers or numeric strings"
_INTEGERS = "expected integers or integer strings"


def _sample(values: pa.Array) -> object:
    """The first non-null value of ``values`` (None when all are null), for messages."""
    present = pc.drop_null(values)
    return present[0].as_py() if len(present) else None


def _first_bad(values: pa.Array, pattern: str) -> str | None:
    """The first string of ``values`` not matching ``pattern`` (case-insensitive)."""
    ok = pc.match_substring_regex(values, pattern, ignore_case=True)
    bad = np.flatnonzero(~ok.to_numpy(zero_copy_only=False))
    return str(values[int(bad[0])].as_py()) if len(bad) else None


def _decoded(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array, dictionary-encoded values decoded."""
    values = combine_chunks(values)
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    return values


def to_float64(values: pa.Array, feature_name: str, input_name: str) -> npt.NDArray[np.float64]:
    """Numbers of a flat array (numeric, boolean or numeric text) as float64.

    Raises:
        InvalidFgInputError: naming the first string that is not a number.
    """
    values = _decoded(values)
    t = values.type
    if pa.types.is_null(t):
        return np.zeros(len(values), dtype=np.float64)
    if is_string_type(t):
        try:
            values = pc.cast(values, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            bad = _first_bad(values, _FLOAT_RE)
            if bad is None:  # only surrounding spaces: parse the trimmed text
                return to_float64(pc.utf8_trim_whitespace(values), feature_name, input_name)
            raise InvalidFgInputError(
                feature_name, input_name, bad, f"not a number ({_NUMBERS}, found {t} values)"
            ) from None
    elif pa.types.is_boolean(t) or pa.types.is_integer(t) or pa.types.is_floating(t):
        values = pc.cast(values, pa.float64())
    else:
        raise InvalidFgInputError(
            feature_name, input_name, _sample(values), f"{_NUMBERS}, found arrow type {t}"
        )
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)


def to_int64(values: pa.Array, feature_name: str, input_name: str) -> npt.NDArray[np.int64]:
    """Integers of a flat array (integer, integral float or integer text) as int64.

    Raises:
        InvalidFgInputError: naming the first value that is not an integer.
    """
    values = _decoded(values)
    t = values.type
    if pa.types.is_null(t):
        return np.zeros(len(values), dtype=np.int64)
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        try:
            return np.asarray(
                pc.cast(values, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64
            )
        except pa.ArrowInvalid:
            big = pc.greater(values, pa.scalar(2**63 - 1, t))
            bad = values.filter(big)[0].as_py()
            raise InvalidFgInputError(
                feature_name, input_name, bad, "integer does not fit int64"
            ) from None
    if pa.types.is_floating(t):
        f = np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.float64)
        with np.errstate(invalid="ignore"):
            bad_mask = ~np.isfinite(f) | (np.floor(f) != f) | (np.abs(f) >= 2.0**63)
        if bad_mask.any():
            bad_value = float(f[np.flatnonzero(bad_mask)[0]])
            raise InvalidFgInputError(
                feature_name, input_name, bad_value, f"not an integer ({_INTEGERS}, found {t})"
            )
        return f.astype(np.int64)
    if is_string_type(t):
        bad = None
        for text in (values, pc.utf8_trim_whitespace(values)):
            try:
                ints = pc.cast(text, pa.int64())
                return np.asarray(ints.to_numpy(zero_copy_only=False), dtype=np.int64)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                bad = _first_bad(values, _INT_RE)
                if bad is not None:
                    raise InvalidFgInputError(
                        feature_name,
                        input_name,
                        bad,
                        f"not an integer ({_INTEGERS}, found {t} values)",
                    ) from None
        bad = _first_bad(pc.utf8_trim_whitespace(values), r"^[+-]?\d{1,18}$")
        raise InvalidFgInputError(feature_name, input_name, bad, "integer does not fit int64")
    raise InvalidFgInputError(
        feature_name, input_name, _sample(values), f"{_INTEGERS}, found arrow type {t}"
    )


def split_weighted(
    values: pa.Array, feature_name: str, input_name: str
) -> tuple[pa.Array, npt.NDArray[np.float32]]:
    """Split ``"key:weight"`` strings into keys and float32 weights.

    The split is at the last ``:``, so keys may contain colons. Non-string values are
    keys of weight 1.

    Raises:
        InvalidFgInputError: for an item without ``:`` or with a non-numeric weight.
    """
    values = combine_chunks(values)
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if not is_string_type(values.type):
        return values, np.ones(len(values), dtype=np.float32)
    parts = pc.split_pattern(values, ":", max_splits=1, reverse=True)
    nparts = pc.list_value_length(parts).to_numpy(zero_copy_only=False)
    if len(nparts) and (nparts != 2).any():
        bad = values[int(np.flatnonzero(nparts != 2)[0])].as_py()
        raise InvalidFgInputError(
            feature_name, input_name, bad, "a weighted item must be 'key:weight'"
        )
    keys = pc.list_element(parts, 0)
    weights = to_float64(pc.list_element(parts, 1), feature_name, input_name)
    return keys, weights.astype(np.float32)


def _leaf_type(t: pa.DataType) -> pa.DataType:
    """The element type under any list and dictionary layers of ``t``."""
    while True:
        if pa.types.is_dictionary(t):
            t = t.value_type
        elif pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
            t = t.value_type
        else:
            return t


def _is_number(t: pa.DataType) -> bool:
    return bool(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t))


def encoded_type_problem(feature: BaseFeature, t: pa.DataType) -> str | None:
    """What an FG_NONE column of ``feature`` must hold, when arrow type ``t`` cannot.

    Sparse features need integer ids: integers, strings of ids (joined by the
    multi-value separator; ``id:weight`` items when weighted), lists of those, or a
    ``map<integer|string, number>`` of ids and weights. Floats are refused: an id
    column of floats is a mistake (e.g. integers with nulls turned into floats by
    pandas) and floats cannot hold every int64 id. Dense features need numbers,
    numeric strings or lists of those. Null columns are fine (every row is empty).

    Args:
        feature: the feature whose FG_NONE column is checked.
        t: the column's arrow type (one step's type for sequences).

    Returns:
        None when ``t`` can hold the feature's values; else the types expected.
    """
    if feature.is_sparse:
        if pa.types.is_map(t):
            key, item = _leaf_type(t.key_type), _leaf_type(t.item_type)
            if (pa.types.is_integer(key) or is_string_type(key)) and _is_number(item):
                return None
        else:
            leaf = _leaf_type(t)
            if pa.types.is_null(leaf) or pa.types.is_integer(leaf) or is_string_type(leaf):
                return None
        items = "'id:weight' strings" if feature.is_weighted else "strings of ids"
        return f"integer ids (integers, {items} or lists of those, or map<int, float>)"
    leaf = _leaf_type(t)
    if pa.types.is_null(leaf) or _is_number(leaf) or is_string_type(leaf):
        return None
    return "numbers (floats, integers, numeric strings or lists of those)"


def column_type_problem(feature: BaseFeature, column: str, t: pa.DataType) -> str | None:
    """What an input column of ``feature`` must hold, when arrow type ``t`` cannot.

    Used to check the input's schema before reading any row. It knows the FG_NONE
    column of every feature read by this module's rules and the raw input of a
    raw_feature (numbers or numeric strings, in FG_DAG / FG_NORMAL); other inputs are
    checked as their values are parsed.

    Args:
        feature: the feature reading the column.
        column: the column's name (one of ``feature.input_columns``).
        t: the column's arrow type.

    Returns:
        None when ``t`` is acceptable or not checked up front; else the types expected.
    """
    mode = feature.context.fg_mode
    if mode == data_pb2.FG_NONE:
        if not type(feature).standard_encoding or column != feature.name:
            return None
        if feature.is_sequence and not pa.types.is_map(t):
            t = _leaf_type(t)  # the steps' type (a map of ids per step is read too)
        return encoded_type_problem(feature, t)
    if mode in (data_pb2.FG_DAG, data_pb2.FG_NORMAL) and feature.config_type == "raw_feature":
        leaf = _leaf_type(t)
        if pa.types.is_null(leaf) or _is_number(leaf) or is_string_type(leaf):
            return None
        return "numbers (floats, integers, numeric strings or lists of those)"
    return None


def _check_encoded_type(feature: BaseFeature, column: pa.Array) -> None:
    """Raise when ``column``'s type cannot hold the feature's FG_NONE values."""
    expected = encoded_type_problem(feature, column.type)
    if expected is not None:
        raise InvalidFgInputError(
            feature.name,
            feature.name,
            _sample(column),
            f"expected {expected}, found arrow type {column.type}",
        )


def id_bound(feature: BaseFeature) -> int | None:
    """The exclusive upper bound of encoded ids, or None when ids are raw (zch)."""
    for name in ("zch", "dynamicemb"):
        if name in feature.config.DESCRIPTOR.fields_by_name and feature.config.HasField(name):
            return None
    bound = int(feature.num_embeddings)
    return bound if bound > 0 else None


def check_id_range(
    ids: npt.NDArray[np.int64], bound: int | None, feature_name: str, input_name: str
) -> None:
    """Raise when an id lies outside ``[0, bound)`` (no check when bound is None)."""
    if bound is None or len(ids) == 0:
        return
    if ids.min() >= 0 and ids.max() < bound:  # two reductions beat a mask when all is well
        return
    bad = (ids < 0) | (ids >= bound)
    if bad.any():
        value = int(ids[np.flatnonzero(bad)[0]])
        raise InvalidFgInputError(
            feature_name,
            input_name,
            value,
            f"id {value} is out of range [0, {bound}) (num_embeddings is {bound})",
        )


def _encoded_ids(
    feature: BaseFeature, flat: pa.Array, input_name: str
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32] | None]:
    """Ids (and weights for a weighted feature) of a flat encoded array."""
    if feature.is_weighted:
        keys, weights = split_weighted(flat, feature.name, input_name)
        return to_int64(keys, feature.name, input_name), weights
    return to_int64(flat, feature.name, input_name), None


def _has_default(feature: BaseFeature) -> bool:
    return bool(getattr(feature.config, "fg_encoded_default_value", ""))


def _fast_integer_ids(feature: BaseFeature, column: pa.Array) -> SparseValue | None:
    """The common FG_NONE shapes without nulls, read zero-copy: int ids, list<int> ids.

    Returns None when the column needs the general path (nulls, strings, weights...).
    """
    if feature.is_weighted or column.null_count:
        return None
    t = column.type
    if pa.types.is_uint64(t) or (pa.types.is_list(t) and pa.types.is_uint64(t.value_type)):
        return None  # ids beyond int64 would wrap to negatives; to_int64 names them
    if pa.types.is_integer(t):
        ids = column.to_numpy().astype(np.int64, copy=False)
        lengths = np.ones(len(ids), dtype=np.int32)
    elif pa.types.is_list(t) and pa.types.is_integer(t.value_type):
        flat = pc.list_flatten(column)
        if flat.null_count:
            return None
        offsets = column.offsets.to_numpy()
        lengths = np.diff(offsets).astype(np.int32)
        if lengths.min(initial=1) == 0 and _has_default(feature):
            return None
        ids = flat.to_numpy().astype(np.int64, copy=False)
    else:
        return None
    check_id_range(ids, id_bound(feature), feature.name, feature.name)
    return SparseValue(values=ids, lengths=lengths)


def parse_encoded_sparse(feature: BaseFeature, column: pa.Array) -> SparseValue:
    """Read an FG_NONE sparse column: finished ids per row, bound-checked.

    Args:
        feature: the feature (its name, weighted flag, num_embeddings and
            fg_encoded_default_value are used).
        column: the feature's column: ints, lists of ints, strings of ids joined by
            ``fg_encoded_multival_sep``, ``"id:weight"`` items, or a map<int, float>.

    Returns:
        the ids per row (weights for weighted features).

    Raises:
        InvalidFgInputError: for a column type that cannot hold ids (see
            :func:`encoded_type_problem`), a non-integer id or an id outside
            ``[0, num_embeddings)``.
    """
    name = feature.name
    sep = feature.context.fg_encoded_multival_sep
    column = combine_chunks(column)
    fast = _fast_integer_ids(feature, column)
    if fast is not None:
        return fast
    _check_encoded_type(feature, column)
    if pa.types.is_map(column.type):
        t = column.type
        entries = column.cast(pa.list_(pa.struct([t.key_field, t.item_field])))
        lengths = pc.fill_null(pc.list_value_length(entries), 0).to_numpy().astype(np.int32)
        flat_map = pc.list_flatten(entries)
        ids = to_int64(flat_map.field(0), name, name)
        w = to_float64(flat_map.field(1), name, name).astype(np.float32)
        weights: npt.NDArray[np.float32] | None = w if feature.is_weighted else None
    else:
        ragged = as_ragged(column, sep)
        lengths = ragged.lengths
        ids, weights = _encoded_ids(feature, ragged.values, name)
    default_text = str(getattr(feature.config, "fg_encoded_default_value", "") or "")
    if default_text:
        d = as_ragged(pa.array([default_text]), sep)
        d_ids, d_weights = _encoded_ids(feature, d.values, f"{name}.fg_encoded_default_value")
        new_ids, new_lengths = fill_empty_rows_np(ids, lengths, d_ids)
        if weights is not None:
            dw = d_weights if d_weights is not None else np.ones(len(d_ids), np.float32)
            weights, _ = fill_empty_rows_np(weights, lengths, dw)
        ids, lengths = new_ids, new_lengths
    check_id_range(ids, id_bound(feature), name, name)
    if feature.is_weighted and weights is None:
        weights = np.ones(len(ids), dtype=np.float32)
    return SparseValue(
        values=ids.astype(np.int64, copy=False),
        lengths=lengths.astype(np.int32, copy=False),
        weights=weights,
    )


def _parse_default_floats(
    feature: BaseFeature, text: str, separators: list[str], what: str
) -> npt.NDArray[np.float64]:
    """A default value's numbers: ``value_dim`` of them, or one repeated value_dim times.

    A multi-value feature (value_dim 0) takes the numbers as they are.
    """
    dim = feature.value_dim
    ragged = as_ragged(pa.array([text]), None)
    flat = ragged.values
    for sep in separators:
        if sep:
            flat = as_ragged(flat, sep).values
    nums = to_float64(flat, feature.name, what)
    if len(nums) == 1 and dim > 1:
        nums = np.repeat(nums, dim)
    if dim > 0 and len(nums) != dim:
        raise FeatureConfigError(
            feature.name, f"{what} '{text}' has {len(nums)} numbers, value_dim is {dim}"
        )
    return nums


def _densify(
    feature: BaseFeature,
    nums: npt.NDArray[np.float64],
    lengths: npt.NDArray[np.int32],
    default: npt.NDArray[np.float64] | None,
    input_name: str,
    missing_reason: str,
) -> DenseValue:
    """Rows of exactly value_dim numbers (empty rows take ``default``) as a matrix."""
    dim = feature.value_dim
    empty = lengths == 0
    if empty.any():
        if default is None:
            row = int(np.flatnonzero(empty)[0])
            raise InvalidFgInputError(
                feature.name, input_name, None, f"row {row}: {missing_reason}"
            )
        nums, lengths = fill_empty_rows_np(nums, lengths, default)
    wrong = lengths != dim
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        offsets = offsets_of(lengths)
        shown = nums[offsets[row] : offsets[row + 1]].tolist()
        raise InvalidFgInputError(
            feature.name,
            input_name,
            shown,
            f"row {row} has {int(lengths[row])} numbers, value_dim is {dim}",
        )
    return DenseValue(nums.astype(np.float32).reshape(len(lengths), dim))


def parse_encoded_dense(feature: BaseFeature, column: pa.Array) -> DenseValue:
    """Read an FG_NONE dense column: ``value_dim`` floats per row.

    Args:
        feature: the feature (name, value_dim, fg_encoded_default_value).
        column: floats, lists of floats, or strings of floats joined by
            ``fg_encoded_multival_sep``.

    Returns:
        float32 values of shape ``(rows, value_dim)``.

    Raises:
        InvalidFgInputError: for a non-numeric value, a row with the wrong count, or an
            empty row when no fg_encoded_default_value is set.
    """
    sep = feature.context.fg_encoded_multival_sep
    column = combine_chunks(column)
    t = column.type
    if (
        feature.value_dim == 1
        and not column.null_count
        and (pa.types.is_floating(t) or pa.types.is_integer(t))
    ):
        # The common shape: one non-null number per row, read zero-copy.
        values = column.to_numpy().astype(np.float32, copy=False)
        return DenseValue(values.reshape(len(values), 1))
    _check_encoded_type(feature, column)
    ragged = as_ragged(column, sep)
    nums = to_float64(ragged.values, feature.name, feature.name)
    default_text = str(getattr(feature.config, "fg_encoded_default_value", "") or "")
    default = (
        _parse_default_floats(feature, default_text, [sep], "fg_encoded_default_value")
        if default_text
        else None
    )
    return _densify(
        feature,
        nums,
        ragged.lengths,
        default,
        feature.name,
        "no value (null or empty) and fg_encoded_default_value is not set",
    )


def default_floats(feature: BaseFeature) -> npt.NDArray[np.float64] | None:
    """The feature's ``default_value`` as value_dim floats; None when it is ``""``.

    Multiple numbers are split by the feature's ``separator`` (or ``,``); one number
    fills every dimension.
    """
    text = str(getattr(feature.config, "default_value", "") or "")
    if not text:
        return None
    sep = str(getattr(feature.config, "separator", "") or "")
    return _parse_default_floats(feature, text, [sep, ","], "default_value")


def to_dense(
    feature: BaseFeature,
    ragged_floats: Ragged,
    input_name: str,
    *,
    default: npt.NDArray[np.float64] | None = None,
) -> DenseValue:
    """Ragged numbers (exactly value_dim per row) as a dense feature value.

    Args:
        feature: the dense feature (name, value_dim, default_value).
        ragged_floats: the numbers per row (numeric values or numeric text).
        input_name: the input the numbers came from, for error messages.
        default: the numbers an empty row takes; unset: the feature's default_value
            parsed as floats (``""``: zeros).

    Returns:
        float32 values of shape ``(rows, value_dim)``.

    Raises:
        InvalidFgInputError: for a non-numeric value or a row with a wrong count.
    """
    nums = to_float64(ragged_floats.values, feature.name, input_name)
    if default is None:
        default = default_floats(feature)
    if default is None:
        default = np.zeros(feature.value_dim, dtype=np.float64)
    return _densify(feature, nums, ragged_floats.lengths, default, input_name, "no value")
