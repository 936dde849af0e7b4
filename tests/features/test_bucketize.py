"""Bucketizers built from feature configs: ids and table sizes, hand-computed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from google.protobuf import text_format

from tzrec.features.bucketize import Bucketizer
from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.hashing import bucketize_hash, hash_values
from tzrec.features.ragged import Ragged
from tzrec.protos import feature_pb2


def make(text: str, resource_dir: str | None = None) -> Bucketizer:
    config = text_format.Parse(f'feature_name: "f" {text}', feature_pb2.IdFeature())
    b = Bucketizer.from_config(config, "f", resource_dir)
    assert b is not None
    return b


def raw(text: str) -> Bucketizer:
    config = text_format.Parse(f'feature_name: "r" {text}', feature_pb2.RawFeature())
    b = Bucketizer.from_config(config, "r")
    assert b is not None
    return b


def test_none_and_two_bucketizers() -> None:
    config = text_format.Parse('feature_name: "f"', feature_pb2.IdFeature())
    assert Bucketizer.from_config(config, "f") is None
    config = text_format.Parse(
        'feature_name: "f" hash_bucket_size: 10 vocab_list: ["a"]', feature_pb2.IdFeature()
    )
    with pytest.raises(FeatureConfigError, match=r"hash_bucket_size and vocab_list"):
        Bucketizer.from_config(config, "f")


def test_hash_bucket_size() -> None:
    b = make("hash_bucket_size: 1000")
    assert (b.kind, b.num_embeddings) == ("hash_bucket_size", 1000)
    # Golden buckets of the documented hash (see test_hashing).
    assert b.ids(pa.array(["123", "a", "-5"]), "x").tolist() == [448, 315, 154]
    assert b.ids(pa.array([123, -5]), "x").tolist() == [448, 154]


def test_num_buckets_range() -> None:
    b = make("num_buckets: 12")
    assert b.num_embeddings == 12
    assert b.ids(pa.array(["0", "11", "3"]), "x").tolist() == [0, 11, 3]
    assert b.ids(pa.array([5.0]), "x").tolist() == [5]
    with pytest.raises(InvalidFgInputError, match=r"id 12 is out of range \[0, 12\)") as e:
        b.ids(pa.array([1, 12]), "user:month")
    assert "user:month" in str(e.value) and "'f'" in str(e.value)
    with pytest.raises(InvalidFgInputError, match=r"-1"):
        b.ids(pa.array([-1]), "x")
    with pytest.raises(InvalidFgInputError, match=r"'abc'.*not an integer"):
        b.ids(pa.array(["1", "abc"]), "x")
    with pytest.raises(InvalidFgInputError, match=r"2.5.*not an integer"):
        b.ids(pa.array([2.5]), "x")


def test_vocab_list_reserved_ids() -> None:
    b = make('vocab_list: ["a", "b", "c"] default_value: "z"')
    assert b.num_embeddings == 5
    # a,b,c -> 2,3,4; OOV -> 1; the default value (not in the vocab) -> 0.
    assert b.ids(pa.array(["c", "a", "q", "z", "b"]), "x").tolist() == [4, 2, 1, 0, 3]
    # Integers look up their decimal text.
    b = make('vocab_list: ["1", "2", "3"]')
    assert b.ids(pa.array([3, 7, 1]), "x").tolist() == [4, 1, 2]


def test_vocab_list_default_in_vocab_keeps_its_id() -> None:
    b = make('vocab_list: ["a", "b"] default_value: "b"')
    assert b.ids(pa.array(["b", "x"]), "x").tolist() == [3, 1]


def test_vocab_list_with_default_bucketize_value() -> None:
    b = make('vocab_list: ["a", "b", "c"] default_bucketize_value: 7 default_value: "z"')
    assert b.num_embeddings == 8
    assert b.ids(pa.array(["a", "c", "q", "z"]), "x").tolist() == [0, 2, 7, 7]


def test_vocab_dict() -> None:
    b = make('vocab_dict: [{key: "a" value: 2}, {key: "b" value: 3}, {key: "c" value: 2}]')
    assert b.num_embeddings == 4
    assert b.ids(pa.array(["c", "b", "zz", "a"]), "x").tolist() == [2, 3, 1, 2]
    # An entry equal to default_value maps to 0.
    b = make('vocab_dict: [{key: "a" value: 2}, {key: "b" value: 3}] default_value: "b"')
    assert b.ids(pa.array(["a", "b"]), "x").tolist() == [2, 0]
    b = make('vocab_dict: [{key: "a" value: 0}, {key: "b" value: 1}] default_bucketize_value: 5')
    assert b.num_embeddings == 6
    assert b.ids(pa.array(["b", "a", "q"]), "x").tolist() == [1, 0, 5]


def test_vocab_file_list_and_dict(tmp_path: Path) -> None:
    (tmp_path / "words.txt").write_text("apple\nbanana\n\ncherry\n", encoding="utf-8")
    b = make('vocab_file: "words.txt" default_bucketize_value: 3', str(tmp_path))
    assert b.num_embeddings == 4
    assert b.ids(pa.array(["cherry", "apple", "kiwi", "banana"]), "x").tolist() == [2, 0, 3, 1]
    (tmp_path / "dict.txt").write_text("apple 5\nbanana 5\ncherry 9\n", encoding="utf-8")
    b = make(f'vocab_file: "{tmp_path / "dict.txt"}" default_bucketize_value: 1')
    assert b.num_embeddings == 10
    assert b.ids(pa.array(["cherry", "banana", "kiwi"]), "x").tolist() == [9, 5, 1]


def test_vocab_file_errors(tmp_path: Path) -> None:
    config = text_format.Parse('feature_name: "f" vocab_file: "words.txt"', feature_pb2.IdFeature())
    with pytest.raises(FeatureConfigError, match=r"default_bucketize_value"):
        Bucketizer.from_config(config, "f")
    b = make('vocab_file: "missing.txt" default_bucketize_value: 0', str(tmp_path))
    with pytest.raises(FeatureConfigError, match=r"missing.txt"):
        b.ids(pa.array(["a"]), "x")


def test_boundaries() -> None:
    b = raw("boundaries: [0.1, 0.5, 1.0]")
    assert (b.kind, b.num_embeddings) == ("boundaries", 4)
    # bucket = number of boundaries <= value.
    values = pa.array([-1.0, 0.1, 0.3, 0.5, 0.99, 1.0, 5.0])
    assert b.ids(values, "x").tolist() == [0, 1, 1, 2, 2, 3, 3]
    assert b.ids(pa.array(["0.2", "7"]), "x").tolist() == [1, 3]
    with pytest.raises(InvalidFgInputError, match=r"'x1'.*not a number"):
        b.ids(pa.array(["0.2", "x1"]), "item:price")
    config = text_format.Parse('feature_name: "r" boundaries: [1.0, 0.5]', feature_pb2.RawFeature())
    with pytest.raises(FeatureConfigError, match=r"increase"):
        Bucketizer.from_config(config, "r")


def test_zch_and_dynamicemb_raw_ids() -> None:
    b = make("zch { zch_size: 1000 lfu {} }")
    assert (b.kind, b.num_embeddings) == ("zch", 1000)
    assert b.ids(pa.array([123456789012, 5]), "x").tolist() == [123456789012, 5]
    got = b.ids(pa.array(["42", "abc"]), "x")
    assert got[0] == 42
    assert got[1] == int(hash_values(pa.array(["abc"]))[0]) & (2**63 - 1)
    b = make("dynamicemb { max_capacity: 64 }")
    assert (b.kind, b.num_embeddings) == ("dynamicemb", 64)


def test_apply_keeps_rows() -> None:
    b = make("hash_bucket_size: 1000")
    value = b.apply(Ragged(pa.array(["123", "a", "-5"]), np.array([2, 0, 1], np.int32)), "x")
    assert value.values.tolist() == [448, 315, 154]
    assert value.lengths.tolist() == [2, 0, 1]
    assert value.values.tolist() == bucketize_hash(pa.array(["123", "a", "-5"]), 1000).tolist()
