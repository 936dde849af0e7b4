"""Batch: device moves, pinning, stream marking and the flat dict view."""

from __future__ import annotations

import pyarrow as pa
import pytest
import torch
from torchrec.sparse.jagged_tensor import JaggedTensor, KeyedJaggedTensor, KeyedTensor

from tzrec.datasets.batch import BASE_DATA_GROUP, Batch


def make_batch() -> Batch:
    kjt = KeyedJaggedTensor(
        keys=["a", "b"],
        values=torch.tensor([1, 2, 3, 4]),
        lengths=torch.tensor([1, 0, 2, 1], dtype=torch.int32),
        weights=torch.tensor([1.0, 0.5, 0.25, 1.0]),
    )
    dense = KeyedTensor(keys=["x", "y"], length_per_key=[1, 2], values=torch.arange(6.0).view(2, 3))
    seq = JaggedTensor(values=torch.ones(3, 4), lengths=torch.tensor([1, 2], dtype=torch.int32))
    return Batch(
        sparse_features={BASE_DATA_GROUP: kjt},
        dense_features={BASE_DATA_GROUP: dense},
        sequence_dense_features={"s": seq},
        labels={"clk": torch.tensor([0, 1])},
        sample_weights={"w": torch.tensor([1.0, 2.0])},
        reserves=pa.record_batch({"rid": ["r1", "r2"]}),
        batch_size=2,
    )


def test_to_dict_names_every_tensor() -> None:
    d = make_batch().to_dict()
    assert d["a"].tolist() == [1]
    assert d["a.lengths"].tolist() == [1, 0]
    assert d["b"].tolist() == [2, 3, 4]
    assert d["b.weights"].tolist() == [0.5, 0.25, 1.0]
    assert d["y"].tolist() == [[1.0, 2.0], [4.0, 5.0]]
    assert d["s.lengths"].tolist() == [1, 2]
    assert d["clk"].tolist() == [0, 1]
    assert d["w"].tolist() == [1.0, 2.0]


def test_to_keeps_values_and_reserves() -> None:
    batch = make_batch()
    moved = batch.to(torch.device("cpu"), non_blocking=True)
    assert moved is not batch
    assert moved.reserves is batch.reserves
    assert moved.to_dict().keys() == batch.to_dict().keys()
    for key, value in batch.to_dict().items():
        assert torch.equal(moved.to_dict()[key], value)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="pinned memory needs a GPU")
def test_pin_memory_and_record_stream_on_gpu() -> None:
    batch = make_batch().pin_memory()
    assert batch.sparse_features[BASE_DATA_GROUP].values().is_pinned()
    assert batch.dense_features[BASE_DATA_GROUP].values().is_pinned()
    assert batch.sequence_dense_features["s"].values().is_pinned()
    on_gpu = batch.to(torch.device("cuda"), non_blocking=True)
    on_gpu.record_stream(torch.cuda.current_stream())
    assert on_gpu.labels["clk"].is_cuda


def test_pin_memory_keeps_keyed_structure(monkeypatch: pytest.MonkeyPatch) -> None:
    # On a CPU-only machine pinning is not available; check the rebuilt structure
    # with a stand-in that returns the tensor itself.
    monkeypatch.setattr(torch.Tensor, "pin_memory", lambda self, *a, **k: self)
    pinned = make_batch().pin_memory()
    kt = pinned.dense_features[BASE_DATA_GROUP]
    assert kt.keys() == ["x", "y"] and kt.length_per_key() == [1, 2]
    assert pinned.sequence_dense_features["s"].lengths().tolist() == [1, 2]
    assert pinned.sparse_features[BASE_DATA_GROUP].weights().tolist() == [1.0, 0.5, 0.25, 1.0]


def test_torchrec_train_pipeline_runs_on_batches(tmp_path) -> None:
    """TorchRec's TrainPipelineBase moves Batches to the device and steps a model."""
    import numpy as np
    import pyarrow.parquet as pq
    from google.protobuf import text_format
    from torchrec.distributed.train_pipeline import TrainPipelineBase
    from torchrec.modules.embedding_configs import EmbeddingBagConfig
    from torchrec.modules.embedding_modules import EmbeddingBagCollection

    from tzrec.datasets.dataloader import create_dataloader
    from tzrec.features.factory import context_from_data_config, create_features
    from tzrec.protos import pipeline_pb2

    rng = np.random.default_rng(0)
    pq.write_table(
        pa.table({"cat": rng.integers(0, 10, 64), "label": rng.integers(0, 2, 64)}),
        tmp_path / "part.parquet",
    )
    config = text_format.Parse(
        "data_config { batch_size: 16 dataset_type: ParquetDataset fg_mode: FG_NONE "
        'label_fields: "label" num_workers: 0 } '
        'feature_configs { id_feature { feature_name: "cat" num_buckets: 10 embedding_dim: 4 } }',
        pipeline_pb2.EasyRecConfig(),
    )
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    loader = create_dataloader(config.data_config, features, str(tmp_path / "*.parquet"))

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ebc = EmbeddingBagCollection(
                tables=[
                    EmbeddingBagConfig(
                        name="t", embedding_dim=4, num_embeddings=10, feature_names=["cat"]
                    )
                ]
            )
            self.head = torch.nn.Linear(4, 1)

        def forward(self, batch: Batch) -> tuple[torch.Tensor, torch.Tensor]:
            pooled = self.ebc(batch.sparse_features[BASE_DATA_GROUP])["cat"]
            logits = self.head(pooled).squeeze(1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, batch.labels["label"].float()
            )
            return loss, logits

    model = Model()
    before = model.head.weight.detach().clone()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    pipeline = TrainPipelineBase(model, optimizer, torch.device("cpu"))
    it = iter(loader)
    outputs = []
    while True:
        try:
            outputs.append(pipeline.progress(it))
        except StopIteration:
            break
    assert [o.shape[0] for o in outputs] == [16, 16, 16, 16]
    assert not torch.equal(before, model.head.weight)
