"""Which checkpoint to export: the one named, the newest, or the best by an eval metric.

``export_config.exporter_type`` (TorchEasyRec's semantics):

- ``latest``: the newest complete checkpoint;
- ``best``: the checkpoint whose evaluation scored best on
  ``export_config.best_exporter_metric`` (larger is better unless
  ``metric_larger_is_better: false``), read from the run's ``metrics_history.jsonl``.
  Only evaluations of checkpoints that still exist count; a tie goes to the later step.

An explicit ``--checkpoint_path`` that is a checkpoint is exported as it is; a
directory of checkpoints is searched as above.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from tzrec.engine import checkpoint as ckpt
from tzrec.engine.history import read_history
from tzrec.protos import export_pb2
from tzrec.utils.config_errors import ConfigError


@dataclass(frozen=True)
class SelectedCheckpoint:
    """A checkpoint chosen for export.

    Attributes:
        path: the ``model.ckpt-STEP`` directory.
        step: its global step.
        reason: how it was chosen (for the manifest and logs).
        metric: the best_exporter_metric value when chosen by ``best``.
    """

    path: str
    step: int
    reason: str
    metric: float | None = None


def _best_checkpoint(search: str, export_config: export_pb2.ExportConfig) -> SelectedCheckpoint:
    metric = export_config.best_exporter_metric
    larger = export_config.metric_larger_is_better
    available = {step: path for step, path in ckpt.list_checkpoints(search)}
    try:
        history = read_history(search)
    except FileNotFoundError as e:
        raise FileNotFoundError(
            f"export_config.exporter_type is 'best' but {e}; evaluate checkpoints during "
            "training (eval_input_path) or use exporter_type 'latest'"
        ) from e
    scored: list[tuple[float, int]] = []
    seen_metrics: set[str] = set()
    for record in history:
        if record.get("kind") != "eval":
            continue
        values = dict(record.get("metrics", {}))
        seen_metrics.update(values)
        step = int(record["step"])
        if metric in values and step in available and not math.isnan(float(values[metric])):
            scored.append((float(values[metric]), step))
    if not scored:
        if seen_metrics and metric not in seen_metrics:
            raise ConfigError(
                f"best_exporter_metric '{metric}' is not among the evaluated metrics "
                f"{sorted(seen_metrics)} of {search}",
                field_path="export_config.best_exporter_metric",
            )
        raise FileNotFoundError(
            f"export_config.exporter_type is 'best' but no evaluation of an existing "
            f"checkpoint in {search!r} reports '{metric}'"
        )
    sign = 1.0 if larger else -1.0
    value, step = max(scored, key=lambda item: (sign * item[0], item[1]))
    return SelectedCheckpoint(available[step], step, f"best {metric}", value)


def select_checkpoint(
    model_dir: str, checkpoint_path: str | None, export_config: export_pb2.ExportConfig
) -> SelectedCheckpoint:
    """The checkpoint to export.

    Args:
        model_dir: the run's model_dir (searched when ``checkpoint_path`` is not given).
        checkpoint_path: a checkpoint or a directory of checkpoints, or None.
        export_config: the pipeline's export_config.

    Raises:
        FileNotFoundError: no (complete) checkpoint is there.
        ConfigError: an unknown exporter_type, or a best_exporter_metric never evaluated.
    """
    exporter_type = export_config.exporter_type or "latest"
    if exporter_type not in ("latest", "best"):
        raise ConfigError(
            f"exporter_type '{exporter_type}' is not 'latest' or 'best'",
            field_path="export_config.exporter_type",
        )
    search = checkpoint_path or model_dir
    if not search:
        raise FileNotFoundError(
            "no checkpoint to export: give --checkpoint_path or set model_dir in the config"
        )
    if checkpoint_path and not os.path.exists(checkpoint_path):
        raise FileNotFoundError(f"checkpoint_path {checkpoint_path!r} does not exist")
    if os.path.exists(os.path.join(search, ckpt.TRAIN_STATE)):
        return SelectedCheckpoint(search, ckpt.read_train_state(search).step, "given")
    if not ckpt.list_checkpoints(search):
        raise FileNotFoundError(
            f"no checkpoint to export in {search!r} (expected model.ckpt-STEP directories "
            "with a train_state.json)"
        )
    if exporter_type == "best":
        return _best_checkpoint(search, export_config)
    path = ckpt.latest_checkpoint(search)
    assert path is not None
    return SelectedCheckpoint(path, ckpt.read_train_state(path).step, "latest")
