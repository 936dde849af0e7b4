"""Review: keep_checkpoint_max next to checkpoints an earlier run left in model_dir."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tzrec.engine import checkpoint as ckpt
from tzrec.engine.train_eval import train_and_evaluate

NO_EVAL = {"eval_input_path": "", "train_config.num_epochs": 0}


def test_pruning_never_deletes_the_checkpoint_just_written(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    model_dir = str(tmp_path / "model")
    # An earlier run left model.ckpt-6; this one starts over (continue_train off).
    train_and_evaluate(make_config({**NO_EVAL, "train_config.num_steps": 6}, "old.config"))
    path = make_config(
        {
            **NO_EVAL,
            "train_config.num_steps": 3,
            "train_config.save_checkpoints_steps": 2,
            "train_config.keep_checkpoint_max": 1,
        }
    )
    train_and_evaluate(path, continue_train=False)
    steps = [step for step, _ in ckpt.list_checkpoints(model_dir)]
    assert steps == [3]  # the final checkpoint is the newest; the old run's step 6 went first


def test_a_missing_fine_tune_checkpoint_is_named(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    path = make_config({**NO_EVAL, "train_config.num_steps": 1})
    missing = str(tmp_path / "no_such_run")
    with pytest.raises(FileNotFoundError, match=r"no checkpoint at .*no_such_run"):
        train_and_evaluate(path, fine_tune_checkpoint=missing)
