"""Optimizers: fused sparse optimizer, dense optimizers, schedules, clipping, EMA, AMP.

Typical engine use::

    apply_sparse_optimizer(model, train_cfg.sparse_optimizer, frozen_tables)
    dmp = DistributedModelParallel(model, ...)          # fused kernels planned
    named = dense_parameters(dmp)
    dense = create_dense_optimizers(train_cfg.dense_optimizer, named)
    schedulers = [create_schedulers(dmp.fused_optimizer, train_cfg.sparse_optimizer, spe)]
    schedulers += dense_schedulers(train_cfg.dense_optimizer, dense, spe)
    optimizer = TZRecOptimizer(dmp.fused_optimizer, dense, schedulers, ...)
    with autocast_context(train_cfg.mixed_precision, device):
        loss = ...
    optimizer.backward(loss)
    optimizer.step()
"""

from tzrec.optim.clipping import check_grad_clipping, clip_dense_gradients
from tzrec.optim.dense import (
    create_dense_optimizers,
    dense_optimizer_class_and_kwargs,
    dense_parameters,
    dense_schedulers,
    route_part_parameters,
)
from tzrec.optim.ema import DenseEMA
from tzrec.optim.lr_schedules import (
    BaseLR,
    create_schedulers,
    learning_rate_config,
    push_lr_to_fused_kernels,
)
from tzrec.optim.precision import autocast_context, create_grad_scaler, set_tf32
from tzrec.optim.sparse import (
    apply_sparse_optimizer,
    sparse_optimizer_class_and_kwargs,
)
from tzrec.optim.tzrec_optimizer import TZRecOptimizer

__all__ = [
    "BaseLR",
    "DenseEMA",
    "TZRecOptimizer",
    "apply_sparse_optimizer",
    "autocast_context",
    "check_grad_clipping",
    "clip_dense_gradients",
    "create_dense_optimizers",
    "create_grad_scaler",
    "create_schedulers",
    "dense_optimizer_class_and_kwargs",
    "dense_parameters",
    "dense_schedulers",
    "learning_rate_config",
    "push_lr_to_fused_kernels",
    "route_part_parameters",
    "set_tf32",
    "sparse_optimizer_class_and_kwargs",
]
