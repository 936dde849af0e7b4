"""Fixtures for engine tests: the example DeepFM config on small synthetic data."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tzrec.datasets.synth import synthesize
from tzrec.datasets.synth.write import SynthResult
from tzrec.protos import pipeline_pb2
from tzrec.utils.config_edit import edit_config
from tzrec.utils.config_util import load_pipeline_config, save_message

REPO = Path(__file__).resolve().parents[2]
DEEPFM_CONFIG = REPO / "examples" / "configs" / "deepfm_synthetic.config"


def write_config(
    base: pipeline_pb2.EasyRecConfig, path: Path, edits: dict[str, Any] | None = None
) -> str:
    """Write a copy of ``base`` with TorchEasyRec-style edits applied; return its path."""
    config = pipeline_pb2.EasyRecConfig()
    config.CopyFrom(base)
    if edits:
        edit_config(config, edits)
    save_message(config, str(path))
    return str(path)


@pytest.fixture(scope="module")
def deepfm_data(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[pipeline_pb2.EasyRecConfig, SynthResult]:
    """DeepFM example config pointing at 12k synthetic train rows (and 3k eval rows)."""
    out = tmp_path_factory.mktemp("deepfm_data")
    config = load_pipeline_config(str(DEEPFM_CONFIG))
    result = synthesize(config, str(out), num_rows=12_000, num_files=2, seed=7, eval_fraction=0.25)
    config.train_input_path = result.train_input_path
    assert result.eval_input_path is not None
    config.eval_input_path = result.eval_input_path
    config.data_config.batch_size = 500
    config.data_config.num_workers = 0
    config.train_config.log_step_count_steps = 5
    config.eval_config.num_steps = 0
    return config, result


@pytest.fixture
def make_config(
    deepfm_data: tuple[pipeline_pb2.EasyRecConfig, SynthResult], tmp_path: Path
) -> Callable[..., str]:
    """``make_config(edits, name="pipeline.config")``: a config file with model_dir in tmp."""
    base, _ = deepfm_data

    def make(edits: dict[str, Any] | None = None, name: str = "pipeline.config") -> str:
        all_edits = {"model_dir": str(tmp_path / "model")}
        all_edits.update(edits or {})
        return write_config(base, tmp_path / name, all_edits)

    return make


@pytest.fixture(autouse=True)
def _quiet_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "2"))
