"""DataParser: from an arrow record batch to a :class:`~tzrec.datasets.batch.Batch`.

It runs feature generation over the batch's columns and assembles the feature values
into TorchRec tensors without per-row work: the numpy arrays the features produce are
concatenated key-major (TorchRec's KeyedJaggedTensor layout) and wrapped with
``torch.from_numpy``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
from torchrec.sparse.jagged_tensor import JaggedTensor, KeyedJaggedTensor, KeyedTensor

from tzrec.datasets.batch import BASE_DATA_GROUP, Batch
from tzrec.datasets.errors import DataReadError, MissingColumnError
from tzrec.features.encoded import check_id_range, id_bound
from tzrec.features.feature import BaseFeature
from tzrec.features.fg import FeatureGenerator
from tzrec.features.values import (
    DenseValue,
    FeatureValue,
    SequenceDenseValue,
    SequenceSparseValue,
    SparseValue,
)
from tzrec.protos import data_pb2


def _tensor(array: np.ndarray) -> torch.Tensor:
    """A tensor sharing ``array``'s memory when it is writable and contiguous."""
    if not array.flags.writeable or not array.flags.c_contiguous:
        array = np.array(array, copy=True, order="C")
    return torch.from_numpy(array)


def _concat(arrays: list[np.ndarray], axis: int = 0) -> np.ndarray:
    """np.concatenate, without the copy when there is one array."""
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays, axis=axis)


def _mask_rows(value: FeatureValue, keep: np.ndarray) -> FeatureValue:
    """``value`` with the rows where ``keep`` is False emptied (sparse) or zeroed (dense)."""
    if isinstance(value, DenseValue):
        return DenseValue(value.values * keep[:, None].astype(np.float32))
    if isinstance(value, SparseValue | SequenceSparseValue | SequenceDenseValue):
        per_row = value.lengths
        if isinstance(value, SequenceSparseValue) and value.step_lengths is not None:
            step_keep = np.repeat(keep, per_row)
            id_keep = np.repeat(step_keep, value.step_lengths)
            return SequenceSparseValue(
                values=value.values[id_keep],
                lengths=np.where(keep, per_row, 0).astype(np.int32),
                step_lengths=value.step_lengths[step_keep],
                weights=value.weights[id_keep] if value.weights is not None else None,
            )
        item_keep = np.repeat(keep, per_row)
        lengths = np.where(keep, per_row, 0).astype(np.int32)
        if isinstance(value, SequenceDenseValue):
            return SequenceDenseValue(value.values[item_keep], lengths)
        weights = value.weights[item_keep] if value.weights is not None else None
        cls = type(value)
        return cls(values=value.values[item_keep], lengths=lengths, weights=weights)
    return value


def _stackable(feature: BaseFeature) -> bool:
    """Whether a feature's FG_NONE column may be read in the stacked fast lane."""
    return type(feature).standard_encoding and not feature.is_sequence


def _is_number(t: pa.DataType) -> bool:
    return bool(pa.types.is_integer(t) or pa.types.is_floating(t))


class _Stack(NamedTuple):
    """Plain columns read together: ``matrix[k]`` holds ``features[k]``'s value per row."""

    features: list[BaseFeature]
    matrix: np.ndarray

    def rows(self) -> dict[str, np.ndarray]:
        """Each feature's row of the matrix, by feature name."""
        return {f.name: self.matrix[k] for k, f in enumerate(self.features)}

    def runs(self, order: list[BaseFeature]) -> dict[str, tuple[int, int]]:
        """Runs of stacked features that are consecutive in ``order``: first name -> rows.

        ``order`` lists the stacked features in their matrix order among others, so a
        run is the matrix rows ``[start, stop)`` as one block (a view, no copy).
        """
        index = {f.name: k for k, f in enumerate(self.features)}
        runs: dict[str, tuple[int, int]] = {}
        first: str | None = None
        for f in order:
            k = index.get(f.name)
            if k is None:
                first = None
            elif first is not None and runs[first][1] == k:
                runs[first] = (runs[first][0], k + 1)
            else:
                first = f.name
                runs[first] = (k, k + 1)
        return runs


