"""``tzrec eval``: the metrics of a checkpoint (TorchEasyRec's eval flags)."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer

from tzrec_cli.commands.launch import relaunch, under_launcher
from tzrec_cli.commands.options import NprocPerNode, flag


def evaluate(
    pipeline_config_path: Annotated[str, flag("pipeline_config_path", "Pipeline config file.")],
    checkpoint_path: Annotated[
        str, flag("checkpoint_path", "Checkpoint (or directory); default: newest in model_dir.")
    ] = "",
    eval_input_path: Annotated[
        str, flag("eval_input_path", "Evaluation input; default: the config's.")
    ] = "",
    eval_result_filename: Annotated[
        str, flag("eval_result_filename", "Result file name in model_dir.")
    ] = "eval_result.txt",
    edit_config_json: Annotated[str, flag("edit_config_json", "Config edits as JSON.")] = "",
    nproc_per_node: NprocPerNode = 1,
) -> None:
    """Evaluate a checkpoint and print its metrics as JSON."""
    if nproc_per_node > 1 and not under_launcher():
        raise typer.Exit(relaunch(nproc_per_node))
    from tzrec.engine.evaluate import evaluate as run_evaluate

    metrics = run_evaluate(
        pipeline_config_path,
        checkpoint_path=checkpoint_path or None,
        eval_input_path=eval_input_path or None,
        eval_result_filename=eval_result_filename,
        edit_config_json=edit_config_json or None,
    )
    if os.environ.get("RANK", "0") == "0":
        typer.echo(json.dumps(metrics, sort_keys=True))
