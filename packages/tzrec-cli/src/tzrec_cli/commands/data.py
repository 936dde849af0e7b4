"""``tzrec data synth``: write synthetic Parquet data shaped like a pipeline config.

``tzrec data check`` (in :mod:`tzrec_cli.commands.data_check`) joins the same group.

The data holds exactly the columns the config's features, labels and sample weights
read (see :mod:`tzrec.datasets.synth`), with a label signal a model can learn, so a
config can be trained and evaluated end to end without the real data.
``--max_num_buckets`` caps the config's table sizes first (see
:mod:`tzrec.datasets.synth.shrink`), so production configs with tables of tens of
millions of rows train on one machine.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tzrec_cli.commands.data_check import check

app = typer.Typer(
    no_args_is_help=True,
    help="Make data for pipeline configs.",
    rich_markup_mode=None,  # help texts show [i], [a:b] literally
)


app.command("check")(check)


def _files(n: int) -> str:
    return f"{n} file{'' if n == 1 else 's'}"


@app.command()
def synth(
    pipeline_config_path: Annotated[
        str,
        typer.Option(
            "--pipeline_config_path",
            "--pipeline-config-path",
            help="Pipeline config whose features, labels and sample weights decide the columns.",
        ),
    ],
    output_dir: Annotated[
        str,
        typer.Option(
            "--output_dir",
            "--output-dir",
            help="Writes OUTPUT_DIR/train/part-*.parquet and OUTPUT_DIR/eval/part-*.parquet.",
        ),
    ],
    num_rows: Annotated[
        int, typer.Option("--num_rows", "--num-rows", help="Training rows.")
    ] = 10_000,
    num_files: Annotated[
        int, typer.Option("--num_files", "--num-files", help="Parquet files per split.")
    ] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same data).")] = 0,
    eval_fraction: Annotated[
        float,
        typer.Option(
            "--eval_fraction",
            "--eval-fraction",
            help="Eval rows as a fraction of num_rows; 0 writes no eval split.",
        ),
    ] = 0.2,
    write_config: Annotated[
        str | None,
        typer.Option(
            "--write_config",
            "--write-config",
            help="Also write a copy of the config reading the new data (ParquetDataset).",
        ),
    ] = None,
    max_num_buckets: Annotated[
        int | None,
        typer.Option(
            "--max_num_buckets",
            "--max-num-buckets",
            help=(
                "Cap every table size (num_buckets, hash_bucket_size, zch_size, "
                "dynamicemb max_capacity) at this many rows, in the data drawn and in "
                "the config --write_config writes; for production configs whose tables "
                "do not fit this machine."
            ),
        ),
    ] = None,
) -> None:
    """Write synthetic train/eval Parquet files with the columns a pipeline config reads."""
    from tzrec.datasets.synth import config_for_data, synthesize
    from tzrec.datasets.synth.shrink import cap_table_sizes
    from tzrec.features.errors import FeatureConfigError
    from tzrec.utils.config_util import load_pipeline_config, save_message

    config = load_pipeline_config(pipeline_config_path)
    try:
        if max_num_buckets is not None:
            config, capped = cap_table_sizes(config, max_num_buckets)
            if capped:
                typer.echo(
                    f"capped {len(capped)} table size{'' if len(capped) == 1 else 's'} "
                    f"at {max_num_buckets} rows: "
                    + ", ".join(f"{c.feature} {c.old}" for c in capped)
                )
        result = synthesize(
            config,
            output_dir,
            num_rows=num_rows,
            num_files=num_files,
            seed=seed,
            eval_fraction=eval_fraction,
        )
    except (FeatureConfigError, NotImplementedError, ValueError, OSError) as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from e
    typer.echo(
        f"train: {result.train_rows} rows in {_files(len(result.train_files))}: "
        f"{result.train_input_path}"
    )
    if result.eval_input_path is not None:
        typer.echo(
            f"eval: {result.eval_rows} rows in {_files(len(result.eval_files))}: "
            f"{result.eval_input_path}"
        )
    typer.echo(
        f"columns: {len(result.schema)}; label signal planted in: "
        f"{', '.join(result.planted) or 'none'}"
    )
    if result.oracle_auc is not None:
        split = "eval" if result.eval_input_path is not None else "train"
        typer.echo(f"oracle AUC ({split}, ranking by the planted logit): {result.oracle_auc:.4f}")
    if write_config:
        save_message(config_for_data(config, result), write_config)
        typer.echo(f"config: {write_config}")
