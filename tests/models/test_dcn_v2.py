"""DCNV2 built from config text: trains, shapes, backbone/low rank/deep, config errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from tests.models.model_support import (
    assert_exports_like_eager,
    build,
    build_case,
    first_in_features,
    predictions,
    train_losses,
)
from tzrec.utils.config_errors import ConfigError
from tzrec_models.rank.dcn_v2 import DCNV2

FEATURES = """
feature_configs {
    raw_feature { feature_name: "int_0" boundaries: [0.5, 2.0, 8.0] embedding_dim: 8 }
}
feature_configs { raw_feature { feature_name: "int_1" } }
feature_configs { id_feature { feature_name: "cat_0" num_buckets: 500 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_1" num_buckets: 100 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_2" num_buckets: 20 embedding_dim: 4 } }
"""
GROUP = """
    feature_groups {
        group_name: "features" group_type: DEEP
        feature_names: ["int_0", "int_1", "cat_0", "cat_1", "cat_2"]
    }
"""
BINARY_HEAD = "metrics { auc {} } losses { binary_cross_entropy {} }"
PARAMS = """
    backbone { hidden_units: [32, 24] }
    cross { cross_num: 2 low_rank: 4 }
    deep { hidden_units: [16] }
    final { hidden_units: [16] }
"""


def body(params: str = PARAMS, groups: str = GROUP, head: str = BINARY_HEAD) -> str:
    return f"{FEATURES} model_config {{ {groups} dcn_v2 {{ {params} }} {head} }}"


def test_dcn_v2_trains_and_predicts(tmp_path: Path) -> None:
    case = build_case(body(), tmp_path)
    model = case.model
    assert isinstance(model, DCNV2)
    # 29-wide group -> backbone 24 -> cross (24, rank 4) and deep (16) -> final 24 + 16
    assert first_in_features(model.backbone) == 29
    layer = model.cross.layers[0]
    assert isinstance(layer, nn.Sequential)
    assert [p.shape for p in layer.parameters()] == [(4, 24), (24, 4), (24,)]
    assert first_in_features(model.deep) == 24
    assert first_in_features(model.final) == 24 + 16
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses
    assert predictions(case)["logits"].shape == (case.batches[0].batch_size,)


def test_dcn_v2_logits_are_parallel_cross_and_deep_on_the_backbone(tmp_path: Path) -> None:
    """x0 = backbone(group); logits = output(final([cross(x0), deep(x0)]))."""
    case = build_case(body(), tmp_path, num_rows=300)
    model = case.model
    assert isinstance(model, DCNV2)
    assert model.backbone is not None and model.deep is not None and model.final is not None
    batch = case.batches[0]
    logits = predictions(case, batch)["logits"]
    with torch.no_grad():
        x0 = model.backbone(model.embedding_group(batch)["features"])
        top = torch.cat([model.cross(x0), model.deep(x0)], dim=1)
        expected = model.output(model.final(top)).reshape(-1)
    torch.testing.assert_close(logits, expected)


def test_dcn_v2_cross_only_full_rank_two_classes(tmp_path: Path) -> None:
    head = "num_class: 2 metrics { auc {} } losses { softmax_cross_entropy {} }"
    case = build_case(body(params="cross { cross_num: 2 low_rank: 0 }", head=head), tmp_path)
    model = case.model
    assert isinstance(model, DCNV2)
    assert model.backbone is None and model.deep is None and model.final is None
    assert isinstance(model.cross.layers[0], nn.Linear)
    assert model.output.in_features == 29 and model.output.out_features == 2
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses
    assert predictions(case)["probs"].shape == (case.batches[0].batch_size, 2)
    assert_exports_like_eager(case)


def test_dcn_v2_takes_one_deep_group() -> None:
    two = GROUP + GROUP.replace('"features"', '"more"')
    with pytest.raises(ConfigError, match=r"dcn_v2 takes exactly one DEEP feature group"):
        build(body(groups=two), DCNV2)


def test_dcn_v2_needs_cross_layers() -> None:
    with pytest.raises(ConfigError, match=r"dcn_v2.cross.cross_num"):
        build(body(params="cross { cross_num: 0 }"), DCNV2)
