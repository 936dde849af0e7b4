"""ComboFeature: cartesian products per row, joined by "_", then bucketized."""

from __future__ import annotations

import pyarrow as pa
import pytest
from google.protobuf import text_format

from tzrec.features.errors import FeatureConfigError
from tzrec.features.factory import create_features
from tzrec.features.feature import BaseFeature, FeatureContext
from tzrec.features.hashing import bucketize_hash
from tzrec.features.values import SequenceSparseValue, SparseValue
from tzrec.protos import data_pb2, feature_pb2

DAG, NONE, BUCKETIZE = data_pb2.FG_DAG, data_pb2.FG_NONE, data_pb2.FG_BUCKETIZE

VOCAB = 'vocab_list: ["a_1", "a_2", "b_1", "b_2", "a_1_x"]'  # ids 2, 3, 4, 5, 6


def features(text: str, mode: int = DAG) -> list[BaseFeature]:
    config = text_format.Parse(text, feature_pb2.FeatureConfig())
    return create_features([config], FeatureContext(fg_mode=mode))


def feature(text: str, mode: int = DAG) -> BaseFeature:
    (f,) = features(text, mode)
    return f


def sparse(value: object) -> tuple[list[int], list[int]]:
    assert isinstance(value, SparseValue)
    return value.values.tolist(), value.lengths.tolist()


def test_cartesian_product_per_row() -> None:
    f = feature(
        'combo_feature { feature_name: "c" expression: ["user:u", "item:i"] '
        f'separator: "|" {VOCAB} }}'
    )
    assert f.input_columns == ["u", "i"] and f.num_embeddings == 7
    cols = {
        "u": pa.array(["a|b", "a", None, "b"]),
        "i": pa.array([[1, 2], [2], [1], [3]]),
    }
    # Row 0: a_1 a_2 b_1 b_2; row 1: a_2; row 2: no u -> nothing; row 3: b_3 -> OOV 1.
    assert sparse(f.parse(cols)) == ([2, 3, 4, 5, 3, 1], [4, 1, 0, 1])


def test_three_inputs_and_default() -> None:
    f = feature(
        'combo_feature { feature_name: "c" expression: ["user:u", "item:i", "item:j"] '
        f'{VOCAB} default_value: "a_2" }}'
    )
    cols = {
        "u": pa.array(["a", "a"]),
        "i": pa.array([1, 1]),
        "j": pa.array(["x", None]),
    }
    # Row 0: a_1_x -> 6; row 1: j missing -> default a_2 (in the vocab) -> 3.
    assert sparse(f.parse(cols)) == ([6, 3], [1, 1])


def test_hash_bucket() -> None:
    f = feature(
        'combo_feature { feature_name: "c" expression: ["user:u", "item:i"] '
        "hash_bucket_size: 1000 }"
    )
    got = f.parse({"u": pa.array([["x", "y"]]), "i": pa.array([7])})
    expected = bucketize_hash(pa.array(["x_7", "y_7"]), 1000).tolist()
    assert sparse(got) == (expected, [2])


def test_fg_none_and_bucketize() -> None:
    text = f'combo_feature {{ feature_name: "c" expression: ["user:u", "item:i"] {VOCAB} }}'
    f = feature(text, NONE)
    assert f.input_columns == ["c"]
    assert sparse(f.parse({"c": pa.array(["2\x036", None])})) == ([2, 6], [2, 0])
    f = feature(text, BUCKETIZE)
    assert sparse(f.parse({"c": pa.array(["a_1\x03b_2", "zz"])})) == ([2, 5, 1], [2, 1])


def test_needs_two_inputs() -> None:
    with pytest.raises(FeatureConfigError, match=r"at least 2 inputs"):
        feature('combo_feature { feature_name: "c" expression: ["user:u"] hash_bucket_size: 9 }')


def test_in_grouped_sequence() -> None:
    (f,) = features(
        'sequence_feature { sequence_name: "s" sequence_length: 5 '
        'features { combo_feature { feature_name: "c" expression: ["user:u", "item:i"] '
        f"{VOCAB} }} }} }}"
    )
    # item inputs are the sequence (column s__i); the user input repeats per step.
    assert f.input_columns == ["u", "s__i"]
    v = f.parse({"u": pa.array(["a", "b"]), "s__i": pa.array(["1;2", "2"])})
    assert isinstance(v, SequenceSparseValue)
    assert (v.values.tolist(), v.lengths.tolist()) == ([2, 3, 5], [2, 1])
