"""DataParser: the stacked FG_NONE fast lane gives the Batches of the per-feature path.

The fast lane reads plain encoded columns (one int id / one number per row) of many
features as one matrix; the per-feature path parses each column on its own. Both must
give the same Batch: same keys in the config's order, values, dtypes and masks.
"""

from __future__ import annotations

import pyarrow as pa
import pytest
import torch
from google.protobuf import text_format

from tzrec.datasets.batch import BASE_DATA_GROUP, Batch
from tzrec.datasets.data_parser import DataParser
from tzrec.features.factory import context_from_data_config, create_features
from tzrec.protos import pipeline_pb2

# Stackable (plain columns below): a, b, c, r (ids) and x, z (dense); the others are
# not (a list column, a weighted feature, a 2-dim dense feature) and sit between them.
CONFIG = """
data_config { fg_mode: FG_NONE label_fields: "y" }
feature_configs { id_feature { feature_name: "a" num_buckets: 10 } }
feature_configs { id_feature { feature_name: "tags" num_buckets: 7 value_dim: 0 } }
feature_configs { raw_feature { feature_name: "x" } }
feature_configs { id_feature { feature_name: "b" hash_bucket_size: 300 } }
feature_configs { id_feature { feature_name: "w" num_buckets: 10 weighted: true } }
feature_configs { raw_feature { feature_name: "v" value_dim: 2 } }
feature_configs { raw_feature { feature_name: "z" } }
feature_configs { id_feature { feature_name: "c" num_buckets: 256 } }
feature_configs { raw_feature { feature_name: "r" boundaries: [0.5, 1.5] } }
"""


def parser(sample_mask_prob: float = 0.0, per_feature: bool = False) -> DataParser:
    config = text_format.Parse(CONFIG, pipeline_pb2.EasyRecConfig())
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    p = DataParser(features, label_fields=["y"], sample_mask_prob=sample_mask_prob, seed=3)
    if per_feature:
        p._stacked = lambda *args, **kwargs: None  # type: ignore[method-assign]
    return p


def record_batch(a: pa.Array | None = None) -> pa.RecordBatch:
    return pa.RecordBatch.from_pydict(
        {
            "a": a if a is not None else pa.array([1, 2, 3, 9], pa.int32()),
            "tags": pa.array([[1, 2], [3], [], [6]]),
            "x": pa.array([0.5, 1.5, 2.5, 3.5], pa.float32()),
            "b": pa.array([299, 0, 5, 7], pa.int64()),
            "w": pa.array(["1:0.5", "2:1.5", "", "3:2"]),
            "v": pa.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]),
            "z": pa.array([1, 2, 3, 4], pa.int64()),
            "c": pa.array([255, 0, 1, 2], pa.uint8()),
            "r": pa.array([0, 1, 2, 1], pa.int8()),
            "y": pa.array([True, False, True, False]),
        }
    )


def assert_same(fast: Batch, slow: Batch) -> None:
    kjt_fast, kjt_slow = (
        fast.sparse_features[BASE_DATA_GROUP],
        slow.sparse_features[BASE_DATA_GROUP],
    )
    assert kjt_fast.keys() == kjt_slow.keys()
    kt_fast, kt_slow = fast.dense_features[BASE_DATA_GROUP], slow.dense_features[BASE_DATA_GROUP]
    assert kt_fast.keys() == kt_slow.keys()
    assert kt_fast.length_per_key() == kt_slow.length_per_key()
    a, b = fast.to_dict(), slow.to_dict()
    assert a.keys() == b.keys()
    for key in a:
        assert a[key].dtype == b[key].dtype, key
        assert torch.equal(a[key], b[key]), key


def test_fast_lane_is_taken_for_plain_columns() -> None:
    p = parser()
    columns = {name: record_batch().column(name) for name in record_batch().schema.names}
    # tags is stackable by its config but its column (lists) is not plain: it alone
    # is parsed on its own.
    assert [f.name for f in p._stack_sparse] == ["a", "tags", "b", "c", "r"]
    stacked = p._stacked(columns, p._stack_sparse, pa.types.is_integer)
    assert stacked is not None and [f.name for f in stacked.features] == ["a", "b", "c", "r"]
    dense = p._stacked(columns, p._stack_dense, pa.types.is_floating)
    assert dense is not None and [f.name for f in dense.features] == ["x"]
    assert stacked.matrix.tolist() == [
        [1, 2, 3, 9],
        [299, 0, 5, 7],
        [255, 0, 1, 2],
        [0, 1, 2, 1],
    ]


def test_keys_follow_the_config_order_and_layout() -> None:
    batch = parser().parse(record_batch())
    kjt = batch.sparse_features[BASE_DATA_GROUP]
    assert kjt.keys() == ["a", "tags", "b", "w", "c", "r"]
    assert kjt.lengths().dtype == torch.int32
    assert kjt.values().dtype == torch.int64
    assert kjt.lengths().tolist() == [1, 1, 1, 1, 2, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1] + [1] * 8
    assert kjt.values().tolist()[:15] == [1, 2, 3, 9, 1, 2, 3, 6, 299, 0, 5, 7, 1, 2, 3]
    assert kjt.values().tolist()[15:] == [255, 0, 1, 2, 0, 1, 2, 1]
    # A weighted feature gives every key weights: 1.0 for the unweighted ones.
    weights = kjt.weights().tolist()
    assert weights[:12] == [1.0] * 12 and weights[12:15] == [0.5, 1.5, 2.0]
    assert weights[15:] == [1.0] * 8
    dense = batch.dense_features[BASE_DATA_GROUP]
    assert dense.keys() == ["x", "v", "z"]
    assert dense.length_per_key() == [1, 2, 1]
    assert dense.values().dtype == torch.float32
    assert dense.values()[1].tolist() == [1.5, 3.0, 4.0, 2.0]
    assert batch.labels["y"].dtype == torch.int64  # booleans as 0 / 1
    assert batch.labels["y"].tolist() == [1, 0, 1, 0]


@pytest.mark.parametrize("sample_mask_prob", [0.0, 0.5])
def test_fast_lane_and_per_feature_path_give_the_same_batch(sample_mask_prob: float) -> None:
    fast = parser(sample_mask_prob).parse(record_batch())
    slow = parser(sample_mask_prob, per_feature=True).parse(record_batch())
    assert_same(fast, slow)
    if sample_mask_prob:  # the masks did empty something
        assert int(fast.sparse_features[BASE_DATA_GROUP].lengths().sum()) < 23


def test_a_null_or_uint64_column_falls_back_to_the_same_batch() -> None:
    with_null = record_batch(pa.array([1, None, 3, 9], pa.int32()))
    assert_same(parser().parse(with_null), parser(per_feature=True).parse(with_null))
    big = pa.array([1, 2, 3, 9], pa.uint64())
    assert_same(
        parser().parse(record_batch(big)), parser(per_feature=True).parse(record_batch(big))
    )
