"""Training as real processes: `tzrec train` killed and resumed, and 2 ranks under torchrun."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests.tzrec_subprocess import child_env, tzrec_command
from tzrec.engine import checkpoint as ckpt


def test_killed_run_resumes_from_its_checkpoint(
    make_config: Callable[..., str], tmp_path: Path
) -> None:
    # Small batches and many steps, so the run is still going when it is killed.
    path = make_config(
        {
            "data_config.batch_size": 16,
            "train_config.num_epochs": 0,
            "train_config.num_steps": 3000,
            "train_config.save_checkpoints_steps": 20,
            "train_config.log_step_count_steps": 1000,
            "eval_input_path": "",
        }
    )
    model_dir = str(tmp_path / "model")
    proc = subprocess.Popen(
        tzrec_command("train", "--pipeline_config_path", path),
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while not ckpt.list_checkpoints(model_dir):
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "no checkpoint within 120 s"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    saved = [step for step, _ in ckpt.list_checkpoints(model_dir)]
    assert saved and saved[-1] < 3000
    resume_from = saved[-1]

    # Resume, now with fewer steps to go (edit_config_json), and check where it started.
    done = subprocess.run(
        tzrec_command(
            "train",
            "--pipeline_config_path",
            path,
            "--edit_config_json",
            json.dumps({"train_config.num_steps": resume_from + 30}),
        ),
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert f"resumed from {ckpt.checkpoint_dir(model_dir, resume_from)} (step {resume_from}" in (
        done.stderr
    )
    final = ckpt.read_train_state(ckpt.latest_checkpoint(model_dir) or "")
    assert final.step == resume_from + 30


def test_two_ranks_match_one_rank_auc(make_config: Callable[..., str], tmp_path: Path) -> None:
    # The example config's learning rates let both runs converge within the epochs, so
    # the comparison is of the results, not of 2 ranks taking half the optimizer steps.
    common = {"train_config.num_epochs": 2, "train_config.save_checkpoints_steps": 100_000}
    one = make_config({**common, "model_dir": str(tmp_path / "one")}, "one.config")
    two = make_config({**common, "model_dir": str(tmp_path / "two")}, "two.config")
    results = {}
    for name, path, nproc in (("one", one, 1), ("two", two, 2)):
        run = subprocess.run(
            tzrec_command("train", "--pipeline_config_path", path, "--nproc-per-node", str(nproc)),
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        result = tmp_path / name / "train_eval_result.txt"
        results[name] = json.loads(result.read_text())
    assert results["one"]["auc"] > 0.75
    assert abs(results["one"]["auc"] - results["two"]["auc"]) < 0.01, results
    # 2 ranks shard the data: each did half the steps of the single process.
    one_steps = ckpt.read_train_state(ckpt.latest_checkpoint(str(tmp_path / "one")) or "").step
    two_steps = ckpt.read_train_state(ckpt.latest_checkpoint(str(tmp_path / "two")) or "").step
    assert one_steps == 48 and two_steps == 24
