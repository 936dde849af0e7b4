"""Review: the dense EMA with fine-tuning, ignore_restore_optimizer and ``evaluate``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tzrec.engine.evaluate import evaluate
from tzrec.engine.train_eval import train_and_evaluate

# lr 0 everywhere and an EMA that never moves (decay 1): the averages stay what they
# were when training started, and the weights stay the loaded ones.
FROZEN_EMA = {
    "train_config.num_epochs": 0,
    "train_config.num_steps": 1,
    "train_config.sparse_optimizer.sgd_optimizer": {"lr": 0.0},
    "train_config.dense_optimizer.sgd_optimizer": {"lr": 0.0},
    "train_config.dense_optimizer.ema": {"decay": 1.0},
}


def _source(make_config: Callable[..., str], tmp_path: Path) -> dict[str, float]:
    path = make_config(
        {
            "train_config.num_epochs": 0,
            "train_config.num_steps": 24,
            "model_dir": str(tmp_path / "src"),
        },
        "src.config",
    )
    return train_and_evaluate(path)


def test_fine_tuned_run_averages_from_the_loaded_weights(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    source = _source(make_config, tmp_path)
    target = make_config({**FROZEN_EMA, "model_dir": str(tmp_path / "dst")}, "dst.config")
    metrics = train_and_evaluate(target, fine_tune_checkpoint=str(tmp_path / "src"))
    # The EMA-evaluated model is the fine-tuned one, not the random initial weights.
    assert metrics["auc"] == pytest.approx(source["auc"], abs=1e-6)


def test_ignore_restore_optimizer_averages_from_the_restored_weights(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    source = _source(make_config, tmp_path)
    again = make_config(
        {**FROZEN_EMA, "train_config.num_steps": 25, "model_dir": str(tmp_path / "src")},
        "again.config",
    )
    metrics = train_and_evaluate(again, ignore_restore_optimizer=True)
    assert metrics["auc"] == pytest.approx(source["auc"], abs=1e-6)


def test_evaluate_uses_the_dense_ema_like_train_and_evaluate(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    path = make_config(
        {
            "train_config.num_epochs": 0,
            "train_config.num_steps": 12,
            "train_config.dense_optimizer.adam_optimizer.lr": 0.01,
            "train_config.dense_optimizer.ema": {"decay": 0.9},
        }
    )
    trained = train_and_evaluate(path)
    model_dir = tmp_path / "model"
    again = evaluate(str(model_dir / "pipeline.config"))
    assert again["auc"] == pytest.approx(trained["auc"], abs=1e-6)
    assert again["loss"] == pytest.approx(trained["loss"], rel=1e-5)
    # use_dense_ema false evaluates the raw weights, which differ from the averages.
    raw = evaluate(
        str(model_dir / "pipeline.config"), edit_config_json={"eval_config.use_dense_ema": False}
    )
    assert raw["loss"] != pytest.approx(trained["loss"], rel=1e-5)
