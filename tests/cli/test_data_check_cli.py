"""``tzrec data check``: reads batches as training does and summarizes; bad data in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from tzrec_cli.app import build_app, main

CONFIG = """
train_input_path: "{path}"
data_config {{ batch_size: 4 dataset_type: ParquetDataset fg_mode: FG_NONE
  label_fields: "clk" num_workers: 0 }}
feature_configs {{ id_feature {{ feature_name: "cat" num_buckets: 10 embedding_dim: 4 }} }}
feature_configs {{ id_feature {{ feature_name: "tags" num_buckets: 10 embedding_dim: 4 }} }}
feature_configs {{ raw_feature {{ feature_name: "x" }} }}
"""


def write(tmp_path: Path, cat: list[int]) -> Path:
    n = len(cat)
    pq.write_table(
        pa.table(
            {
                "cat": pa.array(cat, pa.int64()),
                "tags": pa.array([[1, 2, 3]] * n),
                "x": pa.array(np.ones(n, np.float32)),
                "clk": pa.array([0, 1] * (n // 2)),
            }
        ),
        tmp_path / "part.parquet",
    )
    config = tmp_path / "p.config"
    config.write_text(CONFIG.format(path=tmp_path / "*.parquet"))
    return config


def test_check_summarizes_the_batches(tmp_path: Path) -> None:
    config = write(tmp_path, list(range(10)))
    result = CliRunner().invoke(
        build_app(), ["data", "check", "--pipeline_config_path", str(config), "--num_batches", "0"]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("read 3 batches, 10 rows from ")
    assert lines[1] == "features: 2 sparse (0 sequences), 1 dense"
    assert lines[2] == "most ids per row: tags 3.0, cat 1.0"
    assert lines[3] == "label clk: mean 0.500"


def test_check_reports_bad_data_in_one_line(tmp_path: Path, capsys) -> None:
    config = write(tmp_path, [1, 2, 30, 4])
    try:
        main(["data", "check", "--pipeline_config_path", str(config)])
    except SystemExit as e:
        assert e.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"error: {tmp_path / 'part.parquet'}, row 0 (in the 4 rows from there)")
    assert "feature 'cat': input 'cat' has bad value 30: id 30 is out of range [0, 10)" in err
