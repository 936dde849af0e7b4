"""Integration sweep: DEEP-group layouts (sequences, weighted ids, dense embeddings) trained."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from tests.engine.integration_support import COMMON, prepare, train_text
from tzrec.datasets.dataloader import create_dataloader
from tzrec.engine import checkpoint as ckpt
from tzrec.features.factory import context_from_data_config, create_features
from tzrec.modules.embedding import EmbeddingGroup
from tzrec.utils.config_util import load_pipeline_config

_SEQUENCE_FEATURES = """
feature_configs { id_feature { feature_name: "item_id" num_buckets: 300 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cate" num_buckets: 30 embedding_dim: 8 } }
feature_configs { raw_feature { feature_name: "price" } }
feature_configs {
    sequence_feature {
        sequence_name: "click_seq"
        sequence_length: 6
        features { id_feature { feature_name: "item_id" num_buckets: 300 embedding_dim: 8 } }
        features { id_feature { feature_name: "cate" num_buckets: 30 embedding_dim: 8 } }
    }
}
feature_configs {
    sequence_id_feature {
        feature_name: "buy_seq" num_buckets: 300 embedding_dim: 8 sequence_length: 4
    }
}
"""

TINYNET_SEQUENCES = (
    COMMON
    + _SEQUENCE_FEATURES
    + """
model_config {
    feature_groups {
        group_name: "all"
        feature_names: ["item_id", "cate", "price"]
        group_type: DEEP
        sequence_groups {
            group_name: "clicks_din"
            feature_names: ["item_id", "click_seq__item_id", "click_seq__cate"]
        }
        sequence_groups {
            group_name: "clicks_att"
            feature_names: ["item_id", "cate", "click_seq__item_id", "click_seq__cate"]
        }
        sequence_groups { group_name: "buys" feature_names: ["buy_seq"] }
        sequence_encoders {
            din_encoder {
                input: "clicks_din"
                attn_mlp { hidden_units: [8] }
            }
        }
        sequence_encoders { simple_attention { input: "clicks_att" } }
        sequence_encoders { pooling_encoder { input: "buys" pooling_type: "sum" } }
    }
    plugin_model {
        [type.googleapis.com/tzrec_example.TinyNet] { hidden_units: [16] }
    }
    losses { binary_cross_entropy {} }
    metrics { auc {} }
}
"""
)


def test_tinynet_deep_group_with_nested_sequence_encoders(tmp_path: Path) -> None:
    run = train_text(TINYNET_SEQUENCES, tmp_path)
    assert math.isfinite(run.metrics["auc"]) and 0.0 <= run.metrics["auc"] <= 1.0
    # 1200 train rows in batches of 200: 6 steps, one checkpoint at the end.
    assert [s for s, _ in ckpt.list_checkpoints(str(run.model_dir))] == [6]


TINYNET_WEIGHTED = (
    COMMON
    + """
feature_configs {
    id_feature { feature_name: "tags" num_buckets: 50 embedding_dim: 8 weighted: true }
}
feature_configs {
    id_feature {
        feature_name: "tags_mean" num_buckets: 50 embedding_dim: 8 weighted: true pooling: "mean"
    }
}
feature_configs {
    id_feature { feature_name: "tag" num_buckets: 50 embedding_dim: 8 embedding_name: "tags_emb" }
}
feature_configs { raw_feature { feature_name: "price" } }
model_config {
    feature_groups {
        group_name: "all"
        feature_names: ["tags", "tags_mean", "tag", "price"]
        group_type: DEEP
    }
    plugin_model {
        [type.googleapis.com/tzrec_example.TinyNet] { hidden_units: [16] }
    }
    losses { binary_cross_entropy {} }
    metrics { auc {} }
}
"""
)


def test_tinynet_weighted_id_features(tmp_path: Path) -> None:
    # "tag" (unweighted) shares the weighted "tags" table: both go through the weighted EBC.
    run = train_text(TINYNET_WEIGHTED, tmp_path)
    assert math.isfinite(run.metrics["auc"])
    assert [s for s, _ in ckpt.list_checkpoints(str(run.model_dir))] == [6]


def _weighted_pool(table: torch.Tensor, ids: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """sum(w * e) of one row's ids."""
    return (table[ids] * weights.unsqueeze(1)).sum(0)


def test_weighted_id_features_unsharded_match_reference(tmp_path: Path) -> None:
    # Outside DistributedModelParallel (plain TorchRec modules, as exported or scripted
    # models run) a weighted mean feature used to fail: torch's embedding_bag takes no
    # per-sample weights with mode "mean".
    path, _ = prepare(TINYNET_WEIGHTED, tmp_path)
    config = load_pipeline_config(path)
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    loader = create_dataloader(config.data_config, features, config.train_input_path, batch_size=8)
    batch = next(iter(loader))
    group = EmbeddingGroup(features, config.model_config.feature_groups)
    out = group(batch)["all"]
    assert group.weighted_ebc is not None
    bags = group.weighted_ebc.embedding_bags
    kjt = batch.sparse_features["__BASE__"]
    expected: dict[str, list[torch.Tensor]] = {n: [] for n in ("tags", "tags_mean", "tag")}
    for name, table in (("tags", "tags_emb"), ("tags_mean", "tags_mean_emb"), ("tag", "tags_emb")):
        jagged = kjt[name]
        offsets = jagged.offsets()
        for row in range(8):
            ids = jagged.values()[offsets[row] : offsets[row + 1]]
            weights = jagged.weights()[offsets[row] : offsets[row + 1]]
            pooled = _weighted_pool(bags[table].weight.detach(), ids, weights)
            if name == "tags_mean":
                pooled = pooled / max(len(ids), 1)
            expected[name].append(pooled)
    reference = torch.cat([torch.stack(expected[n]) for n in ("tags", "tags_mean", "tag")], dim=1)
    torch.testing.assert_close(out[:, :24].detach(), reference)
    # The unweighted "tag" shares the weighted table: its ids carry weight 1.
    assert bool((kjt["tag"].weights() == 1.0).all())
    assert not bool((kjt["tags"].weights() == 1.0).all())


DEEPFM_DENSE_EMBEDDINGS = (
    COMMON
    + """
feature_configs { raw_feature { feature_name: "price" embedding_dim: 8 mlp {} } }
feature_configs {
    raw_feature { feature_name: "age" embedding_dim: 8 autodis { num_channels: 3 } }
}
feature_configs {
    raw_feature { feature_name: "vec" value_dim: 3 embedding_dim: 8 mlp {} }
}
feature_configs { raw_feature { feature_name: "plain" } }
feature_configs { id_feature { feature_name: "cat" num_buckets: 40 embedding_dim: 8 } }
model_config {
    feature_groups { group_name: "wide" feature_names: ["cat"] group_type: WIDE }
    feature_groups {
        group_name: "fm" feature_names: ["price", "age", "vec", "cat"] group_type: DEEP
    }
    feature_groups {
        group_name: "deep" feature_names: ["price", "age", "vec", "plain", "cat"] group_type: DEEP
    }
    deepfm { deep { hidden_units: [16] } }
    losses { binary_cross_entropy {} }
    metrics { auc {} }
}
"""
)


def test_deepfm_mlp_and_autodis_dense_embeddings(tmp_path: Path) -> None:
    run = train_text(DEEPFM_DENSE_EMBEDDINGS, tmp_path)
    assert math.isfinite(run.metrics["auc"])
    assert [s for s, _ in ckpt.list_checkpoints(str(run.model_dir))] == [6]
