"""Fixtures for predict tests: a DeepFM trained a few steps, and an input with row ids."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from tzrec.datasets.synth import synthesize
from tzrec.engine import checkpoint as ckpt
from tzrec.engine.train_eval import train_and_evaluate
from tzrec.utils.config_edit import edit_config
from tzrec.utils.config_util import load_pipeline_config, save_message

REPO = Path(__file__).resolve().parents[2]
DEEPFM_CONFIG = REPO / "examples" / "configs" / "deepfm_synthetic.config"
#: Rows of the prediction input and how they are split into files: uneven on purpose,
#: with small row groups, so shards of 2 and 4 cut through files and row groups, and an
#: odd total, so 2 processes get different numbers of rows.
INPUT_FILE_ROWS = (700, 451, 850)


@dataclass(frozen=True)
class Trained:
    """A trained DeepFM and an input to predict.

    Attributes:
        pipeline_config_path: the run's config (model_dir set).
        model_dir: where its checkpoint is.
        checkpoint_path: the checkpoint.
        input_glob: the prediction input (``row_id`` + the features + ``label``).
        input_files: its files, in input order.
        input_table: all its rows in input order.
    """

    pipeline_config_path: str
    model_dir: str
    checkpoint_path: str
    input_glob: str
    input_files: list[str]
    input_table: pa.Table


def write_input(source: pa.Table, root: Path, file_rows: tuple[int, ...]) -> list[str]:
    """``source``'s first rows as files of ``file_rows`` rows with a global ``row_id``.

    ``row_id`` is 1000 + the row's index in the input, so a reserved copy shows where
    every output row came from.
    """
    root.mkdir(parents=True, exist_ok=True)
    files, start = [], 0
    for i, n in enumerate(file_rows):
        part = source.slice(start, n)
        ids = pa.array(np.arange(1000 + start, 1000 + start + n, dtype=np.int64))
        part = part.add_column(0, "row_id", ids)
        path = str(root / f"input-{i}.parquet")
        pq.write_table(part, path, row_group_size=128)
        files.append(path)
        start += n
    return files


def write_config(path: Path, edits: dict[str, object]) -> str:
    """The example DeepFM config with TorchEasyRec-style edits, written to ``path``."""
    config = load_pipeline_config(str(DEEPFM_CONFIG))
    edit_config(config, edits)
    save_message(config, str(path))
    return str(path)


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """The example DeepFM config trained 8 steps on synthetic data; 2001 rows to predict."""
    root = tmp_path_factory.mktemp("predict")
    data = synthesize(
        load_pipeline_config(str(DEEPFM_CONFIG)),
        str(root / "data"),
        num_rows=6000,
        num_files=2,
        seed=11,
    )
    path = write_config(
        root / "pipeline.config",
        {
            "train_input_path": data.train_input_path,
            "eval_input_path": "",
            "model_dir": str(root / "model"),
            "data_config.batch_size": 256,
            "data_config.num_workers": 0,
            "train_config.num_steps": 8,
            "train_config.num_epochs": 0,
            "train_config.log_step_count_steps": 100,
        },
    )
    old_threads = os.environ.get("OMP_NUM_THREADS")
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    try:
        train_and_evaluate(path)
    finally:
        if old_threads is None:
            os.environ.pop("OMP_NUM_THREADS", None)
    checkpoint = ckpt.latest_checkpoint(str(root / "model"))
    assert checkpoint is not None
    source = pq.read_table(sorted(glob.glob(data.train_input_path)))
    files = write_input(source, root / "input", INPUT_FILE_ROWS)
    table = pa.concat_tables([pq.read_table(f) for f in files])
    return Trained(
        path, str(root / "model"), checkpoint, str(root / "input" / "*.parquet"), files, table
    )


def shard_sizes(total: int, shards: int) -> list[int]:
    """Rows of each shard: shard k reads input rows [k * N // S, (k + 1) * N // S)."""
    return [(k + 1) * total // shards - k * total // shards for k in range(shards)]


def read_output(output_dir: Path | str, suffix: str = ".parquet") -> tuple[list[str], pa.Table]:
    """The committed part files of an output directory (name order) and their rows."""
    parts = sorted(glob.glob(os.path.join(str(output_dir), f"part-*{suffix}")))
    assert parts, f"no part files in {output_dir}"
    read = pq.read_table if suffix == ".parquet" else pcsv.read_csv
    return parts, pa.concat_tables([read(p) for p in parts])


def assert_nothing_committed(output_dir: Path) -> None:
    """The output path holds no file at all (neither a final nor a temporary one)."""
    if output_dir.exists():
        assert sorted(os.listdir(output_dir)) == []


@pytest.fixture(scope="session")
def exported(trained: Trained, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The trained checkpoint exported (TorchScript, fp32 tables): the export directory."""
    from tzrec.export import export

    export_dir = str(tmp_path_factory.mktemp("export") / "deepfm")
    export(trained.pipeline_config_path, export_dir, checkpoint_path=trained.checkpoint_path)
    return export_dir