def _is_int64_id(t: pa.DataType) -> bool:
    """Whether every value of integer type ``t`` is an int64.

    uint64 is not: numpy stacks it with signed ints as float64, losing large ids' bits.
    """
    return bool(pa.types.is_integer(t) and not pa.types.is_uint64(t))


def is_label_type(t: pa.DataType) -> bool:
    """Whether a label / sample-weight column of type ``t`` is usable (int, float, bool)."""
    return bool(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t))


class DataParser:
    """Turns record batches into Batches for a pipeline's features, labels and weights.

    Args:
        features: all features of the pipeline (stub features included; they are
            computed for the features that read them but not output).
        label_fields: label columns.
        sample_weight_fields: sample-weight columns.
        reserved_columns: columns copied through to ``Batch.reserves`` (prediction).
        sample_mask_prob: in training, the probability of emptying each feature of each
            row independently (feature dropout); 0 disables it.
        seed: seed of the masking's random generator.
    """

    def __init__(
        self,
        features: Sequence[BaseFeature],
        label_fields: Sequence[str] = (),
        sample_weight_fields: Sequence[str] = (),
        reserved_columns: Sequence[str] = (),
        sample_mask_prob: float = 0.0,
        seed: int | None = None,
    ) -> None:
        self.generator = FeatureGenerator(features)
        self.features = self.generator.output_features
        self.label_fields = list(label_fields)
        self.sample_weight_fields = list(sample_weight_fields)
        self.reserved_columns = list(reserved_columns)
        self.sample_mask_prob = float(sample_mask_prob)
        self._rng = np.random.default_rng(seed)
        fg_none = self.generator.fg_mode == data_pb2.FG_NONE
        # Plain encoded columns (one int id / one float per row) are read together.
        self._stack_sparse = [
            f
            for f in self.features
            if fg_none
            and f.is_sparse
            and _stackable(f)
            and not f.is_weighted
            and id_bound(f) is not None
        ]
        self._stack_dense = [
            f
            for f in self.features
            if fg_none and not f.is_sparse and _stackable(f) and f.value_dim == 1
        ]
        # Keys follow the features' (config) order, whichever lane reads them.
        self.sparse_features = [f for f in self.features if f.is_sparse]
        self.dense_features = [f for f in self.features if not f.is_sparse and not f.is_sequence]
        self._bounds = {f.name: int(id_bound(f) or 0) for f in self._stack_sparse}
        self.sequence_dense_features = [
            f for f in self.features if not f.is_sparse and f.is_sequence
        ]

        self.input_columns: list[str] = list(
            dict.fromkeys(
                [
                    *self.generator.input_columns,
                    *self.label_fields,
                    *self.sample_weight_fields,
                    *self.reserved_columns,
                ]
            )
        )
        """Every column the parser reads: feature inputs, labels, weights, reserves."""

    def parse(self, record_batch: pa.RecordBatch, source: str = "<input>") -> Batch:
        """The Batch of one record batch.

        Args:
            record_batch: rows with (at least) :attr:`input_columns`.
            source: the input's name for error messages (a file or table).

        Raises:
            MissingColumnError: when a needed column is absent.
            InvalidFgInputError: when a feature cannot use a value.
        """
        names = record_batch.schema.names
        for column in self.input_columns:
            if column not in names:
                raise MissingColumnError(source, column, names)
        columns = {name: record_batch.column(name) for name in names}
        num_rows = record_batch.num_rows
        stacked_ids = self._stacked(columns, self._stack_sparse, _is_int64_id)
        stacked_dense = self._stacked(columns, self._stack_dense, _is_number)
        if stacked_ids is not None:
            self._check_stacked_ids(stacked_ids)
        if stacked_ids is None and stacked_dense is None:
            values = self.generator.run(columns, num_rows)
        else:
            done = {f.name for stack in (stacked_ids, stacked_dense) if stack for f in stack[0]}
            values = {f.name: f.parse(columns) for f in self.features if f.name not in done}
        if self.sample_mask_prob > 0:
            values.update(self._unstack(stacked_ids, stacked_dense, num_rows))
            stacked_ids = stacked_dense = None
            # One draw per output feature in a fixed order, so a seed masks the same
            # rows of the same features whichever lane read them.
            for f in self.features:
                keep = self._rng.random(num_rows) >= self.sample_mask_prob
                values[f.name] = _mask_rows(values[f.name], keep)
        batch = Batch(batch_size=num_rows)
        self._add_sparse(batch, values, num_rows, stacked_ids)
        self._add_dense(batch, values, num_rows, stacked_dense)
        for f in self.sequence_dense_features:
            v = values[f.name]
            assert isinstance(v, SequenceDenseValue)
            batch.sequence_dense_features[f.name] = JaggedTensor(
                values=_tensor(v.values), lengths=_tensor(v.lengths)
            )
        for name in self.label_fields:
            batch.labels[name] = self._numeric_column(record_batch, name, source, label=True)
        for name in self.sample_weight_fields:
            w = self._numeric_column(record_batch, name, source, label=False)
            batch.sample_weights[name] = w.to(torch.float32)
        if self.reserved_columns:
            batch.reserves = record_batch.select(self.reserved_columns)
        return batch

    @staticmethod
    def _stacked(
        columns: dict[str, pa.Array],
        features: list[BaseFeature],
        type_ok: Callable[[pa.DataType], bool],
    ) -> _Stack | None:
        """The plain columns among the features' as one (features, rows) matrix.

        Plain means one non-null value per row of an accepted type; each feature whose
        column is not plain in this batch parses its own column. None when none is.
        """
        plain: list[BaseFeature] = []
        arrays = []
        for f in features:
            col = columns[f.name]
            if isinstance(col, pa.ChunkedArray):
                col = col.combine_chunks()
            if col.null_count or not type_ok(col.type):
                continue
            plain.append(f)
            arrays.append(col.to_numpy())
        return _Stack(plain, np.stack(arrays)) if plain else None

    def _check_stacked_ids(self, stack: _Stack) -> None:
        """Every stacked id within [0, num_embeddings) of its feature, else the error."""
        ids = stack.matrix
        if ids.size == 0:
            return
        bounds = np.array([self._bounds[f.name] for f in stack.features], dtype=np.int64)
        if ids.min() >= 0 and bool((ids.max(axis=1) < bounds).all()):
            return
        bad = (ids < 0) | (ids >= bounds[:, None])
        k = int(np.flatnonzero(bad.any(axis=1))[0])
        name = stack.features[k].name
        check_id_range(ids[k].astype(np.int64), int(bounds[k]), name, name)

    @staticmethod
    def _unstack(
        ids: _Stack | None, dense: _Stack | None, num_rows: int
    ) -> dict[str, FeatureValue]:
        """Per-feature values of stacked matrices (for per-feature work such as masking)."""
        out: dict[str, FeatureValue] = {}
        ones = np.ones(num_rows, dtype=np.int32)
        if ids is not None:
            for name, row in ids.rows().items():
                out[name] = SparseValue(row.astype(np.int64), ones)
        if dense is not None:
            for name, row in dense.rows().items():
                out[name] = DenseValue(row.astype(np.float32).reshape(num_rows, 1))
        return out

    def _add_sparse(
        self,
        batch: Batch,
        values: dict[str, FeatureValue],
        num_rows: int,
        stacked: _Stack | None,
    ) -> None:
        if not self.sparse_features:
            return
        keys: list[str] = []
        all_values: list[np.ndarray] = []
        all_lengths: list[np.ndarray] = []
        all_weights: list[np.ndarray] = []
        mulval_keys, mulval_values, mulval_lengths = [], [], []
        weighted = any(f.is_weighted for f in self.sparse_features)
        stacked_names = {f.name for f in stacked.features} if stacked is not None else set()
        runs = stacked.runs(self.sparse_features) if stacked is not None else {}
        for f in self.sparse_features:
            keys.append(f.name)
            if f.name in runs:
                # Key-major layout: a block of the (features, rows) matrix raveled is
                # its features' values in KJT order.
                assert stacked is not None
                start, stop = runs[f.name]
                block = stacked.matrix[start:stop].reshape(-1)
                all_values.append(block)
                all_lengths.append(np.ones(block.size, dtype=np.int32))
                if weighted:
                    all_weights.append(np.ones(block.size, dtype=np.float32))
                continue
            if f.name in stacked_names:
                continue  # in the block of its run
            v = values[f.name]
            assert isinstance(v, SparseValue | SequenceSparseValue)
            all_values.append(v.values)
            if isinstance(v, SequenceSparseValue) and v.step_lengths is not None:
                # Ids per row = sum of the ids of the row's steps.
                step_rows = np.repeat(np.arange(num_rows), v.lengths)
                per_row = np.bincount(step_rows, weights=v.step_lengths, minlength=num_rows)
                all_lengths.append(per_row.astype(np.int32))
                mulval_keys.append(f.name)
                mulval_values.append(v.step_lengths.astype(np.int64))
                mulval_lengths.append(v.lengths)
            else:
                all_lengths.append(v.lengths)
            if weighted:
                w = v.weights
                all_weights.append(w if w is not None else np.ones(len(v.values), np.float32))
        batch.sparse_features[BASE_DATA_GROUP] = KeyedJaggedTensor(
            keys=keys,
            values=_tensor(_concat(all_values).astype(np.int64, copy=False)),
            lengths=_tensor(_concat(all_lengths).astype(np.int32, copy=False)),
            weights=_tensor(_concat(all_weights).astype(np.float32, copy=False))
            if weighted
            else None,
            stride=num_rows,
        )
        if mulval_keys:
            batch.sequence_mulval_lengths[BASE_DATA_GROUP] = KeyedJaggedTensor(
                keys=mulval_keys,
                values=_tensor(np.concatenate(mulval_values)),
                lengths=_tensor(np.concatenate(mulval_lengths).astype(np.int32, copy=False)),
                stride=num_rows,
            )

    def _add_dense(
        self,
        batch: Batch,
        values: dict[str, FeatureValue],
        num_rows: int,
        stacked: _Stack | None,
    ) -> None:
        if not self.dense_features:
            return
        stacked_names = {f.name for f in stacked.features} if stacked is not None else set()
        runs = stacked.runs(self.dense_features) if stacked is not None else {}
        arrays: list[np.ndarray] = []
        dims: list[int] = []
        for f in self.dense_features:
            if f.name in runs:
                assert stacked is not None
                start, stop = runs[f.name]
                block = stacked.matrix[start:stop].T  # (rows, features of the run)
                arrays.append(np.ascontiguousarray(block, dtype=np.float32))
                dims += [1] * (stop - start)
                continue
            if f.name in stacked_names:
                continue  # in the block of its run
            v = values[f.name]
            assert isinstance(v, DenseValue)
            arrays.append(v.values.astype(np.float32, copy=False))
            dims.append(v.values.shape[1])
        batch.dense_features[BASE_DATA_GROUP] = KeyedTensor(
            keys=[f.name for f in self.dense_features],
            length_per_key=dims,
            values=_tensor(_concat(arrays, axis=1)),
        )

    @staticmethod
    def _numeric_column(
        record_batch: pa.RecordBatch, name: str, source: str, label: bool
    ) -> torch.Tensor:
        col = record_batch.column(name)
        kind = "label" if label else "sample weight"
        if not is_label_type(col.type):
            raise DataReadError(
                source, f"{kind} column must be numeric, found {col.type}", column=name
            )
        if col.null_count:
            row = int(pc.index(pc.is_null(col), True).as_py())
            raise DataReadError(source, f"{kind} is null in row {row}", column=name)
        arr = col.to_numpy(zero_copy_only=False)
        if pa.types.is_floating(col.type):
            arr = arr.astype(np.float32, copy=False)
        elif pa.types.is_boolean(col.type):
            arr = arr.astype(np.int64)
        else:
            arr = arr.astype(np.int64, copy=False)
        return _tensor(arr)
