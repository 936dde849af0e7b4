"""Shared set-up for model tests: build a model from config text and train it a few steps.

A model test writes a small pipeline config (features, groups, the model's block),
synthesizes matching Parquet data with ``tzrec data synth``'s generator, builds the model
through the plugin registry exactly as the engine does (but without sharding), and runs
plain optimizer steps on the batches, so each model's test is about the model itself.
The checks every model test shares (its graph traces; its TorchScript program predicts
like the eager model) and small inspection helpers live here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import torch
from google.protobuf import text_format
from torch import nn
from torchrec.fx import Tracer

from tzrec.datasets.batch import Batch
from tzrec.datasets.dataloader import create_dataloader
from tzrec.datasets.synth import synthesize
from tzrec.engine.run_config import build_features
from tzrec.export.tracing import script_model
from tzrec.features.feature import BaseFeature
from tzrec.models.base_model import BaseModel
from tzrec.models.factory import create_model
from tzrec.models.wrappers import ScriptWrapper, TrainWrapper
from tzrec.protos import pipeline_pb2

M = TypeVar("M", bound=BaseModel)

DATA_AND_TRAIN = """
train_input_path: "unused"
model_dir: "unused"
train_config {
    sparse_optimizer { adagrad_optimizer { lr: 0.05 } constant_learning_rate {} }
    dense_optimizer { adam_optimizer { lr: 0.005 } constant_learning_rate {} }
    num_epochs: 1
}
data_config {
    batch_size: 256
    dataset_type: ParquetDataset
    fg_mode: FG_NONE
    label_fields: "label"
    num_workers: 0
}
"""


@dataclass
class ModelCase:
    """A built model with its config, features and a few synthetic batches.

    Attributes:
        train_input_path: the synthetic Parquet files the batches were read from.
    """

    config: pipeline_pb2.EasyRecConfig
    features: list[BaseFeature]
    model: BaseModel
    batches: list[Batch]
    train_input_path: str = ""


def parse_config(body: str, data_and_train: str = DATA_AND_TRAIN) -> pipeline_pb2.EasyRecConfig:
    """A pipeline config from ``body`` (feature_configs + model_config text) plus defaults."""
    config = pipeline_pb2.EasyRecConfig()
    text_format.Parse(data_and_train + body, config)
    return config


def synthetic_batches(
    config: pipeline_pb2.EasyRecConfig,
    features: list[BaseFeature],
    data_dir: Path,
    num_rows: int = 2048,
    seed: int = 3,
) -> tuple[list[Batch], str]:
    """Every training batch of ``num_rows`` synthetic rows matching ``config``, and their path."""
    result = synthesize(config, str(data_dir), num_rows=num_rows, num_files=1, seed=seed)
    loader = create_dataloader(config.data_config, features, result.train_input_path, num_workers=0)
    return list(loader), result.train_input_path


def build_case(body: str, data_dir: Path, num_rows: int = 2048, seed: int = 3) -> ModelCase:
    """Parse ``body``, synthesize data for it and build the model on CPU (seeded)."""
    config = parse_config(body)
    features = build_features(config)
    batches, path = synthetic_batches(config, features, data_dir, num_rows=num_rows, seed=seed)
    torch.manual_seed(0)
    model = create_model(
        config.model_config,
        features,
        list(config.data_config.label_fields),
        list(config.data_config.sample_weight_fields),
    )
    return ModelCase(config, features, model, batches, path)


def build(text: str, model_type: type[M]) -> M:
    """The model a config text selects (no data), checked to be a ``model_type``."""
    config = parse_config(text)
    model = create_model(
        config.model_config, build_features(config), list(config.data_config.label_fields)
    )
    assert isinstance(model, model_type), type(model)
    return model


def train_losses(case: ModelCase, epochs: int = 3, lr: float = 0.01) -> list[float]:
    """Mean training loss per epoch over ``case.batches`` with Adam on every parameter.

    Embedding tables are plain TorchRec modules here (no fused optimizer), so one Adam
    trains them with the dense layers; the engine's sharded path is tested elsewhere.
    """
    wrapper = TrainWrapper(case.model)
    wrapper.train()
    optimizer = torch.optim.Adam(case.model.parameters(), lr=lr)
    means = []
    for _ in range(epochs):
        total = 0.0
        for batch in case.batches:
            loss, _ = wrapper(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach())
        means.append(total / len(case.batches))
    return means


def predictions(case: ModelCase, batch: Batch | None = None) -> dict[str, torch.Tensor]:
    """The model's predictions (eval mode, no grad) on ``batch`` or the first batch."""
    case.model.eval()
    with torch.no_grad():
        return case.model.predict(batch if batch is not None else case.batches[0])


def first_linear(mlp: nn.Module | None) -> nn.Linear:
    """The first Linear layer of an MLP (its input width is the MLP's)."""
    assert mlp is not None
    return next(m for m in mlp.modules() if isinstance(m, nn.Linear))


def first_in_features(mlp: nn.Module | None) -> int:
    """Input width of an MLP's first Linear layer."""
    return first_linear(mlp).in_features


def assert_traces_like_eager(case: ModelCase) -> None:
    """The model behind ScriptWrapper traces with torch.fx and the graph gives eager's outputs.

    EmbeddingGroup stays a leaf, so this checks the model's own code only.
    """
    case.model.eval()
    wrapper = ScriptWrapper(case.model, case.features)
    graph = Tracer(leaf_modules=["EmbeddingGroup"]).trace(wrapper)
    traced = torch.fx.GraphModule(wrapper, graph)
    data = case.batches[0].to_dict()
    with torch.no_grad():
        eager, out = wrapper(data), traced(data)
    assert sorted(out) == sorted(eager)
    for name, value in eager.items():
        torch.testing.assert_close(out[name], value)


def assert_exports_like_eager(case: ModelCase) -> None:
    """The model's TorchScript program predicts what the eager model serves.

    Both run in serving mode (:meth:`BaseModel.set_serving`); the model's mode is kept.
    """
    program = script_model(case.model, case.features)
    batch = case.batches[0]
    was_serving = case.model.serving
    case.model.set_serving(True)
    try:
        eager = predictions(case, batch)
    finally:
        case.model.set_serving(was_serving)
    with torch.no_grad():
        scripted = program(batch.to_dict())
    assert sorted(scripted) == sorted(eager)
    for name, value in eager.items():
        torch.testing.assert_close(scripted[name], value)
