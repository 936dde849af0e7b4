"""The embedding tables of a model: one walk over its TorchRec collections."""

from __future__ import annotations

from collections.abc import Iterator

from torch import nn
from torchrec.modules.embedding_configs import BaseEmbeddingConfig
from torchrec.modules.embedding_modules import EmbeddingBagCollection, EmbeddingCollection


def embedding_tables(model: nn.Module) -> Iterator[tuple[BaseEmbeddingConfig, nn.Parameter]]:
    """Each table of every EmbeddingBagCollection / EmbeddingCollection in ``model``.

    Args:
        model: a model before DistributedModelParallel wrapping (sharded collections
            keep neither these configs nor whole weights).

    Returns:
        An iterator of (table config, weight parameter).
    """
    for module in model.modules():
        if isinstance(module, EmbeddingBagCollection):
            for config in module.embedding_bag_configs():
                yield config, module.embedding_bags[config.name].weight
        elif isinstance(module, EmbeddingCollection):
            for config in module.embedding_configs():
                yield config, module.embeddings[config.name].weight
