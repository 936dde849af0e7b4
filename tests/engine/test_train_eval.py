"""train_and_evaluate / evaluate end to end on the example DeepFM config (1 process)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from tests.engine.engine_support import checkpoint_tensors, killed_at_step
from tzrec.engine import checkpoint as ckpt
from tzrec.engine.evaluate import evaluate
from tzrec.engine.history import read_history
from tzrec.engine.train_eval import TRAIN_EVAL_RESULT, train_and_evaluate


def test_deepfm_one_epoch_auc_near_oracle(make_config: Callable[..., str], deepfm_data) -> None:
    _, data = deepfm_data
    path = make_config(
        {"train_config.num_epochs": 2, "train_config.save_checkpoints_steps": 10_000}
    )
    metrics = train_and_evaluate(path)
    model_dir = Path(path).parent / "model"
    assert data.oracle_auc is not None
    # 2 epochs of 12k rows: clearly above chance and near the planted signal's ceiling.
    assert metrics["auc"] > 0.75, metrics
    assert metrics["auc"] < data.oracle_auc + 0.02
    assert json.loads((model_dir / TRAIN_EVAL_RESULT).read_text())["auc"] == pytest.approx(
        metrics["auc"]
    )
    assert (model_dir / "pipeline.config").exists()
    steps = [c[0] for c in ckpt.list_checkpoints(str(model_dir))]
    assert steps == [48]  # 2 epochs x 24 batches of 500
    history = read_history(str(model_dir))
    train_steps = [r["step"] for r in history if r["kind"] == "train"]
    assert train_steps[:3] == [1, 5, 10] and history[-1]["kind"] == "eval"
    # evaluate() on the checkpoint gives the same metrics and writes them.
    again = evaluate(str(model_dir / "pipeline.config"))
    assert again["auc"] == pytest.approx(metrics["auc"], abs=1e-6)
    assert json.loads((model_dir / "eval_result.txt").read_text())["auc"] == pytest.approx(
        metrics["auc"], abs=1e-6
    )


def test_crash_then_continue_train_matches_unbroken_run(
    make_config: Callable[..., str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    edits = {
        "train_config.num_steps": 14,
        "train_config.num_epochs": 0,
        "train_config.save_checkpoints_steps": 5,
        "eval_input_path": "",
    }
    unbroken = make_config({**edits, "model_dir": str(tmp_path / "unbroken")}, "a.config")
    train_and_evaluate(unbroken)

    broken = make_config({**edits, "model_dir": str(tmp_path / "broken")}, "b.config")
    with killed_at_step(monkeypatch, 8):  # after the step-5 checkpoint
        train_and_evaluate(broken)
    broken_dir = tmp_path / "broken"
    assert [s for s, _ in ckpt.list_checkpoints(str(broken_dir))] == [5]
    train_and_evaluate(broken)  # continue_train=True by default
    assert [s for s, _ in ckpt.list_checkpoints(str(broken_dir))] == [5, 10, 14]
    history = read_history(str(broken_dir))
    # Steps 1 and 5 were logged before the crash; the resumed run logs from step 6 on.
    assert [r["step"] for r in history if r["kind"] == "train"] == [1, 5, 10]
    final_broken = checkpoint_tensors(ckpt.checkpoint_dir(str(broken_dir), 14), tmp_path)
    final_unbroken = checkpoint_tensors(
        ckpt.checkpoint_dir(str(tmp_path / "unbroken"), 14), tmp_path
    )
    assert final_broken.keys() == final_unbroken.keys()
    for name, tensor in final_unbroken.items():
        torch.testing.assert_close(final_broken[name], tensor, msg=name)
