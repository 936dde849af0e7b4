"""Exported models score like their checkpoints, served from a process without model code."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import torch

from tests.export.conftest import TrainRun
from tests.export.export_support import (
    DEEPFM_DIN,
    checkpoint_scores,
    read_rows,
    serve_in_fresh_process,
)
from tzrec.datasets.synth import synthesize
from tzrec.engine.train_eval import train_and_evaluate
from tzrec.export import export
from tzrec.protos import pipeline_pb2
from tzrec.serving import load_exported
from tzrec.serving.manifest import FORMAT_VERSION
from tzrec.utils.config_util import load_pipeline_config, save_message


def _assert_close(served: dict[str, list[float]], reference: dict[str, torch.Tensor]) -> None:
    assert sorted(served) == sorted(reference)
    for name, expected in reference.items():
        diff = (torch.tensor(served[name]) - expected).abs().max().item()
        assert diff < 1e-5, (name, diff)


def test_deepfm_export_serves_checkpoint_scores_without_model_code(
    train_deepfm: TrainRun, deepfm_data, tmp_path: Path
) -> None:
    _, data = deepfm_data
    config_path = train_deepfm()
    export_dir = str(tmp_path / "export")
    result = export(config_path, export_dir)
    assert result is not None and result.checkpoint.step == 12  # 3000 rows / 250
    manifest = json.loads((tmp_path / "export" / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == "deepfm" and manifest["quantization"] == "fp32"
    assert manifest["output_names"] == ["logits", "probs"]
    assert [c["name"] for c in manifest["input_columns"]] == [
        "int_0", "int_1", "int_2", "cat_0", "cat_1", "cat_2", "cat_3"
    ]  # fmt: skip
    assert manifest["checkpoint"]["path"].endswith("model.ckpt-12")

    assert data.eval_input_path is not None
    served = serve_in_fresh_process(export_dir, data.eval_input_path, 300, tmp_path)
    assert served["forbidden"] == []
    reference = checkpoint_scores(config_path, read_rows(data.eval_input_path, 300))
    _assert_close(served["scores"], reference)
    # Scores are not trivially equal: the model separates the rows.
    assert torch.tensor(served["scores"]["probs"]).std() > 0.01


def test_sequence_din_export_carries_its_vocab_file(tmp_path: Path) -> None:
    vocab = tmp_path / "cities.txt"
    vocab.write_text("\n".join(f"city_{i}" for i in range(12)) + "\n")
    text = DEEPFM_DIN.replace("VOCAB", str(vocab))
    config = load_pipeline_config_text(text, tmp_path)
    data = synthesize(config, str(tmp_path / "data"), num_rows=600, num_files=1, seed=3)
    assert data.eval_input_path is not None
    config.train_input_path = data.train_input_path
    config.eval_input_path = data.eval_input_path
    config.model_dir = str(tmp_path / "model")
    save_message(config, str(tmp_path / "din.config"))
    train_and_evaluate(str(tmp_path / "din.config"))
    config_path = str(tmp_path / "model" / "pipeline.config")
    export_dir = tmp_path / "export"
    export(config_path, str(export_dir))

    assert (export_dir / "assets" / "cities.txt").read_text() == vocab.read_text()
    assert 'vocab_file: "assets/cities.txt"' in (export_dir / "fg.config").read_text()
    fg = json.loads((export_dir / "fg.json").read_text())
    assert [f["feature_name"] for f in fg["features"]] == [
        "item_id", "city", "price", "click_seq__item_id"
    ]  # fmt: skip
    rows = read_rows(data.eval_input_path, 120)
    reference = checkpoint_scores(config_path, rows)
    vocab.unlink()  # serving must not need the original file
    served = serve_in_fresh_process(str(export_dir), data.eval_input_path, 120, tmp_path)
    assert served["forbidden"] == []
    _assert_close(served["scores"], reference)


def load_pipeline_config_text(text: str, tmp_path: Path) -> pipeline_pb2.EasyRecConfig:
    """Parse a config text through a file (as users give it)."""
    path = tmp_path / "base.config"
    path.write_text(text)
    return load_pipeline_config(str(path))


def test_predict_table_scores_a_table_in_chunks_like_one_batch(
    train_deepfm: TrainRun, deepfm_data, tmp_path: Path
) -> None:
    # Speed is measured by tools/bench_predict.py, not here.
    _, data = deepfm_data
    config_path = train_deepfm()
    assert export(config_path, str(tmp_path / "export")) is not None
    model = load_exported(str(tmp_path / "export"))
    rows = read_rows(data.eval_input_path or "", 1000)
    whole = model.predict(rows)
    table = pa.Table.from_batches([rows.slice(0, 0), rows])  # an empty chunk first
    chunked = model.predict_table(table, batch_size=300)  # 300, 300, 300, 100 rows
    assert sorted(chunked) == sorted(whole) == sorted(model.output_names)
    for name, expected in whole.items():
        assert chunked[name].shape == (rows.num_rows,)
        assert torch.allclose(chunked[name], expected, atol=1e-6), name


def test_multi_tower_din_export_serves_checkpoint_scores_in_a_fresh_process(
    tmp_path: Path,
) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "configs"
    config = load_pipeline_config(str(example / "multi_tower_din_synthetic.config"))
    data = synthesize(config, str(tmp_path / "data"), num_rows=2000, num_files=1, seed=9)
    assert data.eval_input_path is not None
    config.train_input_path = data.train_input_path
    config.eval_input_path = data.eval_input_path
    config.model_dir = str(tmp_path / "model")
    config.data_config.batch_size = 250
    config.data_config.num_workers = 0
    config.train_config.num_epochs = 3
    config.eval_config.num_steps = 1
    save_message(config, str(tmp_path / "din.config"))
    train_and_evaluate(str(tmp_path / "din.config"))
    config_path = str(tmp_path / "model" / "pipeline.config")
    export_dir = str(tmp_path / "export")
    assert export(config_path, export_dir) is not None

    served = serve_in_fresh_process(export_dir, data.eval_input_path, 300, tmp_path)
    assert served["forbidden"] == []  # no model code: the DIN towers are in the program
    reference = checkpoint_scores(config_path, read_rows(data.eval_input_path, 300))
    _assert_close(served["scores"], reference)
    assert torch.tensor(served["scores"]["probs"]).std() > 0.01
