"""ExprFeature over pyarrow columns: dense, bucketized, vectors, defaults, FG modes."""

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


def one(text: str, mode: int = data_pb2.FG_DAG) -> BaseFeature:
    config = text_format.Parse(text, feature_pb2.FeatureConfig())
    (feature,) = create_feature(config, FeatureContext(fg_mode=mode))
    return feature


AGE_MATCH = """
expr_feature {
    feature_name: "combo_age_cate"
    variables: ["user:u_age", "item:i_age"]
    expression: "u_age == i_age ? 1 : 0"
    embedding_dim: 8
    boundaries: [0.5]
}
"""


def test_doc_example_bucketized() -> None:
    f = one(AGE_MATCH)
    assert f.is_sparse and f.num_embeddings == 2 and f.value_dim == 0
    assert f.input_columns == ["u_age", "i_age"]
    value = f.parse(
        {"u_age": pa.array([18, 20, None, 30]), "i_age": pa.array(["18", "21", "5", "30"])}
    )
    assert isinstance(value, SparseValue)
    # Row 2 lacks u_age: default_value "0" -> bucket 0.
    np.testing.assert_array_equal(value.values, [1, 0, 0, 1])
    np.testing.assert_array_equal(value.lengths, [1, 1, 1, 1])


def test_dense_with_normalizer_and_default() -> None:
    f = one(
        """
        expr_feature {
            feature_name: "ratio"
            variables: ["user:a", "item:b"]
            expression: "a / b + 1"
            default_value: "9"
            normalizer: "method=zscore,mean=1,standard_deviation=2"
        }
        """
    )
    assert not f.is_sparse and f.value_dim == 1
    value = f.parse({"a": pa.array([4.0, 1.0, None]), "b": pa.array([2.0, 4.0, 3.0])})
    assert isinstance(value, DenseValue)
    # (4/2+1-1)/2 = 1; (1/4+1-1)/2 = 0.125; missing a -> default 9 normalized: (9-1)/2 = 4.
    np.testing.assert_allclose(value.values[:, 0], [1.0, 0.125, 4.0])


def test_empty_default_leaves_missing_rows_empty() -> None:
    f = one(AGE_MATCH.replace("embedding_dim: 8", 'embedding_dim: 8 default_value: ""'))
    value = f.parse({"u_age": pa.array([None, 3]), "i_age": pa.array([1, 3])})
    assert isinstance(value, SparseValue)
    np.testing.assert_array_equal(value.lengths, [0, 1])
    np.testing.assert_array_equal(value.values, [1])


def test_vector_inputs_from_lists_and_separated_strings() -> None:
    f = one(
        """
        expr_feature {
            feature_name: "sim"
            variables: ["user:u_emb", "item:i_emb", "item:bias"]
            expression: "dot(u_emb, i_emb) + len(i_emb) * bias"
        }
        """
    )
    value = f.parse(
        {
            "u_emb": pa.array([[1.0, 2.0], [0.5, 0.5]]),
            "i_emb": pa.array(["3\x1d4", "2\x1d2"]),
            "bias": pa.array([0.5, 1.0]),
        }
    )
    assert isinstance(value, DenseValue)
    np.testing.assert_allclose(value.values[:, 0], [11.0 + 1.0, 2.0 + 2.0])


def test_vector_result_is_multi_value_when_bucketized() -> None:
    f = one(
        """
        expr_feature {
            feature_name: "scaled"
            variables: ["item:prices"]
            expression: "prices * 2"
            boundaries: [1, 5]
            embedding_dim: 4
        }
        """
    )
    value = f.parse({"prices": pa.array([[0.1, 1.0, 3.0], [], None])})
    assert isinstance(value, SparseValue)
    # 0.2 -> 0, 2 -> 1, 6 -> 2; empty vectors have no values; row without values: "0".
    np.testing.assert_array_equal(value.lengths, [3, 1, 1])
    np.testing.assert_array_equal(value.values, [0, 1, 2, 0, 0])


def test_rows_missing_a_vector_take_the_default() -> None:
    f = one(
        """
        expr_feature {
            feature_name: "d"
            variables: ["user:a", "item:b"]
            expression: "dot(a, b)"
            default_value: "-1"
        }
        """
    )
    value = f.parse({"a": pa.array([[1.0, 2.0], None, []]), "b": pa.array([[3.0, 4.0]] * 3)})
    assert isinstance(value, DenseValue)
    np.testing.assert_array_equal(value.values[:, 0], [11.0, -1.0, -1.0])


