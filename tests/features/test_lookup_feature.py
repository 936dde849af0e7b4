"""LookupFeature: string and MAP maps, multi-value keys, combiners, categorical results."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from google.protobuf import text_format

from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.factory import create_feature, create_features
from tzrec.features.feature import BaseFeature, FeatureContext
from tzrec.features.fg import FeatureGenerator
from tzrec.features.values import DenseValue, SequenceSparseValue, SparseValue
from tzrec.protos import data_pb2, feature_pb2


def build(text: str, mode: int = data_pb2.FG_DAG) -> list[BaseFeature]:
    config = text_format.Parse(text, feature_pb2.FeatureConfig())
    return create_feature(config, FeatureContext(fg_mode=mode))


def one(extra: str = "", mode: int = data_pb2.FG_DAG) -> BaseFeature:
    (feature,) = build(
        f"""
        lookup_feature {{
            feature_name: "user_cate_cnt"
            map: "user:kv_cate_cnt"
            key: "item:cate"
            {extra}
        }}
        """,
        mode,
    )
    return feature


KV = pa.array(["c1:1\x1dc2:3\x1dc3:6", "c1:2", None, "c9:5", "a:4"])
KEYS = pa.array(["c1\x1dc2\x1dc3", "c2", "c1", "c9\x1dc9", "a"])


def test_doc_example_bucketized() -> None:
    f = one("embedding_dim: 16 boundaries: [0, 1, 2, 3, 4]")
    assert f.is_sparse and f.num_embeddings == 6 and f.value_dim == 1
    assert f.input_columns == ["kv_cate_cnt", "cate"]
    value = f.parse({"kv_cate_cnt": KV, "cate": KEYS})
    assert isinstance(value, SparseValue)
    # sums 10, -, -, 10, 4; rows without a value take default "0" -> bucket 1.
    np.testing.assert_array_equal(value.values, [5, 1, 1, 5, 5])
    np.testing.assert_array_equal(value.lengths, [1, 1, 1, 1, 1])


@pytest.mark.parametrize(
    ("combiner", "expected"),
    [
        ("sum", [10, -1, -1, 10, 4]),
        ("mean", [10 / 3, -1, -1, 5, 4]),
        ("avg", [10 / 3, -1, -1, 5, 4]),
        ("min", [1, -1, -1, 5, 4]),
        ("max", [6, -1, -1, 5, 4]),
        ("count", [3, 0, 0, 2, 1]),
        ("gap_min", [2, -1, -1, 0, -1]),
        ("gap_max", [3, -1, -1, 0, -1]),
    ],
)
def test_combiners_dense(combiner: str, expected: list[float]) -> None:
    f = one(f'combiner: "{combiner}" default_value: "-1"')
    assert not f.is_sparse and f.value_dim == 1
    value = f.parse({"kv_cate_cnt": KV, "cate": KEYS})
    assert isinstance(value, DenseValue)
    np.testing.assert_allclose(value.values[:, 0], expected, rtol=1e-6)


def test_map_columns_and_integer_keys() -> None:
    f = one('combiner: "sum"')
    kv = pa.array([[("10", 2), ("20", 5)], [], None], pa.map_(pa.string(), pa.int64()))
    value = f.parse({"kv_cate_cnt": kv, "cate": pa.array([[10, 20, 30], [10], [20]])})
    assert isinstance(value, DenseValue)
    np.testing.assert_array_equal(value.values[:, 0], [7.0, 0.0, 0.0])
    kv2 = pa.array([[(1, 0.5), (2, 1.5)]], pa.map_(pa.int64(), pa.float64()))
    value = f.parse({"kv_cate_cnt": kv2, "cate": pa.array(["2"])})
    assert isinstance(value, DenseValue)
    assert value.values[0, 0] == 1.5


def test_first_value_of_a_repeated_map_key_wins() -> None:
    f = one()
    value = f.parse({"kv_cate_cnt": pa.array(["a:1\x1da:100"]), "cate": pa.array(["a"])})
    assert isinstance(value, DenseValue)
    assert value.values[0, 0] == 1.0


def test_custom_key_separator_and_list_map() -> None:
    f = one('separator: ","')
    value = f.parse({"kv_cate_cnt": pa.array([["a:1", "b:2"]]), "cate": pa.array(["a,b"])})
    assert isinstance(value, DenseValue)
    assert value.values[0, 0] == 3.0


def test_normalizer_applies_to_results_and_default() -> None:
    f = one('normalizer: "method=zscore,mean=1,standard_deviation=2" default_value: "5"')
    value = f.parse({"kv_cate_cnt": pa.array(["a:3", ""]), "cate": pa.array(["a", "a"])})
    assert isinstance(value, DenseValue)
    np.testing.assert_array_equal(value.values[:, 0], [1.0, 2.0])


def test_keep_each_value_with_value_dim() -> None:
    f = one('value_dim: 2 default_value: "0"')
    value = f.parse(
        {
            "kv_cate_cnt": pa.array(["a:1\x1db:2", "a:7\x1db:8"]),
            "cate": pa.array(["b\x1da", "a\x1db"]),
        }
    )
    assert isinstance(value, DenseValue)
    np.testing.assert_array_equal(value.values, [[2.0, 1.0], [7.0, 8.0]])


def test_discrete_values() -> None:
    base = 'need_discrete: true embedding_dim: 8 vocab_list: ["x", "y"]'
    kv = pa.array(["a:x\x1db:y", "a:x", "q:y"])
    keys = pa.array(["a\x1db\x1dz", "z", "q"])
    multi = one(base + " value_dim: 0")
    assert multi.is_sparse and multi.num_embeddings == 4
    value = multi.parse({"kv_cate_cnt": kv, "cate": keys})
    assert isinstance(value, SparseValue)
    # x -> 2, y -> 3; row 1 finds nothing: default_value "0" is out of vocabulary -> 0.
    np.testing.assert_array_equal(value.values, [2, 3, 0, 3])
    np.testing.assert_array_equal(value.lengths, [2, 1, 1])
    single = one(base)
    value = single.parse({"kv_cate_cnt": kv, "cate": keys})
    assert isinstance(value, SparseValue)
    np.testing.assert_array_equal(value.values, [2, 0, 3])
    np.testing.assert_array_equal(value.lengths, [1, 1, 1])


def test_need_key_prefixes_the_key() -> None:
    f = one(
        'need_key: true value_dim: 0 default_value: "" embedding_dim: 8 '
        'vocab_list: ["a_x", "b_y", "9_1"]'
    )
    value = f.parse(
        {
            "kv_cate_cnt": pa.array(["a:x\x1db:y\x1dc:y", "9:1", ""]),
            "cate": pa.array([["b", "a", "c"], ["9"], ["a"]]),
        }
    )
    assert isinstance(value, SparseValue)
    # b_y -> 3, a_x -> 2, c_y -> out of vocabulary 1; integer key 9 -> "9_1" -> 4.
    np.testing.assert_array_equal(value.values, [3, 2, 1, 4])
    np.testing.assert_array_equal(value.lengths, [3, 1, 0])


def test_hash_bucketized_discrete_values_are_stable() -> None:
    f = one("need_discrete: true embedding_dim: 8 hash_bucket_size: 1000")
    value = f.parse({"kv_cate_cnt": pa.array(["a:7", "b:7"]), "cate": pa.array(["a", "b"])})
    assert isinstance(value, SparseValue)
    assert value.values[0] == value.values[1]
    assert 0 <= value.values[0] < 1000


def test_bad_inputs_and_configs() -> None:
    f = one()
    with pytest.raises(InvalidFgInputError, match=r"user:kv_cate_cnt.*'oops'.*key:value"):
        f.parse({"kv_cate_cnt": pa.array(["oops"]), "cate": pa.array(["a"])})
    with pytest.raises(InvalidFgInputError, match=r"'x'.*not a number"):
        f.parse({"kv_cate_cnt": pa.array(["a:x"]), "cate": pa.array(["a"])})
    with pytest.raises(FeatureConfigError, match="combiner must be one of"):
        one('combiner: "median"')
    with pytest.raises(FeatureConfigError, match="categorical lookup_feature values need one of"):
        one("need_discrete: true")


def test_fg_none_and_fg_bucketize() -> None:
    f = one("embedding_dim: 16 boundaries: [0, 1, 2, 3, 4]", mode=data_pb2.FG_NONE)
    assert f.input_columns == ["user_cate_cnt"]
    value = f.parse({"user_cate_cnt": pa.array([5, 0])})
    assert isinstance(value, SparseValue)
    np.testing.assert_array_equal(value.values, [5, 0])
    g = one('need_discrete: true value_dim: 0 vocab_list: ["x", "y"]', mode=data_pb2.FG_BUCKETIZE)
    value = g.parse({"user_cate_cnt": pa.array([["y", "x"], []])})
    assert isinstance(value, SparseValue)
    np.testing.assert_array_equal(value.values, [3, 2, 0])
    np.testing.assert_array_equal(value.lengths, [2, 1])


GROUPED = """
sequence_feature {
    sequence_name: "click_seq"
    sequence_length: 50
    sequence_delim: ";"
    sequence_pk: "user:click_seq_pk"
    features {
        lookup_feature {
            feature_name: "user_cate_cnt"
            map: "user:kv_cate_cnt"
            key: "item:cate"
            embedding_dim: 16
            boundaries: [0, 1, 2, 3, 4]
        }
    }
    features {
        lookup_feature {
            feature_name: "user_search_cate_cnt"
            map: "user:kv_search_cate_cnt"
            key: "user:searched_cate"
            sequence_fields: ["searched_cate"]
            embedding_dim: 16
            boundaries: [0, 1, 2, 3, 4]
        }
    }
}
"""


def test_inside_a_grouped_sequence_feature() -> None:
    cate_cnt, search_cnt = build(GROUPED)
    assert cate_cnt.name == "click_seq__user_cate_cnt"
    assert cate_cnt.input_columns == ["kv_cate_cnt", "click_seq__cate"]
    assert search_cnt.input_columns == ["kv_search_cate_cnt", "click_seq__searched_cate"]
    columns = {
        "kv_cate_cnt": pa.array(["c1:1\x1dc2:3", "c3:7"]),
        "click_seq__cate": pa.array(["c1;c2;c3", "c3"]),
        "kv_search_cate_cnt": pa.array(["s:2", None]),
        "click_seq__searched_cate": pa.array([["s", "t"], ["s"]]),
    }
    value = cate_cnt.parse(columns)
    assert isinstance(value, SequenceSparseValue)
    # 1 -> 2, 3 -> 4, missing c3 -> default 0 -> 1 | 7 -> 5
    np.testing.assert_array_equal(value.values, [2, 4, 1, 5])
    np.testing.assert_array_equal(value.lengths, [3, 1])
    value = search_cnt.parse(columns)
    assert isinstance(value, SequenceSparseValue)
    # 2 -> 3, t missing -> 1 | map null -> 1
    np.testing.assert_array_equal(value.values, [3, 1, 1])
    np.testing.assert_array_equal(value.lengths, [2, 1])


def test_grouped_sequence_fg_none_reads_the_prefixed_column() -> None:
    cate_cnt, _ = build(GROUPED, mode=data_pb2.FG_NONE)
    assert cate_cnt.input_columns == ["click_seq__user_cate_cnt"]
    value = cate_cnt.parse({"click_seq__user_cate_cnt": pa.array(["2;4;1", ""])})
    assert isinstance(value, SequenceSparseValue)
    np.testing.assert_array_equal(value.values, [2, 4, 1])
    np.testing.assert_array_equal(value.lengths, [3, 0])


def test_fg_dag_key_from_another_feature() -> None:
    configs = [
        text_format.Parse(t, feature_pb2.FeatureConfig())
        for t in [
            """raw_feature { feature_name: "age_binning" expression: "user:age"
               boundaries: [18, 30] embedding_dim: 4 stub_type: true }""",
            """lookup_feature { feature_name: "lookup_age_feat" map: "item:age_ctr"
               key: "feature:age_binning" }""",
        ]
    ]
    features = create_features(configs, FeatureContext(fg_mode=data_pb2.FG_DAG))
    generator = FeatureGenerator(features)
    assert generator.input_columns == ["age", "age_ctr"]
    out = generator.run(
        {"age": pa.array([10, 25, 40]), "age_ctr": pa.array(["0:0.1\x1d1:0.2\x1d2:0.3"] * 3)},
        num_rows=3,
    )
    assert list(out) == ["lookup_age_feat"]
    value = out["lookup_age_feat"]
    assert isinstance(value, DenseValue)
    # ages fall in buckets 0, 1, 2
    np.testing.assert_allclose(value.values[:, 0], [0.1, 0.2, 0.3])


def test_value_dim_0_default_fills_every_number_of_the_text() -> None:
    f = one('value_dim: 0 default_value: "1,5" separator: "," boundaries: [2, 4] embedding_dim: 8')
    value = f.parse({"kv_cate_cnt": pa.array(["c1:3", "c1:3"]), "cate": pa.array(["c1", "zz"])})
    assert isinstance(value, SparseValue)
    # Row 0 finds 3 -> bucket 1; row 1 finds nothing and takes both defaults 1, 5 -> 0, 2.
    np.testing.assert_array_equal(value.values, [1, 0, 2])
    np.testing.assert_array_equal(value.lengths, [1, 2])
