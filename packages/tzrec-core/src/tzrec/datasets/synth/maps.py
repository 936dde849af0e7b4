"""Map columns keyed by other columns' values (lookup_feature maps, match_feature maps).

A lookup or match feature only computes something when the map holds the row's key, so
these columns are drawn after their key columns and hold each row's key in
:data:`KEY_HIT_RATE` of the rows (plus filler keys that match nothing), which exercises
both the hit and the miss path.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tzrec.datasets.synth.draw import zipf_codes
from tzrec.datasets.synth.spec import SMALL_DISTINCT, ColumnSpec, Kind
from tzrec.features.ragged import offsets_of

#: Share of rows whose map holds the row's key (from each key column).
KEY_HIT_RATE = 0.8


def _row_value_text(rng: np.random.Generator, values: pa.Array) -> pa.Array:
    """Each row's value (a random element of a list row) as text; null for empty rows."""
    if not pa.types.is_list(values.type):
        return values.cast(pa.string())
    lengths = pc.fill_null(pc.list_value_length(values), 0).to_numpy()
    starts = values.offsets.to_numpy()[:-1] - values.offsets[0].as_py()
    pick = starts + np.floor(rng.random(len(values)) * lengths).astype(np.int64)
    flat = values.flatten()
    return flat.take(pa.array(pick, mask=lengths == 0)).cast(pa.string())


def _draw_map_values(
    rng: np.random.Generator, spec: ColumnSpec, size: int
) -> npt.NDArray[np.int64] | npt.NDArray[np.float64]:
    """Map values: int ids in [0, cardinality) or positive (log-normal) floats."""
    if spec.map_value == Kind.INT_ID:
        return rng.integers(0, max(spec.cardinality, 1), size=size)
    return rng.lognormal(0.0, 1.0, size=size)


def map_column(
    rng: np.random.Generator, spec: ColumnSpec, key_columns: Sequence[pa.Array], n: int
) -> pa.Array:
    """A map<string, float|int64> column whose keys overlap the key columns' values.

    Each row's map holds, for each key column, that row's key (a random one of a list
    row) in KEY_HIT_RATE of the rows, plus 0-2 filler keys ``other_<j>`` (1-2 without
    key columns), so lookups find their key in most rows and miss it in some.
    """
    rows_parts: list[npt.NDArray[np.int64]] = []
    key_parts: list[pa.Array] = []
    for column in key_columns:
        text = _row_value_text(rng, column)
        keep = (rng.random(n) < KEY_HIT_RATE) & pc.is_valid(text).to_numpy(zero_copy_only=False)
        rows_parts.append(np.flatnonzero(keep))
        key_parts.append(text.filter(pa.array(keep)))
    fillers = rng.integers(0 if key_columns else 1, 3, size=n)
    filler_rows = np.repeat(np.arange(n), fillers)
    filler_index = np.arange(len(filler_rows)) - np.repeat(
        offsets_of(fillers, np.int32)[:-1], fillers
    )
    rows_parts.append(filler_rows)
    key_parts.append(pa.array(np.char.add("other_", filler_index.astype(str))))
    rows = np.concatenate(rows_parts)
    order = np.argsort(rows, kind="stable")
    keys = pa.concat_arrays([k.cast(pa.string()) for k in key_parts]).take(pa.array(order))
    sizes = np.bincount(rows, minlength=n)
    values = _draw_map_values(rng, spec, len(rows))
    items = pa.array(values if spec.map_value == Kind.INT_ID else values.astype(np.float32))
    return pa.MapArray.from_arrays(pa.array(offsets_of(sizes, np.int32)), keys, items)


def nested_map_column(
    rng: np.random.Generator,
    spec: ColumnSpec,
    pkeys: pa.Array | None,
    skeys: pa.Array | None,
    n: int,
) -> pa.Array:
    """A match_feature's nested map as text: ``pk^sk:v,other_0:v|other_pk^sk:v``.

    The first group is keyed by the row's primary key and holds the row's secondary
    key in KEY_HIT_RATE of the rows (else ``other_sk``); without key columns the keys
    are ``pk_<code>`` / ``sk_<code>``.
    """

    def key_text(column: pa.Array | None, prefix: str) -> pa.Array:
        if column is None:
            codes = zipf_codes(rng, n, SMALL_DISTINCT).astype(str)
            return pa.array(np.char.add(f"{prefix}_", codes))
        return pc.fill_null(_row_value_text(rng, column), "none")

    def value_text() -> pa.Array:
        values = _draw_map_values(rng, spec, n)
        return pa.array(
            (values if spec.map_value == Kind.INT_ID else np.round(values, 3)).astype(str)
        )

    def pair(key: pa.Array | pa.Scalar) -> pa.Array:
        return pc.binary_join_element_wise(key, value_text(), ":")

    pk, sk = key_text(pkeys, "pk"), key_text(skeys, "sk")
    hit = pa.array(rng.random(n) < KEY_HIT_RATE)
    first_sk = pc.if_else(hit, sk, pa.scalar("other_sk"))
    join = pc.binary_join_element_wise
    # The values are drawn in text order: first group's two pairs, then the second's.
    first_group = join(pk, join(pair(first_sk), pair(pa.scalar("other_0")), ","), "^")
    second_group = join(pa.scalar("other_pk"), pair(sk), "^")
    return join(first_group, second_group, "|")
