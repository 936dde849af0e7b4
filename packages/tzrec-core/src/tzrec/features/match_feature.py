"""MatchFeature: look (primary key, secondary key) pairs up in a row's nested map.

Inputs, in this order: ``nested_map``, then ``pkey`` and ``skey`` unless they are
``ALL``.

- ``nested_map`` is a string ``"pk1^sk1:0.2,sk2:0.3|pk2^sk4:0.1"`` (``|`` between
  primary entries, ``^`` between a primary key and its inner map, ``,`` between inner
  items, ``:`` between a secondary key and its value; fixed separators), or a
  ``MAP<K, string>`` column whose values are inner maps ``"sk1:0.2,sk2:0.3"``.
- ``pkey`` / ``skey``: one or more keys (a string split by ``separator``, a list, or a
  scalar); ``ALL`` matches every primary / secondary key. Keys compare by their text.

FG, per row: every (pk, sk, value) entry of the nested map whose pk is one of the
row's pkeys and whose sk is one of the row's skeys matches; the values of the matches,
in nested-map order, are the result. Then:

- numeric values (the default): with ``combiner`` set (``sum``, ``mean``, ``min``,
  ``max``; also ``avg``, ``count``, ``gap_min``, ``gap_max`` as in LookupFeature) they
  are aggregated into one number; unset, they are kept (a dense row must then match
  exactly value_dim = 1 value). ``normalizer`` is applied; a row without a result takes
  ``default_value`` (default ``"0"``); ``boundaries`` bucketize (sparse), else dense.
- ``need_discrete``, ``show_pkey`` or ``show_skey``: categorical values, bucketized
  like an IdFeature. ``show_pkey`` / ``show_skey`` prefix each value with its keys:
  ``"<pk>_<sk>_<value>"`` with both, ``"<pk>_<value>"`` or ``"<sk>_<value>"`` with one.
  With ``value_dim`` 1 (the default) a row keeps its first value; 0 keeps all.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tzrec.features.hashing import value_text
from tzrec.features.lookup_feature import (
    KvLookupFeature,
    map_entries,
    row_ids,
    split_pairs,
    text_codes,
)
from tzrec.features.ragged import Ragged, as_ragged, combine_chunks

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]

#: The fixed separators of string nested maps.
OUTER_SEP = "|"
PKEY_SEP = "^"
INNER_SEP = ","
KV_SEP = ":"
#: The key text that matches every key.
ALL = "ALL"


def _text(arr: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    return value_text(arr).cast(pa.string())


def nested_entries(
    column: pa.Array, feature_name: str, input_name: str
) -> tuple[pa.Array, pa.Array, pa.Array, I32]:
    """The (pk text, sk text, value text) entries of each row and their count per row.

    Raises:
        InvalidFgInputError: for an entry without ``^`` or an item without ``:``.
    """
    column = combine_chunks(column)
    if pa.types.is_map(column.type):
        pks, inner, outer_len = map_entries(column)
        pks = _text(pks)
        inner = _text(inner)
    else:
        outer = as_ragged(column, OUTER_SEP)
        items = _text(outer.values)
        pks, inner = split_pairs(items, PKEY_SEP, feature_name, input_name)
        outer_len = outer.lengths
    # Split the inner maps; entries of an empty inner map vanish.
    inner_r = as_ragged(inner, INNER_SEP)
    sks, values = split_pairs(_text(inner_r.values), KV_SEP, feature_name, input_name)
    outer_rows = row_ids(outer_len)
    entry_rows = outer_rows[inner_r.row_ids()]
    entry_pks = pks.take(pa.array(inner_r.row_ids()))
    lengths = np.bincount(entry_rows, minlength=len(outer_len)).astype(np.int32)
    return entry_pks, sks, values, lengths


def _member(entry_text: pa.Array, entry_rows: I64, keys: Ragged) -> npt.NDArray[np.bool_]:
    """Whether each entry's key is among its row's keys."""
    key_text = _text(keys.values)
    e_code, k_code = text_codes(entry_text, key_text)
    width = int(max(e_code.max(initial=0), k_code.max(initial=0))) + 1
    return np.isin(entry_rows * width + e_code, keys.row_ids() * width + k_code)


class MatchFeature(KvLookupFeature):
    """``match_feature``: values of (pkey, skey) matches in a nested map."""

    config_type = "match_feature"

    def _is_discrete(self) -> bool:
        c = self.config
        return bool(c.need_discrete or c.show_pkey or c.show_skey)

    def _input_texts(self) -> Sequence[str]:
        texts = [str(self.config.nested_map)] if self.config.nested_map else []
        for key in (self.config.pkey, self.config.skey):
            if key and key != ALL:
                texts.append(str(key))
        return texts

    def _lookup(self, inputs: list[pa.Array]) -> tuple[pa.Array, list[pa.Array], I32]:
        pks, sks, values, lengths = nested_entries(inputs[0], self.name, self.inputs[0].text)
        rows = row_ids(lengths)
        keep = np.ones(len(rows), dtype=bool)
        sep = str(self.config.separator) or None
        rest = iter(inputs[1:])
        for key, entry_text in ((self.config.pkey, pks), (self.config.skey, sks)):
            if key == ALL:
                continue
            keep &= _member(entry_text, rows, as_ragged(next(rest), sep))
        mask = pa.array(keep)
        prefixes = []
        if self.config.show_pkey:
            prefixes.append(pks.filter(mask))
        if self.config.show_skey:
            prefixes.append(sks.filter(mask))
        out_lengths = np.bincount(rows[keep], minlength=len(lengths)).astype(np.int32)
        return pc.filter(values, mask), prefixes, out_lengths
