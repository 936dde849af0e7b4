"""Dictionary-encoded Parquet columns give the same Batches as plain ones, end to end.

pandas categoricals and ``pq.write_table`` of dictionary arrays store the arrow schema,
so the columns come back as ``dictionary<string>`` (also as list elements); every
feature must read them like the plain strings.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import torch
from google.protobuf import text_format

from tzrec.datasets.batch import Batch
from tzrec.datasets.dataloader import create_dataloader
from tzrec.features.factory import context_from_data_config, create_features
from tzrec.protos import pipeline_pb2

DAG = """
data_config {
  batch_size: 3 num_workers: 0 dataset_type: ParquetDataset fg_mode: FG_DAG label_fields: "y"
}
feature_configs { id_feature { feature_name: "h" expression: "user:c" hash_bucket_size: 100 } }
feature_configs {
  id_feature { feature_name: "v" expression: "user:c" vocab_list: ["a", "b"] }
}
feature_configs {
  id_feature { feature_name: "w" expression: "user:kw" hash_bucket_size: 50 weighted: true }
}
feature_configs {
  id_feature { feature_name: "t" expression: "item:tags" hash_bucket_size: 100 }
}
feature_configs {
  combo_feature { feature_name: "cb" expression: ["user:c", "item:d"] hash_bucket_size: 10 }
}
feature_configs { raw_feature { feature_name: "x" expression: "user:num" } }
feature_configs {
  sequence_feature {
    sequence_name: "s" sequence_length: 3 sequence_delim: ";"
    features { id_feature { feature_name: "i" expression: "item:seq" hash_bucket_size: 20 } }
  }
}
"""
NONE = """
data_config {
  batch_size: 3 num_workers: 0 dataset_type: ParquetDataset fg_mode: FG_NONE label_fields: "y"
}
feature_configs { id_feature { feature_name: "ids" num_buckets: 10 } }
feature_configs { raw_feature { feature_name: "vec" value_dim: 2 } }
"""


def table() -> pa.Table:
    return pa.table(
        {
            "c": ["a", "b", None, "a", "z"],
            "kw": ["k1:0.5", "k2:2", "", "k1:1", None],
            "tags": [["x", "y"], ["y"], None, [], ["x"]],
            "d": ["u", "v", "u", "w", "v"],
            "num": ["1.5", "2", None, "0.25", "3"],
            "s__seq": ["p;q", "q", "", "p;p;r", None],
            "ids": ["1\x033", "2", "", "9", "0"],
            "vec": ["1\x032", "3\x034", "5\x036", "7\x038", "9\x030"],
            "y": [0, 1, 0, 1, 1],
        }
    )


def dictionary_encoded(t: pa.Table) -> pa.Table:
    """Every string column (and list-of-string element) dictionary-encoded."""
    columns = {}
    for name in t.column_names:
        col = t.column(name).combine_chunks()
        if pa.types.is_string(col.type):
            col = col.dictionary_encode()
        elif pa.types.is_list(col.type):
            col = pa.ListArray.from_arrays(
                col.offsets, col.values.dictionary_encode(), mask=col.is_null()
            )
        columns[name] = col
    return pa.table(columns)


def read(config_text: str, path: Path) -> list[Batch]:
    config = text_format.Parse(config_text, pipeline_pb2.EasyRecConfig())
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    return list(create_dataloader(config.data_config, features, str(path)))


def assert_same_batches(a: list[Batch], b: list[Batch]) -> None:
    assert len(a) == len(b) == 2
    for x, y in zip(a, b, strict=True):
        dx, dy = x.to_dict(), y.to_dict()
        assert dx.keys() == dy.keys()
        for key in dx:
            assert dx[key].dtype == dy[key].dtype and torch.equal(dx[key], dy[key]), key


def test_dictionary_columns_read_like_plain_ones(tmp_path: Path) -> None:
    pq.write_table(table(), tmp_path / "plain.parquet")
    pq.write_table(dictionary_encoded(table()), tmp_path / "dict.parquet")
    stored = pq.read_schema(tmp_path / "dict.parquet")
    assert pa.types.is_dictionary(stored.field("c").type)  # read back as dictionaries
    assert pa.types.is_dictionary(stored.field("tags").type.value_type)
    for config in (DAG, NONE):
        plain = read(config, tmp_path / "plain.parquet")
        assert_same_batches(read(config, tmp_path / "dict.parquet"), plain)
    # Hand-checked values: vocab ids (a=2, b=3; a null without default_value is empty), raw
    # numbers from numeric text, and FG_NONE ids from separator-joined text.
    first = read(DAG, tmp_path / "dict.parquet")[0].to_dict()
    assert first["v"].tolist() == [2, 3] and first["v.lengths"].tolist() == [1, 1, 0]
    assert first["x"].tolist() == [[1.5], [2.0], [0.0]]
    assert first["w.weights"].tolist() == [0.5, 2.0]
    assert first["t.lengths"].tolist() == [2, 1, 0]
    encoded = read(NONE, tmp_path / "dict.parquet")[0].to_dict()
    assert encoded["ids"].tolist() == [1, 3, 2] and encoded["ids.lengths"].tolist() == [2, 1, 0]
    assert encoded["vec"].tolist() == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]


def test_files_dictionary_encoded_and_plain_mixed(tmp_path: Path) -> None:
    pq.write_table(table(), tmp_path / "plain.parquet")
    pq.write_table(table().slice(0, 3), tmp_path / "part-0.parquet")
    pq.write_table(dictionary_encoded(table().slice(3)), tmp_path / "part-1.parquet")
    mixed = read(DAG, tmp_path / "part-*.parquet")
    assert [b.batch_size for b in mixed] == [3, 2]
    assert_same_batches(mixed, read(DAG, tmp_path / "plain.parquet"))
