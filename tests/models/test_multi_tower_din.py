"""MultiTowerDIN: an MLP tower and a DIN tower over a click sequence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
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
from tzrec.modules.sequence_encoders import DINEncoder
from tzrec.utils.config_errors import ConfigError
from tzrec_models.rank.multi_tower_din import MultiTowerDIN

FEATURES = """
feature_configs { id_feature { feature_name: "user_id" num_buckets: 200 embedding_dim: 8 } }
feature_configs { raw_feature { feature_name: "price" boundaries: [0.5, 1.5, 3.0]
    embedding_dim: 4 } }
feature_configs { id_feature { feature_name: "item_id" num_buckets: 100 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cate_id" num_buckets: 20 embedding_dim: 4 } }
feature_configs { sequence_feature { sequence_name: "click_seq" sequence_length: 6
  features { id_feature { feature_name: "item_id" num_buckets: 100 embedding_dim: 8
                          embedding_name: "item_id_emb" } }
  features { id_feature { feature_name: "cate_id" num_buckets: 20 embedding_dim: 4
                          embedding_name: "cate_id_emb" } }
} }
"""

GROUPS = """
feature_groups { group_name: "deep" group_type: DEEP
  feature_names: ["user_id", "price", "item_id", "cate_id"] }
feature_groups { group_name: "seq" group_type: SEQUENCE
  feature_names: ["item_id", "cate_id", "click_seq__item_id", "click_seq__cate_id"] }
"""

TOWERS = """
towers { input: "deep" mlp { hidden_units: [16, 8] } }
din_towers { input: "seq" attn_mlp { hidden_units: [8, 4] } }
final { hidden_units: [8] }
"""


def body(towers: str = TOWERS, groups: str = GROUPS, head: str = "") -> str:
    return (
        FEATURES
        + "model_config {"
        + groups
        + "multi_tower_din {"
        + towers
        + "}"
        + head
        + " metrics { auc {} } losses { binary_cross_entropy {} } }"
    )


def test_trains_and_predicts(tmp_path: Path) -> None:
    case = build_case(body(), tmp_path)
    model = case.model
    assert isinstance(model, MultiTowerDIN)
    # head input: the deep tower's 8 + the DIN tower's sequence width 8 + 4
    assert model.head.final is not None
    assert first_linear(model.head.final).in_features == 8 + 12
    losses = train_losses(case, epochs=5)
    assert losses[-1] < losses[0] - 0.05, losses
    out = predictions(case)
    rows = case.batches[0].batch_size
    assert out["logits"].shape == (rows,) and out["probs"].shape == (rows,)
    assert_traces_like_eager(case)


def _softmax_reference(
    scores: np.ndarray, sequence: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weights: softmax over each row's first ``length`` steps, 0 elsewhere; and the sum."""
    weights = np.zeros_like(scores)
    for row, length in enumerate(lengths):
        if length:
            valid = np.exp(scores[row, :length] - scores[row, :length].max())
            weights[row, :length] = valid / valid.sum()
    return weights, np.einsum("bl,bld->bd", weights, sequence)


def test_attention_is_a_softmax_over_valid_steps_and_ignores_padding(tmp_path: Path) -> None:
    case = build_case(body(), tmp_path, num_rows=256)
    model = case.model
    assert isinstance(model, MultiTowerDIN)
    model.eval()
    encoder = model.din_towers[0]
    assert isinstance(encoder, DINEncoder)
    with torch.no_grad():
        grouped = model.embedding_group(case.batches[0])
        query, sequence = grouped["seq.query"], grouped["seq.sequence"]
        lengths = grouped["seq.sequence_length"]
        assert sequence.shape[1:] == (6, 12) and query.shape[1] == 12
        assert int(lengths.min()) == 0 and int(lengths.max()) > 1  # empty and long rows
        pooled = model.din_tower_outputs(grouped)[0]
        scores = encoder.attention(query, sequence).double().numpy()
        weights, expected = _softmax_reference(scores, sequence.double().numpy(), lengths.numpy())
        np.testing.assert_allclose(pooled.double().numpy(), expected, rtol=1e-5, atol=1e-6)
        has_steps = lengths.numpy() > 0
        np.testing.assert_allclose(weights[has_steps].sum(axis=1), 1.0)
        assert not pooled[~torch.from_numpy(has_steps)].any()  # no steps: zeros
        # Garbage in the padded steps changes nothing.
        steps = torch.arange(6).unsqueeze(0)
        padded = steps >= lengths.unsqueeze(1)
        noisy = dict(grouped)
        noisy["seq.sequence"] = torch.where(
            padded.unsqueeze(-1), torch.randn_like(sequence) * 100, sequence
        )
        torch.testing.assert_close(model.din_tower_outputs(noisy)[0], pooled)


def test_din_tower_only(tmp_path: Path) -> None:
    towers = 'din_towers { input: "seq" attn_mlp { hidden_units: [4] } }'
    case = build_case(body(towers), tmp_path, num_rows=256)
    out = predictions(case)
    assert out["logits"].shape == (case.batches[0].batch_size,)


@pytest.mark.parametrize(
    ("towers", "groups", "match"),
    [
        ("", GROUPS, r"multi_tower_din\.din_towers"),
        (
            'din_towers { input: "deep" attn_mlp { hidden_units: [4] } }',
            GROUPS,
            r"din_towers\[0\]\.input.*'deep' is a DEEP group",
        ),
        (
            'towers { input: "seq" mlp { hidden_units: [4] } }',
            GROUPS,
            r"towers\[0\]\.input.*'seq' is a SEQUENCE group",
        ),
        ('din_towers { input: "seq" }', GROUPS, r"din_towers\[0\]\.attn_mlp"),
        (
            'din_towers { input: "sq" attn_mlp { hidden_units: [4] } }',
            GROUPS,
            r"no feature group named 'sq'",
        ),
        (
            'din_towers { input: "seq" attn_mlp { hidden_units: [4] } }',
            GROUPS.replace('["item_id", "cate_id", "click', '["click'),
            r"din_towers\[0\]\.input.*no query features",
        ),
    ],
)
def test_config_errors_name_the_field(towers: str, groups: str, match: str) -> None:
    config = parse_config(body(towers, groups))
    with pytest.raises(ConfigError, match=match):
        create_model(config.model_config, build_features(config), ["label"])
