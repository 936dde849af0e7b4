"""MaskNet: parallel and serial MaskBlocks on one DEEP group, trained on synthetic data."""

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
from tzrec.modules.mask_net import MaskBlock
from tzrec.utils.config_errors import ConfigError
from tzrec_models.rank.mask_net import MaskNet

FEATURES = """
feature_configs { raw_feature { feature_name: "int_0" boundaries: [0.5, 1.5, 3.0]
    embedding_dim: 8 } }
feature_configs { raw_feature { feature_name: "int_1" } }
feature_configs { id_feature { feature_name: "cat_0" num_buckets: 500 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_1" num_buckets: 100 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_2" num_buckets: 20 embedding_dim: 8 } }
"""

GROUP = """
feature_groups { group_name: "all" group_type: DEEP
  feature_names: ["int_0", "int_1", "cat_0", "cat_1", "cat_2"] }
"""

MODULE = """
mask_net_module {
  n_mask_blocks: 3
  mask_block { reduction_ratio: 2 hidden_dim: 16 }
  use_parallel: true
  top_mlp { hidden_units: [16, 8] }
}
"""


def body(
    module: str = MODULE,
    group: str = GROUP,
    head: str = "",
    losses: str = "binary_cross_entropy {}",
) -> str:
    return (
        FEATURES
        + "model_config {"
        + group
        + "mask_net {"
        + module
        + "}"
        + head
        + f" metrics {{ auc {{}} }} losses {{ {losses} }} }}"
    )


def test_parallel_trains_and_predicts(tmp_path: Path) -> None:
    case = build_case(body(), tmp_path)
    model = case.model
    assert isinstance(model, MaskNet)
    blocks = [b for b in model.mask_net.blocks if isinstance(b, MaskBlock)]
    # the embedding: 4 x 8 embedded + 1 dense value = 33; aggregation 2 x 33
    assert len(blocks) == 3
    assert [b.mask_generator[0].weight.shape for b in blocks] == [(66, 33)] * 3
    assert model.mask_net.top_mlp is not None
    assert first_linear(model.mask_net.top_mlp).in_features == 3 * 16
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses
    out = predictions(case)
    rows = case.batches[0].batch_size
    assert out["logits"].shape == (rows,) and out["probs"].shape == (rows,)
    assert_traces_like_eager(case)


def test_serial_without_top_mlp(tmp_path: Path) -> None:
    module = (
        "mask_net_module { n_mask_blocks: 2 use_parallel: false "
        "mask_block { aggregation_dim: 12 hidden_dim: 6 } }"
    )
    case = build_case(body(module), tmp_path, num_rows=512)
    model = case.model
    assert isinstance(model, MaskNet)
    assert model.mask_net.output_dim() == 6 and model.output.in_features == 6
    losses = train_losses(case, epochs=2)
    assert losses[-1] < losses[0], losses


def test_multi_class(tmp_path: Path) -> None:
    text = body(head="num_class: 2", losses="softmax_cross_entropy {}")
    case = build_case(text, tmp_path, num_rows=512)
    train_losses(case, epochs=1)
    out = predictions(case)
    rows = case.batches[0].batch_size
    assert out["logits"].shape == (rows, 2) and out["probs1"].shape == (rows,)
    torch.testing.assert_close(out["probs"].sum(dim=1), torch.ones(rows))


@pytest.mark.parametrize(
    ("module", "group", "match"),
    [
        ("", GROUP, r"mask_net\.mask_net_module"),
        (
            "mask_net_module { mask_block { hidden_dim: 4 } }",
            GROUP,
            r"mask_net_module\.mask_block: set reduction_ratio or aggregation_dim",
        ),
        (
            MODULE,
            GROUP + 'feature_groups { group_name: "w" group_type: WIDE feature_names: "cat_0" }',
            r"feature_groups\[1\]\.group_type.*'w' is not DEEP",
        ),
    ],
)
def test_config_errors_name_the_field(module: str, group: str, match: str) -> None:
    config = parse_config(body(module, group))
    with pytest.raises(ConfigError, match=match):
        create_model(config.model_config, build_features(config), ["label"])
