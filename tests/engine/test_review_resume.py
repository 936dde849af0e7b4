"""Review: resuming at epoch boundaries and around checkpoints (1 process)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from tests.engine.engine_support import checkpoint_tensors, killed_at_step
from tzrec.engine import checkpoint as ckpt
from tzrec.engine.train_eval import train_and_evaluate

NO_EVAL = {"eval_input_path": ""}
STEPS_PER_EPOCH = 24  # 12k rows / batch_size 500


def test_resume_from_a_checkpoint_on_the_last_batch_of_an_epoch(
    make_config: Callable[..., str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The step-24 checkpoint is taken on the last batch of epoch 0: its data position
    # says every row of epoch 0 is consumed. Resuming must go on with epoch 1.
    edits = {
        **NO_EVAL,
        "train_config.num_epochs": 2,
        "train_config.save_checkpoints_steps": STEPS_PER_EPOCH,
    }
    unbroken_dir = tmp_path / "unbroken"
    train_and_evaluate(make_config({**edits, "model_dir": str(unbroken_dir)}, "a.config"))
    broken_dir = tmp_path / "broken"
    broken = make_config({**edits, "model_dir": str(broken_dir)}, "b.config")
    with killed_at_step(monkeypatch, STEPS_PER_EPOCH + 2):
        train_and_evaluate(broken)
    assert [s for s, _ in ckpt.list_checkpoints(str(broken_dir))] == [24]
    train_and_evaluate(broken)
    assert [s for s, _ in ckpt.list_checkpoints(str(broken_dir))] == [24, 48]
    # Taken on epoch 1's last batch again: epoch 1 with all its rows consumed.
    final = ckpt.read_train_state(ckpt.checkpoint_dir(str(broken_dir), 48))
    assert final.epoch == 1 and sum(final.data_position["rows"].values()) == 12_000
    got = checkpoint_tensors(ckpt.checkpoint_dir(str(broken_dir), 48), tmp_path)
    want = checkpoint_tensors(ckpt.checkpoint_dir(str(unbroken_dir), 48), tmp_path)
    for name, value in want.items():
        torch.testing.assert_close(got[name], value, msg=name)


def test_num_steps_ending_an_epoch_then_more_steps(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    # num_steps = one epoch exactly; a second run with more steps continues into epoch 1.
    model_dir = tmp_path / "model"
    first = make_config({**NO_EVAL, "train_config.num_epochs": 0, "train_config.num_steps": 24})
    train_and_evaluate(first)
    more = make_config(
        {**NO_EVAL, "train_config.num_epochs": 0, "train_config.num_steps": 30}, "more.config"
    )
    train_and_evaluate(more)
    assert [s for s, _ in ckpt.list_checkpoints(str(model_dir))] == [24, 30]
    state = ckpt.read_train_state(ckpt.checkpoint_dir(str(model_dir), 30))
    assert state.epoch == 1
    assert sum(state.data_position["rows"].values()) == 6 * 500


def test_save_checkpoints_epochs_resumed_at_the_boundary_saves_no_step_twice(
    make_config: Callable[..., str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    edits = {**NO_EVAL, "train_config.num_epochs": 0, "train_config.save_checkpoints_epochs": 1}
    train_and_evaluate(make_config({**edits, "train_config.num_steps": 24}))
    saved: list[int] = []
    real_save = ckpt.save_checkpoint

    def recording_save(model_dir: str, state: ckpt.TrainState, *args, **kwargs):  # type: ignore[no-untyped-def]
        saved.append(state.step)
        return real_save(model_dir, state, *args, **kwargs)

    monkeypatch.setattr(ckpt, "save_checkpoint", recording_save)
    train_and_evaluate(make_config({**edits, "train_config.num_steps": 30}, "more.config"))
    assert saved == [30]  # step 24 is already saved; the epoch boundary adds nothing
