"""tools/bench_train.py: its rate arithmetic, its config, and a --smoke run end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import text_format

from tools import bench_train
from tzrec.features.factory import context_from_data_config, create_features
from tzrec.protos import pipeline_pb2

REPO = Path(__file__).resolve().parents[2]


def _write_history(model_dir: Path, records: list[dict[str, object]]) -> None:
    model_dir.mkdir()
    lines = [json.dumps(r) for r in records]
    (model_dir / "metrics_history.jsonl").write_text("\n".join(lines) + "\n")


def test_history_rate_counts_full_batches_between_the_first_and_last_record_after_warmup(
    tmp_path: Path,
) -> None:
    shape = bench_train.Shape(batch=100, steps=20, warmup=5)
    _write_history(
        tmp_path / "m",
        [
            {"kind": "train", "step": 1, "time": 1000.0},
            {"kind": "train", "step": 5, "time": 1004.0},
            {"kind": "eval", "step": 5, "time": 1005.0},
            {"kind": "train", "step": 10, "time": 1006.0},
            {"kind": "train", "step": 20, "time": 1009.0},
        ],
    )
    rates = bench_train.history_rate(tmp_path / "m", shape)
    # Steps 5 -> 20: 15 batches of 100 rows in 1009 - 1004 = 5 s.
    assert rates["timed_steps"] == 15
    assert rates["samples_per_s"] == pytest.approx(1500 / 5.0)
    # Per-step times 5->10: 2/5 = 0.4 s, 10->20: 3/10 = 0.3 s; median 0.35 s.
    assert rates["steady_samples_per_s"] == pytest.approx(100 / 0.35)
    assert rates["first_step_time"] == 1000.0


def test_history_rate_rejects_a_history_without_step_one(tmp_path: Path) -> None:
    _write_history(tmp_path / "m", [{"kind": "train", "step": 5, "time": 1.0}])
    with pytest.raises(RuntimeError, match="step-1"):
        bench_train.history_rate(tmp_path / "m", bench_train.Shape())


def test_config_has_the_criteo_groups_and_features() -> None:
    shape = bench_train.Shape()
    text = bench_train.pipeline_config_text(shape, "/data/*.parquet", 1, 5)
    config = text_format.Parse(text, pipeline_pb2.EasyRecConfig())
    features = create_features(config.feature_configs, context_from_data_config(config.data_config))
    sparse = [f for f in features if f.is_sparse]
    assert len(features) - len(sparse) == 13
    assert {f.num_embeddings for f in sparse} == {100_000}
    assert {f.embedding_dim for f in sparse} == {16}
    groups = {g.group_name: len(g.feature_names) for g in config.model_config.feature_groups}
    assert groups == {"wide": 26, "fm": 26, "deep": 39}
    assert list(config.model_config.deepfm.deep.hidden_units) == [512, 256, 128]
    assert list(config.model_config.deepfm.final.hidden_units) == [64]
    assert config.data_config.batch_size == 8192
    assert config.train_config.sparse_optimizer.adagrad_optimizer.lr == pytest.approx(0.01)
    assert config.train_config.dense_optimizer.adam_optimizer.lr == pytest.approx(0.001)


def test_smoke_run_reports_every_case(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    command = [sys.executable, "tools/bench_train.py", "--smoke", "--num-workers", "0"]
    subprocess.run([*command, "--json", str(out)], cwd=REPO, check=True, capture_output=True)
    report = json.loads(out.read_text())
    assert set(report["baseline"]) == {"per_table", "one_table"}
    for run in [*report["baseline"].values(), *report["tzrec"]]:
        assert run["samples_per_s"] > 0
        assert run["steady_samples_per_s"] > 0
        assert run["peak_rss_mib"] > 100  # torch alone is larger than this
    (tzrec,) = report["tzrec"]
    assert tzrec["num_workers"] == 0
    assert tzrec["timed_steps"] == 4  # steps 2..6 of the smoke shape
    assert report["import_torch_torchrec_s"] < tzrec["launch_to_first_step_s"]
