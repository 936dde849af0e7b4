"""create_model: the model a pipeline config selects, found through the plugin registry."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from tzrec.features.feature import BaseFeature
from tzrec.models.base_model import BaseModel
from tzrec.plugins.manager import get_registries
from tzrec.plugins.model_config import selected_model
from tzrec.protos import model_pb2
from tzrec.utils.config_errors import ConfigError


def create_model(
    model_config: model_pb2.ModelConfig,
    features: Sequence[BaseFeature],
    labels: Sequence[str],
    sample_weights: Sequence[str] = (),
    table_device: torch.device | None = None,
) -> BaseModel:
    """Build the selected model with its losses and metrics initialised.

    Args:
        model_config: the pipeline's model_config; its ``model`` oneof (or
            ``plugin_model``'s message name) is the registry key.
        features: the pipeline's features.
        labels: data_config.label_fields.
        sample_weights: data_config.sample_weight_fields.
        table_device: where the embedding tables are created ("meta" before sharding).

    Raises:
        UnknownPluginNameError: when no installed plugin provides the model.
        ConfigError: when the registered class is not a tzrec model.
    """
    name, params = selected_model(model_config)
    model_cls = get_registries().models.load(name)
    if not (isinstance(model_cls, type) and issubclass(model_cls, BaseModel)):
        raise ConfigError(
            f"model_config: model {name!r} is registered as {model_cls!r}, which is not a "
            "tzrec.models.BaseModel subclass and cannot be trained by the engine"
        )
    model = model_cls(
        model_config,
        features,
        labels,
        sample_weights,
        model_params=params,
        table_device=table_device,
    )
    model.init_loss()
    model.init_metric()
    return model
