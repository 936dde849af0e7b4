"""MultiTower: towers on DEEP groups of different widths, trained on synthetic data."""

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
from tzrec.utils.config_errors import ConfigError
from tzrec_models.rank.multi_tower import MultiTower

FEATURES = """
feature_configs { raw_feature { feature_name: "price" boundaries: [0.5, 1.5, 3.0]
    embedding_dim: 4 } }
feature_configs { raw_feature { feature_name: "score" } }
feature_configs { id_feature { feature_name: "user_id" num_buckets: 200 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "age" num_buckets: 10 embedding_dim: 4 } }
feature_configs { id_feature { feature_name: "item_id" num_buckets: 300 embedding_dim: 16 } }
feature_configs { id_feature { feature_name: "cate_id" num_buckets: 30 embedding_dim: 8 } }
"""

GROUPS = """
feature_groups { group_name: "user" group_type: DEEP
  feature_names: ["user_id", "age", "score"] }
feature_groups { group_name: "item" group_type: DEEP
  feature_names: ["item_id", "cate_id", "price"] }
"""


def body(towers: str, head: str = "", losses: str = "binary_cross_entropy {}") -> str:
    return (
        FEATURES
        + "model_config {"
        + GROUPS
        + "multi_tower {"
        + towers
        + "}"
        + head
        + f" metrics {{ auc {{}} }} losses {{ {losses} }} }}"
    )


TOWERS = """
towers { input: "user" mlp { hidden_units: [16, 8] } }
towers { input: "item" mlp { hidden_units: [32, 4] } }
final { hidden_units: [8] }
"""


def test_trains_and_predicts_one_logit_per_row(tmp_path: Path) -> None:
    case = build_case(body(TOWERS), tmp_path)
    assert isinstance(case.model, MultiTower)
    # tower inputs: user 8 + 4 + 1 = 13, item 16 + 8 + 4 = 28; head input 8 + 4
    widths = [first_linear(tower).in_features for tower in case.model.towers]
    assert widths == [13, 28]
    assert case.model.head.output.in_features == 8
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses
    out = predictions(case)
    rows = case.batches[0].batch_size
    assert out["logits"].shape == (rows,) and out["probs"].shape == (rows,)
    torch.testing.assert_close(out["probs"], torch.sigmoid(out["logits"]))
    assert_traces_like_eager(case)


def test_without_final_the_towers_feed_the_linear_layer(tmp_path: Path) -> None:
    towers = TOWERS.replace("final { hidden_units: [8] }", "")
    case = build_case(body(towers), tmp_path, num_rows=256)
    model = case.model
    assert isinstance(model, MultiTower) and model.head.final is None
    model.eval()
    batch = case.batches[0]
    with torch.no_grad():
        grouped = model.embedding_group(batch)
        user = model.towers[0](grouped["user"])
        item = model.towers[1](grouped["item"])
        expected = model.head.output(torch.cat([user, item], dim=1)).reshape(-1)
        torch.testing.assert_close(model.predict(batch)["logits"], expected)


def test_multi_class(tmp_path: Path) -> None:
    text = body(TOWERS, head="num_class: 3", losses="softmax_cross_entropy {}").replace(
        "metrics { auc {} }", "metrics { accuracy {} }"
    )
    case = build_case(text, tmp_path, num_rows=512)
    losses = train_losses(case, epochs=2)
    assert all(loss == loss for loss in losses)
    out = predictions(case)
    rows = case.batches[0].batch_size
    assert out["logits"].shape == (rows, 3)
    torch.testing.assert_close(out["probs"].sum(dim=1), torch.ones(rows))


@pytest.mark.parametrize(
    ("towers", "match"),
    [
        ("", r"multi_tower\.towers.*at least one tower"),
        ('towers { input: "usr" mlp { hidden_units: [4] } }', r"towers\[0\]\.input.*'usr'.*'user'"),
        ('towers { input: "user" }', r"towers\[0\]\.mlp"),
        (TOWERS.replace("[8]", "[]"), r"multi_tower\.final"),
    ],
)
def test_config_errors_name_the_field(towers: str, match: str) -> None:
    config = parse_config(body(towers))
    with pytest.raises(ConfigError, match=match):
        create_model(config.model_config, build_features(config), ["label"])
