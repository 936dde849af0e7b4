"""Helpers of the export tests: small trained runs, reference scores, a fresh serving process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as pads
import torch

from tzrec.datasets.data_parser import DataParser
from tzrec.engine import checkpoint as ckpt
from tzrec.engine.distributed import distributed_run
from tzrec.engine.evaluation import load_dense_averages
from tzrec.engine.model_setup import build_model
from tzrec.engine.run_config import build_features, load_run_config

#: DeepFM whose deep group holds a DIN-encoded click sequence, with raw inputs (FG_DAG)
#: and an id feature mapped through a vocab file (a resource the export must carry).
DEEPFM_DIN = """
train_config {
    sparse_optimizer { adagrad_optimizer { lr: 0.05 } constant_learning_rate {} }
    dense_optimizer { adam_optimizer { lr: 0.005 } constant_learning_rate {} }
    num_epochs: 1
    log_step_count_steps: 5
}
data_config {
    batch_size: 100
    dataset_type: ParquetDataset
    fg_mode: FG_DAG
    label_fields: "label"
    num_workers: 0
}
feature_configs {
    id_feature {
        feature_name: "item_id" expression: "item:item_id" num_buckets: 300 embedding_dim: 8
    }
}
feature_configs {
    id_feature {
        feature_name: "city" expression: "user:city" vocab_file: "VOCAB"
        default_bucketize_value: 0 embedding_dim: 8
    }
}
feature_configs {
    raw_feature {
        feature_name: "price" expression: "item:price" boundaries: [1.0, 5.0, 20.0]
        embedding_dim: 8
    }
}
feature_configs {
    sequence_feature {
        sequence_name: "click_seq"
        sequence_length: 5
        sequence_delim: "|"
        features {
            id_feature {
                feature_name: "item_id" expression: "item:item_id" num_buckets: 300
                embedding_dim: 8
            }
        }
    }
}
model_config {
    feature_groups {
        group_name: "wide" feature_names: ["item_id", "city", "price"] group_type: WIDE
    }
    feature_groups {
        group_name: "deep"
        feature_names: ["item_id", "city", "price"]
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


def read_rows(input_path: str, limit: int = 0) -> pa.RecordBatch:
    """The rows of a Parquet glob (``dir/*.parquet``) as one record batch."""
    table = pads.dataset(os.path.dirname(input_path), format="parquet").to_table()
    if limit:
        table = table.slice(0, limit)
    return table.combine_chunks().to_batches()[0]


def checkpoint_scores(config_path: str, rows: pa.RecordBatch) -> dict[str, torch.Tensor]:
    """Scores of ``rows`` by the newest checkpoint, through the engine's own path.

    The model is built and sharded as for evaluation (DistributedModelParallel on one
    process), the checkpoint loaded with the engine's loader, the dense EMA applied as
    evaluation applies it: a reference independent of the exporter's unsharded load.
    """
    config = load_run_config(config_path).config
    path = ckpt.latest_checkpoint(config.model_dir)
    assert path is not None
    with distributed_run() as context:
        features = build_features(config)
        bundle = build_model(config, features, context, training=False)
        ckpt.load_model_state(path, bundle.dmp.state_dict())
        averages = ckpt.read_dense_ema(path)
        if averages is not None and config.train_config.dense_optimizer.HasField("ema"):
            load_dense_averages(bundle.dmp, averages)
        parser = DataParser(features, label_fields=list(config.data_config.label_fields))
        bundle.dmp.eval()
        with torch.no_grad():
            _, (_, predictions, _) = bundle.dmp(parser.parse(rows))
    return {k: v.detach().cpu() for k, v in predictions.items()}


_SERVE = r"""
import json, sys
import pyarrow.dataset as pads
from tzrec.serving import load_exported

export_dir, input_path, limit, out = sys.argv[1:5]
model = load_exported(export_dir)
table = pads.dataset(input_path, format="parquet").to_table().slice(0, int(limit))
scores = model.predict(table.combine_chunks().to_batches()[0])
forbidden = [m for m in sys.modules
             if m.split(".")[0] == "tzrec_models" or m.startswith(("tzrec.engine", "tzrec.models"))]
json.dump({"scores": {k: v.tolist() for k, v in scores.items()}, "forbidden": forbidden,
           "outputs": model.output_names}, open(out, "w"))
"""


def serve_in_fresh_process(
    export_dir: str, input_path: str, limit: int, tmp_path: Path
) -> dict[str, Any]:
    """Score rows with ``tzrec.serving`` in a new interpreter; its scores and imports."""
    out = tmp_path / f"served-{len(os.listdir(tmp_path))}.json"
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    run = subprocess.run(
        [sys.executable, "-c", _SERVE, export_dir, os.path.dirname(input_path), str(limit), out],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result: dict[str, Any] = json.loads(out.read_text())
    return result
