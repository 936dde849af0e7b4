"""``tzrec data synth --max_num_buckets``: capped data, capped config, a summary line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from tzrec.utils.config_util import load_pipeline_config

CONFIG = """
data_config { fg_mode: FG_DAG label_fields: "clk" dataset_type: OdpsDataset }
feature_configs {
  id_feature { feature_name: "user" expression: "user:user" num_buckets: 40000000 }
}
feature_configs {
  id_feature { feature_name: "cate" expression: "item:cate" num_buckets: 12 }
}
feature_configs {
  id_feature { feature_name: "tag" expression: "item:tag" hash_bucket_size: 900 }
}
"""


def run_tzrec(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``tzrec`` console script."""
    exe = shutil.which("tzrec", path=str(Path(sys.executable).parent))
    assert exe, "the tzrec console script is not installed next to this Python"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)


def test_max_num_buckets_caps_the_data_and_the_written_config(tmp_path: Path) -> None:
    source = tmp_path / "big.config"
    source.write_text(CONFIG)
    written = tmp_path / "small.config"
    result = run_tzrec(
        "data",
        "synth",
        "--pipeline-config-path",
        str(source),
        "--output-dir",
        str(tmp_path / "data"),
        "--num-rows",
        "300",
        "--max-num-buckets",
        "100",
        "--write-config",
        str(written),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == (
        "capped 2 table sizes at 100 rows: user 40000000, tag 900"
    )
    config = load_pipeline_config(str(written))
    sizes = [
        (fc.id_feature.num_buckets, fc.id_feature.hash_bucket_size) for fc in config.feature_configs
    ]
    assert sizes == [(100, 0), (12, 0), (0, 100)]
    users = pq.read_table(str(tmp_path / "data" / "train")).column("user").to_pylist()
    assert len(users) == 300 and 0 <= min(users) and max(users) < 100
    # The source config is not rewritten.
    assert "40000000" in source.read_text()


def test_max_num_buckets_below_one_is_one_line(tmp_path: Path) -> None:
    source = tmp_path / "big.config"
    source.write_text(CONFIG)
    result = run_tzrec(
        "data",
        "synth",
        "--pipeline_config_path",
        str(source),
        "--output_dir",
        str(tmp_path / "data"),
        "--max_num_buckets",
        "0",
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: max_num_buckets must be at least 1, got 0"
    assert not (tmp_path / "data").exists()
