"""MatchFeature: nested maps as strings and MAP columns, ALL keys, combiners, prefixes."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from google.protobuf import text_format

from tzrec.features.errors import InvalidFgInputError
from tzrec.features.factory import create_feature
from tzrec.features.feature import BaseFeature, FeatureContext
from tzrec.features.values import DenseValue, SequenceSparseValue, SparseValue
from tzrec.protos import data_pb2, feature_pb2


def build(text: str, mode: int = data_pb2.FG_DAG) -> list[BaseFeature]:
    config = text_format.Parse(text, feature_pb2.FeatureConfig())
    return create_feature(config, FeatureContext(fg_mode=mode))


def one(
    extra: str = "", pkey: str = "item:cate", skey: str = "item:brand", mode: int = data_pb2.FG_DAG
) -> BaseFeature:
    (feature,) = build(
        f"""
        match_feature {{
            feature_name: "user_cate_brand_cnt"
            nested_map: "user:kkv"
            pkey: "{pkey}"
            skey: "{skey}"
            {extra}
        }}
        """,
        mode,
    )
    return feature


KKV = pa.array(
    ["pk1^sk1:0.2,sk2:0.3,sk3:0.5|pk2^sk4:0.1|pk3^sk1:0.7", "pk1^sk1:1", None, "pk2^sk4:0.1"]
)


def test_single_match_dense() -> None:
    f = one()
    assert not f.is_sparse and f.value_dim == 1
    assert f.input_columns == ["kkv", "cate", "brand"]
    value = f.parse(
        {
            "kkv": KKV,
            "cate": pa.array(["pk1", "pk1\x1dpk3", "pk1", "pk9"]),
            "brand": pa.array(["sk2", "sk1", "sk1", "sk4"]),
        }
    )
    assert isinstance(value, DenseValue)
    # pk3 is not in row 1's map; rows 2 and 3 match nothing: default "0".
    np.testing.assert_allclose(value.values[:, 0], [0.3, 1.0, 0.0, 0.0])


def test_pkey_all_with_sum() -> None:
    f = one('combiner: "sum" default_value: "-1"', pkey="ALL")
    assert f.input_columns == ["kkv", "brand"]
    value = f.parse({"kkv": KKV, "brand": pa.array(["sk1", "sk1", "sk1", "sk4"])})
    assert isinstance(value, DenseValue)
    np.testing.assert_allclose(value.values[:, 0], [0.9, 1.0, -1.0, 0.1])


def test_skey_all_with_max_and_mean() -> None:
    cate = pa.array(["pk1", "pk1", "pk1", "pk9"])
    f = one('combiner: "max" default_value: "-1"', skey="ALL")
    value = f.parse({"kkv": KKV, "cate": cate})
    assert isinstance(value, DenseValue)
    np.testing.assert_allclose(value.values[:, 0], [0.5, 1.0, -1.0, -1.0])
    g = one('combiner: "mean" default_value: "-1"', skey="ALL")
    value = g.parse({"kkv": KKV, "cate": cate})
    assert isinstance(value, DenseValue)
    np.testing.assert_allclose(value.values[:, 0], [1.0 / 3, 1.0, -1.0, -1.0])


def test_bucketized() -> None:
    f = one('combiner: "sum" embedding_dim: 16 boundaries: [0, 1, 2, 3, 4]', pkey="ALL")
    assert f.is_sparse and f.num_embeddings == 6
    value = f.parse({"kkv": KKV, "brand": pa.array(["sk1", "sk1", "sk1", "sk4"])})
    assert isinstance(value, SparseValue)
    # 0.9 -> 1, 1 -> 2, default 0 -> 1, 0.1 -> 1
    np.testing.assert_array_equal(value.values, [1, 2, 1, 1])


def test_map_columns() -> None:
    f = one()
    kkv = pa.array(
        [[("pk1", "sk1:0.2,sk2:0.3"), ("pk2", "sk4:0.1")]], pa.map_(pa.string(), pa.string())
    )
    value = f.parse({"kkv": kkv, "cate": pa.array(["pk2"]), "brand": pa.array(["sk4"])})
    assert isinstance(value, DenseValue)
    assert value.values[0, 0] == pytest.approx(0.1)
    int_keys = pa.array([[(7, "3:2.5,4:1")]], pa.map_(pa.int64(), pa.string()))
    value = f.parse({"kkv": int_keys, "cate": pa.array([7]), "brand": pa.array(["4"])})
    assert isinstance(value, DenseValue)
    assert value.values[0, 0] == 1.0


def test_show_keys_make_categorical_values() -> None:
    f = one(
        'show_skey: true value_dim: 0 embedding_dim: 8 vocab_list: ["sk1_0.2", "sk2_0.3"]',
        pkey="item:cate",
        skey="ALL",
    )
    assert f.is_sparse and f.num_embeddings == 4
    value = f.parse({"kkv": KKV[:2], "cate": pa.array(["pk1", "pk1"])})
    assert isinstance(value, SparseValue)
    # sk1_0.2 -> 2, sk2_0.3 -> 3, sk3_0.5 -> 1 (out of vocabulary) | sk1_1 -> 1
    np.testing.assert_array_equal(value.values, [2, 3, 1, 1])
    np.testing.assert_array_equal(value.lengths, [3, 1])
    g = one(
        'show_pkey: true show_skey: true embedding_dim: 8 vocab_list: ["pk2_sk4_0.1"]',
        pkey="ALL",
        skey="item:brand",
    )
    value = g.parse({"kkv": KKV[3:], "brand": pa.array(["sk4"])})
    assert isinstance(value, SparseValue)
    np.testing.assert_array_equal(value.values, [2])


def test_need_discrete_first_value_only_with_value_dim_1() -> None:
    f = one("need_discrete: true embedding_dim: 8 num_buckets: 10", skey="ALL")
    kkv = pa.array(["p^a:3,b:5", "p^a:9"])
    value = f.parse({"kkv": kkv, "cate": pa.array(["p", "q"])})
    assert isinstance(value, SparseValue)
    # row 0 keeps 3 of 3, 5; row 1 matches nothing: default_value "0" -> id 0
    np.testing.assert_array_equal(value.values, [3, 0])
    np.testing.assert_array_equal(value.lengths, [1, 1])


def test_bad_nested_map() -> None:
    f = one()
    with pytest.raises(InvalidFgInputError, match=r"user:kkv.*'pk1-sk1:1'.*'key\^value'"):
        f.parse(
            {"kkv": pa.array(["pk1-sk1:1"]), "cate": pa.array(["pk1"]), "brand": pa.array(["sk1"])}
        )
    with pytest.raises(InvalidFgInputError, match=r"'sk1'.*'key:value'"):
        f.parse(
            {"kkv": pa.array(["pk1^sk1"]), "cate": pa.array(["pk1"]), "brand": pa.array(["sk1"])}
        )


def test_fg_none() -> None:
    f = one(mode=data_pb2.FG_NONE)
    assert f.input_columns == ["user_cate_brand_cnt"]
    value = f.parse({"user_cate_brand_cnt": pa.array([0.5])})
    assert isinstance(value, DenseValue)
    assert value.values[0, 0] == 0.5


def test_inside_a_grouped_sequence() -> None:
    (f,) = build(
        """
        sequence_feature {
            sequence_name: "click_seq"
            sequence_length: 10
            features {
                match_feature {
                    feature_name: "cate_brand"
                    nested_map: "user:kkv"
                    pkey: "item:cate"
                    skey: "item:brand"
                    combiner: "sum"
                    embedding_dim: 4
                    boundaries: [0.25]
                }
            }
        }
        """
    )
    assert f.input_columns == ["kkv", "click_seq__cate", "click_seq__brand"]
    value = f.parse(
        {
            "kkv": KKV[:2],
            "click_seq__cate": pa.array(["pk1;pk3;pk2", "pk1"]),
            "click_seq__brand": pa.array(["sk3;sk1;sk1", "sk1"]),
        }
    )
    assert isinstance(value, SequenceSparseValue)
    # 0.5 -> 1, 0.7 -> 1, none -> default 0 -> 0 | 1 -> 1
    np.testing.assert_array_equal(value.values, [1, 1, 0, 1])
    np.testing.assert_array_equal(value.lengths, [3, 1])
