"""Clipping of the dense gradients (``train_config.grad_clipping``).

Sparse (embedding) gradients are clipped inside the fused kernels by the sparse
optimizer's ``gradient_clipping`` / ``max_gradient``.

``enable_global_grad_clip``: under DistributedDataParallel the dense gradients are
all-reduced in backward, so each rank already holds the global gradient and its norm is
the global norm; DTensor gradients are reduced by ``torch.nn.utils.clip_grad_norm_``
itself. The flag therefore needs no extra communication for tzrec's dense parameters.
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from tzrec.protos import train_pb2

FIELD = "train_config.grad_clipping"
CLIPPING_TYPES = ("none", "norm", "value")


def check_grad_clipping(cfg: train_pb2.GradClipping) -> None:
    """Raise ValueError naming the field when ``cfg`` cannot be applied."""
    if cfg.clipping_type not in CLIPPING_TYPES:
        raise ValueError(
            f"{FIELD}.clipping_type {cfg.clipping_type!r} is unknown; use one of {CLIPPING_TYPES}"
        )
    if cfg.clipping_type != "none" and not cfg.max_gradient > 0:
        raise ValueError(f"{FIELD}.max_gradient must be positive, got {cfg.max_gradient}")


def clip_dense_gradients(
    params: Iterable[nn.Parameter], cfg: train_pb2.GradClipping | None
) -> torch.Tensor | None:
    """Clip the gradients of ``params`` in place as ``cfg`` says.

    Args:
        params: the dense parameters (those without a gradient are skipped).
        cfg: the clipping config; None or clipping_type "none" = no clipping.

    Returns:
        The total gradient norm before clipping for "norm" clipping, else None.
    """
    if cfg is None or cfg.clipping_type == "none":
        return None
    check_grad_clipping(cfg)
    with_grad = [p for p in params if p.grad is not None]
    if cfg.clipping_type == "norm":
        return torch.nn.utils.clip_grad_norm_(
            with_grad, max_norm=cfg.max_gradient, norm_type=cfg.norm_type
        )
    torch.nn.utils.clip_grad_value_(with_grad, clip_value=cfg.max_gradient)
    return None
