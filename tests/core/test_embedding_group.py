"""EmbeddingGroup on DEEP and WIDE groups: hand-computed embeddings, tables, errors.

Table weights are set to ``arange``: row i of a D-wide table is ``[i*D, ..., i*D + D-1]``,
so every expected embedding below can be worked out by hand.
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
from tzrec.protos import constraints_pb2, model_pb2, pipeline_pb2
from tzrec.utils.config_errors import ConfigError

FEATURES = """
data_config { fg_mode: FG_NONE label_fields: "y" }
feature_configs { id_feature { feature_name: "a" num_buckets: 10 embedding_dim: 4 } }
feature_configs {
  id_feature { feature_name: "tags" num_buckets: 7 value_dim: 0 embedding_dim: 4 pooling: "mean" }
}
feature_configs { raw_feature { feature_name: "x" } }
feature_configs { raw_feature { feature_name: "v" value_dim: 2 } }
feature_configs { id_feature { feature_name: "b" num_buckets: 10 embedding_dim: 4
                               embedding_name: "a_emb" } }
feature_configs { id_feature { feature_name: "u" num_buckets: 5 embedding_dim: 4 } }
feature_configs { id_feature { feature_name: "w" num_buckets: 4 embedding_dim: 4 weighted: true } }
feature_configs { raw_feature { feature_name: "p" embedding_dim: 3 mlp {} } }
feature_configs { id_feature { feature_name: "frozen" num_buckets: 3 embedding_dim: 4
                               trainable: false init_fn: "nn.init.constant_,val=0.5" } }
