"""Integration sweep: classification and regression heads with their losses and metrics."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tests.engine.integration_support import COMMON, prepare, train_text
from tzrec.engine.train_eval import train_and_evaluate

_FEATURES = """
feature_configs {
    id_feature { feature_name: "user_id" num_buckets: 20 embedding_dim: 8 value_dim: 1 }
}
feature_configs { id_feature { feature_name: "item_id" num_buckets: 200 embedding_dim: 8 } }
feature_configs { raw_feature { feature_name: "price" } }
feature_configs { raw_feature { feature_name: "age" } }
"""

_TINYNET = """
    feature_groups {
        group_name: "all"
        feature_names: ["user_id", "item_id", "price", "age"]
        group_type: DEEP
    }
    plugin_model {
        [type.googleapis.com/tzrec_example.TinyNet] { hidden_units: [16] }
    }
"""

_CLASSIFICATION_METRICS = """
    metrics { auc {} }
    metrics { accuracy {} }
    metrics { grouped_auc { grouping_key: "user_id" } }
"""


def _two_class(loss: str) -> str:
    return (
        COMMON
        + _FEATURES
        + "model_config {\n num_class: 2\n"
        + _TINYNET
        + f"    losses {{ {loss} }}\n"
        + _CLASSIFICATION_METRICS
        + "}\n"
    )


def _check_classification(metrics: dict[str, float]) -> None:
    for name in ("auc", "accuracy", "grouped_auc"):
        assert name in metrics, metrics
        assert 0.0 <= metrics[name] <= 1.0 and math.isfinite(metrics[name]), metrics


def test_two_classes_softmax_cross_entropy(tmp_path: Path) -> None:
    run = train_text(_two_class("softmax_cross_entropy {}"), tmp_path)
    _check_classification(run.metrics)


def test_two_classes_jrc_loss(tmp_path: Path) -> None:
    run = train_text(_two_class('jrc_loss { session_name: "user_id" }'), tmp_path)
    _check_classification(run.metrics)


def test_binary_with_grouped_auc(tmp_path: Path) -> None:
    text = (
        COMMON
        + _FEATURES
        + "model_config {\n"
        + _TINYNET
        + "    losses { binary_cross_entropy {} }\n"
        + _CLASSIFICATION_METRICS
        + "}\n"
    )
    run = train_text(text, tmp_path)
    _check_classification(run.metrics)


REGRESSION = (
    COMMON
    + _FEATURES
    + """
model_config {
"""
    + _TINYNET
    + """
    losses { l2_loss {} }
    metrics { mean_squared_error {} }
    metrics { mean_absolute_error {} }
    metrics { xauc {} }
}
"""
)


def _float_labels(files: list[str], seed: int) -> None:
    """Replace each file's 0/1 ``label`` with a float target: 2 * min(price, 3) + noise."""
    rng = np.random.default_rng(seed)
    for path in files:
        table = pq.read_table(path)
        price = table.column("price").to_numpy().astype(np.float32)
        target = 2.0 * np.minimum(price, 3.0) + rng.normal(0.0, 0.1, len(price)).astype(np.float32)
        index = table.schema.get_field_index("label")
        table = table.set_column(index, "label", pa.array(target, pa.float32()))
        pq.write_table(table, path)


def test_regression_l2_loss_with_mse_mae_xauc(tmp_path: Path) -> None:
    path, data = prepare(REGRESSION, tmp_path, num_rows=2000, edits={"train_config.num_epochs": 4})
    _float_labels(data.train_files, 1)
    _float_labels(data.eval_files, 2)
    metrics = train_and_evaluate(path)
    for name in ("mean_squared_error", "mean_absolute_error", "xauc"):
        assert name in metrics and math.isfinite(metrics[name]), metrics
    # The target is a linear function of one input: ranking by it is learnt well.
    assert metrics["xauc"] > 0.6, metrics
    assert metrics["mean_absolute_error"] >= 0.0
    assert metrics["mean_squared_error"] >= metrics["mean_absolute_error"] ** 2 - 1e-6
