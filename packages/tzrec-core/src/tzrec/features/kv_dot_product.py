"""KvDotProduct: the dot product of two key->weight vectors (or a set intersection size).

``query`` and ``document`` each hold a sparse vector per row, in any of these forms:

- a string of items joined by ``separator`` (``"a:0.5|b:0.5"`` with ``separator: "|"``);
- a ``list<string>`` of items (``["a:0.5", "b:0.5"]``);
- a map column (``{"a": 0.5, "b": 0.5}``), keys of any type, numeric values;
- a list of numbers (keys of weight 1).

An item is ``key<kv_delimiter>weight`` (split at the last delimiter, default ``":"``) or
a bare ``key`` of weight 1, so two key sets give the size of their intersection.
Keys compare by their text (``1`` and ``"1"`` are the same key). A key repeated within
one side adds its weights. The result is ``sum(q[k] * d[k])`` over the keys of both.

A row whose query or document has no items has no result and takes ``default_value``
(default ``"0"``). The result is normalized by ``normalizer`` (the FG output), then
bucketized by ``boundaries`` (sparse) or kept as one float (dense).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from google.protobuf.message import Message

from tzrec.features.encoded import to_float64
from tzrec.features.errors import FeatureConfigError
from tzrec.features.feature import FeatureContext, SequenceSpec
from tzrec.features.hashing import value_text
from tzrec.features.lookup_feature import map_entries
from tzrec.features.ragged import Ragged, as_ragged, combine_chunks, is_string_type
from tzrec.features.raw_feature import NumericFeature

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def weighted_keys(
    column: pa.Array,
    separator: str | None,
    kv_delimiter: str,
    feature_name: str,
    input_name: str,
) -> tuple[pa.Array, F64, npt.NDArray[np.int32]]:
    """The (key, weight) items of each row.

    Returns:
        (keys as text, float64 weights, items per row).
    """
    column = combine_chunks(column)
    if pa.types.is_map(column.type):
        keys, weights, lengths = map_entries(column)
        ok = pc.is_valid(weights)
        w = to_float64(pc.fill_null(weights, 0), feature_name, input_name)
        valid = ok.to_numpy(zero_copy_only=False)
        if not valid.all():  # an item without a weight is dropped
            rows = np.repeat(np.arange(len(lengths)), lengths)[valid]
            lengths = np.bincount(rows, minlength=len(lengths)).astype(np.int32)
            keys, w = keys.filter(ok), w[valid]
        return value_text(keys), w, lengths
    ragged = as_ragged(column, separator)
    items = ragged.values
    if pa.types.is_dictionary(items.type):
        items = items.cast(items.type.value_type)
    if not is_string_type(items.type):
        return value_text(items), np.ones(len(items), dtype=np.float64), ragged.lengths
    parts = pc.split_pattern(items, kv_delimiter, max_splits=1, reverse=True)
    has_weight = pc.equal(pc.list_value_length(parts), 2)
    keys = pc.list_element(parts, 0)
    weights = np.ones(len(items), dtype=np.float64)
    mask = has_weight.to_numpy(zero_copy_only=False)
    if mask.any():
        weight_text = pc.list_element(parts.filter(has_weight), 1)
        weights[mask] = to_float64(weight_text, feature_name, input_name)
    return keys, weights, ragged.lengths


def _row_key_codes(lengths: npt.NDArray[np.int32], key_ids: I64, width: int) -> I64:
    """A code per item unique to its (row, key)."""
    rows = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    return rows * width + key_ids


def dot_product(
    q_keys: pa.Array,
    q_weights: F64,
    q_lengths: npt.NDArray[np.int32],
    d_keys: pa.Array,
    d_weights: F64,
    d_lengths: npt.NDArray[np.int32],
) -> F64:
    """Per row, the sum of q[k] * d[k] over the keys both sides hold."""
    n = len(q_lengths)
    both = pa.concat_arrays([q_keys.cast(pa.string()), d_keys.cast(pa.string())])
    ids = pc.dictionary_encode(both).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    width = int(ids.max(initial=0)) + 1
    q_code = _row_key_codes(q_lengths, ids[: len(q_keys)], width)
    d_code = _row_key_codes(d_lengths, ids[len(q_keys) :], width)
    q_uniq, q_inv = np.unique(q_code, return_inverse=True)
    d_uniq, d_inv = np.unique(d_code, return_inverse=True)
    q_sum = np.bincount(q_inv, weights=q_weights, minlength=len(q_uniq))
    d_sum = np.bincount(d_inv, weights=d_weights, minlength=len(d_uniq))
    common, qi, di = np.intersect1d(q_uniq, d_uniq, assume_unique=True, return_indices=True)
    return np.bincount(common // width, weights=q_sum[qi] * d_sum[di], minlength=n).astype(
        np.float64
    )


class KvDotProductFeature(NumericFeature):
    """``kv_dot_product``: dot product of the query and document key-weight vectors."""

    config_type = "kv_dot_product"

    def __init__(
        self,
        config: Message,
        context: FeatureContext | None = None,
        sequence: SequenceSpec | None = None,
    ) -> None:
        super().__init__(config, context, sequence)
        self.kv_delimiter = str(self.config.kv_delimiter)
        if len(self.kv_delimiter) != 1:
            raise FeatureConfigError(
                self.name, f"kv_delimiter must be one character, got '{self.kv_delimiter}'"
            )

    @property
    def value_dim(self) -> int:
        """One number per row (1)."""
        return int(self.config.value_dim)

    def _input_texts(self) -> Sequence[str]:
        texts = [str(t) for t in (self.config.query, self.config.document) if t]
        if texts and len(texts) != 2:
            raise FeatureConfigError(self.config_name, "kv_dot_product needs query and document")
        return texts

    def _fg(self, inputs: list[pa.Array]) -> pa.Array:
        """The dot product per row, normalized (rows with an empty side: none)."""
        sep = str(self.config.separator) or None
        q = weighted_keys(inputs[0], sep, self.kv_delimiter, self.name, self.inputs[0].text)
        d = weighted_keys(inputs[1], sep, self.kv_delimiter, self.name, self.inputs[1].text)
        out = dot_product(*q, *d)
        has = (q[2] > 0) & (d[2] > 0)
        nums = self._normalize(out[has])
        return Ragged(pa.array(nums, type=pa.float64()), has.astype(np.int32)).to_list_array()
