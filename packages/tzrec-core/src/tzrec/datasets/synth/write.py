"""Writing: :func:`synthesize` draws the splits into Parquet files; config rewriting.

Each split is written as ``part-NNNNN.parquet`` files of several row groups, each file
drawn on its own (see :func:`.table.generate_table`) so memory stays bounded by one
file and readers can split the work. :func:`config_for_data` points a pipeline config at
the written files.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tzrec.datasets.synth.labels import planted_columns, rank_auc
from tzrec.datasets.synth.plan import plan_columns
from tzrec.datasets.synth.spec import ColumnSpec
from tzrec.datasets.synth.table import EVAL_SPLIT, TRAIN_SPLIT, generate_table
from tzrec.protos import data_pb2, pipeline_pb2

#: Row groups per Parquet file (so readers can split a file).
ROW_GROUPS_PER_FILE = 4


@dataclass(frozen=True)
class SynthResult:
    """What :func:`synthesize` wrote.

    Attributes:
        train_input_path: glob of the train files (a ``train_input_path``).
        eval_input_path: glob of the eval files, None when no eval split was written.
        train_files: the train files.
        eval_files: the eval files.
        train_rows: rows in the train files.
        eval_rows: rows in the eval files.
        schema: the files' schema.
        planted: the columns whose values drive the labels.
        oracle_auc: AUC of the first label against the planted logit on the eval split
            (the train split without one): the best AUC any model can expect.
    """

    train_input_path: str
    eval_input_path: str | None
    train_files: list[str]
    eval_files: list[str]
    train_rows: int
    eval_rows: int
    schema: pa.Schema
    planted: list[str] = field(default_factory=list)
    oracle_auc: float | None = None


def _clear_parts(directory: str) -> None:
    """Remove the ``part-*.parquet`` files an earlier run left in a folder."""
    for old in Path(directory).glob("part-*.parquet"):
        old.unlink()


def _write_split(
    plan: Mapping[str, ColumnSpec],
    data_config: data_pb2.DataConfig,
    num_rows: int,
    num_files: int,
    seed: int,
    split: str,
    directory: str,
) -> tuple[list[str], pa.Schema, float | None]:
    """Draw and write one split as part-NNNNN.parquet files of several row groups each.

    Each file is drawn on its own (random streams keyed by ``split/part-i``), so memory
    stays bounded by one file. Stale ``part-*.parquet`` files of an earlier run are
    removed first, so the folder's glob matches exactly the new files.

    Returns:
        the files written, their schema and the oracle AUC of the first label (the AUC
        of the planted logit; None without labels).
    """
    os.makedirs(directory, exist_ok=True)
    _clear_parts(directory)
    files = []
    schema = None
    bounds = np.linspace(0, num_rows, min(num_files, num_rows) + 1).astype(np.int64)
    logits: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    label = data_config.label_fields[0] if data_config.label_fields else None
    for i, (start, stop) in enumerate(itertools.pairwise(bounds)):
        table = generate_table(
            plan, data_config, int(stop - start), seed, f"{split}/part-{i}", logits
        )
        if label is not None:
            labels.append(np.asarray(table.column(label).to_numpy(zero_copy_only=False)))
        path = os.path.join(directory, f"part-{i:05d}.parquet")
        group = max(1, math.ceil(table.num_rows / ROW_GROUPS_PER_FILE))
        pq.write_table(table, path, row_group_size=group)
        files.append(path)
        schema = table.schema
    assert schema is not None
    oracle = None
    if label is not None:
        oracle = rank_auc(np.concatenate(logits), np.concatenate(labels))
    return files, schema, oracle


def synthesize(
    pipeline_config: pipeline_pb2.EasyRecConfig,
    output_dir: str,
    num_rows: int = 10_000,
    num_files: int = 2,
    seed: int = 0,
    eval_fraction: float = 0.2,
    resource_dir: str | None = None,
) -> SynthResult:
    """Write train and eval Parquet files holding what the pipeline config reads.

    Args:
        pipeline_config: the pipeline config; its features, fg_mode, label and sample
            weight fields decide the columns.
        output_dir: the files go to ``output_dir/train/part-NNNNN.parquet`` and
            ``output_dir/eval/part-NNNNN.parquet``.
        num_rows: training rows.
        num_files: files per split (at most one per row).
        seed: random seed; the same seed writes the same data.
        eval_fraction: eval rows as a fraction of num_rows (rounded up; 0: no eval split).
        resource_dir: folder that relative vocab_file paths resolve against.

    Returns:
        the written paths, row counts, schema and planted signal columns.

    Raises:
        ValueError: for a bad num_rows / num_files / eval_fraction.
        FeatureConfigError: for features whose inputs clash or cannot be read.
        NotImplementedError: for feature types whose inputs this cannot synthesize.
    """
    from tzrec.features.factory import context_from_data_config, create_features

    if num_rows < 1:
        raise ValueError(f"num_rows must be at least 1, got {num_rows}")
    if num_files < 1:
        raise ValueError(f"num_files must be at least 1, got {num_files}")
    if not 0.0 <= eval_fraction < 1.0:
        raise ValueError(f"eval_fraction must be in [0, 1), got {eval_fraction}")
    data_config = pipeline_config.data_config
    context = context_from_data_config(data_config, resource_dir)
    features = create_features(pipeline_config.feature_configs, context)
    plan = plan_columns(features)
    eval_rows = math.ceil(num_rows * eval_fraction) if eval_fraction > 0 else 0

    train_dir = os.path.join(output_dir, TRAIN_SPLIT)
    eval_dir = os.path.join(output_dir, EVAL_SPLIT)
    train_files, schema, oracle_auc = _write_split(
        plan, data_config, num_rows, num_files, seed, TRAIN_SPLIT, train_dir
    )
    eval_files: list[str] = []
    if eval_rows:
        eval_files, _, oracle_auc = _write_split(
            plan, data_config, eval_rows, num_files, seed, EVAL_SPLIT, eval_dir
        )
    elif os.path.isdir(eval_dir):
        _clear_parts(eval_dir)
    return SynthResult(
        train_input_path=os.path.join(train_dir, "*.parquet"),
        eval_input_path=os.path.join(eval_dir, "*.parquet") if eval_rows else None,
        train_files=train_files,
        eval_files=eval_files,
        train_rows=num_rows,
        eval_rows=eval_rows,
        schema=schema,
        planted=planted_columns(plan),
        oracle_auc=oracle_auc,
    )


def config_for_data(
    pipeline_config: pipeline_pb2.EasyRecConfig, result: SynthResult
) -> pipeline_pb2.EasyRecConfig:
    """A copy of the config that reads the synthesized data (ParquetDataset, abs paths).

    The input config is left unchanged; a plugin dataset type is cleared, and so is
    eval_input_path when no eval split was written.
    """
    config = pipeline_pb2.EasyRecConfig()
    config.CopyFrom(pipeline_config)
    config.train_input_path = os.path.abspath(result.train_input_path)
    if result.eval_input_path is not None:
        config.eval_input_path = os.path.abspath(result.eval_input_path)
    else:
        config.ClearField("eval_input_path")
    config.data_config.dataset_type = data_pb2.ParquetDataset
    config.data_config.ClearField("plugin_dataset_type")
    return config
