r"""LookupFeature: look a row's keys up in the row's key->value map.

Inputs, in this order: ``map`` and ``key``.

- ``map`` is a string ``"k1:v1\x1dk2:v2"`` (items split by the fixed ``"\x1d"``, key and
  value by the last ``":"``), a ``list<string>`` of ``"k:v"`` items, or a map column
  (``MAP<string, bigint>``, ``MAP<bigint, double>``, ...). A key that appears twice in
  one row's map keeps its first value.
- ``key`` holds one or more keys: a string split by ``separator`` (default
  ``"\x1d"``), a list, or a scalar. Keys compare with map keys by their text, so an
  integer key finds a string map key of the same digits.

FG, per row: the values of the keys found (in key order; keys not in the map are
skipped) are the result, then:

- numeric values (the default): parsed as numbers and, with ``value_dim`` 1 (the
  default), aggregated into one number with ``combiner`` (``sum`` default, ``mean`` /
  ``avg``, ``min``, ``max``, ``count``, ``gap_min``, ``gap_max``; see
  :func:`tzrec.features.combine_feature.combine`: ``count`` counts the keys found,
  ``gap_*`` needs two values); with another value_dim each found key keeps its number
  (combiner ``""`` also keeps them). Then ``normalizer`` is applied. A row without a
  result takes ``default_value`` (default ``"0"``). With ``boundaries`` the numbers are
  bucketized (sparse), otherwise the feature is dense (exactly value_dim numbers).
- ``need_discrete: true``: the values are categorical, bucketized like an IdFeature
  (hash_bucket_size, num_buckets, vocab_*, zch ...); ``need_key: true`` makes each
  value ``"<key>_<value>"`` first (also categorical). A row without values takes
  ``default_value``. With ``value_dim`` 1 (the default) a row keeps only its first
  value; ``value_dim: 0`` keeps all (multi-value ids).

The lookup is a join on (row, key) codes for the whole batch: map and key texts share
one dictionary encoding, and the codes are matched with a sorted search.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from google.protobuf.message import Message

from tzrec.features.bucketize import BUCKETIZER_FIELDS
from tzrec.features.combine_feature import COMBINERS, combine
from tzrec.features.encoded import (
    parse_encoded_dense,
    parse_encoded_sparse,
    split_weighted,
    to_float64,
    to_int64,
)
from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.feature import FeatureContext, SequenceSpec
from tzrec.features.hashing import value_text
from tzrec.features.ragged import Ragged, as_ragged, combine_chunks, fill_empty_rows, is_string_type
from tzrec.features.raw_feature import NumericFeature
from tzrec.features.values import DenseValue, SparseValue

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]

#: Item separator of string maps (fixed, not configurable).
MAP_ITEM_SEP = "\x1d"
#: Key-value separator of string map items.
MAP_KV_SEP = ":"


def map_entries(column: pa.Array) -> tuple[pa.Array, pa.Array, I32]:
    """The entries of a map column: (keys, values, entries per row); null rows empty."""
    t = column.type
    as_list = column.cast(pa.list_(pa.struct([t.key_field, t.item_field])))
    lengths = pc.fill_null(pc.list_value_length(as_list), 0).to_numpy(zero_copy_only=False)
    flat = pc.list_flatten(as_list)
    keys = pc.struct_field(flat, [0])
    values = pc.struct_field(flat, [1])
    return keys, values, lengths.astype(np.int32)


def split_pairs(
    items: pa.Array, sep: str, feature_name: str, input_name: str
) -> tuple[pa.Array, pa.Array]:
    """Split ``"key<sep>value"`` strings at the last ``sep``.

    Raises:
        InvalidFgInputError: for an item without ``sep``.
    """
    parts = pc.split_pattern(items, sep, max_splits=1, reverse=True)
    nparts = pc.list_value_length(parts).to_numpy(zero_copy_only=False)
    if len(nparts) and (nparts != 2).any():
        bad = items[int(np.flatnonzero(nparts != 2)[0])].as_py()
        raise InvalidFgInputError(
            feature_name, input_name, bad, f"a map item must be 'key{sep}value'"
        )
    return pc.list_element(parts, 0), pc.list_element(parts, 1)


def kv_entries(
    column: pa.Array, feature_name: str, input_name: str
) -> tuple[pa.Array, pa.Array, I32]:
    """The (key text, value) entries of each row of a map input (see module doc)."""
    column = combine_chunks(column)
    if pa.types.is_map(column.type):
        keys, values, lengths = map_entries(column)
        ok = pc.is_valid(values)
        valid = ok.to_numpy(zero_copy_only=False)
        if not valid.all():  # an entry without a value is no entry
            rows = np.repeat(np.arange(len(lengths)), lengths)[valid]
            lengths = np.bincount(rows, minlength=len(lengths)).astype(np.int32)
            keys, values = keys.filter(ok), values.filter(ok)
        return value_text(keys), values, lengths
    ragged = as_ragged(column, MAP_ITEM_SEP)
    items = ragged.values
    if pa.types.is_dictionary(items.type):
        items = items.cast(items.type.value_type)
    if not is_string_type(items.type):
        items = items.cast(pa.string())
    keys, values = split_pairs(items, MAP_KV_SEP, feature_name, input_name)
    return keys, values, ragged.lengths


def text_codes(*texts: pa.Array) -> list[I64]:
    """Integer codes of several text arrays from one shared dictionary."""
    both = pa.concat_arrays([t.cast(pa.string()) for t in texts])
    ids = pc.dictionary_encode(both).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    out, start = [], 0
    for t in texts:
        out.append(ids[start : start + len(t)])
        start += len(t)
    return out


def row_ids(lengths: npt.NDArray[np.integer]) -> I64:
    """The row of each flat element."""
    return np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)


def lookup(
    map_keys: pa.Array, map_lengths: I32, keys: pa.Array, key_lengths: I32
) -> tuple[I64, I64]:
    """Find each row's keys in the row's map.

    Returns:
        (found, entry): for each key, whether it was found, and for the found keys
        (in key order) the index of the map entry (its first entry for that key).
    """
    m_code, k_code = text_codes(map_keys, keys)
    width = int(max(m_code.max(initial=0), k_code.max(initial=0))) + 1
    m_comp = row_ids(map_lengths) * width + m_code
    k_comp = row_ids(key_lengths) * width + k_code
    uniq, first = np.unique(m_comp, return_index=True)
    if len(uniq) == 0:
        return np.zeros(len(k_comp), dtype=bool), np.zeros(0, dtype=np.int64)
    pos = np.clip(np.searchsorted(uniq, k_comp), 0, len(uniq) - 1)
    found = uniq[pos] == k_comp
    return found, first[pos[found]].astype(np.int64)


def categorical_ids(
    feature: NumericFeature, ragged: Ragged, input_name: str, first_only: bool
) -> SparseValue:
    """Ids of categorical values per row, like an IdFeature's.

    Rows without values take the feature's ``default_value`` (if not ``""``); with
    ``first_only`` a row keeps its first value; weighted features read ``key:weight``
    items (a default without ``:`` has weight 1). The feature's bucketizer maps the
    values to ids; without one (a stub feature) the values must be integers.
    """
    values = ragged.values
    if pa.types.is_null(values.type) or pa.types.is_dictionary(values.type):
        values = values.cast(pa.string())
    lengths = ragged.lengths
    default = str(getattr(feature.config, "default_value", "") or "")
    if default and (lengths == 0).any():
        if feature.is_weighted and ":" not in default:
            default += ":1"
        filled = fill_empty_rows(Ragged(value_text(values), lengths), pa.scalar(default))
        values, lengths = filled.values, filled.lengths
    if first_only and (lengths > 1).any():
        starts = np.cumsum(lengths) - lengths
        values = values.take(pa.array(starts[lengths > 0]))
        lengths = np.minimum(lengths, 1).astype(np.int32)
    weights = None
    if feature.is_weighted:
        values, weights = split_weighted(values, feature.name, input_name)
    if feature.bucketizer is not None:
        ids = feature.bucketizer.ids(values, input_name)
    else:
        ids = to_int64(values, feature.name, input_name)
    return SparseValue(ids, lengths.astype(np.int32), weights)


class MixedValueFeature(NumericFeature):
    """A feature whose FG output is numbers or categorical values, by config.

    Numeric output is finished like a RawFeature's (normalized default, boundaries or
    dense); categorical output (:attr:`discrete`) like an IdFeature's
    (:func:`categorical_ids`). Shared by LookupFeature, MatchFeature and CustomFeature.
    """

    def __init__(
        self,
        config: Message,
        context: FeatureContext | None = None,
        sequence: SequenceSpec | None = None,
    ) -> None:
        super().__init__(config, context, sequence)
        self.discrete = self._is_discrete()
        if self.discrete and self.bucketizer is None and not self.stub_type:
            options = [f for f in BUCKETIZER_FIELDS if f in self.config.DESCRIPTOR.fields_by_name]
            raise FeatureConfigError(
                self.name,
                f"categorical {self.config_type} values need one of "
                f"{', '.join(options)} to size the embedding table",
            )

    def _is_discrete(self) -> bool:
        """Whether the FG output values are categorical."""
        return False

    @property
    def is_sparse(self) -> bool:
        """Sparse for categorical values or a bucketizer, else dense."""
        return self.discrete or self.bucketizer is not None

    def _finish(self, fg_output: pa.Array) -> SparseValue | DenseValue:
        """Categorical: ids (first value only for value_dim 1); numeric: NumericFeature's."""
        if not self.discrete:
            return super()._finish(fg_output)
        ragged = as_ragged(fg_output, self.context.fg_encoded_multival_sep)
        return categorical_ids(self, ragged, self._input_name(), self.value_dim == 1)

    def _parse_encoded(self, column: pa.Array) -> SparseValue | DenseValue:
        if self.is_sparse:
            return parse_encoded_sparse(self, column)
        return parse_encoded_dense(self, column)


