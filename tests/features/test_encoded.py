"""FG_NONE parsing of finished values, number parsing and dense rows."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from google.protobuf import text_format

from tzrec.features.encoded import (
    parse_encoded_dense,
    parse_encoded_sparse,
    split_weighted,
    to_dense,
    to_float64,
    to_int64,
)
from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.factory import create_features
from tzrec.features.feature import BaseFeature, FeatureContext
from tzrec.features.ragged import Ragged, fill_empty_rows_np
from tzrec.protos import data_pb2, feature_pb2


def feature(text: str, mode: int = data_pb2.FG_NONE, sep: str = "\x03") -> BaseFeature:
    config = text_format.Parse(text, feature_pb2.FeatureConfig())
    (f,) = create_features([config], FeatureContext(fg_mode=mode, fg_encoded_multival_sep=sep))
    return f


def test_sparse_int_list_and_string_columns() -> None:
    f = feature('id_feature { feature_name: "cate" num_buckets: 10 }')
    v = parse_encoded_sparse(f, pa.array([3, None, 9], pa.int64()))
    assert (v.values.tolist(), v.lengths.tolist(), v.weights) == ([3, 9], [1, 0, 1], None)
    v = parse_encoded_sparse(f, pa.array([[1, 2], None, [], [0]]))
    assert (v.values.tolist(), v.lengths.tolist()) == ([1, 2, 0], [2, 0, 0, 1])
    v = parse_encoded_sparse(f, pa.array(["1\x032\x035", "", None, "7"]))
    assert (v.values.tolist(), v.lengths.tolist()) == ([1, 2, 5, 7], [3, 0, 0, 1])


def test_sparse_custom_separator() -> None:
    f = feature('id_feature { feature_name: "cate" num_buckets: 10 }', sep=",")
    v = parse_encoded_sparse(f, pa.array(["1,2", "3"]))
    assert (v.values.tolist(), v.lengths.tolist()) == ([1, 2, 3], [2, 1])


def test_sparse_out_of_range_message() -> None:
    f = feature('id_feature { feature_name: "cate" num_buckets: 10 }')
    with pytest.raises(InvalidFgInputError) as e:
        parse_encoded_sparse(f, pa.array(["1\x0310", "2"]))
    msg = str(e.value)
    assert "feature 'cate'" in msg and "10" in msg and "[0, 10)" in msg
    assert e.value.value == 10
    with pytest.raises(InvalidFgInputError, match=r"id -1 is out of range \[0, 10\)"):
        parse_encoded_sparse(f, pa.array([-1]))
    with pytest.raises(InvalidFgInputError, match=r"'x'.*not an integer"):
        parse_encoded_sparse(f, pa.array(["1\x03x"]))


def test_sparse_fg_encoded_default_value() -> None:
    f = feature(
        'id_feature { feature_name: "cate" num_buckets: 10 fg_encoded_default_value: "4\x035" }'
    )
    v = parse_encoded_sparse(f, pa.array(["1", None, "", "2\x033"]))
    assert v.values.tolist() == [1, 4, 5, 4, 5, 2, 3]
    assert v.lengths.tolist() == [1, 2, 2, 2]


def test_sparse_weighted() -> None:
    f = feature(
        'id_feature { feature_name: "tags" hash_bucket_size: 100 weighted: true '
        'fg_encoded_default_value: "0:1.5" }'
    )
    v = parse_encoded_sparse(f, pa.array(["3:0.5\x037:2", None]))
    assert v.values.tolist() == [3, 7, 0]
    assert v.lengths.tolist() == [2, 1]
    assert v.weights is not None and v.weights.tolist() == [0.5, 2.0, 1.5]
    # A map<int, float> column holds ids and weights too.
    col = pa.array([[(1, 0.25)], []], pa.map_(pa.int64(), pa.float32()))
    v = parse_encoded_sparse(f, col)
    assert (v.values.tolist(), v.lengths.tolist()) == ([1, 0], [1, 1])
    assert v.weights is not None and v.weights.tolist() == [0.25, 1.5]
    with pytest.raises(InvalidFgInputError, match=r"'key:weight'"):
        parse_encoded_sparse(f, pa.array(["3"]))


def test_sparse_zch_ids_are_not_bounded() -> None:
    f = feature('id_feature { feature_name: "iid" zch { zch_size: 10 lfu {} } }')
    v = parse_encoded_sparse(f, pa.array([123456789, 4]))
    assert v.values.tolist() == [123456789, 4]


def test_dense_columns() -> None:
    f = feature('raw_feature { feature_name: "emb" value_dim: 2 }')
    v = parse_encoded_dense(f, pa.array([[0.5, 1.0], [2.0, 3.0]]))
    assert v.values.dtype == np.float32
    assert v.values.tolist() == [[0.5, 1.0], [2.0, 3.0]]
    v = parse_encoded_dense(f, pa.array(["0.5\x031", "2\x033"]))
    assert v.values.tolist() == [[0.5, 1.0], [2.0, 3.0]]
    with pytest.raises(InvalidFgInputError, match=r"row 1 has 1 numbers, value_dim is 2"):
        parse_encoded_dense(f, pa.array(["0.5\x031", "2"]))
    with pytest.raises(InvalidFgInputError, match=r"fg_encoded_default_value is not set"):
        parse_encoded_dense(f, pa.array(["0.5\x031", None]))


def test_dense_fg_encoded_default_value() -> None:
    f = feature('raw_feature { feature_name: "ctr" fg_encoded_default_value: "0.25" }')
    v = parse_encoded_dense(f, pa.array([0.5, None, 2.0]))
    assert v.values.tolist() == [[0.5], [0.25], [2.0]]
    f = feature(
        'raw_feature { feature_name: "emb" value_dim: 3 fg_encoded_default_value: "1\x032" }'
    )
    with pytest.raises(FeatureConfigError, match=r"2 numbers, value_dim is 3"):
        parse_encoded_dense(f, pa.array([None], pa.string()))


def test_to_dense_defaults() -> None:
    f = feature('raw_feature { feature_name: "emb" value_dim: 2 default_value: "7" }')
    ragged = Ragged(pa.array(["1", "2", "3", "4"]), np.array([2, 0, 2], np.int32))
    v = to_dense(f, ragged, "item:emb")
    assert v.values.tolist() == [[1.0, 2.0], [7.0, 7.0], [3.0, 4.0]]
    v = to_dense(f, ragged, "item:emb", default=np.array([0.5, 0.25]))
    assert v.values.tolist()[1] == [0.5, 0.25]
    f = feature('raw_feature { feature_name: "emb" value_dim: 2 default_value: "" }')
    assert to_dense(f, ragged, "item:emb").values.tolist()[1] == [0.0, 0.0]
    bad = Ragged(pa.array([1.0, 2.0, 3.0]), np.array([2, 1], np.int32))
    with pytest.raises(InvalidFgInputError, match=r"'item:emb'.*row 1 has 1 numbers"):
        to_dense(f, bad, "item:emb")


def test_number_helpers() -> None:
    assert to_float64(pa.array(["1.5", " 2 ", "1e3"]), "f", "x").tolist() == [1.5, 2.0, 1000.0]
    assert to_float64(pa.array([True, False]), "f", "x").tolist() == [1.0, 0.0]
    assert to_int64(pa.array([" 12", "-3"]), "f", "x").tolist() == [12, -3]
    assert to_int64(pa.array([4.0]), "f", "x").tolist() == [4]
    with pytest.raises(InvalidFgInputError, match=r"does not fit int64"):
        to_int64(pa.array(["99999999999999999999"]), "f", "x")
    keys, weights = split_weighted(pa.array(["a:b:0.5", "c:2"]), "f", "x")
    assert keys.to_pylist() == ["a:b", "c"] and weights.tolist() == [0.5, 2.0]
    values, lengths = fill_empty_rows_np(
        np.array([1, 2, 3]), np.array([0, 2, 0, 1], np.int32), np.array([9, 8])
    )
    assert values.tolist() == [9, 8, 1, 2, 9, 8, 3]
    assert lengths.tolist() == [2, 2, 2, 1]


def test_sparse_uint64_ids_beyond_int64_are_named_not_wrapped() -> None:
    f = feature('id_feature { feature_name: "cate" num_buckets: 10 }')
    v = parse_encoded_sparse(f, pa.array([3, 9], pa.uint64()))
    assert v.values.tolist() == [3, 9]
    with pytest.raises(InvalidFgInputError, match=r"18446744073709551615.*does not fit int64"):
        parse_encoded_sparse(f, pa.array([3, 2**64 - 1], pa.uint64()))
    with pytest.raises(InvalidFgInputError, match=r"18446744073709551615.*does not fit int64"):
        parse_encoded_sparse(f, pa.array([[3, 2**64 - 1]], pa.list_(pa.uint64())))
    zch = feature('id_feature { feature_name: "z" zch { zch_size: 100 lfu {} } }')
    with pytest.raises(InvalidFgInputError, match="does not fit int64"):
        parse_encoded_sparse(zch, pa.array([2**63], pa.uint64()))
