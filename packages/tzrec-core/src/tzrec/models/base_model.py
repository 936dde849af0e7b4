"""BaseModel: the contract between a model and the engine.

A model turns a :class:`~tzrec.datasets.batch.Batch` into a dict of prediction tensors
(``predict``), turns predictions and labels into named losses (``loss``), and keeps eval
and train metrics. The engine never looks inside a model beyond this contract, so a
third-party model only has to subclass this (or :class:`~tzrec.models.RankModel`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from google.protobuf.message import Message
from torch import nn

from tzrec.datasets.batch import BASE_DATA_GROUP, Batch
from tzrec.features.feature import BaseFeature
from tzrec.modules.tables import embedding_tables
from tzrec.protos import model_pb2


class BaseModel(nn.Module):
    """A recommendation model configured by a ``ModelConfig``.

    Args:
        model_config: the pipeline's model_config.
        features: the pipeline's features (all of them; the model picks by group).
        labels: label column names (data_config.label_fields).
        sample_weights: sample weight column names (data_config.sample_weight_fields).
        model_params: the selected model's own config message (``model_config.deepfm``,
            or a plugin model's unpacked message); by default the ``model`` oneof's value.
        **kwargs: family-specific extras (ignored here).
    """

    def __init__(
        self,
        model_config: model_pb2.ModelConfig,
        features: Sequence[BaseFeature],
        labels: Sequence[str],
        sample_weights: Sequence[str] = (),
        model_params: Message | None = None,
        table_device: torch.device | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self._table_device = table_device
        self._base_model_config = model_config
        if model_params is None:
            chosen = model_config.WhichOneof("model")
            model_params = getattr(model_config, chosen) if chosen else None
        self._model_params = model_params
        self._features = list(features)
        self._labels = list(labels)
        self._sample_weights = list(sample_weights)
        self._loss_modules = nn.ModuleDict()
        self._metric_modules = nn.ModuleDict()
        self._train_metric_modules = nn.ModuleDict()
        self._serving = False

    # -- the contract -------------------------------------------------------------------
    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Predictions of the batch, by output name (e.g. ``logits``, ``probs``)."""
        raise NotImplementedError

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Same as :meth:`predict`."""
        return self.predict(batch)

    def init_loss(self) -> None:
        """Create the loss modules from the config (called once, after ``__init__``)."""

    def loss(self, predictions: dict[str, torch.Tensor], batch: Batch) -> dict[str, torch.Tensor]:
        """Named scalar losses; the engine minimises their sum."""
        raise NotImplementedError

    def init_metric(self) -> None:
        """Create the eval and train metric modules from the config."""

    def update_metric(self, predictions: dict[str, torch.Tensor], batch: Batch) -> None:
        """Accumulate eval metrics over one batch."""

    def compute_metric(self) -> dict[str, torch.Tensor]:
        """The eval metrics over all batches since the last call; resets them."""
        return {}

    def update_train_metric(self, predictions: dict[str, torch.Tensor], batch: Batch) -> None:
        """Accumulate train metrics over one training step."""

    def compute_train_metric(self) -> dict[str, torch.Tensor]:
        """The current (decayed) train metrics; empty before the first window ends."""
        return {}

    # -- serving ---------------------------------------------------------------------------
    def set_serving(self, serving: bool = True) -> BaseModel:
        """Switch :meth:`predict` to (or back from) the outputs that are served.

        Export traces, and offline prediction from a checkpoint runs, the model in this
        mode. By default it changes nothing; a model that trains parts which are not
        served (RocketLaunching's booster net) skips them while :attr:`serving` is set.

        Args:
            serving: True for the served outputs only, False for the training outputs.

        Returns:
            the model itself (like ``nn.Module.eval``).
        """
        self._serving = serving
        return self

    @property
    def serving(self) -> bool:
        """Whether :meth:`predict` gives the served outputs only (see :meth:`set_serving`)."""
        return self._serving

    # -- helpers for subclasses ---------------------------------------------------------
    @property
    def label_names(self) -> list[str]:
        """The label columns this model trains on."""
        return list(self._labels)

    def sample_weight(self, batch: Batch) -> torch.Tensor | None:
        """The first sample weight column of the batch, if the config names one."""
        if not self._sample_weights:
            return None
        return batch.sample_weights.get(self._sample_weights[0])

    def feature_values_per_row(self, batch: Batch, name: str) -> torch.Tensor:
        """One value per row of a label, sample weight or single-id sparse feature.

        Used for ``grouping_key`` of grouped metrics and ``session_name`` of jrc_loss,
        which name a column the batch carries either as a label or as a feature.

        Raises:
            KeyError: when the batch has no such column, naming the ones it has.
            ValueError: when the feature does not have exactly one id per row.
        """
        if name in batch.labels:
            return batch.labels[name]
        kjt = batch.sparse_features.get(BASE_DATA_GROUP)
        if kjt is not None and name in kjt.keys():
            jagged = kjt[name]
            lengths = jagged.lengths()
            if not bool(torch.all(lengths == 1)):
                raise ValueError(
                    f"feature {name!r} must have exactly one id per row to group or "
                    "partition a metric/loss by it"
                )
            return jagged.values()
        keys = sorted(batch.labels) + (list(kjt.keys()) if kjt is not None else [])
        raise KeyError(f"column {name!r} is neither a label nor a sparse feature; have {keys}")

    def sparse_parameters(self) -> list[nn.Parameter]:
        """The embedding tables' weights (of the TorchRec collections, before sharding)."""
        return [weight for _, weight in embedding_tables(self)]
