"""`tzrec predict` as 2 processes under torchrun (gloo): disjoint ordered parts, same scores."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tests.predict.conftest import Trained, read_output, shard_sizes
from tests.tzrec_subprocess import run_tzrec
from tzrec.engine.predict import predict


def _one_process_scores(trained: Trained, output_dir: Path) -> pa.Table:
    """The checkpoint's predictions of the whole input by one process (the reference)."""
    predict(
        trained.input_glob,
        str(output_dir),
        pipeline_config_path=trained.pipeline_config_path,
        reserved_columns="row_id",
        num_workers=0,
    )
    return read_output(output_dir)[1]


def test_two_processes_write_their_shards_in_order_with_one_process_scores(
    trained: Trained, tmp_path: Path
) -> None:
    reference = _one_process_scores(trained, tmp_path / "one")

    out = tmp_path / "two"
    # 2 processes x 2 workers = 4 shards of 500, 500, 500 and 501 rows; batches of 250
    # give rank 0 four batches and rank 1 five, so rank 0 pads one lockstep step.
    run = run_tzrec(
        "predict",
        "--pipeline_config_path",
        trained.pipeline_config_path,
        "--predict_input_path",
        trained.input_glob,
        "--predict_output_path",
        str(out),
        "--reserved_columns",
        "row_id,label",
        "--num_workers",
        "2",
        "--batch_size",
        "250",
        "--nproc-per-node",
        "2",
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {
        "rows": 2001,
        "output_path": str(out),
    }
    files, table = read_output(out)
    assert [Path(f).name for f in files] == [f"part-{i:05d}.parquet" for i in range(4)]
    assert [pq.read_metadata(f).num_rows for f in files] == shard_sizes(2001, 4)
    # Every row once, the padding step's repeated rows not written, input order kept.
    assert table["row_id"].to_pylist() == trained.input_table["row_id"].to_pylist()
    assert table["label"].to_pylist() == trained.input_table["label"].to_pylist()
    assert table.column_names == ["logits", "probs", "row_id", "label"]
    diff = np.abs(table["probs"].to_numpy() - reference["probs"].to_numpy())
    assert diff.max() < 1e-5


def test_two_processes_with_an_exported_model_need_no_lockstep(
    trained: Trained, exported: str, tmp_path: Path
) -> None:
    reference = _one_process_scores(trained, tmp_path / "one")
    out = tmp_path / "two"
    # No workers: one shard per process, 1000 and 1001 rows; each process runs the
    # TorchScript program alone and steps at its own pace.
    run = run_tzrec(
        "predict",
        "--scripted_model_path",
        exported,
        "--predict_input_path",
        trained.input_glob,
        "--predict_output_path",
        str(out),
        "--reserved_columns",
        "row_id",
        "--predict_threads",
        "0",
        "--batch_size",
        "300",
        "--nproc-per-node",
        "2",
    )
    assert run.returncode == 0, run.stderr[-3000:]
    files, table = read_output(out)
    assert [pq.read_metadata(f).num_rows for f in files] == shard_sizes(2001, 2)
    assert table["row_id"].to_pylist() == trained.input_table["row_id"].to_pylist()
    diff = np.abs(table["probs"].to_numpy() - reference["probs"].to_numpy())
    assert diff.max() < 1e-5


def test_a_failure_on_one_process_commits_nothing_on_any(trained: Trained, tmp_path: Path) -> None:
    # Row 1500 lies in rank 1's half; rank 0's rows are fine and written to its temp file.
    table = trained.input_table
    ids = table["cat_3"].to_pylist()
    ids[1500] = [999]
    index = table.schema.get_field_index("cat_3")
    bad = tmp_path / "bad"
    bad.mkdir()
    pq.write_table(
        table.set_column(index, "cat_3", pa.array(ids, table["cat_3"].type)),
        bad / "part-0.parquet",
        row_group_size=128,
    )
    out = tmp_path / "out"
    run = run_tzrec(
        "predict",
        "--pipeline_config_path",
        trained.pipeline_config_path,
        "--predict_input_path",
        str(bad / "*.parquet"),
        "--predict_output_path",
        str(out),
        "--num_workers",
        "0",
        "--batch_size",
        "100",
        "--nproc-per-node",
        "2",
    )
    assert run.returncode != 0
    assert "row 1500" in run.stderr and "id 999 is out of range" in run.stderr
    # No final file from either rank (a rank killed by the launcher may leave a hidden
    # temporary file, never a part file).
    assert not out.exists() or [n for n in os.listdir(out) if not n.startswith(".")] == []
