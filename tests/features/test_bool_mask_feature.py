"""BoolMaskFeature: values kept where the mask is true, then bucketized."""

from __future__ import annotations

import pyarrow as pa
import pytest
from google.protobuf import text_format

from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.factory import create_features
from tzrec.features.feature import BaseFeature, FeatureContext
from tzrec.features.values import SparseValue
from tzrec.protos import data_pb2, feature_pb2

DAG, NONE = data_pb2.FG_DAG, data_pb2.FG_NONE


def feature(text: str, mode: int = DAG) -> BaseFeature:
    config = text_format.Parse(text, feature_pb2.FeatureConfig())
    (f,) = create_features([config], FeatureContext(fg_mode=mode))
    return f


def sparse(value: object) -> tuple[list[int], list[int]]:
    assert isinstance(value, SparseValue)
    return value.values.tolist(), value.lengths.tolist()


# vocab ids: "123" -> 2, "456" -> 3, "90" -> 4, "80" -> 5 (also for ints 123, 456 ...).
VOCAB = 'vocab_list: ["123", "456", "90", "80", "1", "3"]'
TEXT = (
    'bool_mask_feature { feature_name: "m" expression: ["user:items", "item:mask"] '
    f'separator: "," {VOCAB} }}'
)


def test_documented_examples() -> None:
    f = feature(TEXT)
    assert f.input_columns == ["items", "mask"]
    # "123,456,90,80" masked by "true,false,true,false" / [1,0,1,0] -> ["123", "90"].
    cols = {
        "items": pa.array(["123,456,90,80", "123,456,90,80"]),
        "mask": pa.array(["true,false,true,false", "TRUE,0,1,False"]),
    }
    assert sparse(f.parse(cols)) == ([2, 4, 2, 4], [2, 2])
    cols = {"items": pa.array(["123,456,90,80"]), "mask": pa.array([[1, 0, 1, 0]])}
    assert sparse(f.parse(cols)) == ([2, 4], [2])
    # [1, 2, 3, 4] with [1, 0, 1, 0] -> [1, 3] (ids 6, 7).
    cols = {"items": pa.array([[1, 2, 3, 4]]), "mask": pa.array(["true,false,true,false"])}
    assert sparse(f.parse(cols)) == ([6, 7], [2])
    cols = {"items": pa.array([[1, 2, 3, 4]]), "mask": pa.array([[True, False, True, False]])}
    assert sparse(f.parse(cols)) == ([6, 7], [2])


def test_nothing_kept_takes_default() -> None:
    f = feature(
        'bool_mask_feature { feature_name: "m" expression: ["user:items", "item:mask"] '
        f'separator: "," {VOCAB} default_value: "80" }}'
    )
    cols = {"items": pa.array(["123,456", None]), "mask": pa.array(["false,false", None])}
    assert sparse(f.parse(cols)) == ([5, 5], [1, 1])


def test_bad_masks() -> None:
    f = feature(TEXT)
    with pytest.raises(InvalidFgInputError, match=r"row 1: the mask has 1 elements"):
        f.parse({"items": pa.array(["1", "1,3"]), "mask": pa.array(["1", "1"])})
    with pytest.raises(InvalidFgInputError, match=r"'item:mask'.*'yes'.*true/false"):
        f.parse({"items": pa.array(["1"]), "mask": pa.array(["yes"])})
    with pytest.raises(FeatureConfigError, match=r"takes 2 inputs"):
        feature(
            'bool_mask_feature { feature_name: "m" expression: ["user:a"] hash_bucket_size: 9 }'
        )


def test_fg_none() -> None:
    f = feature(f'bool_mask_feature {{ feature_name: "m" {VOCAB} }}', NONE)
    assert f.num_embeddings == 8
    assert sparse(f.parse({"m": pa.array(["2\x034", None])})) == ([2, 4], [2, 0])
    with pytest.raises(InvalidFgInputError, match=r"id 8 is out of range \[0, 8\)"):
        f.parse({"m": pa.array(["8"])})
