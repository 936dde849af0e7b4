"""CombineFeature: value_map, every combiner, dense / num_buckets / boundaries output."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from google.protobuf import text_format

from tzrec.features.combine_feature import combine
from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.factory import create_features
from tzrec.features.feature import BaseFeature, FeatureContext
from tzrec.features.values import DenseValue, SequenceSparseValue, SparseValue
from tzrec.protos import data_pb2, feature_pb2

DAG, NONE, BUCKETIZE = data_pb2.FG_DAG, data_pb2.FG_NONE, data_pb2.FG_BUCKETIZE

MAP = 'value_map: [{key: "click" value: 1.0}, {key: "buy" value: 2.0}]'


def feature(text: str, mode: int = DAG) -> BaseFeature:
    config = text_format.Parse(text, feature_pb2.FeatureConfig())
    (f,) = create_features([config], FeatureContext(fg_mode=mode))
    return f


def dense(value: object) -> list[float]:
    assert isinstance(value, DenseValue) and value.values.shape[1] == 1
    return value.values[:, 0].tolist()


ROWS = pa.array(["5|1|3", "2", None, "1|2|10", "4|4"])


@pytest.mark.parametrize(
    ("combiner", "expected"),
    [
        ("sum", [9.0, 2.0, -1.0, 13.0, 8.0]),
        ("mean", [3.0, 2.0, -1.0, 13.0 / 3.0, 4.0]),
        ("avg", [3.0, 2.0, -1.0, 13.0 / 3.0, 4.0]),
        ("min", [1.0, 2.0, -1.0, 1.0, 4.0]),
        ("max", [5.0, 2.0, -1.0, 10.0, 4.0]),
        # count: an empty row counts 0 rather than taking the default.
        ("count", [3.0, 1.0, 0.0, 3.0, 2.0]),
        # gaps between sorted neighbours; a single value has none -> default -1.
        ("gap_min", [2.0, -1.0, -1.0, 1.0, 0.0]),
        ("gap_max", [2.0, -1.0, -1.0, 8.0, 0.0]),
    ],
)
def test_combiners_dense(combiner: str, expected: list[float]) -> None:
    f = feature(
        f'combine_feature {{ feature_name: "w" expression: "user:w" separator: "|" '
        f'combiner: "{combiner}" default_value: "-1" }}'
    )
    assert (f.is_sparse, f.value_dim) == (False, 1)
    np.testing.assert_allclose(dense(f.parse({"w": ROWS})), expected, rtol=1e-6)


def test_combine_function_on_arrays() -> None:
    vals = np.array([3.0, 1.0, 7.0, 2.0])
    lengths = np.array([3, 0, 1], np.int32)
    result, has = combine(vals, lengths, "gap_max")
    assert result[has].tolist() == [4.0] and has.tolist() == [True, False, False]


def test_value_map_and_num_buckets() -> None:
    f = feature(
        f'combine_feature {{ feature_name: "ev" expression: "user:ev" num_buckets: 10 {MAP} }}'
    )
    assert (f.is_sparse, f.num_embeddings) == (True, 10)
    cols = {"ev": pa.array([["click", "buy", "buy"], ["view"], None, ["click"]])}
    v = f.parse(cols)
    assert isinstance(v, SparseValue)
    # 1+2+2=5; "view" is unmapped (dropped) -> no value -> default "0"; 1.
    assert v.values.tolist() == [5, 0, 0, 1] and v.lengths.tolist() == [1, 1, 1, 1]
    v = f.parse({"ev": pa.array(["click\x1dbuy"])})
    assert isinstance(v, SparseValue) and v.values.tolist() == [3]
    with pytest.raises(InvalidFgInputError, match=r"id 10 is out of range \[0, 10\)"):
        f.parse({"ev": pa.array([["buy"] * 5])})


def test_mean_truncates_for_num_buckets() -> None:
    f = feature(
        f'combine_feature {{ feature_name: "ev" expression: "user:ev" num_buckets: 10 '
        f'combiner: "mean" {MAP} }}'
    )
    v = f.parse({"ev": pa.array([["click", "buy"]])})  # mean 1.5 -> id 1
    assert isinstance(v, SparseValue) and v.values.tolist() == [1]


def test_boundaries_and_normalizer() -> None:
    f = feature(
        'combine_feature { feature_name: "w" expression: "user:w" '
        'boundaries: [0.1, 0.5, 1.0, 2.0, 5.0] normalizer: "method=zscore,mean=0,'
        'standard_deviation=2" }'
    )
    assert f.num_embeddings == 6
    v = f.parse({"w": pa.array(["1.5\x1d2.5", "0.1", None])})
    assert isinstance(v, SparseValue)
    # sums 4.0 / 0.1 / default 0 -> normalized 2.0 / 0.05 / 0.0 -> buckets 4, 0, 0.
    assert v.values.tolist() == [4, 0, 0]


def test_fg_none_and_bucketize() -> None:
    f = feature(f'combine_feature {{ feature_name: "ev" num_buckets: 10 {MAP} }}', NONE)
    v = f.parse({"ev": pa.array([3, 9])})
    assert isinstance(v, SparseValue) and v.values.tolist() == [3, 9]
    f = feature('combine_feature { feature_name: "w" }', NONE)
    assert dense(f.parse({"w": pa.array([1.5])})) == [1.5]
    f = feature(f'combine_feature {{ feature_name: "ev" num_buckets: 10 {MAP} }}', BUCKETIZE)
    v = f.parse({"ev": pa.array([3.7, None])})
    assert isinstance(v, SparseValue) and v.values.tolist() == [3, 0]


def test_bad_config_and_values() -> None:
    with pytest.raises(FeatureConfigError, match=r"combiner must be one of"):
        feature('combine_feature { feature_name: "w" expression: "user:w" combiner: "median" }')
    f = feature('combine_feature { feature_name: "w" expression: "user:w" }')
    with pytest.raises(InvalidFgInputError, match=r"'abc'.*not a number"):
        f.parse({"w": pa.array(["1\x1dabc"])})


def test_sequence_combine_feature() -> None:
    f = feature(
        'sequence_combine_feature { feature_name: "ev" expression: "user:ev" '
        f'num_buckets: 10 sequence_length: 5 sequence_delim: ";" {MAP} }}'
    )
    v = f.parse({"ev": pa.array(["click;buy\x1dbuy;view", None])})
    assert isinstance(v, SequenceSparseValue)
    # Steps: click -> 1; buy+buy -> 4; view -> unmapped -> default 0.
    assert v.values.tolist() == [1, 4, 0] and v.lengths.tolist() == [3, 0]
