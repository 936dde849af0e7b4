"""RawFeature: dense values, normalizers, boundaries, FG modes, sequences."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from google.protobuf import text_format

from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.factory import create_features
from tzrec.features.feature import BaseFeature, FeatureContext
from tzrec.features.values import DenseValue, SequenceDenseValue, SparseValue
from tzrec.protos import data_pb2, feature_pb2

DAG, NONE, BUCKETIZE = data_pb2.FG_DAG, data_pb2.FG_NONE, data_pb2.FG_BUCKETIZE


def feature(text: str, mode: int = DAG) -> BaseFeature:
    config = text_format.Parse(text, feature_pb2.FeatureConfig())
    (f,) = create_features([config], FeatureContext(fg_mode=mode))
    return f


def dense(value: object) -> list[list[float]]:
    assert isinstance(value, DenseValue) and value.values.dtype == np.float32
    return value.values.tolist()


def test_dense_scalar_with_default() -> None:
    f = feature('raw_feature { feature_name: "ctr" expression: "item:ctr" }')
    assert (f.is_sparse, f.value_dim, f.num_embeddings, f.output_dim) == (False, 1, 0, 1)
    assert dense(f.parse({"ctr": pa.array([0.5, None, 2.0])})) == [[0.5], [0.0], [2.0]]
    assert dense(f.parse({"ctr": pa.array(["0.25", "", None])})) == [[0.25], [0.0], [0.0]]
    assert dense(f.parse({"ctr": pa.array([3], pa.int32())})) == [[3.0]]
    with pytest.raises(InvalidFgInputError, match=r"'ctr'.*'item:ctr'.*'n/a'.*not a number"):
        f.parse({"ctr": pa.array(["0.5", "n/a"])})


def test_embedding_vector_input() -> None:
    f = feature(
        'raw_feature { feature_name: "pic" expression: "item:pic" separator: "|" '
        'value_dim: 4 default_value: "1" }'
    )
    got = dense(f.parse({"pic": pa.array(["0.5|0.25|1|2", None])}))
    assert got == [[0.5, 0.25, 1.0, 2.0], [1.0, 1.0, 1.0, 1.0]]
    got = dense(f.parse({"pic": pa.array([[0.5, 0.25, 1.0, 2.0]])}))
    assert got == [[0.5, 0.25, 1.0, 2.0]]
    with pytest.raises(InvalidFgInputError, match=r"row 0 has 3 numbers, value_dim is 4"):
        f.parse({"pic": pa.array(["1|2|3"])})


def test_normalizers() -> None:
    f = feature(
        'raw_feature { feature_name: "p" expression: "item:p" '
        'normalizer: "method=log10,threshold=1e-10,default=-10" }'
    )
    # The default (0) stands in for the missing input and is normalized too.
    assert dense(f.parse({"p": pa.array([100.0, 0.0, None])})) == [[2.0], [-10.0], [-10.0]]
    f = feature(
        'raw_feature { feature_name: "p" expression: "item:p" '
        'normalizer: "method=zscore,mean=1,standard_deviation=2" }'
    )
    assert dense(f.parse({"p": pa.array([5.0, -1.0])})) == [[2.0], [-1.0]]
    f = feature(
        'raw_feature { feature_name: "p" expression: "item:p" '
        'normalizer: "method=minmax,min=2,max=4" }'
    )
    assert dense(f.parse({"p": pa.array([3.0])})) == [[0.5]]
    f = feature(
        'raw_feature { feature_name: "p" expression: "item:p" '
        'normalizer: "method=expression,expr=x * x + 1" }'
    )
    assert dense(f.parse({"p": pa.array([3.0, -2.0])})) == [[10.0], [5.0]]
    with pytest.raises(FeatureConfigError, match=r"'p'.*normalizer"):
        feature('raw_feature { feature_name: "p" expression: "item:p" normalizer: "m=1" }')


def test_boundaries_sparse() -> None:
    f = feature(
        'raw_feature { feature_name: "ctr" expression: "item:ctr" embedding_dim: 8 '
        "boundaries: [0.1, 0.5, 1.0] }"
    )
    assert (f.is_sparse, f.num_embeddings, f.output_dim) == (True, 4, 8)
    v = f.parse({"ctr": pa.array([0.05, 0.1, 0.7, 3.0, None])})
    assert isinstance(v, SparseValue)
    # Missing -> default "0" -> bucket 0.
    assert v.values.tolist() == [0, 1, 2, 3, 0] and v.lengths.tolist() == [1] * 5
    f = feature(
        'raw_feature { feature_name: "ctr" expression: "item:ctr" boundaries: [0.5] '
        'default_value: "" normalizer: "method=zscore,mean=1,standard_deviation=1" }'
    )
    v = f.parse({"ctr": pa.array([1.2, 1.6, None])})
    assert isinstance(v, SparseValue)
    assert v.values.tolist() == [0, 1] and v.lengths.tolist() == [1, 1, 0]


def test_fg_none() -> None:
    f = feature('raw_feature { feature_name: "ctr" }', NONE)
    assert f.input_columns == ["ctr"]
    assert dense(f.parse({"ctr": pa.array([0.5, 1.5])})) == [[0.5], [1.5]]
    f = feature('raw_feature { feature_name: "ctr" boundaries: [0.1, 0.5] }', NONE)
    v = f.parse({"ctr": pa.array([2, 0])})
    assert isinstance(v, SparseValue) and v.values.tolist() == [2, 0]
    with pytest.raises(InvalidFgInputError, match=r"id 3 is out of range \[0, 3\)"):
        f.parse({"ctr": pa.array([3])})


def test_fg_bucketize_reads_normalized_values() -> None:
    text = (
        'raw_feature { feature_name: "ctr" boundaries: [0.1, 0.5] '
        'normalizer: "method=zscore,mean=100,standard_deviation=1" }'
    )
    f = feature(text, BUCKETIZE)
    # The column is the FG output (already normalized): bucketize only.
    v = f.parse({"ctr": pa.array([0.3, 0.7, None])})
    assert isinstance(v, SparseValue)
    # The missing row takes default "0" normalized: (0 - 100) / 1 -> bucket 0.
    assert v.values.tolist() == [1, 2, 0]
    f = feature('raw_feature { feature_name: "emb" value_dim: 2 }', BUCKETIZE)
    assert dense(f.parse({"emb": pa.array(["1\x032"])})) == [[1.0, 2.0]]


def test_sequence_raw_feature() -> None:
    f = feature(
        'sequence_raw_feature { feature_name: "prices" expression: "user:prices" '
        'sequence_length: 3 sequence_delim: ";" value_dim: 2 separator: "|" }'
    )
    v = f.parse({"prices": pa.array(["1|2;3|4", None])})
    assert isinstance(v, SequenceDenseValue)
    assert v.values.tolist() == [[1.0, 2.0], [3.0, 4.0]] and v.lengths.tolist() == [2, 0]
    v = f.parse({"prices": pa.array([[[1.0, 2.0]], [[5.0, 6.0], [7.0, 8.0]]])})
    assert isinstance(v, SequenceDenseValue)
    assert v.values.tolist() == [[1, 2], [5, 6], [7, 8]] and v.lengths.tolist() == [1, 2]
