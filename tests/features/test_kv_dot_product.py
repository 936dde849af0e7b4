"""KvDotProduct: the documented examples, defaults, buckets and FG modes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from google.protobuf import text_format

from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.factory import create_feature
from tzrec.features.feature import BaseFeature, FeatureContext
from tzrec.features.values import DenseValue, SparseValue
from tzrec.protos import data_pb2, feature_pb2

DOC = """
kv_dot_product {
    feature_name: "query_doc_sim"
    query: "user:query"
    document: "item:title"
    separator: "|"
    default_value: "0"
    %s
}
"""


def one(extra: str = "", mode: int = data_pb2.FG_DAG) -> BaseFeature:
    config = text_format.Parse(DOC % extra, feature_pb2.FeatureConfig())
    (feature,) = create_feature(config, FeatureContext(fg_mode=mode))
    return feature


MAP = pa.map_(pa.string(), pa.float64())


@pytest.mark.parametrize(
    ("query", "document", "expected"),
    [
        (pa.array(["a:0.5|b:0.5"]), pa.array(["d:0.5|b:0.5"]), 0.25),
        (pa.array([["a:0.5", "b:0.5"]]), pa.array([["d:0.5", "b:0.5"]]), 0.25),
        (
            pa.array([[("a", 0.5), ("b", 0.5)]], MAP),
            pa.array([[("d", 0.5), ("b", 0.5)]], MAP),
            0.25,
        ),
        (pa.array([["a:0.5", "b:0.5"]]), pa.array([[("d", 0.5), ("b", 0.5)]], MAP), 0.25),
        (pa.array([["a", "b", "c"]]), pa.array([["a", "b", "d"]]), 2.0),
        (pa.array([["a", "b", "c"]]), pa.array(["a|b|d"]), 2.0),
        (pa.array([["a", "b", "c"]]), pa.array([[("a", 0.5), ("b", 0.5)]], MAP), 1.0),
    ],
)
def test_documented_examples(query: pa.Array, document: pa.Array, expected: float) -> None:
    f = one()
    assert not f.is_sparse and f.value_dim == 1
    assert f.input_columns == ["query", "title"]
    value = f.parse({"query": query, "title": document})
    assert isinstance(value, DenseValue)
    assert value.values.shape == (1, 1)
    assert value.values[0, 0] == pytest.approx(expected)


def test_rows_numbers_repeats_and_defaults() -> None:
    f = one()
    value = f.parse(
        {
            "query": pa.array(["a:2|b:3|a:1", "x:1", None, "k:1", "1|2"]),
            "title": pa.array(["a:0.5|c:9", "y:1", "a:1", "", "2:4|3"]),
        }
    )
    assert isinstance(value, DenseValue)
    # (2+1)*0.5; no common key; no query -> default 0; no document -> 0; key 2: 1*4.
    np.testing.assert_allclose(value.values[:, 0], [1.5, 0.0, 0.0, 0.0, 4.0])


def test_numeric_keys_match_their_text() -> None:
    f = one()
    value = f.parse({"query": pa.array([[1, 2, 3]]), "title": pa.array(["3:2|1:0.5"])})
    assert isinstance(value, DenseValue)
    assert value.values[0, 0] == pytest.approx(2.5)


def test_default_value_for_empty_rows() -> None:
    f = one().__class__(
        text_format.Parse(
            (DOC % "").replace('default_value: "0"', 'default_value: "-1"'),
            feature_pb2.FeatureConfig(),
        ).kv_dot_product,
        FeatureContext(fg_mode=data_pb2.FG_DAG),
    )
    value = f.parse({"query": pa.array(["a:1", ""]), "title": pa.array(["a:3", "a:1"])})
    assert isinstance(value, DenseValue)
    np.testing.assert_allclose(value.values[:, 0], [3.0, -1.0])


def test_custom_kv_delimiter_and_bad_weight() -> None:
    f = one('kv_delimiter: "="')
    value = f.parse({"query": pa.array(["a=2|b=1"]), "title": pa.array(["a=3"])})
    assert isinstance(value, DenseValue)
    assert value.values[0, 0] == 6.0
    with pytest.raises(InvalidFgInputError, match=r"'query_doc_sim'.*user:query.*'x'"):
        f.parse({"query": pa.array(["a=x"]), "title": pa.array(["a=3"])})
    with pytest.raises(FeatureConfigError, match="kv_delimiter must be one character"):
        one('kv_delimiter: "=="')


def test_bucketized() -> None:
    f = one("boundaries: [0.5, 1.5] embedding_dim: 4")
    assert f.is_sparse and f.num_embeddings == 3
    value = f.parse({"query": pa.array(["a|b", "a", "z"]), "title": pa.array(["a|b", "a", "a"])})
    assert isinstance(value, SparseValue)
    np.testing.assert_array_equal(value.values, [2, 1, 0])


def test_fg_none() -> None:
    f = one(mode=data_pb2.FG_NONE)
    value = f.parse({"query_doc_sim": pa.array(["0.25", "1"])})
    assert isinstance(value, DenseValue)
    np.testing.assert_allclose(value.values[:, 0], [0.25, 1.0])
