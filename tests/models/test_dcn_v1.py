"""DCNV1 built from config text: trains, shapes, cross + deep, config errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.models.model_support import (
    assert_exports_like_eager,
    build,
    build_case,
    first_in_features,
    predictions,
    train_losses,
)
from tzrec.utils.config_errors import ConfigError
from tzrec_models.rank.dcn_v1 import DCNV1

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
PARAMS = "cross { cross_num: 2 } deep { hidden_units: [32, 16] } final { hidden_units: [16] }"


def body(params: str = PARAMS, groups: str = GROUP, head: str = BINARY_HEAD) -> str:
    return f"{FEATURES} model_config {{ {groups} dcn_v1 {{ {params} }} {head} }}"


def test_dcn_v1_trains_and_predicts(tmp_path: Path) -> None:
    case = build_case(body(), tmp_path)
    model = case.model
    assert isinstance(model, DCNV1)
    # x0 = 8 + 1 + 8 + 8 + 4 = 29 wide; final sees the cross output (29) and deep (16)
    assert model.cross.output_dim() == 29 and model.cross.kernels.shape == (2, 29)
    assert first_in_features(model.final) == 29 + 16
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses
    out = predictions(case)
    assert out["logits"].shape == (case.batches[0].batch_size,)
    assert_exports_like_eager(case)


def test_dcn_v1_two_classes_without_final(tmp_path: Path) -> None:
    head = "num_class: 2 metrics { auc {} } losses { softmax_cross_entropy {} }"
    params = "cross { cross_num: 1 } deep { hidden_units: [16] }"
    case = build_case(body(params=params, head=head), tmp_path)
    model = case.model
    assert isinstance(model, DCNV1) and model.final is None
    assert model.output.in_features == 29 + 16 and model.output.out_features == 2
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses
    assert predictions(case)["probs"].shape == (case.batches[0].batch_size, 2)


def test_dcn_v1_takes_one_deep_group() -> None:
    two = GROUP + GROUP.replace('"features"', '"more"')
    with pytest.raises(ConfigError, match=r"dcn_v1 takes exactly one DEEP feature group"):
        build(body(groups=two), DCNV1)
    wide = GROUP.replace("DEEP", "WIDE").replace('"int_1", ', "")
    with pytest.raises(ConfigError, match=r"\['features'\]: dcn_v1 needs a DEEP group, got WIDE"):
        build(body(groups=wide), DCNV1)


def test_dcn_v1_needs_deep_and_cross_layers() -> None:
    with pytest.raises(ConfigError, match=r"dcn_v1.deep: set the deep MLP's hidden_units"):
        build(body(params="cross { cross_num: 2 }"), DCNV1)
    with pytest.raises(ConfigError, match=r"dcn_v1.cross.cross_num"):
        build(body(params="cross { cross_num: 0 } deep { hidden_units: [8] }"), DCNV1)
