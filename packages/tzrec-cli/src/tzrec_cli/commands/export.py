"""``tzrec export``: a checkpoint as a self-contained serving directory (TorchEasyRec flags)."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer

from tzrec_cli.commands.launch import relaunch, under_launcher
from tzrec_cli.commands.options import NprocPerNode, flag


def export(
    pipeline_config_path: Annotated[str, flag("pipeline_config_path", "Pipeline config file.")],
    export_dir: Annotated[str, flag("export_dir", "Directory to write (must not exist).")],
    checkpoint_path: Annotated[
        str, flag("checkpoint_path", "Checkpoint (or directory); default: model_dir's.")
    ] = "",
    quantize_embedding: Annotated[
        str,
        flag(
            "quantize_embedding",
            "Embedding table quantization: none or int8 (also int4, int2, fp16); "
            "default: QUANT_EMB, else none.",
        ),
    ] = "",
    output_format: Annotated[
        str,
        flag(
            "output_format", "torchscript (default) or aot; default: ENABLE_AOT, else torchscript."
        ),
    ] = "",
    edit_config_json: Annotated[str, flag("edit_config_json", "Config edits as JSON.")] = "",
    nproc_per_node: NprocPerNode = 1,
) -> None:
    """Export a checkpoint for serving and print a JSON summary."""
    if nproc_per_node > 1 and not under_launcher():
        raise typer.Exit(relaunch(nproc_per_node))
    from tzrec.export import export as run_export

    result = run_export(
        pipeline_config_path,
        export_dir,
        checkpoint_path=checkpoint_path or None,
        output_format=output_format or None,
        quantize_embedding=quantize_embedding or None,
        edit_config_json=edit_config_json or None,
    )
    if result is not None and os.environ.get("RANK", "0") == "0":
        summary = {
            "export_dir": result.export_dir,
            "checkpoint": result.checkpoint.path,
            "step": result.checkpoint.step,
            "quantization": result.manifest["quantization"],
            "max_abs_diff": result.max_abs_diff,
            "seconds": round(result.seconds, 2),
        }
        typer.echo(json.dumps(summary, sort_keys=True))
