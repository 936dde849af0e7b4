"""Sequences whose steps hold several ids export: their per-step id counts are inputs."""

from __future__ import annotations

from pathlib import Path

import torch

from tests.export.export_support import checkpoint_scores, read_rows
from tests.models.model_support import build_case
from tzrec.datasets.batch import BASE_DATA_GROUP
from tzrec.datasets.synth import synthesize
from tzrec.engine.train_eval import train_and_evaluate
from tzrec.export import export
from tzrec.models.wrappers import ScriptWrapper
from tzrec.serving import load_exported
from tzrec.utils.config_util import load_pipeline_config, save_message

TRAIN = """
train_config {
    sparse_optimizer { adagrad_optimizer { lr: 0.05 } constant_learning_rate {} }
    dense_optimizer { adam_optimizer { lr: 0.005 } constant_learning_rate {} }
    num_epochs: 1
    log_step_count_steps: 5
}
data_config {
    batch_size: 100
    dataset_type: ParquetDataset
    fg_mode: FG_NONE
    label_fields: "label"
    num_workers: 0
}
"""

#: DeepFM whose deep group DIN-encodes a click sequence with several item ids per step.
BODY = """
feature_configs { id_feature { feature_name: "item_id" num_buckets: 300 embedding_dim: 8 } }
feature_configs { id_feature { feature_name: "cate" num_buckets: 30 embedding_dim: 8 } }
feature_configs {
    raw_feature { feature_name: "price" boundaries: [0.5, 1.5, 3.0] embedding_dim: 8 }
}
feature_configs {
    sequence_feature {
        sequence_name: "click_seq"
        sequence_length: 5
        features {
            id_feature {
                feature_name: "item_id" num_buckets: 300 embedding_dim: 8 value_dim: 0
            }
        }
    }
}
model_config {
    feature_groups {
        group_name: "wide" feature_names: ["item_id", "cate", "price"] group_type: WIDE
    }
    feature_groups {
        group_name: "deep"
        feature_names: ["item_id", "cate", "price"]
        group_type: DEEP
        sequence_groups {
            group_name: "clicks" feature_names: ["item_id", "click_seq__item_id"]
        }
        sequence_encoders { din_encoder { input: "clicks" attn_mlp { hidden_units: [8] } } }
    }
    deepfm { deep { hidden_units: [16] } }
    losses { binary_cross_entropy {} }
    metrics { auc {} }
}
"""

SEQUENCE = "click_seq__item_id"


def test_to_dict_carries_ids_per_step_and_script_wrapper_rebuilds_them(tmp_path: Path) -> None:
    case = build_case(BODY, tmp_path, num_rows=200)
    batch = case.batches[0]
    data = batch.to_dict()
    per_step = batch.sequence_mulval_lengths[BASE_DATA_GROUP][SEQUENCE]
    torch.testing.assert_close(data[f"{SEQUENCE}.step_lengths"], per_step.values())
    torch.testing.assert_close(data[f"{SEQUENCE}.num_steps"], per_step.lengths())
    # The data is what makes the case: some steps hold several ids, some rows several steps.
    assert int(data[f"{SEQUENCE}.step_lengths"].max()) > 1
    assert int(data[f"{SEQUENCE}.num_steps"].max()) > 1
    # Ids per row are the sums of the row's steps' ids.
    rows = torch.repeat_interleave(
        torch.arange(batch.batch_size), data[f"{SEQUENCE}.num_steps"].long()
    )
    per_row = torch.zeros(batch.batch_size, dtype=torch.long)
    per_row.index_add_(0, rows, data[f"{SEQUENCE}.step_lengths"].long())
    torch.testing.assert_close(per_row, data[f"{SEQUENCE}.lengths"].long())

    rebuilt = ScriptWrapper(case.model, case.features).batch_from_dict(data)
    again = rebuilt.sequence_mulval_lengths[BASE_DATA_GROUP][SEQUENCE]
    assert rebuilt.sequence_mulval_lengths[BASE_DATA_GROUP].keys() == [SEQUENCE]
    torch.testing.assert_close(again.values(), per_step.values())
    torch.testing.assert_close(again.lengths(), per_step.lengths().int())


def test_multi_value_sequence_exports_with_the_checkpoint_scores(tmp_path: Path) -> None:
    path = tmp_path / "base.config"
    path.write_text(TRAIN + BODY)
    config = load_pipeline_config(str(path))
    data = synthesize(config, str(tmp_path / "data"), num_rows=600, num_files=1, seed=5)
    assert data.eval_input_path is not None
    config.train_input_path = data.train_input_path
    config.eval_input_path = data.eval_input_path
    config.model_dir = str(tmp_path / "model")
    save_message(config, str(tmp_path / "mulval.config"))
    train_and_evaluate(str(tmp_path / "mulval.config"))
    config_path = str(tmp_path / "model" / "pipeline.config")
    export_dir = str(tmp_path / "export")
    export(config_path, export_dir)

    rows = read_rows(data.eval_input_path, 150)
    reference = checkpoint_scores(config_path, rows)
    served = load_exported(export_dir).predict(rows)
    assert sorted(served) == sorted(reference) == ["logits", "probs"]
    for name, expected in reference.items():
        assert (served[name] - expected).abs().max().item() < 1e-5, name
    assert reference["probs"].std() > 1e-3  # the rows are scored differently
