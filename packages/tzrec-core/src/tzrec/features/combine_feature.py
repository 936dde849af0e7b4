"""CombineFeature: map each value to a float, aggregate a row's floats with a combiner.

FG, per row:

1. the input's values (strings split by ``separator``, lists as they are);
2. with ``value_map`` each value's text form is looked up in the map; values not in
   the map are dropped (they contribute nothing, not even to ``count``). Without
   ``value_map`` the values are parsed as numbers;
3. the floats are combined into one number with ``combiner``:

   - ``sum``; ``mean`` / ``avg``; ``min``; ``max``;
   - ``count``: the number of floats (a row without any gives 0, not the default);
   - ``gap_min`` / ``gap_max``: the smallest / largest difference between neighbours
     of the row's floats sorted ascending (``[5, 1, 3]`` -> gaps 2, 2;
     ``[1, 2, 10]`` -> gap_min 1, gap_max 8); a row needs two floats to have one.

4. the ``normalizer`` is applied; that number is the FG output.

A row without a result (no floats, or fewer than two for gap_*) takes
``default_value`` (default ``"0"``, normalized like a result). Then, with
``num_buckets`` the number truncated toward zero is the id (it must lie in
``[0, num_buckets)``); with ``boundaries`` it is bucketized; otherwise the feature is
dense with one float per row.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from google.protobuf.message import Message

from tzrec.features.encoded import to_float64
from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.feature import FeatureContext, SequenceSpec
from tzrec.features.hashing import value_text
from tzrec.features.ragged import Ragged, as_ragged, fill_empty_rows_np
from tzrec.features.raw_feature import NumericFeature
from tzrec.features.values import DenseValue, SparseValue

F64 = npt.NDArray[np.float64]

COMBINERS = ("sum", "mean", "avg", "min", "max", "count", "gap_min", "gap_max")


def _segment_reduce(
    ufunc: np.ufunc, vals: F64, lengths: npt.NDArray[np.int64]
) -> tuple[F64, npt.NDArray[np.bool_]]:
    """ufunc-reduce each row's values (rows are consecutive); (result, row has values)."""
    has = lengths > 0
    out = np.zeros(len(lengths), dtype=np.float64)
    if has.any():
        starts = np.zeros(len(lengths), dtype=np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])
        out[has] = ufunc.reduceat(vals, starts[has])
    return out, has


def combine(
    vals: F64, lengths: npt.NDArray[np.int32], combiner: str
) -> tuple[F64, npt.NDArray[np.bool_]]:
    """Aggregate each row's floats.

    Args:
        vals: all rows' floats, row after row.
        lengths: floats per row.
        combiner: one of :data:`COMBINERS`.

    Returns:
        (result per row, whether the row has a result).
    """
    n = len(lengths)
    lens = lengths.astype(np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int64), lens)
    if combiner == "count":
        return lens.astype(np.float64), np.ones(n, dtype=bool)
    if combiner in ("sum", "mean", "avg"):
        total = np.bincount(rows, weights=vals, minlength=n).astype(np.float64)
        has = lens > 0
        if combiner != "sum":
            total = np.divide(total, np.maximum(lens, 1))
        return total, has
    if combiner == "min":
        return _segment_reduce(np.minimum, vals, lens)
    if combiner == "max":
        return _segment_reduce(np.maximum, vals, lens)
    # gap_min / gap_max: differences of neighbours after sorting within rows.
    order = np.lexsort((vals, rows))
    s = vals[order]
    same_row = rows[1:] == rows[:-1]
    gaps = (s[1:] - s[:-1])[same_row]
    gap_lens = np.maximum(lens - 1, 0)
    return _segment_reduce(np.minimum if combiner == "gap_min" else np.maximum, gaps, gap_lens)


class CombineFeature(NumericFeature):
    """``combine_feature`` / ``sequence_combine_feature``: mapped floats, combined."""

    config_type = "combine_feature"

    def __init__(
        self,
        config: Message,
        context: FeatureContext | None = None,
        sequence: SequenceSpec | None = None,
    ) -> None:
        super().__init__(config, context, sequence)
        self.combiner = str(self.config.combiner or "sum")
        if self.combiner not in COMBINERS:
            raise FeatureConfigError(
                self.name,
                f"combiner must be one of {', '.join(COMBINERS)}, got '{self.combiner}'",
            )
        items = sorted(self.config.value_map.items())
        self._map_keys = pa.array([str(k) for k, _ in items], type=pa.string())
        self._map_values = np.asarray([float(v) for _, v in items], dtype=np.float64)

    def _floats(self, ragged: Ragged) -> tuple[F64, npt.NDArray[np.int32]]:
        """The row floats: value_map lookups (unmapped dropped) or parsed numbers."""
        if len(self._map_keys) == 0:
            return to_float64(ragged.values, self.name, self._input_name()), ragged.lengths
        values = ragged.values
        if pa.types.is_null(values.type):
            values = values.cast(pa.string())
        pos = pc.index_in(value_text(values), value_set=self._map_keys)
        found = pos.is_valid().to_numpy(zero_copy_only=False)
        idx = pos.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        rows = ragged.row_ids()[found]
        lengths = np.bincount(rows, minlength=ragged.num_rows).astype(np.int32)
        return self._map_values[idx[found]], lengths

    def _fg(self, inputs: list[pa.Array]) -> pa.Array:
        """One combined, normalized number per row (none when there is no result)."""
        if len(inputs) != 1:
            raise FeatureConfigError(self.name, "a combine feature needs an expression")
        sep = str(self.config.separator) or None
        vals, lengths = self._floats(as_ragged(inputs[0], sep))
        result, has = combine(vals, lengths, self.combiner)
        out = self._normalize(result[has])
        return Ragged(pa.array(out, type=pa.float64()), has.astype(np.int32)).to_list_array()

    def _finish(self, fg_output: pa.Array) -> SparseValue | DenseValue:
        """num_buckets: the truncated number is the id; else as NumericFeature."""
        if self.bucketizer is None or self.bucketizer.kind != "num_buckets":
            return super()._finish(fg_output)
        ragged = as_ragged(fg_output, self.context.fg_encoded_multival_sep)
        input_name = self._input_name()
        nums = to_float64(ragged.values, self.name, input_name)
        lengths = ragged.lengths
        default = self._default()
        if default is not None:
            nums, lengths = fill_empty_rows_np(nums, lengths, default)
        with np.errstate(invalid="ignore"):
            bad = ~np.isfinite(nums)
        if bad.any():
            raise InvalidFgInputError(
                self.name, input_name, float(nums[bad][0]), "not a finite number"
            )
        ids = pa.array(np.trunc(nums).astype(np.int64))
        return self.bucketizer.apply(Ragged(ids, lengths), input_name)
