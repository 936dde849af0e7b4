"""``tzrec predict``: batch prediction with an exported model or a checkpoint.

TorchEasyRec's ``tzrec.predict`` flags, each also in kebab case. ``--predict_threads``
(TorchEasyRec's thread count of exported-model prediction) is accepted as another name
of ``--num_workers``: here the parallelism is the dataloader workers per process.
"""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer

from tzrec_cli.commands.launch import relaunch, under_launcher
from tzrec_cli.commands.options import NprocPerNode, flag


def predict(
    predict_input_path: Annotated[str, flag("predict_input_path", "Input to predict.")],
    predict_output_path: Annotated[
        str, flag("predict_output_path", "Output: a directory of part files, a file or a table.")
    ],
    scripted_model_path: Annotated[
        str, flag("scripted_model_path", "Exported model directory (tzrec export).")
    ] = "",
    pipeline_config_path: Annotated[
        str, flag("pipeline_config_path", "Pipeline config: predict with a checkpoint.")
    ] = "",
    checkpoint_path: Annotated[
        str, flag("checkpoint_path", "Checkpoint (or directory); default: newest in model_dir.")
    ] = "",
    reserved_columns: Annotated[
        str, flag("reserved_columns", "Input columns copied to the output, comma-separated.")
    ] = "",
    output_columns: Annotated[
        str, flag("output_columns", "Model outputs to write, comma-separated; default all.")
    ] = "",
    batch_size: Annotated[
        int | None, flag("batch_size", "Rows per batch; default: data_config.batch_size.")
    ] = None,
    num_workers: Annotated[
        int | None,
        typer.Option(
            "--num_workers",
            "--num-workers",
            "--predict_threads",
            "--predict-threads",
            help="Dataloader workers per process; default: data_config.num_workers.",
        ),
    ] = None,
    dataset_type: Annotated[
        str, flag("dataset_type", "Reader, e.g. ParquetDataset; default: the config's.")
    ] = "",
    writer_type: Annotated[
        str, flag("writer_type", "Writer, e.g. ParquetWriter; default: the dataset type's.")
    ] = "",
    predict_steps: Annotated[
        int | None, flag("predict_steps", "At most this many batches per process.")
    ] = None,
    is_profiling: Annotated[
        bool,
        typer.Option("--is_profiling", "--is-profiling", help="Record a torch.profiler trace."),
    ] = False,
    edit_config_json: Annotated[
        str, flag("edit_config_json", "Pipeline config edits as JSON (checkpoint only).")
    ] = "",
    nproc_per_node: NprocPerNode = 1,
) -> None:
    """Predict every input row and write the outputs with the reserved columns."""
    if nproc_per_node > 1 and not under_launcher():
        raise typer.Exit(relaunch(nproc_per_node))
    from tzrec.engine.predict import predict as run_predict

    summary = run_predict(
        predict_input_path,
        predict_output_path,
        pipeline_config_path=pipeline_config_path or None,
        scripted_model_path=scripted_model_path or None,
        checkpoint_path=checkpoint_path or None,
        reserved_columns=reserved_columns,
        output_columns=output_columns,
        batch_size=batch_size,
        num_workers=num_workers,
        dataset_type=dataset_type or None,
        writer_type=writer_type or None,
        predict_steps=predict_steps,
        is_profiling=is_profiling,
        edit_config_json=edit_config_json or None,
    )
    if os.environ.get("RANK", "0") == "0":
        typer.echo(json.dumps({"rows": summary.rows, "output_path": predict_output_path}))
