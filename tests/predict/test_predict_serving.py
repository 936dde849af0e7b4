"""predict() scores what a model serves: RocketLaunching's light net, from a checkpoint too."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.predict.conftest import read_output
from tzrec.datasets.synth import synthesize
from tzrec.engine.predict import predict
from tzrec.engine.train_eval import train_and_evaluate
from tzrec.export import export
from tzrec.utils.config_edit import edit_config
from tzrec.utils.config_util import load_pipeline_config, save_message

REPO = Path(__file__).resolve().parents[2]
ROCKET = REPO / "examples" / "configs" / "rocket_launching_synthetic.config"


def test_rocket_launching_checkpoint_and_export_predict_the_light_net(tmp_path: Path) -> None:
    config = load_pipeline_config(str(ROCKET))
    data = synthesize(config, str(tmp_path / "data"), num_rows=1200, num_files=1, seed=5)
    edit_config(
        config,
        {
            "train_input_path": data.train_input_path,
            "eval_input_path": data.eval_input_path,
            "model_dir": str(tmp_path / "model"),
            "data_config.batch_size": 200,
            "data_config.num_workers": 0,
            "eval_config.num_steps": 1,
        },
    )
    config_path = str(tmp_path / "pipeline.config")
    save_message(config, config_path)
    train_and_evaluate(config_path)
    export(str(tmp_path / "model" / "pipeline.config"), str(tmp_path / "export"))

    predict(
        data.train_input_path,
        str(tmp_path / "from_checkpoint"),
        pipeline_config_path=str(tmp_path / "model" / "pipeline.config"),
        num_workers=0,
    )
    predict(
        data.train_input_path,
        str(tmp_path / "from_export"),
        scripted_model_path=str(tmp_path / "export"),
        num_workers=0,
    )
    _, from_checkpoint = read_output(tmp_path / "from_checkpoint")
    _, from_export = read_output(tmp_path / "from_export")
    # Neither writes the booster's outputs nor the distillation term: only the light net.
    # (num_class 2: probs1 is the positive class's probability.)
    assert sorted(from_checkpoint.column_names) == ["logits", "probs", "probs1"]
    assert from_export.column_names == from_checkpoint.column_names
    for name in ("logits", "probs", "probs1"):
        exported = np.asarray(from_export[name].to_pylist(), dtype=np.float64)
        expected = np.asarray(from_checkpoint[name].to_pylist(), dtype=np.float64)
        diff = np.abs(exported - expected)
        assert diff.max() < 1e-5, (name, diff.max())

    # num_class 2 as CSV: the (B, 2) probs are one field per row, "p0,p1", quoted.
    predict(
        data.train_input_path,
        str(tmp_path / "csv"),
        scripted_model_path=str(tmp_path / "export"),
        num_workers=0,
        writer_type="CsvWriter",
    )
    _, from_csv = read_output(tmp_path / "csv", ".csv")
    assert from_csv.column_names == ["logits", "probs", "probs1"]
    pairs = [[float(v) for v in text.split(",")] for text in from_csv["probs"].to_pylist()]
    expected_pairs = np.asarray(from_export["probs"].to_pylist(), dtype=np.float64)
    np.testing.assert_allclose(np.asarray(pairs), expected_pairs, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(pairs).sum(axis=1), 1.0, rtol=1e-6)
