"""tools/bench_models.py: its ratios and table, every model's config, a --smoke run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import text_format

from tools import bench_models
from tzrec.engine.run_config import build_features
from tzrec.models.factory import create_model
from tzrec.protos import pipeline_pb2
from tzrec_models.plugin import RANK_MODELS

REPO = Path(__file__).resolve().parents[2]


def _run(model: str, rate: float, auc: float) -> dict[str, object]:
    return {
        "model": model,
        "samples_per_s": rate,
        "steady_samples_per_s": rate * 1.1,
        "timed_steps": 4,
        "auc": auc,
        "wall_s": 9.0,
        "peak_rss_mib": 700.0,
        "steal_pct": 0.0,
    }


def test_ratios_are_against_deepfm_wherever_it_is_listed() -> None:
    runs = bench_models.with_ratios([_run("dlrm", 3000.0, 0.72), _run("deepfm", 2000.0, 0.80)])
    dlrm, deepfm = runs
    assert dlrm["speed_ratio"] == pytest.approx(1.5)
    assert dlrm["auc_ratio"] == pytest.approx(0.9)
    assert (deepfm["speed_ratio"], deepfm["auc_ratio"]) == (1.0, 1.0)
    with pytest.raises(ValueError, match="'deepfm' was not measured"):
        bench_models.with_ratios([_run("dlrm", 1.0, 0.5)])


def test_median_run_picks_the_middle_rate_and_keeps_every_rate() -> None:
    runs = [_run("dlrm", 300.0, 0.71), _run("dlrm", 100.0, 0.72), _run("dlrm", 200.0, 0.73)]
    chosen = bench_models.median_run(runs)
    assert (chosen["samples_per_s"], chosen["auc"]) == (200.0, 0.73)
    assert chosen["all_samples_per_s"] == [300.0, 100.0, 200.0]
    # An even count takes the upper middle.
    assert bench_models.median_run(runs[:2])["samples_per_s"] == 300.0


def test_markdown_table_has_a_row_per_model_with_its_numbers() -> None:
    report = {
        "shape": {"buckets": 1000, "dim": 16, "batch": 128, "steps": 6, "warmup": 2},
        "threads": 2,
        "num_workers": 1,
        "repeats": 3,
        "machine": "Some CPU (2 cores)",
        "load_average": [0.5, 1.3],
        "command": "python tools/bench_models.py --smoke",
        "data": {"eval_rows": 512, "oracle_auc": 0.84},
        "models": bench_models.with_ratios(
            [_run("deepfm", 2000.0, 0.8), _run("wukong", 500.0, 0.76)]
        ),
    }
    lines = bench_models.markdown_table(report).splitlines()
    assert "median of 3 round(s)" in lines[0] and "oracle AUC 0.8400" in lines[0]
    assert "load average 0.5 before / 1.3 after" in lines[1]
    assert lines[3].startswith("| model | samples/s | vs DeepFM |")
    assert lines[5] == "| deepfm | 2,000 | 1.00 | 2,200 | 0.8000 | 1.000 | 700 MiB |"
    assert lines[6] == "| wukong | 500 | 0.25 | 550 | 0.7600 | 0.950 | 700 MiB |"


@pytest.mark.parametrize("model", sorted(RANK_MODELS))
def test_every_registered_model_has_a_criteo_config_that_builds(model: str) -> None:
    text = bench_models.pipeline_config_text(model, bench_models.SMOKE, "/t/*.parquet", "/e/*", 0)
    config = text_format.Parse(text, pipeline_pb2.EasyRecConfig())
    assert config.model_config.WhichOneof("model") == model
    features = build_features(config)
    sparse = [f for f in features if f.is_sparse and not f.is_sequence]
    assert len(sparse) == 26 and {f.num_embeddings for f in sparse} == {1000}
    assert len([f for f in features if not f.is_sparse]) == 13
    assert any(f.is_sequence for f in features) == (model == "multi_tower_din")
    built = create_model(config.model_config, features, ["label"], [])
    assert sum(p.numel() for p in built.parameters()) > 0


def test_smoke_run_measures_deepfm_and_the_chosen_models(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    command = [
        sys.executable,
        "tools/bench_models.py",
        "--smoke",
        "--models",
        "dlrm",
        "--num-workers",
        "0",
    ]
    done = subprocess.run(
        [*command, "--json", str(out)], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text())
    assert [r["model"] for r in report["models"]] == ["deepfm", "dlrm"]
    for run in report["models"]:
        assert run["samples_per_s"] > 0 and run["steady_samples_per_s"] > 0
        assert run["timed_steps"] == 4  # steps 2..6 of the smoke shape
        assert 0.0 <= run["auc"] <= 1.0
        assert run["peak_rss_mib"] > 100  # torch alone is larger than this
    assert report["models"][0]["speed_ratio"] == 1.0
    assert 0.5 < report["data"]["oracle_auc"] <= 1.0
    assert "| dlrm |" in done.stdout


def test_unknown_model_is_refused_by_name() -> None:
    done = subprocess.run(
        [sys.executable, "tools/bench_models.py", "--models", "deepfm,nosuch"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "argument --models: unknown nosuch; choose from deepfm," in done.stderr
