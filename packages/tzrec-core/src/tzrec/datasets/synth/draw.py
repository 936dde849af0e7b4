"""Drawing: the values of one planned column, skewed like real ids, a column at a time.

Value codes follow a Zipf law (exponent :data:`ZIPF_EXPONENT`) over at most
:data:`~.spec.MAX_DISTINCT` distinct values; a code maps to a value through a value
table that depends only on the seed and the column's base name (``adgroup_id`` and
``click_50_seq__adgroup_id`` share one), so sequences hold the items the item column
shows. Drawing is split in two steps: :func:`draw_elements` draws the flat elements
(and keeps their codes for the label signal, see :mod:`.labels`), :func:`shape_rows`
turns them into the column's rows (scalars, lists, ``value:weight`` items, joined text).

Every random stream comes from :func:`random_stream`, keyed by the seed and names, so a
column's data does not depend on which other columns the config has.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from tzrec.datasets.synth.spec import (
    MAX_DISTINCT,
    MULTI_LENGTH_PROBS,
    NUM_OOV_WORDS,
    ColumnSpec,
    Kind,
)
from tzrec.features.feature import SEQUENCE_NAME_SEP
from tzrec.features.ragged import list_array

#: Exponent of the Zipf law value codes follow (rank k has weight 1 / k**ZIPF_EXPONENT).
ZIPF_EXPONENT = 1.1
#: Share of vocabulary-column values that are out-of-vocabulary words.
OOV_RATE = 0.05
#: Share of true values of a bool column.
BOOL_TRUE_RATE = 0.6


def random_stream(seed: int, *names: str) -> np.random.Generator:
    """A random stream determined by the seed and some names (stable across runs)."""
    words = [zlib.crc32(name.encode("utf-8")) for name in names]
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, *words])


@functools.lru_cache(maxsize=128)
def _zipf_cdf(distinct: int) -> npt.NDArray[np.float64]:
    """The cumulative probabilities of codes 0..distinct-1 under the Zipf law."""
    weights = 1.0 / np.arange(1, distinct + 1, dtype=np.float64) ** ZIPF_EXPONENT
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    return cdf


def zipf_codes(rng: np.random.Generator, n: int, distinct: int) -> npt.NDArray[np.int64]:
    """n value codes in [0, distinct), code k with weight 1 / (k + 1)**ZIPF_EXPONENT."""
    if distinct <= 1:
        return np.zeros(n, dtype=np.int64)
    cdf = _zipf_cdf(distinct)
    codes = np.searchsorted(cdf, rng.random(n), side="right")
    return np.minimum(codes, distinct - 1).astype(np.int64)


def code_probs(spec: ColumnSpec) -> npt.NDArray[np.float64]:
    """The probability of each value code of a column, as :func:`draw_elements` draws."""
    if spec.kind == Kind.BUCKET_FLOAT:
        return np.full(spec.distinct, 1.0 / spec.distinct)
    if spec.kind == Kind.VOCAB:
        words = np.diff(_zipf_cdf(len(spec.words)), prepend=0.0) * (1.0 - OOV_RATE)
        return np.concatenate([words, np.full(NUM_OOV_WORDS, OOV_RATE / NUM_OOV_WORDS)])
    return np.diff(_zipf_cdf(spec.distinct), prepend=0.0)


# ------------------------------------------------------------------------- value tables


def _value_table_name(spec: ColumnSpec, column: str) -> str:
    """What a column's value table is keyed by: its vocab_name, else its base name.

    The base name drops a sequence prefix (``seq__adgroup_id`` -> ``adgroup_id``).
    """
    return spec.vocab_name or column.rsplit(SEQUENCE_NAME_SEP, 1)[-1]


def _value_table(seed: int, spec: ColumnSpec, column: str) -> pa.Array:
    """The value of each code of an id / word column.

    INT_ID: distinct ids in [0, cardinality), shuffled; STR_ID: ``<name>_<code>``;
    VOCAB: the words, then the out-of-vocabulary words ``__oov_<i>__``.
    """
    name = _value_table_name(spec, column)
    if spec.kind == Kind.INT_ID:
        rng = random_stream(seed, "values", name, str(spec.cardinality))
        if spec.cardinality <= MAX_DISTINCT:
            ids = rng.permutation(spec.cardinality)
        else:
            ids = rng.choice(spec.cardinality, MAX_DISTINCT, replace=False)
        return pa.array(ids.astype(np.int64))
    if spec.kind == Kind.STR_ID:
        return pa.array(np.char.add(f"{name}_", np.arange(spec.distinct).astype(str)))
    assert spec.kind == Kind.VOCAB
    oov = [f"__oov_{i}__" for i in range(NUM_OOV_WORDS)]
    return pa.array([*spec.words, *oov], pa.string())


# ----------------------------------------------------------------------------- elements


@dataclass(frozen=True)
class DrawnElements:
    """Drawn elements of a column: the flat values, their rows and their codes.

    Attributes:
        values: flat values (one per element).
        lengths: elements per row.
        codes: each element's value code (for the label signal), or None for floats.
        log_values: FLOAT: each element's log value (for the label signal).
    """

    values: pa.Array
    lengths: npt.NDArray[np.int32]
    codes: npt.NDArray[np.int64] | None = None
    log_values: npt.NDArray[np.float64] | None = None


def _element_lengths(rng: np.random.Generator, n: int, spec: ColumnSpec) -> npt.NDArray[np.int32]:
    """Values per row: width for fixed lists, 1..max for variable ones."""
    if spec.width >= 1:
        return np.full(n, spec.width, dtype=np.int32)
    if spec.max_terms is not None:
        return rng.integers(1, spec.max_terms + 1, size=n).astype(np.int32)
    probs = np.asarray(MULTI_LENGTH_PROBS)
    return (rng.choice(len(probs), size=n, p=probs) + 1).astype(np.int32)


def _floats_in_buckets(
    rng: np.random.Generator, boundaries: Sequence[float], buckets: npt.NDArray[np.int64]
) -> npt.NDArray[np.float32]:
    """A float inside each given bucket (bucket i = [b[i-1], b[i])), edges widened."""
    b = np.asarray(boundaries, dtype=np.float64)
    span = float(b[-1] - b[0]) if len(b) > 1 else 1.0
    pad = max(span * 0.1, 1.0)
    lows = np.concatenate([[b[0] - pad], b])
    highs = np.concatenate([b, [b[-1] + pad]])
    lo, hi = lows[buckets], highs[buckets]
    out = lo + (hi - lo) * rng.uniform(0.05, 0.95, size=len(buckets))
    return out.astype(np.float32)


def draw_elements(
    seed: int,
    rng: np.random.Generator,
    spec: ColumnSpec,
    column: str,
    n: int,
    lengths_rng: np.random.Generator | None = None,
) -> DrawnElements:
    """Draw n rows of a column's elements (not for :data:`~.spec.DERIVED_KINDS`).

    Args:
        seed: the random seed (keys the value tables, shared by every split).
        rng: the column's random stream.
        spec: what the column holds.
        column: the column's name (keys its value table).
        n: rows (for a sequence column: steps) to draw.
        lengths_rng: when given, draws the number of values per row instead of
            ``rng``, so that columns sharing a lengths_key get the same lengths.
    """
    lengths = _element_lengths(lengths_rng or rng, n, spec)
    total = int(lengths.sum())
    if spec.kind == Kind.BOOL:
        return DrawnElements(pa.array(rng.random(total) < BOOL_TRUE_RATE), lengths)
    if spec.kind == Kind.FLOAT:
        logs = rng.normal(0.0, 1.0, size=total)
        return DrawnElements(pa.array(np.exp(logs).astype(np.float32)), lengths, log_values=logs)
    if spec.kind == Kind.BUCKET_FLOAT:
        codes = rng.integers(0, spec.distinct, size=total)
        floats = _floats_in_buckets(rng, spec.boundaries, codes)
        return DrawnElements(pa.array(floats), lengths, codes)
    if spec.kind == Kind.VOCAB:
        codes = zipf_codes(rng, total, len(spec.words))
        oov = rng.random(total) < OOV_RATE
        codes = np.where(oov, len(spec.words) + rng.integers(0, NUM_OOV_WORDS, total), codes)
    else:
        codes = zipf_codes(rng, total, spec.distinct)
    values = _value_table(seed, spec, column).take(pa.array(codes))
    return DrawnElements(values, lengths, codes)


def shape_rows(rng: np.random.Generator, spec: ColumnSpec, drawn: DrawnElements) -> pa.Array:
    """Turn drawn elements into the column's rows: scalars, lists or joined strings."""
    values = drawn.values
    if spec.weight_sep is not None:
        weights = np.round(rng.uniform(0.1, 2.0, size=len(values)), 3).astype(str)
        values = pc.binary_join_element_wise(
            values.cast(pa.string()), pa.array(weights), spec.weight_sep
        )
    if spec.width == 1 and spec.joiner is None:
        return values
    rows = list_array(drawn.lengths, values)
    if spec.joiner is not None:
        return pc.binary_join(rows.cast(pa.list_(pa.string())), spec.joiner)
    return rows
