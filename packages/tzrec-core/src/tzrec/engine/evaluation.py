"""The evaluation loop shared by ``train_and_evaluate`` and ``evaluate``."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Mapping

import torch
from torch import nn

from tzrec.datasets.batch import Batch
from tzrec.engine import checkpoint as ckpt
from tzrec.engine.distributed import DistContext, padded_lockstep
from tzrec.models.base_model import BaseModel
from tzrec.protos import pipeline_pb2
from tzrec.utils.config_errors import ConfigError

logger = logging.getLogger("tzrec")


def use_dense_ema(config: pipeline_pb2.EasyRecConfig) -> bool:
    """``eval_config.use_dense_ema``; unset, whether ``dense_optimizer.ema`` is set."""
    if config.eval_config.HasField("use_dense_ema"):
        return bool(config.eval_config.use_dense_ema)
    return config.train_config.dense_optimizer.HasField("ema")


@torch.no_grad()
def load_dense_averages(model: nn.Module, averages: Mapping[str, torch.Tensor]) -> None:
    """Copy the dense EMA averages (saved by training) into the model's parameters.

    Raises:
        ValueError: when the model has parameters of those names no more.
    """
    params = dict(model.named_parameters())
    missing = sorted(set(averages) - set(params))
    if missing:
        raise ValueError(f"dense EMA averages of unknown parameters {missing[:5]}")
    for name, value in averages.items():
        params[name].copy_(value)


def apply_checkpoint_ema(
    model: nn.Module, checkpoint_path: str, field_path: str, config_path: str = "<string>"
) -> None:
    """Replace ``model``'s dense weights by the EMA averages saved in the checkpoint.

    Evaluation, prediction and export all score with the averages when their config
    asks for them (``field_path``: eval_config.use_dense_ema or
    export_config.use_dense_ema).

    Raises:
        ConfigError: the checkpoint holds no averages (naming ``field_path``).
    """
    averages = ckpt.read_dense_ema(checkpoint_path)
    if averages is None:
        raise ConfigError(
            f"checkpoint {checkpoint_path} has no dense EMA (train_config.dense_optimizer.ema "
            f"was not set when it was trained); set {field_path}: false",
            path=config_path,
            field_path=field_path,
        )
    load_dense_averages(model, averages)


def run_evaluation(
    model: nn.Module,
    inner: BaseModel,
    batches: Iterable[Batch],
    context: DistContext,
    max_steps: int = 0,
    log_every: int = 100,
) -> dict[str, float]:
    """Evaluate ``model`` (the DistributedModelParallel-wrapped TrainWrapper) on batches.

    Every rank runs until all ranks are out of batches (a rank that finishes first
    repeats its last batch without counting it), so metrics see every row exactly once.

    Args:
        model: the wrapped model; called as ``model(batch) -> (loss, (losses, preds, batch))``.
        inner: the model itself, whose metrics are updated and computed.
        batches: this rank's evaluation batches.
        context: the process group's context.
        max_steps: stop after this many batches per rank (``eval_config.num_steps``; 0: all).
        log_every: log progress every this many batches (rank 0).

    Returns:
        metric name -> value, plus ``loss`` (the mean total loss over real batches).
    """
    was_training = model.training
    model.eval()
    loss_sum = torch.zeros((), dtype=torch.float64)
    real_batches = 0
    start = time.monotonic()
    iterator = iter(batches)
    if max_steps > 0:
        iterator = (batch for _, batch in zip(range(max_steps), iterator, strict=False))
    try:
        with torch.no_grad():
            for step, (batch, is_real) in enumerate(padded_lockstep(iterator, context), start=1):
                batch = batch.to(context.device, non_blocking=True)
                loss, (_, predictions, _) = model(batch)
                if is_real:
                    inner.update_metric(predictions, batch)
                    loss_sum += loss.detach().double().cpu()
                    real_batches += 1
                if context.is_main and log_every > 0 and step % log_every == 0:
                    logger.info("eval step %d (%.1f s)", step, time.monotonic() - start)
        metrics = {name: float(value) for name, value in inner.compute_metric().items()}
    finally:
        model.train(was_training)
    metrics["loss"] = _mean_over_ranks(loss_sum, real_batches, context)
    return metrics


def _mean_over_ranks(total: torch.Tensor, count: int, context: DistContext) -> float:
    if context.world_size > 1:
        pair = torch.tensor(
            [float(total), float(count)], dtype=torch.float64, device=context.device
        )
        torch.distributed.all_reduce(pair)
        total, count = pair[0], int(pair[1].item())
    return float(total) / count if count else float("nan")


def write_eval_result(path: str, metrics: Mapping[str, float], context: DistContext) -> None:
    """Write the metrics as a JSON object to ``path`` (rank 0)."""
    if not context.is_main:
        return
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as file:
        json.dump(dict(metrics), file, indent=2, sort_keys=True)
        file.write("\n")
    os.replace(tmp, path)


def format_metrics(metrics: Mapping[str, float]) -> str:
    """``auc 0.7812  loss 0.4521`` (metrics first, loss last)."""
    items = [(k, v) for k, v in metrics.items() if k != "loss"]
    if "loss" in metrics:
        items.append(("loss", metrics["loss"]))
    return "  ".join(f"{name} {value:.4f}" for name, value in items)
