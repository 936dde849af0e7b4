"""`tzrec train` / `tzrec eval` flags and the --nproc-per-node relaunch."""

from __future__ import annotations

import subprocess
import sys

from tzrec_cli.commands.launch import strip_nproc


def test_strip_nproc_removes_every_spelling() -> None:
    argv = ["train", "--nproc-per-node", "2", "--model_dir", "m", "--nproc_per_node=4", "-x"]
    assert strip_nproc(argv) == ["train", "--model_dir", "m", "-x"]


def test_train_and_eval_take_torcheasyrec_flag_names() -> None:
    for command, flags in (
        (
            "train",
            [
                "--pipeline_config_path",
                "--train_input_path",
                "--eval_input_path",
                "--model_dir",
                "--continue_train",
                "--fine_tune_checkpoint",
                "--edit_config_json",
                "--ignore_restore_optimizer",
                "--nproc-per-node",
            ],
        ),
        (
            "eval",
            [
                "--pipeline_config_path",
                "--checkpoint_path",
                "--eval_input_path",
                "--eval_result_filename",
                "--nproc-per-node",
            ],
        ),
    ):
        help_text = subprocess.run(
            [sys.executable, "-m", "tzrec_cli", command, "--help"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        missing = [flag for flag in flags if flag not in help_text]
        assert not missing, (command, missing)
