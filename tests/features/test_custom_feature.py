"""CustomFeature with an EditDistance operator registered through a test plugin."""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from google.protobuf import text_format

from tzrec.features import custom_feature
from tzrec.features.errors import FeatureConfigError
from tzrec.features.factory import create_feature
from tzrec.features.feature import BaseFeature, FeatureContext
from tzrec.features.values import DenseValue, SequenceDenseValue, SparseValue
from tzrec.plugins import FeatureOperatorSpec, build_registries, create_plugin_manager, hookimpl
from tzrec.protos import data_pb2, feature_pb2

OPS_MODULE = "tzrec_test_feature_ops"


class EditDistance:
    """Levenshtein distance of two string columns, one DP cell over all rows at a time."""

    def __init__(self, params: dict[str, Any], feature_name: str) -> None:
        self.encoding = params.get("encoding", "latin")
        if self.encoding not in ("utf-8", "latin"):
            raise ValueError(f"unknown encoding {self.encoding}")

    def _chars(self, arr: pa.Array) -> tuple[list[pa.Array], np.ndarray]:
        arr = pc.fill_null(arr.cast(pa.string()), "")
        if self.encoding == "latin":
            arr = arr.cast(pa.binary())
            lengths = pc.binary_length(arr).to_numpy()
            chars = [pc.binary_slice(arr, k, k + 1) for k in range(int(lengths.max(initial=0)))]
        else:
            lengths = pc.utf8_length(arr).to_numpy()
            chars = [
                pc.utf8_slice_codeunits(arr, k, k + 1) for k in range(int(lengths.max(initial=0)))
            ]
        return chars, lengths.astype(np.int64)

    def __call__(self, inputs: list[pa.Array]) -> pa.Array:
        (a, la), (b, lb) = self._chars(inputs[0]), self._chars(inputs[1])
        n = len(la)
        table = np.zeros((n, len(a) + 1, len(b) + 1), dtype=np.int64)
        table[:, :, 0] = np.arange(len(a) + 1)
        table[:, 0, :] = np.arange(len(b) + 1)
        for i in range(1, len(a) + 1):
            for j in range(1, len(b) + 1):
                differ = ~pc.equal(a[i - 1], b[j - 1]).to_numpy(zero_copy_only=False)
                table[:, i, j] = np.minimum.reduce(
                    [
                        table[:, i - 1, j] + 1,
                        table[:, i, j - 1] + 1,
                        table[:, i - 1, j - 1] + differ,
                    ]
                )
        return pa.array(table[np.arange(n), la, lb].astype(np.float64))


class Concat:
    """Joins its two inputs with a params-given glue (a categorical output)."""

    def __init__(self, params: dict[str, Any], feature_name: str) -> None:
        self.glue = str(params["glue"])

    def __call__(self, inputs: list[pa.Array]) -> pa.Array:
        return pc.binary_join_element_wise(*[i.cast(pa.string()) for i in inputs], self.glue)


class BadLength:
    def __init__(self, params: dict[str, Any], feature_name: str) -> None:
        pass

    def __call__(self, inputs: list[pa.Array]) -> pa.Array:
        return pa.array([1.0])


class _OpsPlugin:
    @hookimpl
    def register_feature_operators(self) -> list[FeatureOperatorSpec]:
        return [
            FeatureOperatorSpec("EditDistance", f"{OPS_MODULE}:EditDistance"),
            FeatureOperatorSpec("Concat", f"{OPS_MODULE}:Concat"),
            FeatureOperatorSpec("BadLength", f"{OPS_MODULE}:BadLength"),
            FeatureOperatorSpec("Missing", f"{OPS_MODULE}:Nope"),
        ]


