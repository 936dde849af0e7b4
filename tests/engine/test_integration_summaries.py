"""Integration sweep: train metrics and every TensorBoard summary on, read back from events."""

from __future__ import annotations

from pathlib import Path

from tensorboard.backend.event_processing.event_accumulator import (  # type: ignore[import-untyped]
    EventAccumulator,
)

from tests.engine.integration_support import COMMON, train_text
from tzrec.engine.history import read_history

CONFIG = (
    COMMON.replace(
        "log_step_count_steps: 5",
        "log_step_count_steps: 2\n"
        '    tensorboard_summaries: ["loss", "learning_rate", "parameter", "gradient_norm",'
        ' "global_gradient_norm", "gradient"]',
    )
    + """
feature_configs { id_feature { feature_name: "cat" num_buckets: 30 embedding_dim: 4 } }
feature_configs { raw_feature { feature_name: "price" } }
model_config {
    feature_groups { group_name: "all" feature_names: ["cat", "price"] group_type: DEEP }
    plugin_model {
        [type.googleapis.com/tzrec_example.TinyNet] { hidden_units: [8] }
    }
    losses { binary_cross_entropy {} }
    metrics { auc {} }
    train_metrics { auc {} decay_step: 2 }
    train_metrics { accuracy {} decay_step: 2 }
}
"""
)


def _events(directory: Path) -> EventAccumulator:
    assert list(directory.glob("events.out.tfevents.*")), f"no event file in {directory}"
    events = EventAccumulator(str(directory), size_guidance={"histograms": 0, "scalars": 0})
    events.Reload()
    return events


def test_all_summaries_and_train_metrics(tmp_path: Path) -> None:
    run = train_text(CONFIG, tmp_path)
    assert 0.0 <= run.metrics["auc"] <= 1.0
    train = _events(run.model_dir / "train")
    scalars = set(train.Tags()["scalars"])
    histograms = set(train.Tags()["histograms"])
    assert "loss" in scalars
    assert {"learning_rate/sparse", "learning_rate/dense"} <= scalars, scalars
    assert "global_gradient_norm" in scalars, scalars
    # TinyNet's MLP is dense: its parameters have gradients at logging time (the fused
    # sparse optimizer keeps none for the embedding table).
    assert any(t.startswith("gradient_norm/") and "mlp" in t for t in scalars), scalars
    assert any(t.startswith("gradient/") and "mlp" in t for t in histograms), histograms
    assert any(t.startswith("parameter/") and "mlp" in t for t in histograms), histograms
    # 6 steps, logged at 1, 2, 4, 6: the gradients at each of them.
    assert [e.step for e in train.Scalars("loss")] == [1, 2, 4, 6]
    norms = train.Scalars("global_gradient_norm")
    assert [e.step for e in norms] == [1, 2, 4, 6]
    assert all(e.value > 0.0 for e in norms)
    evaluated = _events(run.model_dir / "eval")
    assert "auc" in evaluated.Tags()["scalars"]
    history = [r for r in read_history(str(run.model_dir)) if r["kind"] == "train"]
    # Train metrics exist once their first window (decay_step 2) has closed.
    assert [r["step"] for r in history] == [1, 2, 4, 6]
    assert history[0]["train_metrics"] == {}
    for record in history[1:]:
        assert set(record["train_metrics"]) == {"auc", "accuracy"}, record