def test_fixed_width_dense_output() -> None:
    f = one(
        """
        expr_feature {
            feature_name: "signs"
            variables: ["item:v"]
            expression: "sign(v)"
            value_dim: 3
        }
        """
    )
    value = f.parse({"v": pa.array([[-2.0, 0.0, 5.0], [1.0, 1.0, -1.0]])})
    assert isinstance(value, DenseValue)
    np.testing.assert_array_equal(value.values, [[-1, 0, 1], [1, 1, -1]])


def test_non_numeric_input_names_feature_and_value() -> None:
    f = one(AGE_MATCH)
    with pytest.raises(InvalidFgInputError, match=r"'combo_age_cate'.*user:u_age.*'abc'"):
        f.parse({"u_age": pa.array(["abc"]), "i_age": pa.array([1])})


def test_vector_length_mismatch_is_an_input_error() -> None:
    f = one(
        """
        expr_feature {
            feature_name: "d"
            variables: ["user:a", "item:b"]
            expression: "dot(a, b)"
        }
        """
    )
    with pytest.raises(InvalidFgInputError, match="row 0"):
        f.parse({"a": pa.array([[1.0, 2.0]]), "b": pa.array([[1.0]])})


def test_config_errors() -> None:
    with pytest.raises(FeatureConfigError, match=r"'bad'.*unknown variable 'c'"):
        one("""expr_feature { feature_name: "bad" variables: ["user:a"] expression: "a + c" }""")
    with pytest.raises(FeatureConfigError, match="appear twice"):
        one(
            """expr_feature { feature_name: "dup" variables: ["user:a", "item:a"]
            expression: "a" }"""
        )
    with pytest.raises(FeatureConfigError, match="position 3"):
        one("""expr_feature { feature_name: "syn" variables: ["user:a"] expression: "a +" }""")


def test_fg_none_and_fg_bucketize() -> None:
    f = one(AGE_MATCH, mode=data_pb2.FG_NONE)
    assert f.input_columns == ["combo_age_cate"]
    value = f.parse({"combo_age_cate": pa.array([1, 0, 1])})
    assert isinstance(value, SparseValue)
    np.testing.assert_array_equal(value.values, [1, 0, 1])
    with pytest.raises(InvalidFgInputError, match="out of range"):
        f.parse({"combo_age_cate": pa.array([2])})
    g = one(AGE_MATCH, mode=data_pb2.FG_BUCKETIZE)
    value = g.parse({"combo_age_cate": pa.array([1.0, 0.0, None])})
    assert isinstance(value, SparseValue)
    np.testing.assert_array_equal(value.values, [1, 0, 0])


def test_reads_another_feature_in_fg_dag() -> None:
    configs = [
        text_format.Parse(t, feature_pb2.FeatureConfig())
        for t in [
            """raw_feature { feature_name: "age" expression: "user:age" stub_type: true }""",
            """expr_feature { feature_name: "age2" variables: ["feature:age", "const:3"]
               expression: "age * 2" }""",
        ]
    ]
    features = create_features(configs, FeatureContext(fg_mode=data_pb2.FG_DAG))
    out = FeatureGenerator(features).run({"age": pa.array([1.5, 4.0])}, num_rows=2)
    value = out["age2"]
    assert isinstance(value, DenseValue)
    np.testing.assert_array_equal(value.values[:, 0], [3.0, 8.0])


def test_inside_a_grouped_sequence() -> None:
    config = text_format.Parse(
        """
        sequence_feature {
            sequence_name: "click_seq"
            sequence_length: 3
            sequence_delim: ";"
            features {
                expr_feature {
                    feature_name: "price_gap"
                    variables: ["user:budget", "item:price"]
                    expression: "budget - price"
                    boundaries: [0]
                    embedding_dim: 4
                }
            }
        }
        """,
        feature_pb2.FeatureConfig(),
    )
    (f,) = create_feature(config, FeatureContext(fg_mode=data_pb2.FG_DAG))
    assert f.name == "click_seq__price_gap" and f.value_dim == 1
    assert f.input_columns == ["budget", "click_seq__price"]
    value = f.parse(
        {"budget": pa.array([10.0, 5.0]), "click_seq__price": pa.array(["3;12", "5;1;9;2"])}
    )
    assert isinstance(value, SequenceSparseValue)
    np.testing.assert_array_equal(value.lengths, [2, 3])
    # 7 -> 1, -2 -> 0 | 0 -> 1, 4 -> 1, -4 -> 0
    np.testing.assert_array_equal(value.values, [1, 0, 1, 1, 0])
