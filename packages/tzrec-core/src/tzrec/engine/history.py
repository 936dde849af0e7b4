"""The run's metrics over time, one JSON object per line in ``metrics_history.jsonl``.

Rank 0 appends a ``train`` record every time it logs progress and an ``eval`` record
after every evaluation; ``tzrec report`` plots them. Appending keeps the history of a
continued run in the same file. A crash can leave a half-written last line: the writer
drops it before appending, and :func:`read_history` skips it.

Records::

    {"kind": "train", "step": 200, "epoch": 0, "loss": 0.43, "losses": {...},
     "lrs": {...}, "samples_per_s": 41200.0, "train_metrics": {...}, "time": 1.7e9}
    {"kind": "eval", "step": 200, "metrics": {"auc": 0.71}, "time": 1.7e9}
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from typing import Any, SupportsFloat

HISTORY_FILE = "metrics_history.jsonl"


def history_path(model_dir: str) -> str:
    """Where the history of the run in ``model_dir`` lives."""
    return os.path.join(model_dir, HISTORY_FILE)


def _floats(values: Mapping[str, SupportsFloat]) -> dict[str, float]:
    """Plain floats (tensors and numpy scalars are converted) for JSON."""
    return {str(name): float(value) for name, value in values.items()}


class MetricsHistory:
    """Appends train and eval records to the run's history; a no-op off rank 0.

    Args:
        model_dir: the run's directory (created when missing).
        rank: the process's rank; only rank 0 writes.
    """

    def __init__(self, model_dir: str, rank: int = 0) -> None:
        self.path = history_path(model_dir)
        self.enabled = rank == 0
        if self.enabled:
            os.makedirs(model_dir, exist_ok=True)
            _drop_partial_last_line(self.path)

    def log_train(
        self,
        step: int,
        epoch: int,
        loss: float,
        losses: Mapping[str, SupportsFloat],
        lrs: Mapping[str, SupportsFloat],
        samples_per_s: float,
        train_metrics: Mapping[str, SupportsFloat],
    ) -> None:
        """Record the training state at ``step``.

        Args:
            step: the global step.
            epoch: the epoch the step belongs to (0-based).
            loss: the total loss.
            losses: each named sub-loss.
            lrs: learning rate per optimizer name.
            samples_per_s: the current throughput.
            train_metrics: running train metrics (may be empty).
        """
        self._append(
            {
                "kind": "train",
                "step": int(step),
                "epoch": int(epoch),
                "loss": float(loss),
                "losses": _floats(losses),
                "lrs": _floats(lrs),
                "samples_per_s": float(samples_per_s),
                "train_metrics": _floats(train_metrics),
            }
        )

    def log_eval(self, step: int, metrics: Mapping[str, SupportsFloat]) -> None:
        """Record the evaluation metrics computed at ``step``."""
        self._append({"kind": "eval", "step": int(step), "metrics": _floats(metrics)})

    def _append(self, record: dict[str, Any]) -> None:
        if not self.enabled:
            return
        record["time"] = time.time()
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


def _drop_partial_last_line(path: str) -> None:
    """Cut a crash's half-written last line so the next record starts on its own line."""
    if not os.path.exists(path):
        return
    with open(path, "rb+") as f:
        data = f.read()
        if not data or data.endswith(b"\n"):
            return
        f.truncate(data.rfind(b"\n") + 1)


def read_history(model_dir: str) -> list[dict[str, Any]]:
    """The records of the run in ``model_dir``, oldest first.

    A last line cut short by a crash is skipped; a broken line elsewhere is an error.

    Raises:
        FileNotFoundError: the run has no history file (the message names its path).
        ValueError: a line other than the last is not a JSON object.
    """
    path = history_path(model_dir)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no metrics history at {path}; has a training run written it?")
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    records: list[dict[str, Any]] = []
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            if number == last:
                break
            raise ValueError(f"{path}:{number + 1}: not a JSON record: {e}") from e
        if not isinstance(record, dict):
            raise ValueError(f"{path}:{number + 1}: expected a JSON object, got {line!r}")
        records.append(record)
    return records
