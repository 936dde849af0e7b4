"""Training-time metrics: a metric over windows of ``decay_step`` steps, decayed over time.

After every ``decay_step`` updates the window's value ``v`` is computed and the window
restarts; the reported value becomes ``v`` for the first window and
``decay_rate * previous + (1 - decay_rate) * v`` afterwards (TorchEasyRec's semantics).
Under torch.distributed the window value is synced over ranks, so every rank must
update the same number of times.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from tzrec.metrics.rank_metric import RankMetric, create_metric
from tzrec.protos import metric_pb2
from tzrec.utils.config_errors import ConfigError


class TrainMetric(nn.Module):
    """A :class:`RankMetric` updated every train step, reported as a decayed value.

    Attributes:
        name: the metric's log key (same as the evaluation metric's).
        decay_rate: weight of the previous value at each decay.
        decay_step: steps per window.
    """

    def __init__(self, metric: RankMetric, decay_rate: float, decay_step: int) -> None:
        """Args: metric: the window metric. decay_rate, decay_step: see the class."""
        super().__init__()
        self.metric = metric
        self.name = metric.name
        self.decay_rate = decay_rate
        self.decay_step = decay_step
        self._steps_in_window = 0
        self._value: Tensor | None = None

    @torch.no_grad()
    def update(self, preds: Tensor, labels: Tensor) -> None:
        """Add one train step's batch; closes the window every ``decay_step`` steps."""
        self.metric.update(preds, labels)
        self._steps_in_window += 1
        if self._steps_in_window < self.decay_step:
            return
        window = self.metric.compute().detach()
        self.metric.reset()
        self._steps_in_window = 0
        if self._value is None:
            self._value = window
        else:
            self._value = self.decay_rate * self._value + (1.0 - self.decay_rate) * window

    def value(self) -> Tensor | None:
        """The current decayed value; None until the first window closes."""
        return self._value


def create_train_metric(cfg: metric_pb2.TrainMetricConfig, num_class: int) -> TrainMetric:
    """Build the training metric ``cfg`` describes for a head with ``num_class`` outputs.

    The metric itself is built like the evaluation metric of the same name.

    Raises:
        ConfigError: unset metric, bad decay settings, or what :func:`create_metric`
            rejects.
    """
    kind = cfg.WhichOneof("metric")
    if kind is None:
        raise ConfigError("a train_metrics entry sets no metric (e.g. auc {})")
    if not 0.0 <= cfg.decay_rate <= 1.0:
        raise ConfigError(f"train_metrics.decay_rate must be in [0, 1], got {cfg.decay_rate}")
    if cfg.decay_step < 1:
        raise ConfigError(f"train_metrics.decay_step must be >= 1, got {cfg.decay_step}")
    eval_cfg = metric_pb2.MetricConfig()
    getattr(eval_cfg, kind).CopyFrom(getattr(cfg, kind))
    return TrainMetric(create_metric(eval_cfg, num_class), cfg.decay_rate, cfg.decay_step)
