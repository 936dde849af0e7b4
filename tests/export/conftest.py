"""Fixtures of the export tests: small DeepFM runs trained through the engine."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tzrec.datasets.synth import synthesize
from tzrec.datasets.synth.write import SynthResult
from tzrec.engine.train_eval import train_and_evaluate
from tzrec.protos import pipeline_pb2
from tzrec.utils.config_edit import edit_config
from tzrec.utils.config_util import load_pipeline_config, save_message

REPO = Path(__file__).resolve().parents[2]
DEEPFM_CONFIG = REPO / "examples" / "configs" / "deepfm_synthetic.config"


@pytest.fixture(autouse=True)
def _quiet_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "2"))
    for name in ("QUANT_EMB", "QUANT_EC_EMB", "ENABLE_AOT", "WORLD_SIZE", "RANK"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def deepfm_data(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[pipeline_pb2.EasyRecConfig, SynthResult]:
    """The example DeepFM config on 3000 synthetic train rows (and 1000 eval rows)."""
    out = tmp_path_factory.mktemp("deepfm_data")
    config = load_pipeline_config(str(DEEPFM_CONFIG))
    result = synthesize(config, str(out), num_rows=3000, num_files=2, seed=11, eval_fraction=1 / 3)
    config.train_input_path = result.train_input_path
    assert result.eval_input_path is not None
    config.eval_input_path = result.eval_input_path
    config.data_config.batch_size = 250
    config.data_config.num_workers = 0
    config.train_config.log_step_count_steps = 5
    config.eval_config.num_steps = 0
    return config, result


TrainRun = Callable[..., str]


@pytest.fixture
def train_deepfm(
    deepfm_data: tuple[pipeline_pb2.EasyRecConfig, SynthResult], tmp_path: Path
) -> TrainRun:
    """``train_deepfm(edits, name)``: train a copy of the config; its model_dir's config."""
    base, _ = deepfm_data

    def train(edits: dict[str, Any] | None = None, name: str = "run") -> str:
        config = pipeline_pb2.EasyRecConfig()
        config.CopyFrom(base)
        edit_config(config, {"model_dir": str(tmp_path / name), **(edits or {})})
        path = str(tmp_path / f"{name}.config")
        save_message(config, path)
        train_and_evaluate(path)
        return str(tmp_path / name / "pipeline.config")

    return train
