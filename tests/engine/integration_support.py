"""Helpers of the integration sweep: a config text, synthetic data, one training run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tzrec.datasets.synth import synthesize
from tzrec.datasets.synth.write import SynthResult
from tzrec.engine.train_eval import train_and_evaluate
from tzrec.protos import pipeline_pb2
from tzrec.utils.config_edit import edit_config
from tzrec.utils.config_util import load_pipeline_config, save_message

#: Train/optimizer/data settings shared by the sweep's configs (a few small steps).
COMMON = """
train_config {
    sparse_optimizer {
        adagrad_optimizer { lr: 0.05 }
        constant_learning_rate {}
    }
    dense_optimizer {
        adam_optimizer { lr: 0.005 }
        constant_learning_rate {}
    }
    num_epochs: 1
    log_step_count_steps: 5
}
data_config {
    batch_size: 200
    dataset_type: ParquetDataset
    fg_mode: FG_NONE
    label_fields: "label"
    num_workers: 0
}
"""


@dataclass
class Run:
    """One synthesized-and-trained config.

    Attributes:
        config_path: the pipeline config file that was trained.
        model_dir: where the run wrote checkpoints, summaries and results.
        metrics: what train_and_evaluate returned (the final evaluation).
        data: the synthesized data.
    """

    config_path: str
    model_dir: Path
    metrics: dict[str, float]
    data: SynthResult


def load_text(text: str, tmp_path: Path, name: str = "base.config") -> pipeline_pb2.EasyRecConfig:
    """Parse a pipeline config text (written to a file so plugin Any types resolve)."""
    path = tmp_path / name
    path.write_text(text)
    return load_pipeline_config(str(path))


def prepare(
    text: str,
    tmp_path: Path,
    num_rows: int = 1200,
    edits: dict[str, Any] | None = None,
    seed: int = 3,
) -> tuple[str, SynthResult]:
    """Synthesize data for a config text; write the config (with ``edits``); return its path."""
    config = load_text(text, tmp_path)
    data = synthesize(config, str(tmp_path / "data"), num_rows=num_rows, num_files=1, seed=seed)
    config.train_input_path = data.train_input_path
    config.eval_input_path = data.eval_input_path or ""
    config.model_dir = str(tmp_path / "model")
    if edits:
        edit_config(config, edits)
    path = tmp_path / "pipeline.config"
    save_message(config, str(path))
    return str(path), data


def train_text(
    text: str,
    tmp_path: Path,
    num_rows: int = 1200,
    edits: dict[str, Any] | None = None,
    seed: int = 3,
) -> Run:
    """Synthesize data for a config text and train + evaluate it once."""
    path, data = prepare(text, tmp_path, num_rows, edits, seed)
    metrics = train_and_evaluate(path)
    return Run(path, tmp_path / "model", metrics, data)
