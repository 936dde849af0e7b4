"""TorchEasyRec's ranking example configs train through the CLI on synthetic data.

For each published config, as a user would run it: ``tzrec data synth`` with
``--max_num_buckets`` (Criteo's 40M-row tables do not fit a test machine) and
``--write_config``, then ``tzrec train`` on the written config for 20 steps with small
batches set through ``--edit_config_json``. The run must leave a checkpoint at step 20
and an evaluation result holding the metrics the config asks for.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import compat_root
from tzrec.engine import checkpoint as ckpt
from tzrec.engine.run_config import build_features
from tzrec.engine.train_eval import TRAIN_EVAL_RESULT
from tzrec.utils.config_util import load_pipeline_config
from tzrec_cli.app import build_app

#: compat config -> the model_config oneof it must select.
CONFIGS = {
    "deepfm_criteo": "deepfm",
    "dlrm_criteo": "dlrm",
    "wukong_criteo": "wukong",
    "masknet_criteo": "mask_net",
    "multi_tower_taobao": "multi_tower",
    "multi_tower_din_taobao": "multi_tower_din",
    "rocket_launching_criteo": "rocket_launching",
}

STEPS = 20
BATCH = 32
MAX_NUM_BUCKETS = 1000
EDITS = {
    "train_config.num_steps": STEPS,
    "train_config.num_epochs": 0,
    "data_config.batch_size": BATCH,
    "data_config.num_workers": 0,
    "eval_config.num_steps": 2,
}


@pytest.fixture(autouse=True)
def _two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", os.environ.get("OMP_NUM_THREADS", "2"))


def _invoke(runner: CliRunner, args: list[str]) -> str:
    """Run ``tzrec <args>`` in process; fail with its output and traceback if it fails."""
    result = runner.invoke(build_app(), args, catch_exceptions=True)
    if result.exit_code != 0:
        detail = repr(result.exception) if result.exception else ""
        pytest.fail(
            f"tzrec {' '.join(args[:2])} exited {result.exit_code}: {detail}\n"
            f"{result.output[-3000:]}"
        )
    return result.output


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_compat_config_trains_20_steps_via_cli(name: str, tmp_path: Path) -> None:
    source = compat_root() / "configs" / f"{name}.config"
    assert load_pipeline_config(str(source)).model_config.WhichOneof("model") == CONFIGS[name]
    written = tmp_path / f"{name}.config"
    model_dir = tmp_path / "model"
    runner = CliRunner()
    synth_out = _invoke(
        runner,
        [
            "data", "synth",
            "--pipeline_config_path", str(source),
            "--output_dir", str(tmp_path / "data"),
            "--num_rows", str(STEPS * BATCH),
            "--num_files", "1",
            "--eval_fraction", "0.1",
            "--max_num_buckets", str(MAX_NUM_BUCKETS),
            "--write_config", str(written),
        ],
    )  # fmt: skip
    config = load_pipeline_config(str(written))
    tables = {f.name: f.num_embeddings for f in build_features(config) if f.is_sparse}
    assert tables and max(tables.values()) <= MAX_NUM_BUCKETS, tables
    if name.endswith("_criteo"):  # Criteo's largest tables have 40M rows
        assert synth_out.startswith("capped "), synth_out
    _invoke(
        runner,
        [
            "train",
            "--pipeline_config_path", str(written),
            "--model_dir", str(model_dir),
            "--edit_config_json", json.dumps(EDITS),
        ],
    )  # fmt: skip
    assert [step for step, _ in ckpt.list_checkpoints(str(model_dir))] == [STEPS]
    result = json.loads((model_dir / TRAIN_EVAL_RESULT).read_text())
    for metric in config.model_config.metrics:
        metric_name = metric.WhichOneof("metric")
        keys = [k for k in result if k == metric_name or k.startswith(f"{metric_name}_")]
        assert keys, (metric_name, result)
        for key in keys:
            assert 0.0 <= result[key] <= 1.0, (key, result)
