"""``tzrec data check``: read a few batches the way training will and summarize them.

Answers "does my data parse with this config?" before a long training run: it builds
the features, opens the input with the configured reader, turns the first batches into
Batch objects (so every bad column, type or id surfaces with its file and feature) and
prints what the model would see.
"""

from __future__ import annotations

import time
from typing import Annotated

import typer


def check(
    pipeline_config_path: Annotated[
        str,
        typer.Option(
            "--pipeline_config_path", "--pipeline-config-path", help="Pipeline config file."
        ),
    ],
    input_path: Annotated[
        str,
        typer.Option(
            "--input_path", "--input-path", help="Input to read; default: train_input_path."
        ),
    ] = "",
    num_batches: Annotated[
        int, typer.Option("--num_batches", "--num-batches", help="Batches to read; 0: all.")
    ] = 3,
) -> None:
    """Parse the first batches of an input with a pipeline's features and summarize them."""
    import numpy as np

    from tzrec.datasets.batch import BASE_DATA_GROUP
    from tzrec.datasets.dataloader import create_dataloader
    from tzrec.features.factory import context_from_data_config, create_features
    from tzrec.utils.config_util import load_pipeline_config

    config = load_pipeline_config(pipeline_config_path)
    path = input_path or config.train_input_path
    if not path:
        raise typer.BadParameter("give --input_path (the config has no train_input_path)")
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    loader = create_dataloader(config.data_config, features, path, num_workers=0)
    start = time.perf_counter()
    rows = batches = 0
    ids_per_row: dict[str, list[float]] = {}
    label_means: dict[str, list[float]] = {}
    for batch in loader:
        rows += batch.batch_size
        batches += 1
        kjt = batch.sparse_features.get(BASE_DATA_GROUP)
        if kjt is not None:
            for key, length in zip(kjt.keys(), kjt.length_per_key(), strict=True):
                ids_per_row.setdefault(key, []).append(length / max(batch.batch_size, 1))
        for name, label in batch.labels.items():
            label_means.setdefault(name, []).append(float(label.double().mean()))
        if num_batches and batches >= num_batches:
            break
    seconds = time.perf_counter() - start
    sparse = [f for f in features if f.is_sparse and not f.stub_type]
    dense = [f for f in features if not f.is_sparse and not f.stub_type]
    typer.echo(
        f"read {batches} batch{'' if batches == 1 else 'es'}, {rows:,} rows from {path} "
        f"in {seconds:.2f} s "
        f"({rows / max(seconds, 1e-9):,.0f} rows/s)"
    )
    typer.echo(
        f"features: {len(sparse)} sparse ({sum(f.is_sequence for f in sparse)} sequences), "
        f"{len(dense)} dense"
    )
    busiest = sorted(ids_per_row.items(), key=lambda kv: -float(np.mean(kv[1])))[:3]
    if busiest:
        shown = ", ".join(f"{k} {np.mean(v):.1f}" for k, v in busiest)
        typer.echo(f"most ids per row: {shown}")
    for name, means in label_means.items():
        typer.echo(f"label {name}: mean {np.mean(means):.3f}")