@pytest.fixture(autouse=True)
def operator_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registries holding only the test operators."""
    module = types.ModuleType(OPS_MODULE)
    module.EditDistance = EditDistance  # type: ignore[attr-defined]
    module.Concat = Concat  # type: ignore[attr-defined]
    module.BadLength = BadLength  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, OPS_MODULE, module)
    pm = create_plugin_manager(load_entrypoints=False, plugins={"test_ops": _OpsPlugin()})
    registries = build_registries(pm)
    monkeypatch.setattr(custom_feature, "get_registries", lambda: registries)


def build(text: str, mode: int = data_pb2.FG_DAG) -> list[BaseFeature]:
    config = text_format.Parse(text, feature_pb2.FeatureConfig())
    return create_feature(config, FeatureContext(fg_mode=mode))


DOC = """
custom_feature {
    feature_name: "edit_distance"
    operator_name: "EditDistance"
    operator_lib_file: "pyfg/lib/libedit_distance.so"
    expression: ["user:query", "item:title"]
    operator_params {
        fields {
            key: "encoding"
            value {
                string_value: "utf-8"
            }
        }
    }
    %s
}
"""


def one(extra: str = "", mode: int = data_pb2.FG_DAG) -> BaseFeature:
    (feature,) = build(DOC % extra, mode)
    return feature


def test_doc_example_dense() -> None:
    f = one()
    assert not f.is_sparse and f.value_dim == 1
    assert f.input_columns == ["query", "title"]
    value = f.parse(
        {
            "query": pa.array(["kitten", "abc", "", "苹果手机", None]),
            "title": pa.array(["sitting", "abc", "xy", "苹果电脑", "ab"]),
        }
    )
    assert isinstance(value, DenseValue)
    np.testing.assert_array_equal(value.values[:, 0], [3, 0, 2, 2, 2])


def test_params_reach_the_operator() -> None:
    # latin compares bytes: the last two characters of "苹果手机" and "苹果电脑" differ in
    # all three of their UTF-8 bytes, 6 substitutions (utf-8 compares characters: 2).
    f = one().__class__(
        text_format.Parse(
            (DOC % "").replace("utf-8", "latin"), feature_pb2.FeatureConfig()
        ).custom_feature,
        FeatureContext(fg_mode=data_pb2.FG_DAG),
    )
    value = f.parse({"query": pa.array(["苹果手机"]), "title": pa.array(["苹果电脑"])})
    assert isinstance(value, DenseValue)
    assert value.values[0, 0] == 6


def test_bucketized_and_normalized() -> None:
    f = one("boundaries: [1, 3] embedding_dim: 4")
    assert f.is_sparse and f.num_embeddings == 3
    value = f.parse({"query": pa.array(["a", "ab", "abcd"]), "title": pa.array(["a", "b", "x"])})
    assert isinstance(value, SparseValue)
    # distances 0, 1, 4 -> buckets 0, 1, 2
    np.testing.assert_array_equal(value.values, [0, 1, 2])
    g = one('normalizer: "method=minmax,min=0,max=4"')
    value = g.parse({"query": pa.array(["abcd"]), "title": pa.array(["ab"])})
    assert isinstance(value, DenseValue)
    assert value.values[0, 0] == 0.5


def test_categorical_output() -> None:
    (f,) = build(
        """
        custom_feature {
            feature_name: "pair"
            operator_name: "Concat"
            expression: ["user:a", "item:b"]
            operator_params { fields { key: "glue" value { string_value: "-" } } }
            vocab_list: ["x-1", "y-2"]
            default_value: "x-1"
            embedding_dim: 4
        }
        """
    )
    assert f.is_sparse and f.num_embeddings == 4 and f.value_dim == 0
    value = f.parse({"a": pa.array(["x", "y", "z", None]), "b": pa.array([1, 2, 3, 4])})
    assert isinstance(value, SparseValue)
    # x-1 -> 2, y-2 -> 3, z-3 -> 1 (out of vocabulary), null -> default x-1 -> 2
    np.testing.assert_array_equal(value.values, [2, 3, 1, 2])


def test_sequence_custom_feature_runs_per_step() -> None:
    (f,) = build(
        """
        sequence_custom_feature {
            feature_name: "seq_dist"
            operator_name: "EditDistance"
            expression: ["user:query", "item:clk_titles"]
            sequence_length: 2
            sequence_delim: ";"
        }
        """
    )
    assert f.is_sequence
    value = f.parse({"query": pa.array(["ab", "x"]), "clk_titles": pa.array(["ab;abc;zzz", "y"])})
    assert isinstance(value, SequenceDenseValue)
    np.testing.assert_array_equal(value.lengths, [2, 1])
    np.testing.assert_array_equal(value.values[:, 0], [0, 1, 1])


def test_unknown_operator_lists_registered_and_mentions_native_libraries() -> None:
    with pytest.raises(FeatureConfigError) as info:
        build(
            """custom_feature { feature_name: "re" operator_name: "RegexReplace"
               operator_lib_file: "pyfg/lib/libregex_replace.so" expression: ["user:q"] }"""
        )
    message = str(info.value)
    assert "no feature operator 'RegexReplace'" in message
    assert "BadLength, Concat, EditDistance, Missing" in message
    assert "native pyfg operator" in message and "libregex_replace.so" in message
    assert "register_feature_operators" in message


def test_operator_errors() -> None:
    with pytest.raises(FeatureConfigError, match="cannot load feature operator 'Missing'"):
        build(
            """custom_feature { feature_name: "m" operator_name: "Missing"
               expression: ["user:q"] }"""
        )
    with pytest.raises(FeatureConfigError, match="rejected its params"):
        one().__class__(
            text_format.Parse(
                (DOC % "").replace("utf-8", "ebcdic"), feature_pb2.FeatureConfig()
            ).custom_feature,
            FeatureContext(fg_mode=data_pb2.FG_DAG),
        )
    (bad,) = build(
        """custom_feature { feature_name: "b" operator_name: "BadLength" expression: ["user:q"] }"""
    )
    with pytest.raises(FeatureConfigError, match="returned 1 values for 2 rows"):
        bad.parse({"q": pa.array(["a", "b"])})


def test_fg_none_needs_no_operator() -> None:
    (f,) = build(
        """custom_feature { feature_name: "x" operator_name: "NotInstalled"
           expression: ["user:q"] boundaries: [1] embedding_dim: 4 }""",
        mode=data_pb2.FG_NONE,
    )
    value = f.parse({"x": pa.array([1, 0])})
    assert isinstance(value, SparseValue)
    np.testing.assert_array_equal(value.values, [1, 0])
