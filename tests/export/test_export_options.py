"""Export options: dense EMA, exporter_type best, int8 embedding tables."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.export.conftest import TrainRun
from tests.export.export_support import checkpoint_scores, read_rows
from tzrec.engine import checkpoint as ckpt
from tzrec.engine.history import history_path
from tzrec.export import export
from tzrec.serving import load_exported
from tzrec.utils.config_errors import ConfigError


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC by the rank-sum formula (ties share their average rank)."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    positives = labels == 1
    n_pos, n_neg = positives.sum(), (~positives).sum()
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def test_auc_helper_on_a_hand_example() -> None:
    # Pairs (pos, neg): (0.9 > 0.1), (0.9 > 0.4), (0.35 < 0.4), (0.35 > 0.1) -> 3 of 4.
    assert _auc(np.array([1, 0, 1, 0]), np.array([0.9, 0.1, 0.35, 0.4])) == 0.75


def test_dense_ema_is_exported_by_default_and_can_be_turned_off(
    train_deepfm: TrainRun, deepfm_data, tmp_path: Path
) -> None:
    _, data = deepfm_data
    config_path = train_deepfm(
        {
            "train_config.dense_optimizer.adam_optimizer.lr": 0.02,
            "train_config.dense_optimizer.ema": {"decay": 0.5},
        }
    )
    rows = read_rows(data.eval_input_path, 200)
    reference = checkpoint_scores(config_path, rows)  # EMA applied like evaluation does
    with_ema = export(config_path, str(tmp_path / "ema"))
    assert with_ema is not None and with_ema.manifest["dense_ema"] is True
    served = load_exported(str(tmp_path / "ema")).predict(rows)
    assert (served["probs"] - reference["probs"]).abs().max() < 1e-5
    raw = export(
        config_path,
        str(tmp_path / "raw"),
        edit_config_json={"export_config.use_dense_ema": False},
    )
    assert raw is not None and raw.manifest["dense_ema"] is False
    raw_probs = load_exported(str(tmp_path / "raw")).predict(rows)["probs"]
    assert (raw_probs - reference["probs"]).abs().max() > 1e-4


def _rewrite_history(model_dir: str, aucs: dict[int, float]) -> None:
    """Replace the run's eval records by hand-chosen AUCs per step."""
    with open(history_path(model_dir), "w", encoding="utf-8") as f:
        for step, auc in aucs.items():
            f.write(json.dumps({"kind": "eval", "step": step, "metrics": {"auc": auc}}) + "\n")
        # An evaluation of a checkpoint that no longer exists does not count.
        f.write(json.dumps({"kind": "eval", "step": 999, "metrics": {"auc": 0.99}}) + "\n")


def test_exporter_type_best_picks_the_best_evaluated_checkpoint(
    train_deepfm: TrainRun, tmp_path: Path
) -> None:
    config_path = train_deepfm({"train_config.save_checkpoints_steps": 4})
    model_dir = str(Path(config_path).parent)
    assert [s for s, _ in ckpt.list_checkpoints(model_dir)] == [4, 8, 12]
    _rewrite_history(model_dir, {4: 0.61, 8: 0.74, 12: 0.70})
    best = export(
        config_path,
        str(tmp_path / "best"),
        edit_config_json={"export_config.exporter_type": "best"},
    )
    assert best is not None and best.checkpoint.step == 8
    assert best.manifest["checkpoint"]["metric"] == pytest.approx(0.74)
    smallest = export(
        config_path,
        str(tmp_path / "smallest"),
        edit_config_json={
            "export_config.exporter_type": "best",
            "export_config.metric_larger_is_better": False,
        },
    )
    assert smallest is not None and smallest.checkpoint.step == 4
    latest = export(config_path, str(tmp_path / "latest"))
    assert latest is not None and latest.checkpoint.step == 12
    with pytest.raises(ConfigError, match="best_exporter_metric 'gauc' is not among"):
        export(
            config_path,
            str(tmp_path / "bad"),
            edit_config_json={
                "export_config.exporter_type": "best",
                "export_config.best_exporter_metric": "gauc",
            },
        )
    assert not (tmp_path / "bad").exists()


def test_int8_embedding_tables_change_scores_little(
    train_deepfm: TrainRun, deepfm_data, tmp_path: Path
) -> None:
    _, data = deepfm_data
    config_path = train_deepfm()
    export(config_path, str(tmp_path / "fp32"))
    int8 = export(config_path, str(tmp_path / "int8"), quantize_embedding="int8")
    assert int8 is not None and int8.manifest["quantization"] == "int8"
    rows = read_rows(data.eval_input_path)
    labels = np.asarray(rows.column("label"))
    fp32_probs = load_exported(str(tmp_path / "fp32")).predict(rows)["probs"]
    int8_probs = load_exported(str(tmp_path / "int8")).predict(rows)["probs"]
    delta = float((int8_probs - fp32_probs).abs().max())
    auc_fp32 = _auc(labels, fp32_probs.numpy())
    auc_int8 = _auc(labels, int8_probs.numpy())
    print(
        f"\nint8 embeddings on {rows.num_rows} eval rows: AUC {auc_fp32:.5f} -> {auc_int8:.5f}, "
        f"max |delta prob| {delta:.2e}"
    )
    assert 0.0 < delta < 0.02  # quantized (not identical), and close
    assert abs(auc_int8 - auc_fp32) < 0.005
    program = torch.jit.load(str(tmp_path / "int8" / "scripted_model.pt"))
    assert "int_nbit" in program.code_with_constants[0] or any(
        "Quant" in str(m.original_name) for m in program.modules()
    )