class KvLookupFeature(MixedValueFeature):
    """A feature whose FG output is looked-up values: numeric, or categorical ids.

    Shared by LookupFeature and MatchFeature. Subclasses implement :meth:`_input_texts`
    and :meth:`_lookup` (the looked-up values, their prefix keys and the values per
    row); this class turns them into the FG output.
    """

    def __init__(
        self,
        config: Message,
        context: FeatureContext | None = None,
        sequence: SequenceSpec | None = None,
    ) -> None:
        super().__init__(config, context, sequence)
        combiner = str(self.config.combiner) if self._has_field("combiner") else ""
        self.combiner = combiner or self._default_combiner()
        if self.combiner and self.combiner not in COMBINERS:
            raise FeatureConfigError(
                self.name,
                f"combiner must be one of {', '.join(COMBINERS)}, got '{self.combiner}'",
            )

    def _default_combiner(self) -> str:
        """The combiner when the config leaves it unset."""
        return ""

    @property
    def value_dim(self) -> int:
        """The config's value_dim (default 1: one number, or one id)."""
        return int(self.config.value_dim)

    def _lookup(self, inputs: list[pa.Array]) -> tuple[pa.Array, list[pa.Array], I32]:
        """(values found, prefix texts per value (outermost first), values per row)."""
        raise NotImplementedError

    def _fg(self, inputs: list[pa.Array]) -> pa.Array:
        """Looked-up values per row: ``list<string>`` ids or ``list<double>`` numbers."""
        values, prefixes, lengths = self._lookup(inputs)
        input_name = ", ".join(ref.text for ref in self.inputs)
        if self.discrete:
            text = value_text(values) if not pa.types.is_null(values.type) else values
            text = text.cast(pa.string())
            if prefixes:
                text = pc.binary_join_element_wise(
                    *[p.cast(pa.string()) for p in prefixes], text, "_"
                )
            return Ragged(text, lengths).to_list_array()
        nums = to_float64(values, self.name, input_name)
        if self.combiner and self.value_dim == 1:
            result, has = combine(nums, lengths, self.combiner)
            nums, lengths = result[has], has.astype(np.int32)
        out = self._normalize(nums)
        return Ragged(pa.array(out, type=pa.float64()), lengths).to_list_array()


