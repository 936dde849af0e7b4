"""Mixed precision: autocast, the FP16 gradient scaler and TF32 switches."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import torch

from tzrec.protos import train_pb2
from tzrec.utils.logging_util import logger

FIELD = "train_config.mixed_precision"
_DTYPES = {"BF16": torch.bfloat16, "FP16": torch.float16}


def _check(mixed_precision: str) -> None:
    if mixed_precision and mixed_precision not in _DTYPES:
        raise ValueError(
            f"{FIELD} {mixed_precision!r} is unknown; use 'BF16', 'FP16' or leave it unset"
        )


def autocast_context(mixed_precision: str, device: torch.device) -> AbstractContextManager:
    """The context to run the forward pass (and loss) in.

    Args:
        mixed_precision: ``train_config.mixed_precision``: "" (FP32), "BF16" or "FP16".
        device: the training device; CPU supports both BF16 and FP16 autocast.

    Returns:
        ``nullcontext()`` for FP32, else ``torch.autocast(device.type, dtype)``.
    """
    _check(mixed_precision)
    if not mixed_precision:
        return nullcontext()
    return torch.autocast(device.type, dtype=_DTYPES[mixed_precision])


#: Sparse optimizers whose update is proportional to the gradient's scale.
_SCALE_SENSITIVE_SPARSE = ("sgd_optimizer", "lars_sgd_optimizer")


def _check_sparse_under_scaling(train_cfg: train_pb2.TrainConfig) -> None:
    """Refuse sparse optimizers that a loss scale would break.

    The fused sparse optimizer updates the tables inside the backward pass, before the
    scaler can unscale anything: it sees gradients multiplied by the loss scale (65536 at
    first). Adagrad- and Adam-style updates divide by the gradients' own magnitude and
    barely notice; SGD and LARS would take steps thousands of times too large, and a
    fused ``max_gradient`` would clip the scaled values.

    Raises:
        ValueError: naming the fields, for SGD/LARS or sparse gradient clipping.
    """
    sparse = train_cfg.sparse_optimizer
    which = sparse.WhichOneof("optimizer")
    if which in _SCALE_SENSITIVE_SPARSE:
        raise ValueError(
            f"train_config.sparse_optimizer.{which} cannot be used with mixed_precision FP16 "
            "and grad_scaler: the fused embedding update would see scaled gradients; use "
            "adagrad / rowwise_adagrad / adam, or mixed_precision BF16 (no scaler needed)"
        )
    if which is not None and getattr(getattr(sparse, which), "gradient_clipping", False):
        raise ValueError(
            f"train_config.sparse_optimizer.{which}.gradient_clipping cannot be used with "
            "grad_scaler: it would clip scaled gradients"
        )


def create_grad_scaler(
    train_cfg: train_pb2.TrainConfig, device: torch.device
) -> torch.amp.GradScaler | None:
    """A dynamic loss scaler, for FP16 training with ``grad_scaler`` configured.

    BF16 has FP32's exponent range and needs no scaling; a ``grad_scaler`` set for it
    (or for FP32) is ignored with a warning, as is FP16 without ``grad_scaler``
    (allowed, but small gradients may underflow).

    Args:
        train_cfg: the train config.
        device: the training device.

    Returns:
        A ``torch.amp.GradScaler`` or None.
    """
    _check(train_cfg.mixed_precision)
    has_scaler = train_cfg.HasField("grad_scaler")
    if train_cfg.mixed_precision != "FP16":
        if has_scaler:
            logger.warning(
                "train_config.grad_scaler is ignored: it is only used with mixed_precision FP16"
            )
        return None
    if not has_scaler:
        logger.warning("mixed_precision FP16 without train_config.grad_scaler: no loss scaling")
        return None
    _check_sparse_under_scaling(train_cfg)
    cfg = train_cfg.grad_scaler
    return torch.amp.GradScaler(
        device.type,
        init_scale=cfg.init_scale,
        growth_factor=cfg.growth_factor,
        backoff_factor=cfg.backoff_factor,
        growth_interval=cfg.growth_interval,
    )


def set_tf32(train_cfg: train_pb2.TrainConfig) -> None:
    """Apply ``cudnn_allow_tf32`` and ``cuda_matmul_allow_tf32`` to torch's backends."""
    torch.backends.cudnn.allow_tf32 = train_cfg.cudnn_allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = train_cfg.cuda_matmul_allow_tf32
