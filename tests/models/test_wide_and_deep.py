"""WideAndDeep built from config text: trains, shapes, wide part, config errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.models.model_support import (
    assert_exports_like_eager,
    build,
    build_case,
    first_in_features,
    predictions,
    train_losses,
)
from tzrec.datasets.batch import BASE_DATA_GROUP, Batch
from tzrec.utils.config_errors import ConfigError
from tzrec_models.rank.wide_and_deep import WideAndDeep

FEATURES = """
feature_configs {
    raw_feature { feature_name: "int_0" boundaries: [0.5, 2.0, 8.0] embedding_dim: 8 }
}
feature_configs { raw_feature { feature_name: "int_1" } }
feature_configs { id_feature { feature_name: "cat_0" num_buckets: 500 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_1" num_buckets: 100 embedding_dim: 16 } }
feature_configs { id_feature { feature_name: "cat_2" num_buckets: 20 embedding_dim: 8 } }
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
        feature_names: ["int_0", "int_1", "cat_0", "cat_1", "cat_2"]
    }
"""
BINARY_HEAD = "metrics { auc {} } losses { binary_cross_entropy {} }"


def body(
    params: str = "deep { hidden_units: [32, 16] } wide_embedding_dim: 4",
    groups: str = WIDE_GROUP + DEEP_GROUP,
    head: str = BINARY_HEAD,
) -> str:
    return f"{FEATURES} model_config {{ {groups} wide_and_deep {{ {params} }} {head} }}"


def test_wide_and_deep_trains_and_predicts(tmp_path: Path) -> None:
    case = build_case(body(), tmp_path)
    model = case.model
    assert isinstance(model, WideAndDeep)
    # deep input: 8 + 1 (plain dense) + 8 + 16 + 8; wide tables at wide_embedding_dim 4
    assert first_in_features(model.deep) == 41
    assert model.embedding_group.group_dims("wide") == [4, 4, 4, 4]
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses
    out = predictions(case)
    assert out["logits"].shape == (case.batches[0].batch_size,)
    assert_exports_like_eager(case)


def ids_per_row(batch: Batch, names: list[str]) -> torch.Tensor:
    """Number of ids of the ``names`` sparse features in each row of ``batch``."""
    kjt = batch.sparse_features[BASE_DATA_GROUP]
    return torch.stack([kjt[name].lengths() for name in names]).sum(dim=0).float()


def test_wide_part_adds_the_sum_of_wide_embeddings(tmp_path: Path) -> None:
    """Zero wide tables add nothing; shifting them by c adds c * 4 dims per (sum-pooled) id."""
    params = "deep { hidden_units: [8] } wide_init_fn: 'nn.init.zeros_'"
    case = build_case(body(params=params), tmp_path)
    model = case.model
    assert isinstance(model, WideAndDeep)
    batch = case.batches[0]
    base = predictions(case, batch)["logits"]
    deep_only = model.output(model.deep(model.embedding_group(batch)["deep"]))
    torch.testing.assert_close(base, deep_only.reshape(-1))
    with torch.no_grad():
        for name, param in model.embedding_group.named_parameters():
            if "_wide" in name:
                param.add_(0.25)
    ids = ids_per_row(batch, ["int_0", "cat_0", "cat_1", "cat_2"])
    torch.testing.assert_close(predictions(case, batch)["logits"], base + 0.25 * 4 * ids)


def test_wide_and_deep_with_final_and_two_classes(tmp_path: Path) -> None:
    head = "num_class: 2 metrics { auc {} } losses { softmax_cross_entropy {} }"
    params = "deep { hidden_units: [32, 16] } final { hidden_units: [8] } wide_embedding_dim: 4"
    case = build_case(body(params=params, head=head), tmp_path)
    model = case.model
    assert isinstance(model, WideAndDeep) and model.final is not None
    assert first_in_features(model.final) == 4 + 16
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses
    out = predictions(case)
    batch_size = case.batches[0].batch_size
    assert out["logits"].shape == (batch_size, 2) and out["probs1"].shape == (batch_size,)


@pytest.mark.parametrize("groups,missing", [(DEEP_GROUP, "wide"), (WIDE_GROUP, "deep")])
def test_wide_and_deep_needs_both_groups(groups: str, missing: str) -> None:
    with pytest.raises(ConfigError, match=rf"wide_and_deep needs a '{missing}' group"):
        build(body(groups=groups), WideAndDeep)


def test_wide_and_deep_needs_deep_hidden_units() -> None:
    with pytest.raises(ConfigError, match=r"wide_and_deep.deep: set the deep MLP's hidden_units"):
        build(body(params="wide_embedding_dim: 4"), WideAndDeep)
