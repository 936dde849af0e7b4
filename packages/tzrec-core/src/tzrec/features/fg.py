"""Feature generation over a batch: run every feature in dependency order.

In FG_DAG a feature may read another feature's output (``feature:x``) or a literal
(``const:v``); :class:`FeatureGenerator` orders the features so that every input is
ready, hands each feature's output to the features that read it as a pyarrow column,
and leaves ``stub_type`` features (FG intermediates) out of its result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pyarrow as pa

from tzrec.features.errors import FeatureConfigError
from tzrec.features.feature import BaseFeature
from tzrec.features.ragged import list_array
from tzrec.features.values import (
    DenseValue,
    FeatureValue,
    SequenceDenseValue,
    SequenceSparseValue,
    SparseValue,
)
from tzrec.protos import data_pb2


def value_to_arrow(value: FeatureValue) -> pa.Array:
    """A feature's value as a pyarrow column, for features that read it in FG_DAG.

    Sparse values become ``list<int64>``; dense values a float column when one wide,
    else ``list<float>``; sequences add an outer list level per row.
    """
    if isinstance(value, SparseValue):
        return list_array(value.lengths, pa.array(value.values))
    if isinstance(value, DenseValue):
        v = value.values
        if v.shape[1] == 1:
            return pa.array(v[:, 0])
        return pa.FixedSizeListArray.from_arrays(pa.array(v.reshape(-1)), v.shape[1])
    if isinstance(value, SequenceSparseValue):
        inner: pa.Array = pa.array(value.values)
        if value.step_lengths is not None:
            inner = list_array(value.step_lengths, inner)
        return list_array(value.lengths, inner)
    v = value.values
    inner = (
        pa.array(v[:, 0])
        if v.shape[1] == 1
        else pa.FixedSizeListArray.from_arrays(pa.array(v.reshape(-1)), v.shape[1])
    )
    assert isinstance(value, SequenceDenseValue)
    return list_array(value.lengths, inner)


def dag_order(features: Sequence[BaseFeature]) -> list[BaseFeature]:
    """Features ordered so that each comes after the features it reads.

    Raises:
        FeatureConfigError: for a ``feature:x`` input naming no feature, or a cycle.
    """
    by_name = {f.name: f for f in features}
    # A sub-feature of a grouped sequence may name a sibling by its short name.
    ordered: list[BaseFeature] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def resolve(feature: BaseFeature, dep: str) -> BaseFeature:
        if dep in by_name:
            return by_name[dep]
        if feature.sequence is not None and feature.sequence.group:
            full = f"{feature.sequence.group}__{dep}"
            if full in by_name:
                return by_name[full]
        raise FeatureConfigError(
            feature.name, f"input 'feature:{dep}' names no feature of this pipeline"
        )

    def visit(feature: BaseFeature, path: list[str]) -> None:
        mark = state.get(feature.name)
        if mark == 2:
            return
        if mark == 1:
            cycle = " -> ".join([*path[path.index(feature.name) :], feature.name])
            raise FeatureConfigError(feature.name, f"features read each other in a cycle: {cycle}")
        state[feature.name] = 1
        for dep in feature.dependencies:
            visit(resolve(feature, dep), [*path, feature.name])
        state[feature.name] = 2
        ordered.append(feature)

    for f in features:
        visit(f, [])
    return ordered


class FeatureGenerator:
    """Runs a pipeline's features over batches of input columns.

    Args:
        features: all features of the pipeline, stub features included.
    """

    def __init__(self, features: Sequence[BaseFeature]) -> None:
        self.features = list(features)
        modes = {f.context.fg_mode for f in self.features}
        self.fg_mode = modes.pop() if len(modes) == 1 else data_pb2.FG_NONE
        self._order = dag_order(self.features) if self.fg_mode == data_pb2.FG_DAG else self.features
        wanted = {dep for f in self.features for dep in f.dependencies}
        #: Features whose outputs other features read (by full or short name).
        self._read_by_others = {
            f.name for f in self.features if f.name in wanted or f.config_name in wanted
        }

    @property
    def input_columns(self) -> list[str]:
        """The table columns all features together read, without repeats."""
        out: list[str] = []
        # Encoded inputs (FG_NONE / FG_BUCKETIZE) hold only the output features.
        dag = self.fg_mode in (data_pb2.FG_DAG, data_pb2.FG_NORMAL)
        for f in self.features if dag else self.output_features:
            for c in f.input_columns:
                if c not in out:
                    out.append(c)
        return out

    @property
    def output_features(self) -> list[BaseFeature]:
        """Features whose values go to the model (not stub_type intermediates)."""
        return [f for f in self.features if not f.stub_type]

    def run(
        self, columns: Mapping[str, pa.Array | pa.ChunkedArray], num_rows: int
    ) -> dict[str, FeatureValue]:
        """Values of every non-stub feature for one batch, by feature name."""
        if self.fg_mode != data_pb2.FG_DAG:
            return {f.name: f.parse(columns) for f in self.output_features}
        env: dict[str, pa.Array | pa.ChunkedArray] = dict(columns)
        values: dict[str, FeatureValue] = {}
        for f in self._order:
            for ref in f.inputs:
                if ref.side == "const" and ref.text not in env:
                    env[ref.text] = pa.array([ref.name] * num_rows, pa.string())
            read = f.name in self._read_by_others
            if f.stub_type and f.bucketizer is None:
                # An unbucketized intermediate: pass its raw output (e.g. strings) on.
                arrow = f.fg_output(env) if read else None
            else:
                value = f.parse(env)
                values[f.name] = value
                arrow = value_to_arrow(value) if read else None
            if arrow is not None:
                env[f"feature:{f.name}"] = arrow
                if f.sequence is not None and f.sequence.group:
                    env[f"feature:{f.config_name}"] = arrow
        return {f.name: values[f.name] for f in self.output_features}
