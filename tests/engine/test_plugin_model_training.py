"""A third-party model (the example plugin's TinyNet) trains through the engine."""

from __future__ import annotations

from pathlib import Path

from tzrec.datasets.synth import synthesize
from tzrec.engine.train_eval import train_and_evaluate
from tzrec.utils.config_util import load_pipeline_config, save_message

REPO = Path(__file__).resolve().parents[2]


def test_tinynet_plugin_trains_and_evaluates(tmp_path: Path) -> None:
    config = load_pipeline_config(str(REPO / "examples/configs/tinynet_plugin.config"))
    data = synthesize(config, str(tmp_path / "data"), num_rows=4000, num_files=1, seed=1)
    assert data.eval_input_path is not None
    config.train_input_path = data.train_input_path
    config.eval_input_path = data.eval_input_path
    config.model_dir = str(tmp_path / "model")
    config.train_config.num_epochs = 2
    path = tmp_path / "tinynet.config"
    save_message(config, str(path))
    metrics = train_and_evaluate(str(path))
    assert data.oracle_auc is not None
    # Two dense features carry the planted signal: TinyNet learns it.
    assert metrics["auc"] > 0.6, (metrics, data.oracle_auc)
    assert (tmp_path / "model" / "model.ckpt-32").exists()
