"""Ragged helpers on the column layouts real batches have: slices, large/dict types, nulls."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from google.protobuf import text_format

from tzrec.features.factory import create_features
from tzrec.features.feature import BaseFeature, FeatureContext
from tzrec.features.ragged import _may_contain, as_ragged, split_sequence
from tzrec.features.values import SequenceDenseValue, SequenceSparseValue
from tzrec.protos import data_pb2, feature_pb2


def rows(arr: pa.Array, sep: str | None) -> tuple[list[object], list[int]]:
    r = as_ragged(arr, sep)
    return r.values.to_pylist(), r.lengths.tolist()


def test_as_ragged_on_sliced_strings_reads_only_the_slice() -> None:
    # The separator sits only in rows before the slice: nothing in the slice is split.
    head_sep = pa.array(["a|b", "c|d", "e|f", "x", "y"]).slice(3)
    assert not _may_contain(head_sep, "|")
    assert rows(head_sep, "|") == (["x", "y"], [1, 1])
    # The separator sits only in the slice.
    tail_sep = pa.array(["x", "y", "z", "a|b", "", "c"]).slice(3)
    assert _may_contain(tail_sep, "|")
    assert rows(tail_sep, "|") == (["a", "b", "c"], [2, 0, 1])
    assert rows(tail_sep.slice(1), "|") == (["c"], [0, 1])


def test_as_ragged_on_sliced_large_and_dictionary_columns() -> None:
    lists = pa.array([["p|q"], ["a|b", None], [], None, ["c"]]).slice(1)
    assert rows(lists, "|") == (["a", "b", "c"], [2, 0, 0, 1])
    large = pa.array([["p"], ["a|b"], ["c"]], pa.large_list(pa.large_string())).slice(1)
    assert rows(large, "|") == (["a", "b", "c"], [2, 1])
    large_str = pa.array(["p|q", "a|b", None, ""], pa.large_string()).slice(1)
    assert rows(large_str, "|") == (["a", "b"], [2, 0, 0])
    dictionary = pa.array(["a|b", None, "c", "a|b"]).dictionary_encode().slice(1)
    assert rows(dictionary, "|") == (["c", "a", "b"], [0, 1, 2])
    chunked = pa.chunked_array([pa.array(["a|b"]), pa.array(["c", None])])
    assert rows(chunked, "|") == (["a", "b", "c"], [2, 1, 0])
    assert rows(pa.chunked_array([], pa.string()), "|") == ([], [])
    assert rows(pa.nulls(2), "|") == ([], [0, 0])


def test_split_sequence_reads_dictionary_and_all_null_columns() -> None:
    steps, lengths = split_sequence(
        pa.array(["a;b", None, "", "a;b;c"]).dictionary_encode(), ";", 2
    )
    assert (steps.to_pylist(), lengths.tolist()) == (["a", "b", "a", "b"], [2, 0, 0, 2])
    steps, lengths = split_sequence(pa.nulls(3), ";", 2)
    assert (len(steps), lengths.tolist()) == (0, [0, 0, 0])
    steps, lengths = split_sequence(pa.array(["x;y;z", "1;2;3", "4"]).slice(1), ";", 2)
    assert (steps.to_pylist(), lengths.tolist()) == (["1", "2", "4"], [2, 1])


def _feature(text: str, mode: int) -> BaseFeature:
    config = text_format.Parse(text, feature_pb2.FeatureConfig())
    (f,) = create_features([config], FeatureContext(fg_mode=mode))
    return f


def test_sequence_features_on_all_null_and_dictionary_columns() -> None:
    ids = _feature(
        'sequence_id_feature { feature_name: "s" expression: "user:s" num_buckets: 10 '
        "sequence_length: 3 }",
        data_pb2.FG_DAG,
    )
    v = ids.parse({"s": pa.nulls(2)})
    assert isinstance(v, SequenceSparseValue)
    assert (v.values.tolist(), v.lengths.tolist()) == ([], [0, 0])
    v = ids.parse({"s": pa.array(["1;2", None, "3"]).dictionary_encode()})
    assert isinstance(v, SequenceSparseValue)
    assert (v.values.tolist(), v.lengths.tolist()) == ([1, 2, 3], [2, 0, 1])
    raw = _feature(
        'sequence_raw_feature { feature_name: "p" expression: "user:p" sequence_length: 3 }',
        data_pb2.FG_NONE,
    )
    v = raw.parse({"p": pa.nulls(2)})
    assert isinstance(v, SequenceDenseValue)
    assert (v.values.shape, v.lengths.tolist()) == ((0, 1), [0, 0])
    assert v.values.dtype == np.float32
