"""MetricsHistory / read_history: JSON lines round trip, crash-truncated lines, ranks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from tzrec.engine.history import HISTORY_FILE, MetricsHistory, read_history


def _write_two_steps(model_dir: Path) -> None:
    history = MetricsHistory(str(model_dir))
    history.log_train(
        step=10,
        epoch=0,
        loss=0.75,
        losses={"cross_entropy": torch.tensor(0.5), "l2": np.float32(0.25)},
        lrs={"dense": 1e-3, "sparse": 0.05},
        samples_per_s=1234.5,
        train_metrics={"auc": 0.6},
    )
    history.log_eval(step=10, metrics={"auc": 0.625, "grouped_auc": 0.5})


def test_round_trip(tmp_path: Path) -> None:
    model_dir = tmp_path / "run"  # created by the history
    _write_two_steps(model_dir)
    records = read_history(str(model_dir))
    assert [r["kind"] for r in records] == ["train", "eval"]
    train, evaluation = records
    assert {k: v for k, v in train.items() if k != "time"} == {
        "kind": "train",
        "step": 10,
        "epoch": 0,
        "loss": 0.75,
        "losses": {"cross_entropy": 0.5, "l2": 0.25},
        "lrs": {"dense": 1e-3, "sparse": 0.05},
        "samples_per_s": 1234.5,
        "train_metrics": {"auc": 0.6},
    }
    assert evaluation["metrics"] == {"auc": 0.625, "grouped_auc": 0.5}
    assert evaluation["step"] == 10
    assert isinstance(train["time"], float)
    # One JSON object per line.
    lines = (model_dir / HISTORY_FILE).read_text().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[1])["kind"] == "eval"


def test_a_continued_run_appends(tmp_path: Path) -> None:
    _write_two_steps(tmp_path)
    MetricsHistory(str(tmp_path)).log_eval(20, {"auc": 0.7})
    assert [(r["kind"], r["step"]) for r in read_history(str(tmp_path))] == [
        ("train", 10),
        ("eval", 10),
        ("eval", 20),
    ]


def test_truncated_last_line_is_skipped_and_dropped_before_appending(tmp_path: Path) -> None:
    _write_two_steps(tmp_path)
    path = tmp_path / HISTORY_FILE
    with open(path, "a") as f:
        f.write('{"kind": "eval", "step": 20, "metr')  # a crash mid-write
    assert [r["step"] for r in read_history(str(tmp_path))] == [10, 10]
    # A new writer cuts the partial line, so the next record is whole and readable.
    MetricsHistory(str(tmp_path)).log_eval(30, {"auc": 0.8})
    records = read_history(str(tmp_path))
    assert [(r["kind"], r["step"]) for r in records] == [("train", 10), ("eval", 10), ("eval", 30)]
    assert path.read_text().endswith("\n")


def test_broken_middle_line_is_an_error_naming_the_line(tmp_path: Path) -> None:
    _write_two_steps(tmp_path)
    path = tmp_path / HISTORY_FILE
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], "{oops", lines[1]]) + "\n")
    with pytest.raises(ValueError, match=rf"{HISTORY_FILE}:2: not a JSON record"):
        read_history(str(tmp_path))


def test_missing_history_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=str(tmp_path / HISTORY_FILE)):
        read_history(str(tmp_path))


def test_other_ranks_write_nothing(tmp_path: Path) -> None:
    history = MetricsHistory(str(tmp_path / "run"), rank=1)
    history.log_eval(1, {"auc": 0.5})
    history.log_train(1, 0, 0.1, {}, {}, 1.0, {})
    assert not (tmp_path / "run").exists()
