"""TensorBoard summaries of a run, as chosen by ``train_config.tensorboard_summaries``.

Training summaries go to ``MODEL_DIR/train`` and evaluation metrics to ``MODEL_DIR/eval``
so TensorBoard shows them as two runs. Only rank 0 writes. With ``use_tensorboard:
false`` nothing is written; without the tensorboard package one warning is logged and
nothing is written.

Summary names (TorchEasyRec's): ``loss`` (the total and each sub-loss), ``learning_rate``
(per optimizer), ``parameter`` (histogram per parameter), ``gradient`` (histogram per
gradient), ``gradient_norm`` (per parameter) and ``global_gradient_norm``. Gradients are
those present when :meth:`SummaryWriterFacade.model_step` (or ``train_step`` with a
model) runs, so call it after the backward pass and before the optimizer step clears
them. Embedding tables updated by a fused optimizer keep no ``.grad`` and are left out
of the gradient summaries; sharded parameters contribute rank 0's local shard.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, SupportsFloat

import torch
from torch import nn

from tzrec.utils.config_errors import ConfigError, closest_names
from tzrec.utils.logging_util import logger

SUMMARY_NAMES = (
    "loss",
    "learning_rate",
    "parameter",
    "global_gradient_norm",
    "gradient_norm",
    "gradient",
)
DEFAULT_SUMMARIES = ("loss", "learning_rate")
_FIELD = "train_config.tensorboard_summaries"
#: Prefixes that model wrappers (DistributedModelParallel, DDP) add to parameter names.
_WRAPPER_PREFIXES = ("_dmp_wrapped_module.", "module.")


def check_summaries(summaries: Sequence[str]) -> tuple[str, ...]:
    """The summaries to write: the configured ones, or the default when none are set.

    Raises:
        ConfigError: a name is not one of :data:`SUMMARY_NAMES`.
    """
    for name in summaries:
        if name not in SUMMARY_NAMES:
            raise ConfigError(
                f"unknown summary {name!r}; valid: {', '.join(SUMMARY_NAMES)}",
                field_path=_FIELD,
                suggestions=tuple(closest_names(name, SUMMARY_NAMES)),
            )
    return tuple(summaries) or DEFAULT_SUMMARIES


def _clean_name(name: str) -> str:
    changed = True
    while changed:
        changed = False
        for prefix in _WRAPPER_PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix) :]
                changed = True
    return name


def _local(tensor: torch.Tensor) -> torch.Tensor | None:
    """A plain local tensor for a parameter or gradient (sharded: this rank's shards)."""
    to_local = getattr(tensor, "to_local", None)
    local_shards = getattr(tensor, "local_shards", None)
    if callable(to_local):  # DTensor
        tensor = to_local()
    elif callable(local_shards):  # ShardedTensor
        shards = [shard.tensor.reshape(-1) for shard in local_shards()]
        if not shards:
            return None
        tensor = torch.cat(shards)
    if type(tensor) is not torch.Tensor and not isinstance(tensor, nn.Parameter):
        return None
    if tensor.numel() == 0 or tensor.is_meta:
        return None
    return tensor.detach()


def _named_parameters(model: nn.Module) -> Iterator[tuple[str, torch.Tensor, torch.Tensor | None]]:
    """(clean name, local value, local gradient or None) of each parameter."""
    for name, param in model.named_parameters():
        value = _local(param)
        if value is None:
            continue
        grad = _local(param.grad) if param.grad is not None else None
        yield _clean_name(name), value, grad


class SummaryWriterFacade:
    """Writes the configured TensorBoard summaries, or nothing when disabled.

    Args:
        log_dir: the run's model_dir; events go to ``log_dir/train`` and ``log_dir/eval``.
        summaries: ``train_config.tensorboard_summaries`` (empty means the default).
        enabled: ``train_config.use_tensorboard``.
        rank: the process's rank; only rank 0 writes.

    Raises:
        ConfigError: an unknown summary name.
    """

    def __init__(
        self, log_dir: str, summaries: Sequence[str], enabled: bool, rank: int = 0
    ) -> None:
        self.summaries = frozenset(check_summaries(summaries))
        self.log_dir = log_dir
        self._writer_class: Any = None
        if enabled and rank == 0:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError as e:
                logger.warning(
                    "use_tensorboard is on but tensorboard cannot be imported (%s); "
                    "no summaries will be written (pip install tensorboard)",
                    e,
                )
            else:
                self._writer_class = SummaryWriter
        self._writers: dict[str, Any] = {}

    @property
    def enabled(self) -> bool:
        """Whether this facade writes anything."""
        return self._writer_class is not None

    def _writer(self, kind: str) -> Any:
        if kind not in self._writers:
            self._writers[kind] = self._writer_class(log_dir=os.path.join(self.log_dir, kind))
        return self._writers[kind]

    def train_step(
        self,
        step: int,
        loss: float,
        losses: Mapping[str, SupportsFloat],
        lrs: Mapping[str, SupportsFloat],
        model: nn.Module | None = None,
    ) -> None:
        """Write the configured training summaries for ``step``.

        Args:
            step: the global step.
            loss: the total loss.
            losses: each named sub-loss.
            lrs: learning rate per optimizer name.
            model: the model, needed for parameter and gradient summaries.
        """
        if not self.enabled:
            return
        writer = self._writer("train")
        if "loss" in self.summaries:
            writer.add_scalar("loss", float(loss), step)
            for name, value in losses.items():
                writer.add_scalar(f"loss/{name}", float(value), step)
        if "learning_rate" in self.summaries:
            for name, value in lrs.items():
                writer.add_scalar(f"learning_rate/{name}", float(value), step)
        if model is not None:
            self._model_summaries(writer, step, model)

    def model_step(self, step: int, model: nn.Module) -> None:
        """Write the configured parameter and gradient summaries of ``model`` for ``step``.

        The training loop calls it between the backward pass and the optimizer step:
        the step clears the gradients, and the parameters are then those the gradients
        were computed at.

        Args:
            step: the global step being trained.
            model: the model (wrappers' name prefixes are removed).
        """
        if not self.enabled:
            return
        self._model_summaries(self._writer("train"), step, model)

    def _model_summaries(self, writer: Any, step: int, model: nn.Module) -> None:
        wanted = self.summaries & {"parameter", "gradient", "gradient_norm", "global_gradient_norm"}
        if not wanted:
            return
        squared_norm_sum = 0.0
        any_grad = False
        for name, value, grad in _named_parameters(model):
            if "parameter" in wanted:
                writer.add_histogram(f"parameter/{name}", value.float(), step)
            if grad is None:
                continue
            any_grad = True
            if "gradient" in wanted:
                writer.add_histogram(f"gradient/{name}", grad.float(), step)
            norm = float(torch.linalg.vector_norm(grad.float()))
            if "gradient_norm" in wanted:
                writer.add_scalar(f"gradient_norm/{name}", norm, step)
            squared_norm_sum += norm * norm
        if "global_gradient_norm" in wanted and any_grad:
            writer.add_scalar("global_gradient_norm", math.sqrt(squared_norm_sum), step)

    def eval(self, step: int, metrics: Mapping[str, SupportsFloat]) -> None:
        """Write evaluation metrics computed at ``step`` to the eval run."""
        if not self.enabled:
            return
        writer = self._writer("eval")
        for name, value in metrics.items():
            writer.add_scalar(name, float(value), step)
        writer.flush()

    def flush(self) -> None:
        """Push pending events to disk."""
        for writer in self._writers.values():
            writer.flush()

    def close(self) -> None:
        """Flush and close the event files."""
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
