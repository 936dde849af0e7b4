"""Prediction tensors as arrow columns, default writers, and per-shard writers."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from tzrec.engine.predict_output import (
    OutputColumnError,
    ShardWriters,
    default_writer_type,
    is_single_file,
    output_record_batch,
    tensor_to_column,
)
from tzrec.protos import data_pb2


def test_a_vector_output_is_a_float32_column() -> None:
    column = tensor_to_column("probs", torch.tensor([0.25, 0.5, 0.75]))
    assert column.type == pa.float32()
    assert column.to_pylist() == [0.25, 0.5, 0.75]


def test_a_one_wide_output_is_squeezed_and_half_precision_widened() -> None:
    column = tensor_to_column("y", torch.tensor([[1.5], [-2.0]], dtype=torch.bfloat16))
    assert column.type == pa.float32()
    assert column.to_pylist() == [1.5, -2.0]


def test_a_multi_class_output_is_a_list_column_of_doubles() -> None:
    probs = torch.tensor([[0.125, 0.875], [0.5, 0.5], [1.0, 0.0]])
    column = tensor_to_column("probs", probs)
    assert column.type == pa.list_(pa.float64())
    assert column.to_pylist() == [[0.125, 0.875], [0.5, 0.5], [1.0, 0.0]]


def test_an_integer_matrix_is_a_list_column_of_int64() -> None:
    column = tensor_to_column("ids", torch.tensor([[1, 2, 3], [4, 5, 6]], dtype=torch.int32))
    assert column.type == pa.list_(pa.int64())
    assert column.to_pylist() == [[1, 2, 3], [4, 5, 6]]


def test_scalars_and_3d_outputs_are_refused_by_name() -> None:
    with pytest.raises(OutputColumnError, match="'seq' has shape \\(2, 3, 4\\)"):
        tensor_to_column("seq", torch.zeros(2, 3, 4))
    with pytest.raises(OutputColumnError, match="'loss' has shape \\(\\)"):
        tensor_to_column("loss", torch.tensor(1.0))


def test_record_batch_has_outputs_then_reserves() -> None:
    reserves = pa.RecordBatch.from_pydict({"user": ["a", "b"], "label": [1, 0]})
    batch = output_record_batch(
        {"logits": torch.tensor([0.0, 2.0]), "probs": torch.tensor([0.5, 0.88])}, reserves, 2
    )
    assert batch.schema.names == ["logits", "probs", "user", "label"]
    assert batch.column(2).to_pylist() == ["a", "b"]
    assert batch.schema.field("label").type == pa.int64()


def test_record_batch_refuses_a_reserve_named_like_an_output_and_wrong_row_counts() -> None:
    reserves = pa.RecordBatch.from_pydict({"probs": [1.0, 2.0]})
    with pytest.raises(OutputColumnError, match="reserved column 'probs'"):
        output_record_batch({"probs": torch.tensor([0.5, 0.5])}, reserves, 2)
    with pytest.raises(OutputColumnError, match="'probs' has 3 rows for a batch of 2"):
        output_record_batch({"probs": torch.zeros(3)}, None, 2)


def test_default_writer_follows_the_dataset_type() -> None:
    config = data_pb2.DataConfig(dataset_type=data_pb2.CsvDataset)
    assert default_writer_type(config) == "CsvWriter"
    config.dataset_type = data_pb2.ParquetDataset
    assert default_writer_type(config) == "ParquetWriter"
    config.dataset_type = data_pb2.OdpsDataset
    assert default_writer_type(config) == "OdpsWriter"
    config.plugin_dataset_type = "MyLakeDataset"
    assert default_writer_type(config) == "MyLakeWriter"


def test_single_file_paths(tmp_path: Path) -> None:
    assert is_single_file(str(tmp_path / "out.parquet"))
    assert is_single_file(str(tmp_path / "out.csv"))
    assert not is_single_file(str(tmp_path / "out"))
    (tmp_path / "dir.parquet").mkdir()
    assert not is_single_file(str(tmp_path / "dir.parquet"))


def _rows(ids: list[int]) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict({"id": pa.array(ids, pa.int64())})


def test_each_shard_gets_its_own_part_file(tmp_path: Path) -> None:
    with ShardWriters("ParquetWriter", str(tmp_path), shards=[2, 3], num_shards=4) as writers:
        writers.write(3, _rows([30]))
        writers.write(2, _rows([20, 21]))
        writers.write(3, _rows([31, 32]))
        assert os.listdir(tmp_path) != []  # temporary files only
        assert not [n for n in os.listdir(tmp_path) if not n.startswith(".")]
    assert writers.total_rows == 5
    assert sorted(os.listdir(tmp_path)) == ["part-00002.parquet", "part-00003.parquet"]
    assert pq.read_table(tmp_path / "part-00003.parquet")["id"].to_pylist() == [30, 31, 32]
    assert writers.output_files() == [
        str(tmp_path / "part-00002.parquet"),
        str(tmp_path / "part-00003.parquet"),
    ]
    with pytest.raises(ValueError, match="shard 0 is not one of this process's shards"):
        ShardWriters("ParquetWriter", str(tmp_path), [2, 3], 4).write(0, _rows([1]))


def test_an_error_inside_the_block_removes_every_shard(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        with ShardWriters("CsvWriter", str(tmp_path), shards=[0, 1], num_shards=2) as writers:
            writers.write(0, _rows([1]))
            writers.write(1, _rows([2]))
            raise RuntimeError("boom")
    assert os.listdir(tmp_path) == []
