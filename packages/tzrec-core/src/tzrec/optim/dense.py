"""Dense (non-embedding) parameters and their optimizers, incl. part_optimizers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import torch
from google.protobuf.message import Message
from torch import nn
from torchrec.optim.optimizers import in_backward_optimizer_filter

from tzrec.optim.lr_schedules import BaseLR, create_schedulers
from tzrec.protos import optimizer_pb2
from tzrec.utils.logging_util import logger

FIELD = "train_config.dense_optimizer"

_DENSE_CLASSES: dict[str, type[torch.optim.Optimizer]] = {
    "sgd_optimizer": torch.optim.SGD,
    "adagrad_optimizer": torch.optim.Adagrad,
    "adam_optimizer": torch.optim.Adam,
    "adamw_optimizer": torch.optim.AdamW,
}


def dense_parameters(model: nn.Module) -> list[tuple[str, nn.Parameter]]:
    """The trainable parameters the dense optimizers own.

    Embedding tables carry an in-backward (fused) optimizer once ``apply_sparse_optimizer``
    ran, and DMP keeps that mark on the sharded tables; those are left out, as are
    parameters with ``requires_grad=False``. A table the planner put on the
    ``data_parallel`` / ``dense`` kernel has no fused optimizer and ordinary gradients,
    so it is returned here and trained by the dense optimizer (as in TorchEasyRec);
    plan tables with fused kernels to have the sparse optimizer drive them.

    Args:
        model: the model, before or after DistributedModelParallel wrapping.

    Returns:
        (fully qualified name, parameter) pairs, each parameter once.
    """
    seen: set[int] = set()
    named: list[tuple[str, nn.Parameter]] = []
    for name, param in in_backward_optimizer_filter(model.named_parameters()):
        if param.requires_grad and id(param) not in seen:
            seen.add(id(param))
            named.append((name, param))
    return named


def dense_optimizer_class_and_kwargs(
    cfg: Message, field: str = FIELD
) -> tuple[type[torch.optim.Optimizer], dict[str, Any]]:
    """The torch optimizer class and kwargs a DenseOptimizer / PartOptimizer chooses.

    Args:
        cfg: a DenseOptimizer or PartOptimizer message.
        field: its config path, for error messages.

    Returns:
        The class (SGD, Adagrad, Adam, AdamW) and its constructor kwargs.

    Raises:
        ValueError: no optimizer set, or a field the dense optimizer does not support.
    """
    which = cfg.WhichOneof("optimizer")
    if which is None:
        raise ValueError(f"{field}: no optimizer set; choose one of {sorted(_DENSE_CLASSES)}")
    opt = getattr(cfg, which)
    if getattr(opt, "gradient_clipping", False):
        raise ValueError(
            f"{field}.{which}.gradient_clipping applies to the sparse optimizer only; clip "
            "dense gradients with train_config.grad_clipping"
        )
    kwargs: dict[str, Any]
    if which == "sgd_optimizer":
        kwargs = {
            "lr": opt.lr,
            "momentum": opt.momentum,
            "dampening": opt.dampening,
            "weight_decay": opt.weight_decay,
            "nesterov": opt.nesterov,
        }
    elif which == "adagrad_optimizer":
        kwargs = {
            "lr": opt.lr,
            "lr_decay": opt.lr_decay,
            "weight_decay": opt.weight_decay,
            "initial_accumulator_value": opt.initial_accumulator_value,
            "eps": opt.eps,
        }
    else:  # adam / adamw
        kwargs = {
            "lr": opt.lr,
            "betas": (opt.beta1, opt.beta2),
            "eps": opt.eps,
            "weight_decay": opt.weight_decay,
            "amsgrad": opt.amsgrad,
        }
    return _DENSE_CLASSES[which], kwargs


def route_part_parameters(
    named_params: Sequence[tuple[str, nn.Parameter]],
    cfg: optimizer_pb2.DenseOptimizer,
) -> list[list[tuple[str, nn.Parameter]]]:
    """Split parameters between the main dense optimizer and the part_optimizers.

    Args:
        named_params: (name, parameter) pairs, see ``dense_parameters``.
        cfg: ``train_config.dense_optimizer``.

    Returns:
        ``groups[0]`` for the main optimizer, ``groups[i + 1]`` for
        ``part_optimizers[i]``: each parameter goes to the first part whose
        ``regex_pattern`` matches its full name (``re.fullmatch``), else to the main one.

    Raises:
        ValueError: an invalid regex_pattern, naming the part optimizer.
    """
    patterns: list[re.Pattern[str]] = []
    for i, part in enumerate(cfg.part_optimizers):
        try:
            patterns.append(re.compile(part.regex_pattern))
        except re.error as err:
            raise ValueError(
                f"{FIELD}.part_optimizers[{i}].regex_pattern {part.regex_pattern!r} is not a "
                f"valid regular expression: {err}"
            ) from err
    groups: list[list[tuple[str, nn.Parameter]]] = [[] for _ in range(len(patterns) + 1)]
    for name, param in named_params:
        index = next((i for i, p in enumerate(patterns) if p.fullmatch(name)), None)
        groups[0 if index is None else index + 1].append((name, param))
    for i, group in enumerate(groups[1:]):
        if not group:
            logger.warning(
                f"{FIELD}.part_optimizers[{i}].regex_pattern "
                f"{cfg.part_optimizers[i].regex_pattern!r} matches no dense parameter"
            )
    return groups


def create_dense_optimizers(
    cfg: optimizer_pb2.DenseOptimizer,
    named_params: Sequence[tuple[str, nn.Parameter]],
) -> list[torch.optim.Optimizer]:
    """The main dense optimizer followed by one optimizer per part_optimizers entry.

    Every optimizer is created even if it owns no parameter (an empty param group), so
    ``result[i + 1]`` is always ``part_optimizers[i]``.

    Args:
        cfg: ``train_config.dense_optimizer``.
        named_params: the dense parameters (``dense_parameters(model)``).

    Returns:
        ``[main, part_0, part_1, ...]``.
    """
    groups = route_part_parameters(named_params, cfg)
    optimizers: list[torch.optim.Optimizer] = []
    containers: list[tuple[Message, str]] = [(cfg, FIELD)] + [
        (part, f"{FIELD}.part_optimizers[{i}]") for i, part in enumerate(cfg.part_optimizers)
    ]
    for (container, field), group in zip(containers, groups, strict=True):
        optimizer_class, kwargs = dense_optimizer_class_and_kwargs(container, field)
        params = [param for _, param in group]
        optimizers.append(optimizer_class([{"params": params}], **kwargs))
    return optimizers


def dense_schedulers(
    cfg: optimizer_pb2.DenseOptimizer,
    optimizers: Sequence[torch.optim.Optimizer],
    steps_per_epoch: int | None = None,
) -> list[BaseLR]:
    """One schedule per dense optimizer; a part without a schedule uses the dense one.

    Args:
        cfg: ``train_config.dense_optimizer``.
        optimizers: ``create_dense_optimizers(cfg, ...)``.
        steps_per_epoch: see ``BaseLR``.

    Returns:
        Schedules in the order of ``optimizers``.
    """
    schedulers = [create_schedulers(optimizers[0], cfg, steps_per_epoch, FIELD)]
    for i, (part, opt) in enumerate(zip(cfg.part_optimizers, optimizers[1:], strict=True)):
        own = part.WhichOneof("learning_rate") is not None
        schedulers.append(
            create_schedulers(
                opt,
                part if own else cfg,
                steps_per_epoch,
                f"{FIELD}.part_optimizers[{i}]" if own else FIELD,
            )
        )
    return schedulers
