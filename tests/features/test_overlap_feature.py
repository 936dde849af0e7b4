"""OverlapFeature: every method on hand-worked rows, defaults, buckets, FG modes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from google.protobuf import text_format

from tzrec.features.errors import FeatureConfigError
from tzrec.features.factory import create_feature
from tzrec.features.feature import BaseFeature, FeatureContext
from tzrec.features.values import DenseValue, SparseValue
from tzrec.protos import data_pb2, feature_pb2


def one(method: str, extra: str = "", mode: int = data_pb2.FG_DAG) -> BaseFeature:
    text = f"""
    overlap_feature {{
        feature_name: "ov"
        query: "user:query"
        title: "item:title"
        method: "{method}"
        separator: " "
        default_value: "-9"
        {extra}
    }}
    """
    config = text_format.Parse(text, feature_pb2.FeatureConfig())
    (feature,) = create_feature(config, FeatureContext(fg_mode=mode))
    return feature


QUERY = pa.array(["a b", "a c a", "a b z", "a b c", "a", "a b", "", "q"])
TITLE = pa.array(["x a b y", "c x a c", "b q q a b a", "a x b x x c", "b a", "a b", "a", None])
# Rows 6 and 7 lack a query / a title: default_value -9.
EXPECTED: dict[str, list[float]] = {
    "query_common_ratio": [1.0, 1.0, 2 / 3, 1.0, 1.0, 1.0, -9, -9],
    "title_common_ratio": [0.5, 0.75, 4 / 6, 0.5, 0.5, 1.0, -9, -9],
    "is_equal": [0, 0, 0, 0, 0, 1, -9, -9],
    "index_of": [1, -1, -1, -1, 1, 0, -9, -9],
    "is_contain": [1, 0, 0, 0, 1, 1, -9, -9],
    "proximity_min_cover": [2, 2, 0, 6, 1, 2, -9, -9],
    # Pair distances: row 3 has pairs (a,b)=2, (a,c)=5, (b,c)=3; row 4 has one term
    # only, so n + 1 = 3.
    "proximity_min_dist": [1, 1, 1, 2, 3, 1, -9, -9],
    "proximity_max_dist": [1, 1, 1, 5, 3, 1, -9, -9],
    "proximity_avg_dist": [1, 1, 1, 10 / 3, 3, 1, -9, -9],
}


@pytest.mark.parametrize("method", sorted(EXPECTED))
def test_methods(method: str) -> None:
    f = one(method)
    assert not f.is_sparse and f.value_dim == 1
    assert f.input_columns == ["query", "title"]
    value = f.parse({"query": QUERY, "title": TITLE})
    assert isinstance(value, DenseValue)
    np.testing.assert_allclose(value.values[:, 0], EXPECTED[method], rtol=1e-6)


def test_list_inputs_and_numeric_terms() -> None:
    f = one("title_common_ratio")
    value = f.parse(
        {"query": pa.array([[1, 2], [7]]), "title": pa.array([["1", "3", "2", "2"], ["7"]])}
    )
    assert isinstance(value, DenseValue)
    np.testing.assert_allclose(value.values[:, 0], [0.75, 1.0])


def test_duplicate_query_terms_count_once_for_cover_and_distance() -> None:
    f = one("proximity_min_cover")
    value = f.parse({"query": pa.array(["a a b"]), "title": pa.array(["a y y b a"])})
    assert isinstance(value, DenseValue)
    assert value.values[0, 0] == 2  # "b a" at the end
    g = one("proximity_max_dist")
    value = g.parse({"query": pa.array(["a a b"]), "title": pa.array(["a y y b a"])})
    assert isinstance(value, DenseValue)
    assert value.values[0, 0] == 1


def test_bucketized_with_normalizer() -> None:
    f = one(
        "query_common_ratio",
        'boundaries: [0.2, 0.5, 0.8] embedding_dim: 4 normalizer: "method=minmax,min=0,max=2"',
    )
    assert f.is_sparse and f.num_embeddings == 4
    value = f.parse({"query": QUERY[:4], "title": TITLE[:4]})
    assert isinstance(value, SparseValue)
    # ratios 1, 1, 2/3, 1 -> /2 -> 0.5, 0.5, 0.333, 0.5 -> buckets 2, 2, 1, 2
    np.testing.assert_array_equal(value.values, [2, 2, 1, 2])


def test_fg_none_reads_finished_values() -> None:
    f = one("is_equal", mode=data_pb2.FG_NONE)
    assert f.input_columns == ["ov"]
    value = f.parse({"ov": pa.array([1.0, 0.0])})
    assert isinstance(value, DenseValue)
    np.testing.assert_array_equal(value.values[:, 0], [1.0, 0.0])


def test_unknown_method() -> None:
    with pytest.raises(FeatureConfigError, match="method must be one of"):
        one("jaccard")


def test_empty_batch() -> None:
    value = one("proximity_avg_dist").parse(
        {"query": pa.array([], pa.string()), "title": pa.array([], pa.string())}
    )
    assert isinstance(value, DenseValue)
    assert value.values.shape == (0, 1)
