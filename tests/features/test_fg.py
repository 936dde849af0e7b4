"""FeatureGenerator: DAG order, feature:/const: inputs, stub features, input columns."""

from __future__ import annotations

import pyarrow as pa
import pytest
from google.protobuf import text_format

from tzrec.features.errors import FeatureConfigError
from tzrec.features.factory import create_features
from tzrec.features.feature import FeatureContext
from tzrec.features.fg import FeatureGenerator, value_to_arrow
from tzrec.features.hashing import bucketize_hash
from tzrec.features.values import DenseValue, SequenceSparseValue, SparseValue
from tzrec.protos import data_pb2, feature_pb2


def generator(*texts: str, mode: int = data_pb2.FG_DAG) -> FeatureGenerator:
    configs = [text_format.Parse(t, feature_pb2.FeatureConfig()) for t in texts]
    return FeatureGenerator(create_features(configs, FeatureContext(fg_mode=mode)))


def ids(value: object) -> list[int]:
    assert isinstance(value, SparseValue)
    return value.values.tolist()


def test_a_feature_reads_another_features_output_in_dag_order() -> None:
    # The lookup is listed first but reads the binned age, so the age runs first.
    g = generator(
        'lookup_feature { feature_name: "lk" map: "item:age_map" key: "feature:age_bin" }',
        'raw_feature { feature_name: "age_bin" expression: "user:age" boundaries: [18, 30] '
        "embedding_dim: 4 }",
    )
    assert g.input_columns == ["age_map", "age"]
    columns = {
        "age": pa.array([10.0, 20.0, 40.0]),
        "age_map": pa.array(["0:0.5\x1d1:0.25", "1:2.0", "0:1"]),
    }
    out = g.run(columns, 3)
    assert ids(out["age_bin"]) == [0, 1, 2]
    lookup = out["lk"]
    assert isinstance(lookup, DenseValue)
    assert lookup.values[:, 0].tolist() == [0.5, 2.0, 0.0]


def test_const_input_is_a_literal_in_every_row() -> None:
    g = generator(
        'combo_feature { feature_name: "c" expression: ["user:u", "const:x"] '
        "hash_bucket_size: 1000 embedding_dim: 4 }"
    )
    assert g.input_columns == ["u"]
    out = g.run({"u": pa.array(["a", "b"])}, 2)
    expected = bucketize_hash(pa.array(["a_x", "b_x"]), 1000).tolist()
    assert ids(out["c"]) == expected


def test_stub_feature_passes_raw_values_and_is_not_output() -> None:
    g = generator(
        'id_feature { feature_name: "brand_stub" expression: "item:brand" stub_type: true }',
        'combo_feature { feature_name: "c" expression: ["feature:brand_stub", "user:u"] '
        "hash_bucket_size: 100 embedding_dim: 4 }",
    )
    out = g.run({"brand": pa.array(["nike", "adidas"]), "u": pa.array(["u1", "u2"])}, 2)
    assert list(out) == ["c"]
    assert ids(out["c"]) == bucketize_hash(pa.array(["nike_u1", "adidas_u2"]), 100).tolist()


def test_unknown_feature_input_and_cycles_are_config_errors() -> None:
    with pytest.raises(FeatureConfigError, match="'feature:nope' names no feature"):
        generator('raw_feature { feature_name: "a" expression: "feature:nope" }')
    with pytest.raises(FeatureConfigError, match="cycle: a -> b -> a"):
        generator(
            'raw_feature { feature_name: "a" expression: "feature:b" }',
            'raw_feature { feature_name: "b" expression: "feature:a" }',
        )


def test_fg_normal_reads_feature_and_const_inputs_as_columns() -> None:
    g = generator(
        'combo_feature { feature_name: "c" expression: ["feature:f", "const:k"] '
        "hash_bucket_size: 10 embedding_dim: 4 }",
        mode=data_pb2.FG_NORMAL,
    )
    assert g.input_columns == ["f", "k"]


def test_encoded_modes_read_output_features_by_name() -> None:
    g = generator(
        'id_feature { feature_name: "s" expression: "item:x" stub_type: true }',
        'id_feature { feature_name: "a" expression: "item:y" num_buckets: 5 }',
        mode=data_pb2.FG_NONE,
    )
    assert g.input_columns == ["a"]


def test_value_to_arrow_shapes() -> None:
    sparse = SparseValue(
        values=pa.array([1, 2, 3]).to_numpy(), lengths=pa.array([2, 0, 1], pa.int32()).to_numpy()
    )
    assert value_to_arrow(sparse).to_pylist() == [[1, 2], [], [3]]
    seq = SequenceSparseValue(
        values=pa.array([4, 5, 6]).to_numpy(),
        lengths=pa.array([1, 2], pa.int32()).to_numpy(),
        step_lengths=pa.array([1, 1, 1], pa.int32()).to_numpy(),
    )
    assert value_to_arrow(seq).to_pylist() == [[[4]], [[5], [6]]]


def test_stub_type_is_refused_in_fg_normal() -> None:
    # FG_NORMAL reads `feature:` inputs from the table, so an FG intermediate has no use.
    with pytest.raises(FeatureConfigError, match=r"'s'.*stub_type.*FG_NORMAL"):
        generator(
            'id_feature { feature_name: "s" expression: "item:x" stub_type: true }',
            mode=data_pb2.FG_NORMAL,
        )
