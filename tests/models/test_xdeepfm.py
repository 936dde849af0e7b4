"""xDeepFM built from config text: trains, shapes, wide + CIN + deep, config errors."""

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
from tzrec.datasets.batch import BASE_DATA_GROUP
from tzrec.utils.config_errors import ConfigError
from tzrec_models.rank.xdeepfm import xDeepFM

FEATURES = """
feature_configs {
    raw_feature { feature_name: "int_0" boundaries: [0.5, 2.0, 8.0] embedding_dim: 8 }
}
feature_configs { id_feature { feature_name: "cat_0" num_buckets: 500 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_1" num_buckets: 100 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_2" num_buckets: 20 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_3" num_buckets: 10 embedding_dim: 4 } }
"""
WIDE_GROUP = """
    feature_groups {
        group_name: "wide" group_type: WIDE
        feature_names: ["int_0", "cat_0", "cat_1", "cat_2"]
    }
"""
DEEP_GROUP = """
    feature_groups {
        group_name: "deep" group_type: DEEP
        feature_names: ["int_0", "cat_0", "cat_1", "cat_2"]
    }
"""
BINARY_HEAD = "metrics { auc {} } losses { binary_cross_entropy {} }"
PARAMS = """
    cin { cin_layer_size: [6, 4] }
    deep { hidden_units: [32, 16] }
    final { hidden_units: [16] }
    wide_embedding_dim: 4
"""


def body(
    params: str = PARAMS, groups: str = WIDE_GROUP + DEEP_GROUP, head: str = BINARY_HEAD
) -> str:
    return f"{FEATURES} model_config {{ {groups} xdeepfm {{ {params} }} {head} }}"


def test_xdeepfm_trains_and_predicts(tmp_path: Path) -> None:
    case = build_case(body(), tmp_path)
    model = case.model
    assert isinstance(model, xDeepFM)
    # CIN over 4 fields of 8: conv inputs 4*4 then 6*4; final sees wide 4 + CIN 10 + deep 16
    shapes = [tuple(c.weight.shape) for c in model.cin.convs if isinstance(c, nn.Conv1d)]
    assert shapes == [(6, 16, 1), (4, 24, 1)]
    assert first_in_features(model.final) == 4 + 10 + 16
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses
    assert predictions(case)["logits"].shape == (case.batches[0].batch_size,)


def test_xdeepfm_without_final_adds_the_wide_sum(tmp_path: Path) -> None:
    params = "cin { cin_layer_size: [4] } deep { hidden_units: [8] } wide_init_fn: 'nn.init.zeros_'"
    case = build_case(body(params=params), tmp_path)
    model = case.model
    assert isinstance(model, xDeepFM) and model.final is None
    assert model.output.in_features == 4 + 8
    batch = case.batches[0]
    base = predictions(case, batch)["logits"]
    deep_in = model.embedding_group(batch)["deep"]
    cin_and_deep = torch.cat([model.cin(deep_in.reshape(-1, 4, 8)), model.deep(deep_in)], dim=1)
    torch.testing.assert_close(base, model.output(cin_and_deep).reshape(-1))
    with torch.no_grad():
        for name, param in model.embedding_group.named_parameters():
            if "_wide" in name:
                param.add_(0.5)
    # 0.5 per wide dim (4) per sum-pooled id of the wide features
    kjt = batch.sparse_features[BASE_DATA_GROUP]
    ids = sum(kjt[name].lengths() for name in ["int_0", "cat_0", "cat_1", "cat_2"])
    assert isinstance(ids, torch.Tensor)
    torch.testing.assert_close(predictions(case, batch)["logits"], base + 0.5 * 4 * ids.float())
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses


def test_xdeepfm_two_classes(tmp_path: Path) -> None:
    head = "num_class: 2 metrics { auc {} } losses { softmax_cross_entropy {} }"
    case = build_case(body(head=head), tmp_path)
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses
    out = predictions(case)
    batch_size = case.batches[0].batch_size
    assert out["logits"].shape == (batch_size, 2) and out["probs1"].shape == (batch_size,)
    assert_exports_like_eager(case)


@pytest.mark.parametrize("groups,missing", [(DEEP_GROUP, "wide"), (WIDE_GROUP, "deep")])
def test_xdeepfm_needs_both_groups(groups: str, missing: str) -> None:
    with pytest.raises(ConfigError, match=rf"xdeepfm needs a '{missing}' group"):
        build(body(groups=groups), xDeepFM)


def test_xdeepfm_needs_cin_layers_and_one_field_dim() -> None:
    with pytest.raises(ConfigError, match=r"xdeepfm.cin.cin_layer_size"):
        build(body(params="deep { hidden_units: [8] }"), xDeepFM)
    mixed = DEEP_GROUP.replace('"cat_2"]', '"cat_2", "cat_3"]')
    with pytest.raises(ConfigError, match=r"\['deep'\]: the CIN needs one embedding.*'cat_3': 4"):
        build(body(groups=WIDE_GROUP + mixed), xDeepFM)
