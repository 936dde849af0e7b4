"""IdFeature / sequence id features in every FG mode, with hand-computed ids.

Hash buckets used below (hash_bucket_size 1000, pinned in test_hashing):
"123" -> 448, "a" -> 315, "-5" -> 154.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from google.protobuf import text_format

from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.factory import create_features
from tzrec.features.feature import BaseFeature, FeatureContext
from tzrec.features.values import SequenceDenseValue, SequenceSparseValue, SparseValue
from tzrec.protos import data_pb2, feature_pb2

DAG, NONE, BUCKETIZE = data_pb2.FG_DAG, data_pb2.FG_NONE, data_pb2.FG_BUCKETIZE


def features(text: str, mode: int = DAG, resource_dir: str | None = None) -> list[BaseFeature]:
    config = text_format.Parse(text, feature_pb2.FeatureConfig())
    return create_features([config], FeatureContext(fg_mode=mode, resource_dir=resource_dir))


def feature(text: str, mode: int = DAG, resource_dir: str | None = None) -> BaseFeature:
    (f,) = features(text, mode, resource_dir)
    return f


def sparse(value: object) -> tuple[list[int], list[int]]:
    assert isinstance(value, SparseValue)
    return value.values.tolist(), value.lengths.tolist()


def test_properties_and_inputs() -> None:
    f = feature(
        'id_feature { feature_name: "uid" expression: "user:uid" embedding_dim: 16 '
        "hash_bucket_size: 1000 }"
    )
    assert (f.is_sparse, f.num_embeddings, f.value_dim, f.embedding_dim) == (True, 1000, 0, 16)
    assert f.input_keys() == ["uid"] and f.input_columns == ["uid"]
    f = feature('id_feature { feature_name: "uid" hash_bucket_size: 10 }', NONE)
    assert f.input_columns == ["uid"]


def test_hash_multi_value_and_types() -> None:
    f = feature(
        'id_feature { feature_name: "tag" expression: "item:tag" hash_bucket_size: 1000 '
        'separator: "|" }'
    )
    assert sparse(f.parse({"tag": pa.array(["123|a", None, "", "-5"])})) == (
        [448, 315, 154],
        [2, 0, 0, 1],
    )
    # Ints hash like their text; list columns need no separator.
    assert sparse(f.parse({"tag": pa.array([123, None, -5], pa.int64())})) == (
        [448, 154],
        [1, 0, 1],
    )
    assert sparse(f.parse({"tag": pa.array([["a", "123"], [], None])})) == (
        [315, 448],
        [2, 0, 0],
    )
    assert sparse(f.parse({"tag": pa.chunked_array([[123], [-5]])})) == ([448, 154], [1, 1])


def test_default_value_before_bucketize() -> None:
    f = feature(
        'id_feature { feature_name: "tag" expression: "item:tag" hash_bucket_size: 1000 '
        'default_value: "a" }'
    )
    assert sparse(f.parse({"tag": pa.array(["123", None, ""])})) == ([448, 315, 315], [1, 1, 1])
    # An int column whose default is not an int: the values are hashed as text anyway.
    assert sparse(f.parse({"tag": pa.array([123, None])})) == ([448, 315], [1, 1])


def test_num_buckets() -> None:
    f = feature(
        'id_feature { feature_name: "month" expression: "user:month" num_buckets: 12 '
        'default_value: "0" }'
    )
    assert f.num_embeddings == 12
    assert sparse(f.parse({"month": pa.array([3, None, 11])})) == ([3, 0, 11], [1, 1, 1])
    assert sparse(f.parse({"month": pa.array(["3", None])})) == ([3, 0], [1, 1])
    with pytest.raises(InvalidFgInputError) as e:
        f.parse({"month": pa.array([3, 12])})
    assert "feature 'month'" in str(e.value) and "user:month" in str(e.value)
    assert "[0, 12)" in str(e.value)


def test_vocab_list_and_dict() -> None:
    f = feature(
        'id_feature { feature_name: "cate" expression: "item:cate" '
        'vocab_list: ["1", "2", "3"] default_value: "9" }'
    )
    assert f.num_embeddings == 5
    # 1,2,3 -> 2,3,4; "7" out of vocabulary -> 1; missing -> default "9" -> 0.
    got = f.parse({"cate": pa.array([["3", "1"], ["7"], None])})
    assert sparse(got) == ([4, 2, 1, 0], [2, 1, 1])
    f = feature(
        'id_feature { feature_name: "cate" expression: "item:cate" '
        'vocab_dict: [{key:"a" value:2}, {key:"b" value:3}, {key:"c" value:2}] }'
    )
    assert f.num_embeddings == 4
    assert sparse(f.parse({"cate": pa.array(["c", "b", "x", None])})) == ([2, 3, 1], [1, 1, 1, 0])


def test_vocab_file(tmp_path: Path) -> None:
    (tmp_path / "brands.txt").write_text("nike\nadidas\npuma\n", encoding="utf-8")
    f = feature(
        'id_feature { feature_name: "brand" expression: "item:brand" '
        'vocab_file: "brands.txt" default_bucketize_value: 3 }',
        resource_dir=str(tmp_path),
    )
    assert f.num_embeddings == 4
    assert sparse(f.parse({"brand": pa.array(["puma", "nike", "asics"])})) == (
        [2, 0, 3],
        [1, 1, 1],
    )


def test_weighted() -> None:
    f = feature(
        'id_feature { feature_name: "kw" expression: "user:kw" hash_bucket_size: 1000 '
        'weighted: true default_value: "-5" }'
    )
    assert f.is_weighted
    v = f.parse({"kw": pa.array(["123:0.5\x1da:2", None])})
    assert sparse(v) == ([448, 315, 154], [2, 1])
    assert isinstance(v, SparseValue) and v.weights is not None
    assert v.weights.tolist() == [0.5, 2.0, 1.0]
    with pytest.raises(InvalidFgInputError, match=r"'key:weight'"):
        f.parse({"kw": pa.array(["123"])})


def test_zch() -> None:
    f = feature(
        'id_feature { feature_name: "iid" expression: "item:iid" zch { zch_size: 1000000 lfu {} } }'
    )
    assert f.num_embeddings == 1000000
    assert sparse(f.parse({"iid": pa.array([987654321, 5])})) == ([987654321, 5], [1, 1])
    assert sparse(f.parse({"iid": pa.array(["987654321"])})) == ([987654321], [1])


def test_fg_none_and_bucketize_modes() -> None:
    text = 'id_feature { feature_name: "cate" hash_bucket_size: 1000 }'
    f = feature(text, NONE)
    assert sparse(f.parse({"cate": pa.array(["448\x03315", None])})) == ([448, 315], [2, 0])
    with pytest.raises(InvalidFgInputError) as e:
        f.parse({"cate": pa.array(["448\x031000"])})
    assert "feature 'cate'" in str(e.value) and "id 1000 is out of range [0, 1000)" in str(e.value)
    f = feature(text, BUCKETIZE)
    assert f.input_columns == ["cate"]
    # FG_BUCKETIZE columns hold the FG output, multi-values joined by "\x03".
    assert sparse(f.parse({"cate": pa.array(["123\x03a", "-5"])})) == ([448, 315, 154], [2, 1])
    assert sparse(f.parse({"cate": pa.array([[123, -5]])})) == ([448, 154], [2])


def test_no_size_is_a_config_error() -> None:
    with pytest.raises(FeatureConfigError, match=r"'cate'.*hash_bucket_size"):
        feature('id_feature { feature_name: "cate" expression: "item:cate" }')
    with pytest.raises(FeatureConfigError, match=r"hash_bucket_size and num_buckets"):
        feature('id_feature { feature_name: "c" hash_bucket_size: 1 num_buckets: 2 }')
    with pytest.raises(FeatureConfigError, match=r"needs an expression"):
        feature('id_feature { feature_name: "c" hash_bucket_size: 1 }', DAG)
    # A stub (FG intermediate) needs no table; its integer values are its ids.
    f = feature('id_feature { feature_name: "c" expression: "item:c" stub_type: true }')
    assert f.num_embeddings == 0
    assert sparse(f.parse({"c": pa.array(["4", None])})) == ([4], [1, 0])


def test_sequence_id_feature() -> None:
    f = feature(
        'sequence_id_feature { feature_name: "clicks" expression: "user:clicks" '
        'hash_bucket_size: 1000 sequence_length: 2 sequence_delim: ";" }'
    )
    assert (f.is_sequence, f.sequence_length, f.value_dim) == (True, 2, 1)
    v = f.parse({"clicks": pa.array(["123;a;-5", None, "-5"])})
    assert isinstance(v, SequenceSparseValue)
    assert (v.values.tolist(), v.lengths.tolist(), v.step_lengths) == (
        [448, 315, 154],
        [2, 0, 1],
        None,
    )
    v = f.parse({"clicks": pa.array([[123, -5], []])})
    assert isinstance(v, SequenceSparseValue)
    assert (v.values.tolist(), v.lengths.tolist()) == ([448, 154], [2, 0])
    f = feature(
        'sequence_id_feature { feature_name: "clicks" hash_bucket_size: 1000 sequence_length: 5 }',
        NONE,
    )
    v = f.parse({"clicks": pa.array(["1;2", "3"])})
    assert isinstance(v, SequenceSparseValue)
    assert (v.values.tolist(), v.lengths.tolist()) == ([1, 2, 3], [2, 1])


def test_multi_value_sequence_steps() -> None:
    f = feature(
        'id_feature { feature_name: "s" expression: "user:s" hash_bucket_size: 1000 '
        "sequence_length: 4 value_dim: 0 }"
    )
    v = f.parse({"s": pa.array([[["123", "a"], ["-5"]], []])})
    assert isinstance(v, SequenceSparseValue) and v.step_lengths is not None
    assert (v.values.tolist(), v.lengths.tolist(), v.step_lengths.tolist()) == (
        [448, 315, 154],
        [2, 0],
        [2, 1],
    )


GROUPED = """
sequence_feature {
    sequence_name: "click_seq"
    sequence_length: 3
    sequence_delim: ";"
    features { id_feature { feature_name: "iid" expression: "item:iid" num_buckets: 100 } }
    features { raw_feature { feature_name: "price" expression: "item:price" } }
    features { raw_feature { feature_name: "price_b" expression: "item:price"
                             boundaries: [1.0, 2.0] } }
}
"""


def test_grouped_sequence_dag() -> None:
    iid, price, price_b = features(GROUPED)
    assert [f.name for f in (iid, price, price_b)] == [
        "click_seq__iid",
        "click_seq__price",
        "click_seq__price_b",
    ]
    assert iid.input_columns == ["click_seq__iid"]
    assert price.input_columns == price_b.input_columns == ["click_seq__price"]
    cols = {
        "click_seq__iid": pa.array(["1;2;3;4", "", "7"]),
        "click_seq__price": pa.array(["0.5;1.5;2.5;9", "", "1"]),
    }
    v = iid.parse(cols)
    assert isinstance(v, SequenceSparseValue)
    assert (v.values.tolist(), v.lengths.tolist()) == ([1, 2, 3, 7], [3, 0, 1])
    d = price.parse(cols)
    assert isinstance(d, SequenceDenseValue)
    assert d.values.tolist() == [[0.5], [1.5], [2.5], [1.0]] and d.lengths.tolist() == [3, 0, 1]
    b = price_b.parse(cols)
    assert isinstance(b, SequenceSparseValue)
    assert (b.values.tolist(), b.lengths.tolist()) == ([0, 1, 2, 1], [3, 0, 1])


def test_grouped_sequence_fg_none() -> None:
    iid, price, price_b = features(GROUPED, NONE)
    assert iid.input_columns == ["click_seq__iid"]
    cols = {
        "click_seq__iid": pa.array(["5;6", None]),
        "click_seq__price": pa.array(["0.5;2", None]),
        "click_seq__price_b": pa.array([[2, 0], []]),
    }
    v = iid.parse(cols)
    assert isinstance(v, SequenceSparseValue)
    assert (v.values.tolist(), v.lengths.tolist()) == ([5, 6], [2, 0])
    d = price.parse(cols)
    assert isinstance(d, SequenceDenseValue)
    assert np.array_equal(d.values, np.array([[0.5], [2.0]], np.float32))
    b = price_b.parse(cols)
    assert isinstance(b, SequenceSparseValue)
    assert (b.values.tolist(), b.lengths.tolist()) == ([2, 0], [2, 0])
    with pytest.raises(InvalidFgInputError, match=r"\[0, 3\)"):
        price_b.parse({"click_seq__price_b": pa.array([[3]])})


def test_value_dim_1_keeps_the_first_id_of_a_row() -> None:
    # value_dim 0 (the default) is multi-value; value_dim 1 outputs one id per row.
    text = (
        'id_feature { feature_name: "tag" expression: "item:tag" num_buckets: 10 '
        'separator: "|" value_dim: 1 default_value: "7" }'
    )
    f = feature(text)
    assert f.value_dim == 1
    assert sparse(f.parse({"tag": pa.array(["3|4|5", None, "6"])})) == ([3, 7, 6], [1, 1, 1])
    f = feature(text, BUCKETIZE)
    assert sparse(f.parse({"tag": pa.array(["3\x034", ""])})) == ([3, 7], [1, 1])
    weighted = feature(
        'id_feature { feature_name: "w" expression: "item:w" num_buckets: 10 weighted: true '
        "value_dim: 1 }"
    )
    v = weighted.parse({"w": pa.array(["3:0.5\x1d4:2", None, "5:0.25"])})
    assert isinstance(v, SparseValue) and v.weights is not None
    assert (v.values.tolist(), v.lengths.tolist(), v.weights.tolist()) == (
        [3, 5],
        [1, 0, 1],
        [0.5, 0.25],
    )
