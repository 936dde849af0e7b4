"""The trained model, whole on the CPU: built from the config, weights from a checkpoint.

Training saves a torch.distributed.checkpoint written by every rank of a sharded
DistributedModelParallel run. Loading it into the plain (unsharded) model gathers each
table's shards into one CPU tensor: DCP reads every saved chunk the destination tensor
covers, whatever sharding wrote it. The state dict keys match because the engine wraps
the model in :class:`~tzrec.models.wrappers.TrainWrapper` (``model.``) inside DMP,
whose state dict drops its own prefixes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import torch
import torch.distributed.checkpoint as dcp

from tzrec.engine.evaluation import apply_checkpoint_ema
from tzrec.features.feature import BaseFeature
from tzrec.models.base_model import BaseModel
from tzrec.models.factory import create_model
from tzrec.models.wrappers import TrainWrapper
from tzrec.protos import pipeline_pb2


def use_dense_ema_for_export(config: pipeline_pb2.EasyRecConfig) -> bool:
    """``export_config.use_dense_ema``; unset, whether ``dense_optimizer.ema`` is set."""
    if config.export_config.HasField("use_dense_ema"):
        return bool(config.export_config.use_dense_ema)
    return config.train_config.dense_optimizer.HasField("ema")


def load_trained_model(
    config: pipeline_pb2.EasyRecConfig,
    features: Sequence[BaseFeature],
    checkpoint_path: str,
    use_dense_ema: bool,
) -> BaseModel:
    """The configured model on the CPU with a checkpoint's weights, in eval mode.

    Args:
        config: the pipeline config.
        features: the pipeline's features.
        checkpoint_path: a ``model.ckpt-STEP`` directory.
        use_dense_ema: replace the dense weights by the checkpoint's EMA averages.

    Raises:
        ConfigError: ``use_dense_ema`` and the checkpoint holds no EMA averages.
    """
    model = create_model(
        config.model_config,
        features,
        list(config.data_config.label_fields),
        list(config.data_config.sample_weight_fields),
        table_device=torch.device("cpu"),
    )
    wrapper = TrainWrapper(model)
    state = wrapper.state_dict()
    # The export process reads every shard itself (no collective with other ranks).
    dcp.load(state, checkpoint_id=os.path.join(checkpoint_path, "model"), no_dist=True)
    wrapper.load_state_dict(state)
    if use_dense_ema:
        apply_checkpoint_ema(wrapper, checkpoint_path, "export_config.use_dense_ema")
    model.eval()
    return model
