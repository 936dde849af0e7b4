"""The sparse (embedding-table) optimizer, fused into TorchRec's embedding kernels.

TorchRec does not run an optimizer over embedding tables after backward: each table
parameter carries an optimizer class and kwargs (``_apply_optimizer_in_backward``), and
when ``DistributedModelParallel`` shards the table with a *fused* compute kernel it
builds an FBGEMM table-batched embedding (TBE) whose backward pass applies that update
in place. The classes are TorchRec's placeholders in ``torchrec.optim.optimizers``
(they never run themselves); their kwargs become the TBE constructor arguments
(``lr`` is renamed ``learning_rate`` by TorchRec).

Consequences the engine must know:

* the sparse update happens in every ``backward()``, i.e. on every micro-step of
  gradient accumulation, with whatever (scaled / divided) loss was back-propagated;
* only tables planned with a fused kernel are updated this way; a table that the
  planner puts on ``data_parallel`` with the ``dense`` kernel gets ordinary gradients
  and is left to the dense optimizer (see ``dense_parameters``);
* a frozen table (feature ``trainable: false``) gets exact SGD with learning rate 0,
  so the fused kernel leaves it unchanged; TorchRec's kernels ignore
  ``requires_grad``. The learning-rate schedules keep a group whose base learning
  rate is 0 at 0, so the frozen tables stay frozen when the sparse lr changes;
* FBGEMM's CPU kernels implement only exact SGD, Adagrad and row-wise Adagrad; Adam,
  LARS SGD, LAMB and the partial row-wise ones need a GPU (FBGEMM raises at DMP time);
* ``gradient_clipping`` clips the gradient of each lookup (sample x feature bag) to
  [-max_gradient, max_gradient] before the lookups are summed into their rows.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import torch
from fbgemm_gpu.tbe.config import WeightDecayMode
from torch import nn
from torch.distributed.optim import _apply_optimizer_in_backward
from torchrec import optim as trec_optim

from tzrec.modules.tables import embedding_tables
from tzrec.protos import optimizer_pb2

FIELD = "train_config.sparse_optimizer"

# TorchRec placeholder class per sparse optimizer oneof name.
_SPARSE_CLASSES: dict[str, type[torch.optim.Optimizer]] = {
    "sgd_optimizer": trec_optim.SGD,
    "adagrad_optimizer": trec_optim.Adagrad,
    "adam_optimizer": trec_optim.Adam,
    "lars_sgd_optimizer": trec_optim.LarsSGD,
    "lamb_optimizer": trec_optim.LAMB,
    "partial_rowwise_lamb_optimizer": trec_optim.PartialRowWiseLAMB,
    "partial_rowwise_adam_optimizer": trec_optim.PartialRowWiseAdam,
    "rowwise_adagrad_optimizer": trec_optim.RowWiseAdagrad,
}

# Config fields (per optimizer) that the fused kernel reads, as TBE argument names.
_FUSED_FIELDS: dict[str, dict[str, str]] = {
    "sgd_optimizer": {},
    "adagrad_optimizer": {"eps": "eps"},
    "adam_optimizer": {"beta1": "beta1", "beta2": "beta2", "eps": "eps"},
    "lars_sgd_optimizer": {"momentum": "momentum", "eta": "eta"},
    "lamb_optimizer": {"beta1": "beta1", "beta2": "beta2", "eps": "eps"},
    "partial_rowwise_lamb_optimizer": {"beta1": "beta1", "beta2": "beta2", "eps": "eps"},
    "partial_rowwise_adam_optimizer": {"beta1": "beta1", "beta2": "beta2", "eps": "eps"},
    "rowwise_adagrad_optimizer": {"eps": "eps"},
}

# Optimizers whose fused kernel applies weight_decay.
_WEIGHT_DECAY_KERNELS = {
    "adam_optimizer",
    "lars_sgd_optimizer",
    "lamb_optimizer",
    "partial_rowwise_lamb_optimizer",
    "partial_rowwise_adam_optimizer",
    "rowwise_adagrad_optimizer",
}

# Fields the fused kernels cannot honour: (field, value meaning "off").
_UNSUPPORTED: dict[str, list[tuple[str, Any]]] = {
    "sgd_optimizer": [
        ("momentum", 0.0),
        ("dampening", 0.0),
        ("nesterov", False),
        ("weight_decay", 0.0),
    ],
    "adagrad_optimizer": [
        ("lr_decay", 0.0),
        ("weight_decay", 0.0),
        ("initial_accumulator_value", 0.0),
    ],
    "adam_optimizer": [("amsgrad", False)],
    "rowwise_adagrad_optimizer": [("initial_accumulator_value", 0.0)],
}


def sparse_optimizer_class_and_kwargs(
    cfg: optimizer_pb2.SparseOptimizer,
) -> tuple[type[torch.optim.Optimizer], dict[str, Any]]:
    """The TorchRec optimizer class and fused-kernel kwargs a sparse optimizer config asks for.

    Args:
        cfg: ``train_config.sparse_optimizer``.

    Returns:
        The TorchRec placeholder class (mapped by TorchRec to an FBGEMM optimizer type)
        and its kwargs (``lr`` plus the TBE arguments: eps, betas, momentum, eta,
        weight_decay, gradient_clipping, max_gradient).

    Raises:
        ValueError: no optimizer is set, or a field is set that the fused kernel cannot
            apply (e.g. SGD momentum), naming the field.
    """
    which = cfg.WhichOneof("optimizer")
    if which is None:
        raise ValueError(f"{FIELD}: no optimizer set; choose one of {sorted(_SPARSE_CLASSES)}")
    opt_cfg = getattr(cfg, which)
    for field, off_value in _UNSUPPORTED.get(which, []):
        if getattr(opt_cfg, field) != off_value:
            raise ValueError(
                f"{FIELD}.{which}.{field} = {getattr(opt_cfg, field)} is not supported: the "
                "fused embedding kernel has no such option; leave it unset"
            )
    kwargs: dict[str, Any] = {"lr": opt_cfg.lr}
    for field, tbe_name in _FUSED_FIELDS[which].items():
        kwargs[tbe_name] = getattr(opt_cfg, field)
    if which in _WEIGHT_DECAY_KERNELS:
        kwargs["weight_decay"] = opt_cfg.weight_decay
        if which == "rowwise_adagrad_optimizer" and opt_cfg.weight_decay > 0:
            kwargs["weight_decay_mode"] = WeightDecayMode.L2
    if opt_cfg.gradient_clipping:
        kwargs["gradient_clipping"] = True
        kwargs["max_gradient"] = opt_cfg.max_gradient
    return _SPARSE_CLASSES[which], kwargs


def apply_sparse_optimizer(
    model: nn.Module,
    cfg: optimizer_pb2.SparseOptimizer,
    frozen_tables: Collection[str] = frozenset(),
) -> None:
    """Attach the sparse optimizer to every embedding table, to be fused by DMP.

    Call before wrapping ``model`` in ``DistributedModelParallel``. Tables named in
    ``frozen_tables``, and tables whose weight has ``requires_grad=False`` (the fused
    kernels ignore that flag), get exact SGD with lr 0 instead, so they never change.

    Args:
        model: the unsharded model.
        cfg: ``train_config.sparse_optimizer``.
        frozen_tables: names of the embedding tables that must not train.

    Raises:
        ValueError: a bad sparse optimizer config (see
            ``sparse_optimizer_class_and_kwargs``), a frozen table name that is not a
            table of ``model``, or a table that already has an optimizer attached.
    """
    optimizer_class, kwargs = sparse_optimizer_class_and_kwargs(cfg)
    tables: list[tuple[str, nn.Parameter]] = []
    seen: set[int] = set()
    for config, param in embedding_tables(model):
        name = config.name
        if id(param) in seen:
            continue  # one weight reachable through two module paths
        seen.add(id(param))
        if hasattr(param, "_in_backward_optimizers"):
            raise ValueError(
                f"embedding table '{name}' already has an in-backward optimizer; "
                "apply_sparse_optimizer must be called once per model"
            )
        tables.append((name, param))
    unknown = set(frozen_tables) - {name for name, _ in tables}
    if unknown:
        raise ValueError(
            f"frozen embedding tables {sorted(unknown)} are not tables of the model; "
            f"its tables are {sorted({name for name, _ in tables})}"
        )
    frozen_names = set(frozen_tables) | {n for n, p in tables if not p.requires_grad}
    trainable = [param for name, param in tables if name not in frozen_names]
    frozen = [param for name, param in tables if name in frozen_names]
    if trainable:
        _apply_optimizer_in_backward(optimizer_class, trainable, dict(kwargs))
    if frozen:
        # The in-backward hook needs an autograd node, which a requires_grad=False
        # weight lacks; enable it while attaching, then restore it.
        flags = [param.requires_grad for param in frozen]
        for param in frozen:
            param.requires_grad_(True)
        _apply_optimizer_in_backward(trec_optim.SGD, frozen, {"lr": 0.0})
        for param, flag in zip(frozen, flags, strict=True):
            param.requires_grad_(flag)
