"""Shared set-up for model tests: build a model from config text and train it a few steps.

A model test writes a small pipeline config (features, groups, the model's block),
synthesizes matching Parquet data with ``tzrec data synth``'s generator, builds the model
through the plugin registry exactly as the engine does (but without sharding), and runs
plain optimizer steps on the batches, so each model's test is about the model itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from google.protobuf import text_format

from tzrec.datasets.batch import Batch
from tzrec.datasets.dataloader import create_dataloader
from tzrec.datasets.synth import synthesize
from tzrec.engine.run_config import build_features
from tzrec.features.feature import BaseFeature
from tzrec.models.base_model import BaseModel
from tzrec.models.factory import create_model
from tzrec.models.wrappers import TrainWrapper
from tzrec.protos import pipeline_pb2

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
    """A built model with its config, features and a few synthetic batches."""

    config: pipeline_pb2.EasyRecConfig
    features: list[BaseFeature]
    model: BaseModel
    batches: list[Batch]


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
) -> list[Batch]:
    """Every training batch of ``num_rows`` synthetic rows matching ``config``."""
    result = synthesize(config, str(data_dir), num_rows=num_rows, num_files=1, seed=seed)
    loader = create_dataloader(config.data_config, features, result.train_input_path, num_workers=0)
    return list(loader)


def build_case(body: str, data_dir: Path, num_rows: int = 2048, seed: int = 3) -> ModelCase:
    """Parse ``body``, synthesize data for it and build the model on CPU (seeded)."""
    config = parse_config(body)
    features = build_features(config)
    batches = synthetic_batches(config, features, data_dir, num_rows=num_rows, seed=seed)
    torch.manual_seed(0)
    model = create_model(
        config.model_config,
        features,
        list(config.data_config.label_fields),
        list(config.data_config.sample_weight_fields),
    )
    return ModelCase(config, features, model, batches)


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
