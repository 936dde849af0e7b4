"""The models ``predict`` can run: a training checkpoint, or an exported model.

Both sit behind :class:`Predictor`: what the data must be read as (data config and
features, so the same dataloader serves both), which outputs the model has, and a
``predict(batch)`` that returns them. ``predict`` reads, shards, orders and writes;
a predictor only turns a :class:`~tzrec.datasets.batch.Batch` into output tensors.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Protocol

import torch

from tzrec.datasets.batch import Batch
from tzrec.engine import checkpoint as ckpt
from tzrec.engine.distributed import DistContext
from tzrec.engine.evaluation import apply_checkpoint_ema, use_dense_ema
from tzrec.engine.model_setup import build_model
from tzrec.engine.run_config import build_features
from tzrec.features.feature import BaseFeature
from tzrec.models.wrappers import PredictWrapper
from tzrec.protos import data_pb2, pipeline_pb2

logger = logging.getLogger("tzrec")


class Predictor(Protocol):
    """A model that predicts Batches."""

    @property
    def data_config(self) -> data_pb2.DataConfig:
        """How the input is read (batch size, workers, dataset type, FG mode)."""
        ...

    @property
    def features(self) -> Sequence[BaseFeature]:
        """The features the input is parsed into."""
        ...

    @property
    def collective(self) -> bool:
        """Whether :meth:`predict` takes part in collectives (sharded embedding lookups).

        Then every rank must call it the same number of times.
        """
        ...

    @property
    def profile_dir(self) -> str:
        """Where a profiling trace goes (``PROFILE_DIR/profiler``); "" beside the output."""
        ...

    def output_names(self) -> list[str] | None:
        """The model's outputs, or None when they are known only from a first batch."""
        ...

    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Every output of the model for ``batch`` (tensors with the batch's rows first)."""
        ...


class CheckpointPredictor:
    """A checkpoint of a training run, sharded over the ranks as evaluation builds it.

    The model is built from the pipeline config (TorchRec DistributedModelParallel with
    the planner's sharding, embedding tables created on each rank for its shards), the
    checkpoint's weights are loaded, and with a dense EMA (``eval_config.use_dense_ema``)
    the averages replace the dense weights, as ``evaluate`` does. The sharded lookups
    are collectives: ``collective`` is True.

    Args:
        config: the pipeline config.
        pipeline_config_path: its file, named in errors.
        checkpoint_path: the checkpoint (``model.ckpt-STEP``) to load.
        context: the process group's context.
    """

    collective = True

    def __init__(
        self,
        config: pipeline_pb2.EasyRecConfig,
        pipeline_config_path: str,
        checkpoint_path: str,
        context: DistContext,
    ) -> None:
        self.data_config = config.data_config
        self.features = build_features(config)
        self.checkpoint_path = checkpoint_path
        self.profile_dir = config.model_dir or os.path.dirname(checkpoint_path)
        self._device = context.device
        bundle = build_model(config, self.features, context, training=False)
        ckpt.load_model_state(checkpoint_path, bundle.dmp.state_dict())
        if use_dense_ema(config):
            apply_checkpoint_ema(
                bundle.dmp, checkpoint_path, "eval_config.use_dense_ema", pipeline_config_path
            )
        bundle.dmp.eval()
        # Serving outputs only (RocketLaunching: the light net), as an export would give.
        bundle.model.set_serving(True)
        # DMP sharded the model's embedding modules in place, so the model itself runs
        # the sharded lookups; PredictWrapper adds the training's mixed precision.
        self._model = PredictWrapper(
            bundle.model, mixed_precision=config.train_config.mixed_precision
        )
        self._model.eval()
        self._outputs: list[str] | None = None

    def output_names(self) -> list[str] | None:
        """The outputs seen in the first predicted batch (None before it)."""
        return self._outputs

    @torch.no_grad()
    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """The model's outputs for ``batch`` (a collective call: every rank calls it)."""
        outputs = self._model(batch.to(self._device, non_blocking=True))
        if self._outputs is None:
            self._outputs = list(outputs)
        return outputs


def find_checkpoint(checkpoint_path: str | None, model_dir: str) -> str:
    """The checkpoint to predict with: ``checkpoint_path`` or the newest in ``model_dir``.

    Raises:
        FileNotFoundError: naming the path searched when it holds no complete checkpoint.
    """
    search = checkpoint_path or model_dir
    if not search:
        raise FileNotFoundError(
            "no checkpoint to predict with: give --checkpoint_path or set model_dir in the config"
        )
    path = ckpt.latest_checkpoint(search)
    if path is None:
        what = "checkpoint_path" if checkpoint_path else "model_dir"
        raise FileNotFoundError(
            f"{what} {search!r} holds no checkpoint (expected a model.ckpt-STEP directory "
            "with a train_state.json, or a directory of them)"
        )
    return path


class ExportedPredictor:
    """An exported model directory (``tzrec export``), run by the serving loader.

    The export holds the data config and features it was trained with, so its input is
    parsed exactly as in training; the program runs on each process alone (no
    collectives), so processes need not step together.

    Args:
        export_dir: the export directory.
        device: where the program runs.

    Raises:
        FileNotFoundError: when the directory, its manifest or program is missing.
    """

    collective = False

    def __init__(self, export_dir: str, device: torch.device) -> None:
        if not os.path.isdir(export_dir):
            raise FileNotFoundError(
                f"scripted_model_path {export_dir!r} is not a directory (expected the "
                "directory tzrec export wrote)"
            )
        from tzrec.serving import load_exported

        self._model = load_exported(export_dir, device)
        self.data_config: data_pb2.DataConfig = self._model.data_config
        self.features: list[BaseFeature] = list(self._model.features)
        self.profile_dir = ""  # not the export directory: see predict._profile_root

    def output_names(self) -> list[str]:
        """The outputs the export's manifest lists."""
        return list(self._model.output_names)

    def predict(self, batch: Batch) -> dict[str, torch.Tensor]:
        """The exported program's outputs for ``batch`` (its flat ``to_dict`` tensors)."""
        return self._model.run(batch.to_dict())
