"""EmbeddingGroup sequence outputs: SEQUENCE / JAGGED_SEQUENCE groups, nested groups.

Table weights are ``arange`` (row i of a D-wide table is ``[i*D, ..., i*D + D-1]``).
"""

from __future__ import annotations

import pyarrow as pa
import pytest
import torch
from google.protobuf import text_format

from tzrec.datasets.batch import Batch
from tzrec.datasets.data_parser import DataParser
from tzrec.features.factory import context_from_data_config, create_features
from tzrec.modules.embedding import EmbeddingGroup
from tzrec.protos import model_pb2, pipeline_pb2
from tzrec.utils.config_errors import ConfigError

FEATURES = """
data_config { fg_mode: FG_NONE label_fields: "y" }
feature_configs { id_feature { feature_name: "a" num_buckets: 10 embedding_dim: 4 } }
feature_configs { id_feature { feature_name: "c" num_buckets: 5 embedding_dim: 4 } }
feature_configs { sequence_feature { sequence_name: "click" sequence_length: 4
  features { id_feature { feature_name: "a" num_buckets: 10 embedding_dim: 4
                          embedding_name: "a_emb" } }
  features { id_feature { feature_name: "c" num_buckets: 5 embedding_dim: 4
                          embedding_name: "c_emb" } }
  features { raw_feature { feature_name: "price" } }
} }
feature_configs { id_feature { feature_name: "hist" num_buckets: 10 embedding_dim: 4
                               value_dim: 0 sequence_length: 3 embedding_name: "a_emb" } }
"""

COLUMNS = {
    "a": pa.array([1, 2], pa.int64()),
    "c": pa.array([0, 4], pa.int64()),
    "click__a": pa.array(["1;2;3", ""]),
    "click__c": pa.array(["0;1;2", ""]),
    "click__price": pa.array(["0.5;1.5;2.5", ""]),
    "hist": pa.array(["1\x032;3", "4"]),
    "y": pa.array([1, 0]),
}


def build(groups: str) -> tuple[EmbeddingGroup, Batch]:
    config = text_format.Parse(FEATURES, pipeline_pb2.EasyRecConfig())
    model = text_format.Parse(groups, model_pb2.ModelConfig())
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    batch = DataParser(features, label_fields=["y"]).parse(pa.RecordBatch.from_pydict(COLUMNS))
    group = EmbeddingGroup(features, model.feature_groups)
    with torch.no_grad():
        for name, param in group.named_parameters():
            if name.endswith("_emb.weight") or "_emb_" in name:
                param.copy_(torch.arange(param.numel(), dtype=torch.float32).view_as(param))
    return group, batch


def row(i: int, dim: int = 4) -> list[float]:
    return [float(i * dim + k) for k in range(dim)]


def test_sequence_group_pads_steps_and_reports_lengths() -> None:
    group, batch = build(
        'feature_groups { group_name: "s" group_type: SEQUENCE '
        'feature_names: ["a", "c", "click__a", "click__c", "click__price"] }'
    )
    out = group(batch)
    zeros = [0.0] * 9
    expected_sequence = [
        [row(1) + row(0) + [0.5], row(2) + row(1) + [1.5], row(3) + row(2) + [2.5], zeros],
        [zeros] * 4,  # an empty history: all padding
    ]
    torch.testing.assert_close(out["s.sequence"], torch.tensor(expected_sequence))
    torch.testing.assert_close(out["s.query"], torch.tensor([row(1) + row(0), row(2) + row(4)]))
    assert out["s.sequence_length"].tolist() == [3, 0]
    assert out["s.sequence_length"].dtype == torch.int64
    assert group.group_query_dim("s") == 8 and group.group_sequence_dim("s") == 9
    assert group.group_sequence_length("s") == 4
    # the query id and the history ids share one table (in the EmbeddingCollection)
    assert sorted(group.table_names()) == ["a_emb", "c_emb"]
    assert group.ebc is None and list(group.ecs) == ["4"]


