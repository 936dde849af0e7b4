"""``tzrec train``: train and evaluate a model (TorchEasyRec's train_eval flags)."""

from __future__ import annotations

from typing import Annotated

import typer

from tzrec_cli.commands.launch import relaunch, under_launcher
from tzrec_cli.commands.options import NprocPerNode, flag


def train(
    pipeline_config_path: Annotated[str, flag("pipeline_config_path", "Pipeline config file.")],
    train_input_path: Annotated[
        str, flag("train_input_path", "Training input; default: the config's.")
    ] = "",
    eval_input_path: Annotated[
        str, flag("eval_input_path", "Evaluation input; default: the config's.")
    ] = "",
    model_dir: Annotated[str, flag("model_dir", "Model directory; default: the config's.")] = "",
    continue_train: Annotated[
        bool,
        typer.Option(
            "--continue_train/--no-continue_train",
            "--continue-train/--no-continue-train",
            help="Resume from the newest checkpoint in model_dir.",
        ),
    ] = True,
    fine_tune_checkpoint: Annotated[
        str, flag("fine_tune_checkpoint", "Initialise from this checkpoint (or directory).")
    ] = "",
    edit_config_json: Annotated[
        str, flag("edit_config_json", 'Config edits as JSON, e.g. {"train_config.num_steps":10}.')
    ] = "",
    ignore_restore_optimizer: Annotated[
        bool,
        typer.Option(
            "--ignore_restore_optimizer",
            "--ignore-restore-optimizer",
            help="When resuming, do not restore the optimizer state.",
        ),
    ] = False,
    nproc_per_node: NprocPerNode = 1,
) -> None:
    """Train the configured model, checkpoint it and evaluate it."""
    if nproc_per_node > 1 and not under_launcher():
        raise typer.Exit(relaunch(nproc_per_node))
    from tzrec.engine.train_eval import train_and_evaluate

    train_and_evaluate(
        pipeline_config_path,
        train_input_path=train_input_path or None,
        eval_input_path=eval_input_path or None,
        model_dir=model_dir or None,
        continue_train=continue_train,
        fine_tune_checkpoint=fine_tune_checkpoint or None,
        edit_config_json=edit_config_json or None,
        ignore_restore_optimizer=ignore_restore_optimizer,
    )
