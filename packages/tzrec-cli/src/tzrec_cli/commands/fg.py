"""``tzrec fg run``: encode a raw table into FG_NONE form offline.

Train on the encoded table with ``fg_mode: FG_NONE`` (much faster than running FG on
every epoch) while the same feature configs keep serving raw inputs through FG.
"""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(no_args_is_help=True, help="Feature generation (FG).", rich_markup_mode=None)


@app.command("run")
def run(
    pipeline_config_path: Annotated[
        str,
        typer.Option(
            "--pipeline_config_path", "--pipeline-config-path", help="Pipeline config file."
        ),
    ],
    input_path: Annotated[
        str,
        typer.Option(
            "--input_path",
            "--input-path",
            help="Raw input to encode; default: the config's train_input_path.",
        ),
    ] = "",
    output_path: Annotated[
        str,
        typer.Option("--output_path", "--output-path", help="Output (a directory for Parquet)."),
    ] = "",
    reserved_columns: Annotated[
        str,
        typer.Option(
            "--reserved_columns",
            "--reserved-columns",
            help="Comma-separated input columns to copy through (labels are always kept).",
        ),
    ] = "",
    writer_type: Annotated[
        str,
        typer.Option("--writer_type", "--writer-type", help="Writer plugin name."),
    ] = "ParquetWriter",
    write_config: Annotated[
        str,
        typer.Option(
            "--write_config",
            "--write-config",
            help="Also write a copy of the config that trains on the output in FG_NONE mode.",
        ),
    ] = "",
) -> None:
    """Encode a raw table with the pipeline's features into FG_NONE columns."""
    from tzrec.datasets.fg_encode import encode_table, encoded_pipeline_config
    from tzrec.utils.config_util import load_pipeline_config, save_message

    config = load_pipeline_config(pipeline_config_path)
    source = input_path or config.train_input_path
    if not source:
        raise typer.BadParameter("give --input_path (the config has no train_input_path)")
    if not output_path:
        raise typer.BadParameter("give --output_path")
    columns = [c for c in reserved_columns.split(",") if c]
    result = encode_table(config, source, output_path, columns, writer_type=writer_type)
    typer.echo(f"encoded {result.num_rows} rows, {len(result.columns)} columns -> {output_path}")
    if write_config:
        pattern = output_path.rstrip("/") + "/*.parquet" if writer_type == "ParquetWriter" else ""
        save_message(encoded_pipeline_config(config, pattern or output_path), write_config)
        typer.echo(f"wrote FG_NONE config {write_config}")
