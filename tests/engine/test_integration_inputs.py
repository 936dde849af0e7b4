"""Integration sweep: input formats and modes (FG_DAG, CSV) and data-loader workers."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from tests.datasets.test_dataloader import loader, pipeline, row_ids, write_files
from tests.engine.engine_support import killed_at_step
from tzrec.datasets.batch import Batch
from tzrec.datasets.dataloader import DataPosition
from tzrec.datasets.synth import synthesize
from tzrec.engine import checkpoint as ckpt
from tzrec.engine.train_eval import train_and_evaluate
from tzrec.utils.config_edit import edit_config
from tzrec.utils.config_util import load_pipeline_config, save_message

REPO = Path(__file__).resolve().parents[2]
DEEPFM = REPO / "examples" / "configs" / "deepfm_synthetic.config"
DEEPFM_FG_DAG = REPO / "examples" / "configs" / "deepfm_fg_dag.config"

_SMALL = {
    "data_config.batch_size": 200,
    "data_config.num_workers": 0,
    "train_config.log_step_count_steps": 5,
    "eval_config.num_steps": 0,
}


def test_deepfm_fg_dag_raw_inputs(tmp_path: Path) -> None:
    config = load_pipeline_config(str(DEEPFM_FG_DAG))
    data = synthesize(config, str(tmp_path / "data"), num_rows=1000, num_files=1, seed=5)
    assert data.eval_input_path is not None
    edit_config(
        config,
        {
            **_SMALL,
            "train_input_path": data.train_input_path,
            "eval_input_path": data.eval_input_path,
            "model_dir": str(tmp_path / "model"),
        },
    )
    path = tmp_path / "pipeline.config"
    save_message(config, str(path))
    metrics = train_and_evaluate(str(path))
    assert math.isfinite(metrics["auc"]), metrics
    assert [s for s, _ in ckpt.list_checkpoints(str(tmp_path / "model"))] == [5]


def _parquet_to_csv(files: list[str], out_dir: Path, multival_sep: str) -> list[str]:
    """Write each Parquet file as a headered CSV; list columns joined by ``multival_sep``."""
    out_dir.mkdir(parents=True)
    written = []
    for i, path in enumerate(files):
        table = pq.read_table(path)
        columns = []
        for column in table.columns:
            if pa.types.is_list(column.type):
                columns.append(pc.binary_join(column.cast(pa.list_(pa.string())), multival_sep))
            else:
                columns.append(column)
        target = out_dir / f"part-{i}.csv"
        pcsv.write_csv(pa.table(columns, names=table.column_names), str(target))
        written.append(str(target))
    return written


def test_deepfm_csv_input(tmp_path: Path) -> None:
    config = load_pipeline_config(str(DEEPFM))
    data = synthesize(config, str(tmp_path / "data"), num_rows=1000, num_files=1, seed=5)
    sep = config.data_config.fg_encoded_multival_sep
    _parquet_to_csv(data.train_files, tmp_path / "csv_train", sep)
    _parquet_to_csv(data.eval_files, tmp_path / "csv_eval", sep)
    edit_config(
        config,
        {
            **_SMALL,
            "data_config.dataset_type": "CsvDataset",
            "data_config.with_header": True,
            "train_input_path": str(tmp_path / "csv_train" / "*.csv"),
            "eval_input_path": str(tmp_path / "csv_eval" / "*.csv"),
            "model_dir": str(tmp_path / "model"),
        },
    )
    path = tmp_path / "pipeline.config"
    save_message(config, str(path))
    metrics = train_and_evaluate(str(path))
    assert metrics["auc"] > 0.6, metrics
    assert [s for s, _ in ckpt.list_checkpoints(str(tmp_path / "model"))] == [5]


def _deepfm_config(tmp_path: Path, name: str, edits: dict[str, object]) -> str:
    config = load_pipeline_config(str(DEEPFM))
    data_dir = tmp_path / "data"
    if not data_dir.exists():
        synthesize(config, str(data_dir), num_rows=2000, num_files=2, seed=5)
    edit_config(
        config,
        {
            **_SMALL,
            "train_input_path": str(data_dir / "train" / "*.parquet"),
            "eval_input_path": "",
            "model_dir": str(tmp_path / name),
            **edits,
        },
    )
    path = tmp_path / f"{name}.config"
    save_message(config, str(path))
    return str(path)


def test_workers_shuffle_crash_then_continue_ends_at_same_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edits: dict[str, object] = {
        "data_config.num_workers": 2,
        "data_config.shuffle": True,
        "data_config.batch_size": 100,
        "train_config.num_epochs": 2,
        "train_config.save_checkpoints_steps": 5,
    }
    unbroken = _deepfm_config(tmp_path, "unbroken", edits)
    train_and_evaluate(unbroken)
    unbroken_steps = [s for s, _ in ckpt.list_checkpoints(str(tmp_path / "unbroken"))]
    # 2000 rows in 2 files: 20 batches of 100 an epoch (10 per worker), 2 epochs.
    assert unbroken_steps[-1] == 40

    broken = _deepfm_config(tmp_path, "broken", edits)
    with killed_at_step(monkeypatch, 28):  # in the second epoch
        train_and_evaluate(broken)
    assert [s for s, _ in ckpt.list_checkpoints(str(tmp_path / "broken"))][-1] == 25
    train_and_evaluate(broken)
    broken_steps = [s for s, _ in ckpt.list_checkpoints(str(tmp_path / "broken"))]
    assert broken_steps[-1] == unbroken_steps[-1]


@pytest.mark.parametrize("stop_after", [1, 3, 4, 6, 9])
def test_shuffled_resume_continues_the_same_order(tmp_path: Path, stop_after: int) -> None:
    # 70 rows in batches of 7, windows of 4 batches (28 rows): 10 batches in 3 windows.
    path = write_files(tmp_path, [40, 30])
    config = pipeline(shuffle=True, shuffle_buffer_size=4)
    unbroken = row_ids(list(loader(config, path)))
    position = DataPosition(num_shards=1)
    seen: list[Batch] = []
    for batch in loader(config, path):
        if len(seen) == stop_after:
            break
        seen.append(batch)
        position.update(batch)
    assert position.rows == {0: 7 * stop_after}
    starts = DataPosition.start_positions(position.state_dict(), num_shards=1)
    rest = row_ids(list(loader(config, path, start_positions=starts)))
    assert row_ids(seen) + rest == unbroken