def test_jagged_sequence_group_keeps_steps_unpadded() -> None:
    group, batch = build(
        'feature_groups { group_name: "j" group_type: JAGGED_SEQUENCE '
        'feature_names: ["a", "click__a"] }'
    )
    out = group(batch)
    torch.testing.assert_close(out["j.sequence"], torch.tensor([row(1), row(2), row(3)]))
    assert out["j.sequence_length"].tolist() == [3, 0]
    assert out["j.sequence_offsets"].tolist() == [0, 3, 3]
    torch.testing.assert_close(out["j.query"], torch.tensor([row(1), row(2)]))


def test_multi_value_steps_are_pooled_per_step() -> None:
    group, batch = build(
        'feature_groups { group_name: "h" group_type: SEQUENCE feature_names: ["hist"] }'
    )
    out = group(batch)
    step0 = [x + y for x, y in zip(row(1), row(2), strict=True)]  # ids 1 and 2, sum pooling
    zeros = [0.0] * 4
    expected = [[step0, row(3), zeros], [row(4), zeros, zeros]]
    torch.testing.assert_close(out["h.sequence"], torch.tensor(expected))
    assert out["h.sequence_length"].tolist() == [2, 1]
    assert out["h.query"].shape == (2, 0)


def test_nested_sequence_group_is_encoded_into_the_deep_group() -> None:
    group, batch = build(
        """
        feature_groups {
          group_name: "deep" feature_names: ["c"]
          sequence_groups { group_name: "seq" feature_names: ["a", "click__a"] }
          sequence_encoders { pooling_encoder { input: "seq" pooling_type: "sum" } }
        }
        """
    )
    out = group(batch)
    total = [x + y + z for x, y, z in zip(row(1), row(2), row(3), strict=True)]
    torch.testing.assert_close(out["deep"], torch.tensor([row(0) + total, row(4) + [0.0] * 4]))
    assert group.group_dims("deep") == [4, 4]
    assert group.group_feature_dims("deep") == {"c": 4, "seq_pooling_encoder": 4}
    assert out["seq.sequence"].shape == (2, 4, 4)


def test_nested_sequence_group_inherits_or_overrides_the_suffix() -> None:
    group, _ = build(
        """
        feature_groups {
          group_name: "deep" feature_names: ["c"] embedding_name_suffix: "t"
          sequence_groups { group_name: "inherit" feature_names: ["a", "click__a"] }
          sequence_groups { group_name: "own" feature_names: ["a", "click__a"]
                            embedding_name_suffix: "o" }
          sequence_encoders { pooling_encoder { input: "inherit" } }
          sequence_encoders { simple_attention { input: "own" } }
        }
        """
    )
    assert sorted(group.table_names()) == ["a_emb_o", "a_emb_t", "c_emb_t"]


@pytest.mark.parametrize(
    ("groups", "words"),
    [
        (
            'feature_groups { group_name: "d" feature_names: ["a", "click__a"] }',
            ["'click__a'", "sequence"],
        ),
        (
            'feature_groups { group_name: "w" feature_names: ["a"] group_type: WIDE '
            'sequence_groups { group_name: "s" feature_names: ["click__a"] } }',
            ["WIDE", "sequence_groups"],
        ),
        (
            'feature_groups { group_name: "s" feature_names: ["a"] group_type: SEQUENCE }',
            ["no sequence feature"],
        ),
        (
            'feature_groups { group_name: "d" feature_names: ["a"] '
            'sequence_groups { group_name: "s" feature_names: ["click__a"] } '
            'sequence_encoders { pooling_encoder { input: "t" } } }',
            ["'t'", "not a sequence group"],
        ),
        (
            'feature_groups { group_name: "d" feature_names: ["a"] '
            'sequence_groups { group_name: "s" feature_names: ["a", "c", "click__a"] } '
            "sequence_encoders { simple_attention { } } }",
            ["simple_attention", "same width"],
        ),
    ],
)
def test_bad_sequence_configs_raise_config_errors(groups: str, words: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        build(groups)
    for word in words:
        assert word in str(info.value)


def test_sequences_with_different_steps_in_one_group_are_rejected() -> None:
    group, batch = build(
        'feature_groups { group_name: "s" group_type: SEQUENCE '
        'feature_names: ["click__a", "hist"] }'
    )
    with pytest.raises(ValueError, match="'hist' and 'click__a' have different numbers of steps"):
        group(batch)
