"""``tzrec data synth`` as a user runs it: files written, summary printed, errors in one line."""

from __future__ import annotations

import glob
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from tzrec.protos import data_pb2
from tzrec.utils.config_util import load_pipeline_config

REPO = Path(__file__).resolve().parents[2]
DEEPFM = REPO / "examples" / "configs" / "deepfm_synthetic.config"

TINY = """
data_config { fg_mode: FG_DAG label_fields: "clk" dataset_type: OdpsDataset }
feature_configs { id_feature { feature_name: "cate" expression: "item:cate" num_buckets: 10 } }
feature_configs {
  id_feature { feature_name: "tag" expression: "item:tag" vocab_list: ["a", "b"] }
}
"""


def run_tzrec(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``tzrec`` console script."""
    exe = shutil.which("tzrec", path=str(Path(sys.executable).parent))
    assert exe, "the tzrec console script is not installed next to this Python"
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=120)


def test_synth_writes_files_and_prints_paths_and_counts(tmp_path: Path) -> None:
    config = tmp_path / "tiny.config"
    config.write_text(TINY)
    out = tmp_path / "data"
    result = run_tzrec(
        "data",
        "synth",
        "--pipeline_config_path",
        str(config),
        "--output_dir",
        str(out),
        "--num_rows",
        "120",
        "--num_files",
        "3",
        "--seed",
        "4",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"train: 120 rows in 3 files: {out}/train/*.parquet"
    assert lines[1] == f"eval: 24 rows in 3 files: {out}/eval/*.parquet"
    assert lines[2].startswith("columns: 3; label signal planted in: ")
    assert lines[3].startswith("oracle AUC (eval, ranking by the planted logit): 0.")
    assert len(lines) == 4
    train = sorted(glob.glob(f"{out}/train/*.parquet"))
    assert len(train) == 3
    table = pq.read_table(str(out / "train"))
    assert table.num_rows == 120
    assert table.column_names == ["cate", "tag", "clk"]


def test_synth_hyphen_options_and_write_config(tmp_path: Path) -> None:
    out = tmp_path / "criteo"
    written = tmp_path / "cfg" / "pipeline.config"
    result = run_tzrec(
        "data",
        "synth",
        "--pipeline-config-path",
        str(DEEPFM),
        "--output-dir",
        str(out),
        "--num-rows",
        "50",
        "--num-files",
        "1",
        "--eval-fraction",
        "0",
        "--write-config",
        str(written),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"train: 50 rows in 1 file: {out}/train/*.parquet"
    assert "eval:" not in result.stdout
    assert result.stdout.splitlines()[-1] == f"config: {written}"
    config = load_pipeline_config(str(written))
    assert config.train_input_path == str(out / "train" / "*.parquet")
    assert not config.HasField("eval_input_path")
    assert config.data_config.dataset_type == data_pb2.ParquetDataset
    assert glob.glob(config.train_input_path) == [str(out / "train" / "part-00000.parquet")]
    original = load_pipeline_config(str(DEEPFM))
    assert config.feature_configs == original.feature_configs


def test_bad_number_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "tiny.config"
    config.write_text(TINY)
    result = run_tzrec(
        "data", "synth", "--pipeline_config_path", str(config), "--output_dir", str(tmp_path),
        "--num_rows", "0",
    )  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == "error: num_rows must be at least 1, got 0"


def test_clashing_features_are_one_line(tmp_path: Path) -> None:
    config = tmp_path / "clash.config"
    config.write_text(
        TINY + 'feature_configs { id_feature { feature_name: "t2" expression: "item:tag" '
        "num_buckets: 4 } }\n"
    )
    result = run_tzrec(
        "data", "synth", "--pipeline_config_path", str(config), "--output_dir", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert "feature 't2'" in result.stderr and "'tag'" in result.stderr


def test_missing_config_is_one_line(tmp_path: Path) -> None:
    result = run_tzrec(
        "data", "synth", "--pipeline_config_path", str(tmp_path / "absent.config"),
        "--output_dir", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "absent.config: config file does not exist" in result.stderr