"""

GROUPS = """
feature_groups { group_name: "wide" feature_names: ["a", "tags"] group_type: WIDE }
feature_groups { group_name: "deep" feature_names: ["a", "tags", "x", "v", "b"] }
feature_groups { group_name: "fm" feature_names: ["a", "b"] group_type: DEEP }
"""

COLUMNS = {
    "a": pa.array([1, 2, 3], pa.int64()),
    "tags": pa.array([[1, 2], [3], []], pa.list_(pa.int64())),
    "x": pa.array([0.5, 1.5, 2.5], pa.float32()),
    "v": pa.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], pa.list_(pa.float32())),
    "b": pa.array([4, 0, 9], pa.int64()),
    "u": pa.array([0, 1, 2], pa.int64()),
    "w": pa.array(["1:0.5", "2:1.5", ""]),
    "p": pa.array([1.0, 2.0, -1.0], pa.float32()),
    "frozen": pa.array([0, 1, 2], pa.int64()),
    "y": pa.array([1, 0, 1]),
}


def build(groups: str = GROUPS, **kwargs: object) -> tuple[EmbeddingGroup, Batch]:
    config = text_format.Parse(FEATURES, pipeline_pb2.EasyRecConfig())
    model = text_format.Parse(groups, model_pb2.ModelConfig())
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    batch = DataParser(features, label_fields=["y"]).parse(pa.RecordBatch.from_pydict(COLUMNS))
    group = EmbeddingGroup(features, model.feature_groups, **kwargs)  # type: ignore[arg-type]
    return group, batch


def table_weight(group: EmbeddingGroup, table: str) -> torch.Tensor:
    for name, param in group.named_parameters():
        if name.endswith(f".{table}.weight"):
            return param
    raise KeyError(table)


def set_arange(group: EmbeddingGroup, *tables: str) -> None:
    with torch.no_grad():
        for table in tables:
            weight = table_weight(group, table)
            weight.copy_(torch.arange(weight.numel(), dtype=torch.float32).view_as(weight))


def row(i: int, dim: int = 4) -> list[float]:
    return [float(i * dim + k) for k in range(dim)]


def test_deep_group_concatenates_pooled_embeddings_and_dense_values() -> None:
    group, batch = build()
    set_arange(group, "a_emb", "tags_emb")
    deep = group(batch)["deep"]
    mean_12 = [(x + y) / 2 for x, y in zip(row(1), row(2), strict=True)]
    expected = [
        row(1) + mean_12 + [0.5, 1.0, 2.0] + row(4),
        row(2) + row(3) + [1.5, 3.0, 4.0] + row(0),
        row(3) + [0.0] * 4 + [2.5, 5.0, 6.0] + row(9),  # no tags: zeros
    ]
    torch.testing.assert_close(deep, torch.tensor(expected))
    assert group.group_dims("deep") == [4, 4, 1, 2, 4]
    assert group.group_feature_dims("deep") == {"a": 4, "tags": 4, "x": 1, "v": 2, "b": 4}
    assert group.group_total_dim("deep") == 15
    assert group.group_feature_names("deep") == ["a", "tags", "x", "v", "b"]


def test_wide_group_has_its_own_tables_of_wide_embedding_dim() -> None:
    group, batch = build(wide_embedding_dim=2, wide_init_fn="nn.init.constant_,val=0.25")
    assert torch.equal(table_weight(group, "a_emb_wide"), torch.full((10, 2), 0.25))
    set_arange(group, "a_emb_wide", "tags_emb_wide")
    wide = group(batch)["wide"]
    expected = [
        [*row(1, 2), (2 + 4) / 2, (3 + 5) / 2],
        row(2, 2) + row(3, 2),
        [*row(3, 2), 0.0, 0.0],
    ]
    torch.testing.assert_close(wide, torch.tensor(expected))
    assert group.group_type("wide") == model_pb2.WIDE
    assert group.group_dims("wide") == [2, 2]


def test_tables_shared_by_embedding_name_and_each_feature_looked_up_once() -> None:
    group, batch = build()
    # b shares a's table; u and the other features are in no group: no table.
    assert sorted(group.table_names()) == ["a_emb", "a_emb_wide", "tags_emb", "tags_emb_wide"]
    assert group.ebc is not None
    configs = {c.name: c.feature_names for c in group.ebc.embedding_bag_configs()}
    assert configs["a_emb"] == ["a", "b"]  # a is in deep and fm, but looked up once
    assert group.weighted_ebc is None and len(group.ecs) == 0
    set_arange(group, "a_emb")
    out = group(batch)
    torch.testing.assert_close(
        out["fm"], torch.tensor([row(1) + row(4), row(2) + row(0), row(3) + row(9)])
    )
    assert group.group_names() == ["wide", "deep", "fm"]
    assert group.has_group("fm") and not group.has_group("nope")


def test_suffix_separates_tables_and_same_suffix_shares() -> None:
    groups = """
    feature_groups { group_name: "t1" feature_names: ["a"] embedding_name_suffix: "x" }
    feature_groups { group_name: "t2" feature_names: ["a"] embedding_name_suffix: "y" }
    feature_groups { group_name: "t3" feature_names: ["a"] embedding_name_suffix: "x" }
    feature_groups { group_name: "t4" feature_names: ["a"] }
    feature_groups { group_name: "w" feature_names: ["a"] group_type: WIDE
                     embedding_name_suffix: "x" }
    """
    group, batch = build(groups)
    assert sorted(group.table_names()) == ["a_emb", "a_emb_wide_x", "a_emb_x", "a_emb_y"]
    out = group(batch)
    assert torch.equal(out["t1"], out["t3"])
    assert not torch.equal(out["t1"], out["t2"])
    assert not torch.equal(out["t1"], out["t4"])


def test_weighted_feature_scales_embeddings_by_its_weights() -> None:
    group, batch = build('feature_groups { group_name: "g" feature_names: ["w", "a"] }')
    assert group.weighted_ebc is not None
    set_arange(group, "w_emb", "a_emb")
    expected = [
        [0.5 * x for x in row(1)] + row(1),
        [1.5 * x for x in row(2)] + row(2),
        [0.0] * 4 + row(3),
    ]
    torch.testing.assert_close(group(batch)["g"], torch.tensor(expected))


def test_mlp_dense_embedding_is_a_linear_map_of_the_value() -> None:
    group, batch = build('feature_groups { group_name: "g" feature_names: ["p", "x"] }')
    proj = group.dense_embeddings["p_emb"].get_submodule("proj")
    assert isinstance(proj, torch.nn.Linear)
    p = torch.tensor([[1.0], [2.0], [-1.0]])
    expected = torch.cat([p @ proj.weight.T + proj.bias, torch.tensor([[0.5], [1.5], [2.5]])], 1)
    torch.testing.assert_close(group(batch)["g"], expected)
    assert group.group_dims("g") == [3, 1]


def test_init_fn_trainable_and_parameter_constraints() -> None:
    group, _ = build('feature_groups { group_name: "g" feature_names: ["frozen", "a"] }')
    assert torch.equal(table_weight(group, "frozen_emb"), torch.full((3, 4), 0.5))
    assert group.table_names(trainable=False) == ["frozen_emb"]
    assert group.table_names(trainable=True) == ["a_emb"]
    constraints = group.parameter_constraints(
        constraints_pb2.ParameterConstraints(
            sharding_types=["table_wise", "row_wise"], compute_kernels=["fused"]
        )
    )
    assert constraints["a_emb"].sharding_types == ["table_wise", "row_wise"]
    assert constraints["a_emb"].compute_kernels == ["fused"]
    assert constraints["frozen_emb"].compute_kernels == ["fused"]
    free = group.parameter_constraints(None)
    assert free["a_emb"].sharding_types is None and free["a_emb"].compute_kernels is None


def test_meta_device_creates_no_storage_but_keeps_dims() -> None:
    group, _ = build(device=torch.device("meta"))
    assert {p.device.type for p in group.parameters()} == {"meta"}
    assert group.group_total_dim("deep") == 15


def test_legacy_wide_deep_field_sets_the_group_type() -> None:
    group, _ = build('feature_groups { group_name: "g" feature_names: ["a"] wide_deep: WIDE }')
    assert group.group_type("g") == model_pb2.WIDE
    assert group.table_names() == ["a_emb_wide"]


@pytest.mark.parametrize(
    ("groups", "words"),
    [
        (
            'feature_groups { group_name: "wide" feature_names: ["a", "x"] group_type: WIDE }',
            ["'x'", "WIDE group 'wide'", "dense"],
        ),
        ('feature_groups { group_name: "g" feature_names: ["tag"] }', ["'tag'", "tags"]),
        (
            'feature_groups { group_name: "g" feature_names: ["a"] }'
            'feature_groups { group_name: "g" feature_names: ["b"] }',
            ["'g'", "twice"],
        ),
        ('feature_groups { group_name: "" feature_names: ["a"] }', ["group_name"]),
    ],
)
def test_bad_groups_raise_config_errors_naming_the_problem(groups: str, words: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        build(groups)
    for word in words:
        assert word in str(info.value)


def _features(extra: str) -> list:
    config = text_format.Parse(extra, pipeline_pb2.EasyRecConfig())
    return create_features(config.feature_configs)


def test_shared_table_with_different_sizes_names_both_features() -> None:
    features = _features(
        """
        feature_configs { id_feature { feature_name: "a" num_buckets: 10 embedding_dim: 4 } }
        feature_configs { id_feature { feature_name: "b" num_buckets: 11 embedding_dim: 4
                                       embedding_name: "a_emb" } }
        """
    )
    groups = text_format.Parse(
        'feature_groups { group_name: "g" feature_names: ["a", "b"] }', model_pb2.ModelConfig()
    ).feature_groups
    with pytest.raises(ConfigError, match=r"'a' and 'b' share embedding table 'a_emb'.*num_emb"):
        EmbeddingGroup(features, groups)


def test_sparse_feature_without_embedding_dim_is_rejected() -> None:
    features = _features('feature_configs { id_feature { feature_name: "a" num_buckets: 10 } }')
    groups = text_format.Parse(
        'feature_groups { group_name: "g" feature_names: ["a"] }', model_pb2.ModelConfig()
    ).feature_groups
    with pytest.raises(ConfigError, match="'a' needs embedding_dim"):
        EmbeddingGroup(features, groups)


def test_config_error_points_at_the_field_and_suggests_names() -> None:
    with pytest.raises(ConfigError) as info:
        build('feature_groups { group_name: "g" feature_names: ["a", "tag"] }')
    assert info.value.field_path == "model_config.feature_groups[0].feature_names[1]"
    assert "tags" in info.value.suggestions
