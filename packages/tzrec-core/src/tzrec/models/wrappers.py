"""Wrappers that adapt a model to training, prediction and export.

- :class:`TrainWrapper`: ``batch -> (total loss, (losses, predictions, batch))``, the
  shape TorchRec's train pipelines expect, with the forward under mixed precision.
- :class:`PredictWrapper`: ``batch -> predictions``, optionally only some outputs.
- :class:`ScriptWrapper`: ``dict[str, Tensor] -> predictions``, a flat tensor interface
  (the keys of :meth:`Batch.to_dict`) that FX tracing and TorchScript can handle, for
  export.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torchrec.sparse.jagged_tensor import JaggedTensor, KeyedJaggedTensor, KeyedTensor

from tzrec.datasets.batch import BASE_DATA_GROUP, Batch
from tzrec.features.feature import BaseFeature
from tzrec.models.base_model import BaseModel
from tzrec.optim.precision import autocast_context


class TrainWrapper(nn.Module):
    """Model + loss in one forward, for DistributedModelParallel and train pipelines.

    Args:
        model: the model.
        mixed_precision: "" (fp32), "BF16" or "FP16": the forward and loss run under
            ``torch.autocast`` of that dtype; parameters and optimizer state stay fp32.
    """

    def __init__(self, model: BaseModel, mixed_precision: str = "") -> None:
        super().__init__()
        self.model = model
        autocast_context(mixed_precision, torch.device("cpu"))  # rejects unknown values now
        self._mixed_precision = mixed_precision

    def forward(
        self, batch: Batch
    ) -> tuple[torch.Tensor, tuple[dict[str, torch.Tensor], dict[str, torch.Tensor], Batch]]:
        """Total loss, and (detached losses, predictions, batch) for metrics and logs."""
        device = next(iter(batch.labels.values())).device if batch.labels else torch.device("cpu")
        with autocast_context(self._mixed_precision, device):
            predictions = self.model.predict(batch)
            losses = self.model.loss(predictions, batch)
        total = torch.stack([loss.float() for loss in losses.values()]).sum()
        detached = {name: loss.detach() for name, loss in losses.items()}
        return total, (detached, predictions, batch)


class PredictWrapper(nn.Module):
    """Predictions only, optionally restricted to ``output_cols``.

    Args:
        model: the model.
        output_cols: names of the outputs to keep (all when empty).
        mixed_precision: as in :class:`TrainWrapper`.
    """

    def __init__(
        self, model: BaseModel, output_cols: Sequence[str] = (), mixed_precision: str = ""
    ) -> None:
        super().__init__()
        self.model = model
        self._output_cols = list(output_cols)
        autocast_context(mixed_precision, torch.device("cpu"))  # rejects unknown values now
        self._mixed_precision = mixed_precision

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        """The selected predictions of the batch."""
        device = next(self.model.parameters()).device
        with autocast_context(self._mixed_precision, device):
            predictions = self.model.predict(batch)
        if not self._output_cols:
            return predictions
        missing = [name for name in self._output_cols if name not in predictions]
        if missing:
            raise KeyError(f"output columns {missing} are not model outputs {sorted(predictions)}")
        return {name: predictions[name] for name in self._output_cols}


class ScriptWrapper(nn.Module):
    """A model behind a flat ``dict[str, Tensor]`` interface, for tracing and export.

    The input keys are those of :meth:`Batch.to_dict`: a sparse feature ``f`` gives
    ``f`` (ids) and ``f.lengths`` (and ``f.weights`` when weighted; a sequence with
    several ids per step also ``f.step_lengths`` and ``f.num_steps``), a dense feature
    its (rows, dim) values, a sequence dense feature its step values and ``.lengths``.

    Args:
        model: the model.
        features: the pipeline's features (decides which keys are read, and how).
    """

    def __init__(self, model: BaseModel, features: Sequence[BaseFeature]) -> None:
        super().__init__()
        self.model = model
        self._sparse = [f.name for f in features if f.is_sparse]
        self._weighted = [f.is_weighted for f in features if f.is_sparse]
        self._dense = [f.name for f in features if not f.is_sparse and not f.is_sequence]
        self._dense_dims = [f.value_dim for f in features if not f.is_sparse and not f.is_sequence]
        self._sequence_dense = [f.name for f in features if not f.is_sparse and f.is_sequence]
        self._multi_value_sequences = [
            f.name for f in features if f.is_sparse and f.is_sequence and f.value_dim != 1
        ]

    def batch_from_dict(self, data: dict[str, torch.Tensor]) -> Batch:
        """The Batch the flat dict describes.

        Traceable by ``torchrec.fx.symbolic_trace``: nothing here reads a tensor's value
        (``batch_size`` is the rows dimension itself, a proxy while tracing).
        """
        batch = Batch()
        if self._sparse:
            values = torch.cat([data[name] for name in self._sparse])
            lengths = torch.cat([data[f"{name}.lengths"] for name in self._sparse])
            weights = None
            if any(self._weighted):
                weights = torch.cat(
                    [
                        data[f"{name}.weights"]
                        if weighted
                        else torch.ones_like(data[name], dtype=torch.float32)
                        for name, weighted in zip(self._sparse, self._weighted, strict=True)
                    ]
                )
            batch.sparse_features[BASE_DATA_GROUP] = KeyedJaggedTensor(
                keys=self._sparse, values=values, lengths=lengths.int(), weights=weights
            )
            batch.batch_size = data[f"{self._sparse[0]}.lengths"].size(0)
        if self._multi_value_sequences:
            names = self._multi_value_sequences
            batch.sequence_mulval_lengths[BASE_DATA_GROUP] = KeyedJaggedTensor(
                keys=names,
                values=torch.cat([data[f"{name}.step_lengths"] for name in names]),
                lengths=torch.cat([data[f"{name}.num_steps"] for name in names]).int(),
            )
        if self._dense:
            batch.dense_features[BASE_DATA_GROUP] = KeyedTensor(
                keys=self._dense,
                length_per_key=self._dense_dims,
                values=torch.cat(
                    [
                        data[name].reshape(-1, dim)
                        for name, dim in zip(self._dense, self._dense_dims, strict=True)
                    ],
                    dim=1,
                ),
            )
            batch.batch_size = data[self._dense[0]].size(0)
        for name in self._sequence_dense:
            batch.sequence_dense_features[name] = JaggedTensor(
                values=data[name], lengths=data[f"{name}.lengths"]
            )
        return batch

    def forward(self, data: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Predictions of the batch described by ``data``."""
        return self.model.predict(self.batch_from_dict(data))
