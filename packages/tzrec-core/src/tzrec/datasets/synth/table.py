"""One split's table: the planned columns, then labels, sample weights and cost.

This is where the pieces meet: sequence lengths shared by key, drawn columns (and the
planted effects of their rows), derived map / const columns built from the drawn
ones, and the label columns built from the planted effects. Each column draws from its
own random stream keyed by the seed, the split and its name.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from tzrec.datasets.synth.draw import draw_elements, random_stream, shape_rows
from tzrec.datasets.synth.labels import (
    label_columns,
    planted_columns,
    planted_logit,
    row_effect,
)
from tzrec.datasets.synth.maps import map_column, nested_map_column
from tzrec.datasets.synth.spec import DERIVED_KINDS, ColumnSpec, Kind
from tzrec.features.ragged import list_array
from tzrec.protos import data_pb2

#: Split names: they name the random streams and the output folders.
TRAIN_SPLIT, EVAL_SPLIT = "train", "eval"


def _sequence_step_counts(
    seed: int, split: str, plan: Mapping[str, ColumnSpec], n: int
) -> dict[str, npt.NDArray[np.int32]]:
    """Steps per row for each sequence key (0..max_length, uniform)."""
    longest: dict[str, int] = {}
    for spec in plan.values():
        if spec.sequence is not None:
            key = spec.sequence.key
            longest[key] = max(longest.get(key, 0), spec.sequence.max_length)
    return {
        key: random_stream(seed, split, "sequence-length", key)
        .integers(0, length + 1, size=n)
        .astype(np.int32)
        for key, length in longest.items()
    }


def _derived_column(
    rng: np.random.Generator,
    column: str,
    spec: ColumnSpec,
    drawn: Mapping[str, pa.Array],
    n: int,
) -> pa.Array:
    """A const column, or a map column keyed by the already drawn key columns.

    Raises:
        NotImplementedError: for a sequence of maps.
    """
    if spec.kind == Kind.CONST:
        return pa.repeat(pa.scalar(spec.const, pa.string()), n)
    if spec.sequence is not None:
        raise NotImplementedError(
            f"feature '{spec.owner}': synthesizing a sequence of maps ('{column}') is not supported"
        )
    if spec.kind == Kind.MAP:
        return map_column(rng, spec, [drawn[k] for k in spec.map_keys], n)
    pkeys, skeys = (drawn[k] if k else None for k in spec.map_keys)
    return nested_map_column(rng, spec, pkeys, skeys, n)


def generate_table(
    plan: Mapping[str, ColumnSpec],
    data_config: data_pb2.DataConfig,
    num_rows: int,
    seed: int,
    split: str = TRAIN_SPLIT,
    planted_logits: list[npt.NDArray[np.float64]] | None = None,
) -> pa.Table:
    """One split's table: the planned columns, then labels, sample weights and cost.

    Args:
        plan: the feature input columns (see :func:`.plan.plan_columns`).
        data_config: names the label, sample weight and sample cost columns.
        num_rows: rows to draw.
        seed: the random seed.
        split: names the random streams (``train/part-0``); other names draw other
            rows with the same value tables and planted effects.
        planted_logits: when given, the rows' planted logit (the score an oracle that
            knows the planted effects would rank by) is appended to it.

    Raises:
        NotImplementedError: for a sequence of maps.
    """
    n = int(num_rows)
    step_counts = _sequence_step_counts(seed, split, plan, n)
    planted = set(planted_columns(plan))
    columns: dict[str, pa.Array] = {}
    effect_sum = np.zeros(n, dtype=np.float64)
    for column, spec in plan.items():
        if spec.kind in DERIVED_KINDS:
            continue
        rng = random_stream(seed, split, "column", column)
        steps = None if spec.sequence is None else step_counts[spec.sequence.key]
        rows = n if steps is None else int(steps.sum())
        lengths_rng = (
            random_stream(seed, split, "lengths", spec.lengths_key) if spec.lengths_key else None
        )
        drawn = draw_elements(seed, rng, spec, column, rows, lengths_rng)
        array = shape_rows(rng, spec, drawn)
        if steps is not None:
            array = list_array(steps, array)
        elif column in planted:
            effect_sum += row_effect(seed, spec, column, drawn)
        columns[column] = array
    for column, spec in plan.items():
        if spec.kind in DERIVED_KINDS:
            rng = random_stream(seed, split, "column", column)
            columns[column] = _derived_column(rng, column, spec, columns, n)

    ordered = {c: columns[c] for c in plan}
    ordered.update(label_columns(data_config, effect_sum, len(planted), seed, split, ordered))
    if planted_logits is not None:
        planted_logits.append(planted_logit(effect_sum, len(planted)))
    cost = data_config.sample_cost_field
    if cost and cost not in ordered:
        # A sample's cost: 1 plus its sequence steps (what a cost-limited batch sums).
        steps_per_row = sum(step_counts.values(), np.zeros(n, dtype=np.int32))
        ordered[cost] = pa.array(1 + steps_per_row.astype(np.int64))
    return pa.table(ordered)
