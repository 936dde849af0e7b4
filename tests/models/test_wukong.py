"""WuKong: a dense group split into extra embeddings plus sparse embeddings, two layers."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.models.model_support import (
    assert_traces_like_eager,
    build_case,
    first_linear,
    parse_config,
    predictions,
    train_losses,
)
from tzrec.engine.run_config import build_features
from tzrec.models.factory import create_model
from tzrec.modules.wukong import WuKongLayer
from tzrec.utils.config_errors import ConfigError
from tzrec_models.rank.wukong import WuKong

FEATURES = """
feature_configs { raw_feature { feature_name: "int_0" } }
feature_configs { raw_feature { feature_name: "int_1" } }
feature_configs { raw_feature { feature_name: "int_2" boundaries: [0.5, 1.5, 3.0]
    embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_0" num_buckets: 500 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_1" num_buckets: 100 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_2" num_buckets: 20 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_3" num_buckets: 50 embedding_dim: 4 } }
"""

GROUPS = """
feature_groups { group_name: "dense" group_type: DEEP feature_names: ["int_0", "int_1"] }
feature_groups { group_name: "sparse" group_type: DEEP
  feature_names: ["int_2", "cat_0", "cat_1", "cat_2"] }
"""

WUKONG = """
dense_mlp { hidden_units: [16] }
wukong_layers { lcb_feature_num: 4 fmb_feature_num: 2 compressed_feature_num: 3
                feature_num_mlp { hidden_units: [16] } }
wukong_layers { lcb_feature_num: 3 fmb_feature_num: 3 compressed_feature_num: 2
                feature_num_mlp { hidden_units: [16] } }
final { hidden_units: [16] }
"""


def body(
    wukong: str = WUKONG,
    groups: str = GROUPS,
    head: str = "",
    losses: str = "binary_cross_entropy {}",
) -> str:
    return (
        FEATURES
        + "model_config {"
        + groups
        + "wukong {"
        + wukong
        + "}"
        + head
        + f" metrics {{ auc {{}} }} losses {{ {losses} }} }}"
    )


def test_trains_and_predicts(tmp_path: Path) -> None:
    case = build_case(body(), tmp_path)
    model = case.model
    assert isinstance(model, WuKong)
    layers = [layer for layer in model.layers if isinstance(layer, WuKongLayer)]
    # 4 sparse embeddings + 16 / 8 = 2 dense ones: 6 in, 6 out (identity residual), then 6
    assert layers[0].fmb.compress.in_features == 6 and layers[0].residual is None
    assert layers[1].fmb.compress.in_features == 6 and layers[1].output_feature_num() == 6
    assert model.final is not None and first_linear(model.final).in_features == 6 * 8
    model.eval()
    with torch.no_grad():
        tokens = model.feature_embeddings(model.embedding_group(case.batches[0]))
    assert tokens.shape == (case.batches[0].batch_size, 6, 8)
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses
    out = predictions(case)
    rows = case.batches[0].batch_size
    assert out["logits"].shape == (rows,) and out["probs"].shape == (rows,)
    assert_traces_like_eager(case)


def test_without_dense_group_or_final(tmp_path: Path) -> None:
    groups = GROUPS.split("\n", 2)[2]  # the sparse group only
    wukong = WUKONG.replace("dense_mlp { hidden_units: [16] }", "").replace(
        "final { hidden_units: [16] }", ""
    )
    case = build_case(
        body(wukong, groups, "num_class: 2", "softmax_cross_entropy {}"), tmp_path, num_rows=512
    )
    model = case.model
    assert isinstance(model, WuKong) and model.dense_mlp is None and model.final is None
    first = model.layers[0]
    assert isinstance(first, WuKongLayer) and first.residual is not None  # 4 -> 6 embeddings
    assert model.output.in_features == 6 * 8
    losses = train_losses(case, epochs=2)
    assert losses[-1] < losses[0], losses
    out = predictions(case)
    assert out["logits"].shape == (case.batches[0].batch_size, 2)


@pytest.mark.parametrize(
    ("wukong", "groups", "match"),
    [
        (WUKONG, GROUPS.replace('"sparse"', '"cats"'), r"group named 'sparse'"),
        (
            WUKONG,
            GROUPS.replace('"cat_2"]', '"cat_2", "cat_3"]'),
            r"same embedding_dim.*'cat_3': 4",
        ),
        (
            WUKONG.replace("[16] }\nwukong", "[12] }\nwukong", 1),
            GROUPS,
            r"wukong\.dense_mlp\.hidden_units.*multiple of the sparse embedding_dim 8",
        ),
        (WUKONG.replace("dense_mlp { hidden_units: [16] }", ""), GROUPS, r"wukong\.dense_mlp"),
        ("dense_mlp { hidden_units: [8] }", GROUPS, r"wukong\.wukong_layers"),
        (WUKONG.replace("lcb_feature_num: 3 ", ""), GROUPS, r"wukong_layers\[1\]\.lcb_feature_num"),
    ],
)
def test_config_errors_name_the_field(wukong: str, groups: str, match: str) -> None:
    config = parse_config(body(wukong, groups))
    with pytest.raises(ConfigError, match=match):
        create_model(config.model_config, build_features(config), ["label"])