class LookupFeature(KvLookupFeature):
    """``lookup_feature``: the values of a row's keys in the row's map."""

    config_type = "lookup_feature"

    def _is_discrete(self) -> bool:
        return bool(self.config.need_discrete or self.config.need_key)

    def _default_combiner(self) -> str:
        return "sum"

    def _input_texts(self) -> Sequence[str]:
        texts = [str(t) for t in (self.config.map, self.config.key) if t]
        if texts and len(texts) != 2:
            raise FeatureConfigError(self.config_name, "a lookup_feature needs map and key")
        return texts

    def _lookup(self, inputs: list[pa.Array]) -> tuple[pa.Array, list[pa.Array], I32]:
        map_col, key_col = inputs
        m_keys, m_values, m_lengths = kv_entries(map_col, self.name, self.inputs[0].text)
        sep = str(self.config.separator) or None
        key = as_ragged(key_col, sep)
        k_text = value_text(key.values) if not pa.types.is_null(key.values.type) else key.values
        found, entry = lookup(m_keys, m_lengths, k_text.cast(pa.string()), key.lengths)
        lengths = np.bincount(key.row_ids()[found], minlength=key.num_rows).astype(np.int32)
        values = m_values.take(pa.array(entry))
        prefixes = []
        if self.config.need_key:
            prefixes = [k_text.filter(pa.array(found)).cast(pa.string())]
        return values, prefixes, lengths


__all__ = [
    "KvLookupFeature",
    "LookupFeature",
    "MixedValueFeature",
    "categorical_ids",
    "kv_entries",
    "lookup",
    "map_entries",
    "split_pairs",
    "text_codes",
]
