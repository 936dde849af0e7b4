"""Batch: one training/eval/predict step's inputs as TorchRec tensors.

A Batch groups its features by *data group*: ``__BASE__`` for the rows as read, and
further groups for rows a sampler adds (negatives, tree nodes) in later work. Per group:

- ``sparse_features[group]``: a KeyedJaggedTensor of every sparse feature (pooled ids,
  and sequence ids whose per-row length is the number of steps), weights included when
  any feature of the group is weighted (1.0 for the others); keys in the order of the
  feature configs, int64 values and int32 lengths;
- ``dense_features[group]``: a KeyedTensor of the dense features (config order),
  ``value_dim`` float32 columns each;
- ``sequence_mulval_lengths[group]``: for sequence features whose steps hold several ids,
  a KeyedJaggedTensor of ids-per-step (its lengths are steps per row);
- ``sequence_dense_features``: per sequence dense feature, a JaggedTensor of step vectors.

Labels and sample weights are 1-D tensors by column name (labels: int64 for integer and
boolean columns, float32 for floating ones; sample weights float32); ``reserves`` is an arrow
RecordBatch of columns passed through to prediction output untouched. ``to``,
``record_stream`` and ``pin_memory`` make a Batch usable by TorchRec's train pipelines.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pyarrow as pa
import torch
from torchrec.sparse.jagged_tensor import JaggedTensor, KeyedJaggedTensor, KeyedTensor
from torchrec.streamable import Pipelineable

BASE_DATA_GROUP = "__BASE__"


def _pin(value: Any) -> Any:
    """``value`` in pinned memory; KeyedTensor/JaggedTensor lack their own pin_memory."""
    if isinstance(value, KeyedTensor):
        return KeyedTensor(
            keys=value.keys(),
            length_per_key=value.length_per_key(),
            values=value.values().pin_memory(),
            key_dim=value.key_dim(),
        )
    if isinstance(value, JaggedTensor):
        weights = value.weights_or_none()
        return JaggedTensor(
            values=value.values().pin_memory(),
            lengths=value.lengths().pin_memory(),
            weights=weights.pin_memory() if weights is not None else None,
        )
    return value.pin_memory()


@dataclass
class Batch(Pipelineable):
    """Inputs of one step; see the module docstring for the fields."""

    sparse_features: dict[str, KeyedJaggedTensor] = field(default_factory=dict)
    dense_features: dict[str, KeyedTensor] = field(default_factory=dict)
    sequence_mulval_lengths: dict[str, KeyedJaggedTensor] = field(default_factory=dict)
    sequence_dense_features: dict[str, JaggedTensor] = field(default_factory=dict)
    labels: dict[str, torch.Tensor] = field(default_factory=dict)
    sample_weights: dict[str, torch.Tensor] = field(default_factory=dict)
    reserves: pa.RecordBatch | None = None
    #: Rows in the batch (the __BASE__ group).
    batch_size: int = 0
    #: Where the reader stood after this batch, for resuming: {shard index: rows done}.
    checkpoint_info: dict[int, int] = field(default_factory=dict)
    #: Extra tensors a sampler or model family attaches (kept through to / pin_memory).
    additional_infos: dict[str, torch.Tensor] = field(default_factory=dict)

    def _map(self, fn: Any) -> Batch:
        return replace(
            self,
            sparse_features={k: fn(v) for k, v in self.sparse_features.items()},
            dense_features={k: fn(v) for k, v in self.dense_features.items()},
            sequence_mulval_lengths={k: fn(v) for k, v in self.sequence_mulval_lengths.items()},
            sequence_dense_features={k: fn(v) for k, v in self.sequence_dense_features.items()},
            labels={k: fn(v) for k, v in self.labels.items()},
            sample_weights={k: fn(v) for k, v in self.sample_weights.items()},
            additional_infos={k: fn(v) for k, v in self.additional_infos.items()},
        )

    def to(self, device: torch.device, non_blocking: bool = False) -> Batch:
        """A copy with every tensor on ``device`` (reserves stay in host memory)."""
        return self._map(lambda t: t.to(device=device, non_blocking=non_blocking))

    def record_stream(self, stream: torch.Stream) -> None:
        """Mark every tensor as used by ``stream`` (for TorchRec's pipelined copies)."""
        for group in (
            self.sparse_features,
            self.dense_features,
            self.sequence_mulval_lengths,
            self.sequence_dense_features,
            self.labels,
            self.sample_weights,
            self.additional_infos,
        ):
            for value in group.values():
                value.record_stream(stream)

    def pin_memory(self) -> Batch:
        """A copy with every tensor in pinned host memory (for faster host-to-GPU copy)."""
        return self._map(_pin)

    def to_dict(self) -> dict[str, torch.Tensor]:
        """Flat ``name -> tensor`` view, for debugging and for export's traced inputs.

        Sparse features give ``name`` (values) and ``name.lengths`` (ids per row);
        a sequence feature whose steps hold several ids also gives
        ``name.step_lengths`` (ids per step, summing to the row's ``name.lengths``) and
        ``name.num_steps`` (steps per row) from :attr:`sequence_mulval_lengths`; dense
        features give ``name`` of shape (batch, dim); sequence dense features ``name``
        and ``name.lengths``; labels and sample weights their column names.
        """
        out: dict[str, torch.Tensor] = {}
        for kjt in self.sparse_features.values():
            for key, jt in kjt.to_dict().items():
                out[key] = jt.values()
                out[f"{key}.lengths"] = jt.lengths()
                if jt.weights_or_none() is not None:
                    out[f"{key}.weights"] = jt.weights()
        for kjt in self.sequence_mulval_lengths.values():
            for key, jt in kjt.to_dict().items():
                out[f"{key}.step_lengths"] = jt.values()
                out[f"{key}.num_steps"] = jt.lengths()
        for kt in self.dense_features.values():
            out.update(kt.to_dict())
        for key, jt in self.sequence_dense_features.items():
            out[key] = jt.values()
            out[f"{key}.lengths"] = jt.lengths()
        out.update(self.labels)
        out.update(self.sample_weights)
        return out
