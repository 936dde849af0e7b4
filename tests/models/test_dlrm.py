"""DLRM built from config text: trains, shapes, multi-class head, config errors."""

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
from tzrec.engine.run_config import build_features
from tzrec.models.factory import create_model
from tzrec.utils.config_errors import ConfigError
from tzrec.utils.config_util import load_pipeline_config
from tzrec_models.rank.dlrm import DLRM

FEATURES = """
feature_configs { raw_feature { feature_name: "int_0" } }
feature_configs { raw_feature { feature_name: "int_1" } }
feature_configs { raw_feature { feature_name: "int_2" } }
feature_configs { id_feature { feature_name: "cat_0" num_buckets: 500 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_1" num_buckets: 100 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cat_2" num_buckets: 20 embedding_dim: 8 } }
"""
DENSE_GROUP = """
    feature_groups {
        group_name: "dense" group_type: DEEP
        feature_names: ["int_0", "int_1", "int_2"]
    }
"""
SPARSE_GROUP = """
    feature_groups {
        group_name: "sparse" group_type: DEEP
        feature_names: ["cat_0", "cat_1", "cat_2"]
    }
"""
BINARY_HEAD = "metrics { auc {} } losses { binary_cross_entropy {} }"


def body(
    dlrm: str = "dense_mlp { hidden_units: [16, 8] } final { hidden_units: [16] }",
    groups: str = DENSE_GROUP + SPARSE_GROUP,
    head: str = BINARY_HEAD,
    features: str = FEATURES,
) -> str:
    return f"{features} model_config {{ {groups} dlrm {{ {dlrm} }} {head} }}"


def test_dlrm_trains_and_predicts_binary(tmp_path: Path) -> None:
    case = build_case(body(), tmp_path)
    model = case.model
    assert isinstance(model, DLRM)
    # F = 1 dense vector + 3 sparse embeddings: 6 pairs; top = 8 dense + 6 + 3 * 8 sparse
    assert model.interaction.output_dim() == 6
    assert first_in_features(model.final) == 8 + 6 + 24
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses
    out = predictions(case)
    batch_size = case.batches[0].batch_size
    assert out["logits"].shape == (batch_size,) and out["probs"].shape == (batch_size,)
    assert bool(((out["probs"] > 0) & (out["probs"] < 1)).all())
    assert_exports_like_eager(case)


def test_dlrm_logits_compose_dense_interactions_and_sparse(tmp_path: Path) -> None:
    """logits = output(final([dense, pairwise dots of [dense, e_0, e_1, e_2], e_0 e_1 e_2]))."""
    case = build_case(body(), tmp_path, num_rows=300)
    model = case.model
    assert isinstance(model, DLRM) and model.dense_mlp is not None and model.final is not None
    batch = case.batches[0]
    logits = predictions(case, batch)["logits"]
    with torch.no_grad():
        grouped = model.embedding_group(batch)
        dense = model.dense_mlp(grouped["dense"])
        vectors = [dense, *grouped["sparse"].split(8, dim=1)]
        dots = [(vectors[i] * vectors[j]).sum(dim=1) for i in range(4) for j in range(i + 1, 4)]
        top = torch.cat([dense, torch.stack(dots, dim=1), grouped["sparse"]], dim=1)
        expected = model.output(model.final(top)).reshape(-1)
    torch.testing.assert_close(logits, expected)


def test_dlrm_two_classes_with_softmax(tmp_path: Path) -> None:
    head = "num_class: 2 metrics { auc {} } losses { softmax_cross_entropy {} }"
    case = build_case(body(head=head), tmp_path)
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses
    out = predictions(case)
    batch_size = case.batches[0].batch_size
    assert out["logits"].shape == (batch_size, 2)
    torch.testing.assert_close(out["probs"].sum(dim=1), torch.ones(batch_size))
    torch.testing.assert_close(out["probs1"], out["probs"][:, 1])


def test_dlrm_without_dense_group_and_without_sparse_in_top(tmp_path: Path) -> None:
    model = build(
        body(dlrm="arch_with_sparse: false dense_mlp { hidden_units: [8] }", groups=SPARSE_GROUP),
        DLRM,
    )
    # dense_mlp is unused without a dense group; 3 sparse vectors -> 3 pairs is the top input
    assert model.dense_mlp is None
    assert model.interaction.output_dim() == 3 and model.final is None
    assert model.output.in_features == 3
    case = build_case(body(dlrm="arch_with_sparse: false", groups=SPARSE_GROUP), tmp_path)
    losses = train_losses(case, epochs=3)
    assert losses[-1] < losses[0] - 0.02, losses
    assert predictions(case)["logits"].shape == (case.batches[0].batch_size,)


def test_dlrm_builds_the_compat_criteo_config(compat_dir: Path) -> None:
    config = load_pipeline_config(str(compat_dir / "configs" / "dlrm_criteo.config"))
    model = create_model(
        config.model_config,
        build_features(config),
        list(config.data_config.label_fields),
        table_device=torch.device("meta"),
    )
    assert isinstance(model, DLRM)
    # 13 raw -> 16-d dense vector, 26 sparse 16-d embeddings: 27 * 26 / 2 = 351 pairs
    assert model.interaction.output_dim() == 351
    assert first_in_features(model.final) == 16 + 351 + 26 * 16


def test_dlrm_needs_a_sparse_group() -> None:
    with pytest.raises(ConfigError, match=r"feature_groups: dlrm needs a 'sparse' group"):
        build(body(groups=DENSE_GROUP), DLRM)


def test_dlrm_dense_mlp_must_end_in_the_sparse_dim() -> None:
    with pytest.raises(ConfigError, match=r"dense_mlp.hidden_units: the last layer \(4\).*8"):
        build(body(dlrm="dense_mlp { hidden_units: [16, 4] }"), DLRM)
    with pytest.raises(ConfigError, match=r"dlrm.dense_mlp: a 'dense' group needs dense_mlp"):
        build(body(dlrm="final { hidden_units: [8] }"), DLRM)


def test_dlrm_sparse_dims_must_agree() -> None:
    features = FEATURES.replace("20 embedding_dim: 8", "20 embedding_dim: 4")
    with pytest.raises(ConfigError, match=r"feature_groups\['sparse'\].*'cat_2': 4"):
        build(body(features=features), DLRM)
