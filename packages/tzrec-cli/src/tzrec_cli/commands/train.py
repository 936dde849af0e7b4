"""``tzrec train``: train and evaluate a model (TorchEasyRec's train_eval flags)."""

from __future__ import annotations

from typing import Annotated

import typer

from tzrec_cli.commands.launch import relaunch, under_launcher


def _opt(name: str, help_text: str) -> typer.models.OptionInfo:
    return typer.Option(f"--{name}", f"--{name.replace('_', '-')}", help=help_text)


def train(
    pipeline_config_path: Annotated[str, _opt("pipeline_config_path", "Pipeline config file.")],
    train_input_path: Annotated[
        str, _opt("train_input_path", "Training input; default: the config's.")
    ] = "",
    eval_input_path: Annotated[
        str, _opt("eval_input_path", "Evaluation input; default: the config's.")
    ] = "",
    model_dir: Annotated[str, _opt("model_dir", "Model directory; default: the config's.")] = "",
    continue_train: Annotated[
        bool,
        typer.Option(
            "--continue_train/--no-continue_train",
            "--continue-train/--no-continue-train",
            help="Resume from the newest checkpoint in model_dir.",
        ),
    ] = True,
    fine_tune_checkpoint: Annotated[
        str, _opt("fine_tune_checkpoint", "Initialise from this checkpoint (or directory).")
    ] = "",
    edit_config_json: Annotated[
        str, _opt("edit_config_json", 'Config edits as JSON, e.g. {"train_config.num_steps":10}.')
    ] = "",
    ignore_restore_optimizer: Annotated[
        bool,
        typer.Option(
            "--ignore_restore_optimizer",
            "--ignore-restore-optimizer",
            help="When resuming, do not restore the optimizer state.",
        ),
    ] = False,
    nproc_per_node: Annotated[
        int,
        typer.Option(
            "--nproc-per-node", "--nproc_per_node", help="Processes to launch via torchrun."
        ),
    ] = 1,
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
