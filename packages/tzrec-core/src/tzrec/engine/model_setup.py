"""Build what a run trains or evaluates: the model inside DistributedModelParallel.

For training also its optimizer (fused sparse + dense, schedules, scaler, EMA).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torchrec.distributed.embedding_types import EmbeddingComputeKernel
from torchrec.distributed.model_parallel import DistributedModelParallel
from torchrec.distributed.planner.types import ParameterConstraints
from torchrec.distributed.types import ShardingPlan, ShardingType

from tzrec.engine.distributed import DistContext, plan_sharding, wrap_model
from tzrec.engine.plan_summary import table_sizes
from tzrec.features.feature import BaseFeature
from tzrec.models.base_model import BaseModel
from tzrec.models.factory import create_model
from tzrec.models.wrappers import TrainWrapper
from tzrec.modules.embedding import EmbeddingGroup
from tzrec.optim.dense import create_dense_optimizers, dense_parameters
from tzrec.optim.ema import DenseEMA
from tzrec.optim.lr_schedules import BaseLR, create_schedulers
from tzrec.optim.precision import create_grad_scaler, set_tf32
from tzrec.optim.sparse import apply_sparse_optimizer
from tzrec.optim.tzrec_optimizer import TZRecOptimizer
from tzrec.protos import pipeline_pb2
from tzrec.utils.config_errors import ConfigError

logger = logging.getLogger("tzrec")

#: Sharding types with fused kernels (all but data_parallel).
_MODEL_PARALLEL = (
    ShardingType.TABLE_WISE,
    ShardingType.ROW_WISE,
    ShardingType.COLUMN_WISE,
    ShardingType.TABLE_ROW_WISE,
)


@dataclass
class ModelBundle:
    """The pieces of a built model.

    Attributes:
        model: the model itself (its metrics and losses live here).
        dmp: TrainWrapper(model) inside DistributedModelParallel: call it with a Batch.
        plan: the sharding plan the planner made.
        table_sizes: ``(rows, dim)`` of each embedding table, by name.
        optimizer: the training optimizer, None when built for evaluation only.
    """

    model: BaseModel
    dmp: DistributedModelParallel
    plan: ShardingPlan
    table_sizes: dict[str, tuple[int, int]]
    optimizer: TZRecOptimizer | None = None


def _embedding_group(model: BaseModel) -> EmbeddingGroup | None:
    group = getattr(model, "embedding_group", None)
    return group if isinstance(group, EmbeddingGroup) else None


def build_model(
    config: pipeline_pb2.EasyRecConfig,
    features: Sequence[BaseFeature],
    context: DistContext,
    training: bool,
    steps_per_epoch: int | None = None,
    seed: int = 0,
) -> ModelBundle:
    """Create the configured model, shard it and (for training) its optimizer.

    Args:
        config: the pipeline config.
        features: the pipeline's features.
        context: the process group's context.
        training: also attach the sparse optimizer and build the dense ones.
        steps_per_epoch: batches per epoch (per rank) for by_epoch LR schedules, if known.
        seed: seed of the initial weights.
    """
    train_cfg = config.train_config
    data_cfg = config.data_config
    set_tf32(train_cfg)
    # Same initial weights on every run of a config: resumed and unbroken runs, and
    # runs that are compared with each other, start alike.
    torch.manual_seed(seed)
    model = create_model(
        config.model_config,
        features,
        list(data_cfg.label_fields),
        list(data_cfg.sample_weight_fields),
        # Tables of any size cost nothing until DMP creates each rank's shards.
        table_device=torch.device("meta"),
    )
    wrapper = TrainWrapper(model, train_cfg.mixed_precision)
    group = _embedding_group(model)
    if training:
        frozen = set(group.table_names(trainable=False)) if group is not None else set()
        apply_sparse_optimizer(wrapper, train_cfg.sparse_optimizer, frozen)
    constraints = None
    if group is not None:
        global_constraints = (
            train_cfg.global_embedding_constraints
            if train_cfg.HasField("global_embedding_constraints")
            else None
        )
        constraints = fused_by_default(group.parameter_constraints(global_constraints))
    sizes = table_sizes(wrapper)
    check_fused_dims(constraints or {}, sizes)
    plan = plan_sharding(wrapper, context, constraints)
    dmp = wrap_model(wrapper, context, plan)
    bundle = ModelBundle(model, dmp, plan, sizes)
    if training:
        bundle.optimizer = _build_optimizer(config, dmp, context, steps_per_epoch)
    return bundle


def fused_by_default(
    constraints: dict[str, ParameterConstraints],
) -> dict[str, ParameterConstraints]:
    """Tables without a compute-kernel constraint get TorchRec's ``fused`` kernel.

    The sparse optimizer runs inside the fused embedding kernels. Left free, the planner
    puts small tables (all of them, on one CPU process) data-parallel on the ``dense``
    kernel, where the sparse optimizer config would not apply; so unconstrained tables
    are also kept to the sharding types that run fused kernels.
    """
    for constraint in constraints.values():
        if not constraint.compute_kernels:
            constraint.compute_kernels = [EmbeddingComputeKernel.FUSED.value]
        if not constraint.sharding_types:
            constraint.sharding_types = [kind.value for kind in _MODEL_PARALLEL]
    return constraints


def check_fused_dims(
    constraints: dict[str, ParameterConstraints], sizes: dict[str, tuple[int, int]]
) -> None:
    """Fail early, by table name, on dims TorchRec's fused kernels cannot hold.

    The fused (FBGEMM TBE) kernels need an embedding dim divisible by 4; TorchRec would
    stop with a bare assertion deep inside sharding.

    Raises:
        ConfigError: naming the table(s), their dims and the fields to change.
    """
    bad = [
        f"{name} (dim {sizes[name][1]})"
        for name, constraint in constraints.items()
        if name in sizes
        and sizes[name][1] % 4
        and constraint.compute_kernels == [EmbeddingComputeKernel.FUSED.value]
    ]
    if bad:
        raise ConfigError(
            f"embedding tables {', '.join(bad)} have a dim that is not a multiple of 4, which "
            "TorchRec's fused embedding kernels require: change the features' embedding_dim "
            "(or the model's wide_embedding_dim for *_wide tables)",
            field_path="feature_configs.embedding_dim",
        )


def _build_optimizer(
    config: pipeline_pb2.EasyRecConfig,
    dmp: DistributedModelParallel,
    context: DistContext,
    steps_per_epoch: int | None,
) -> TZRecOptimizer:
    train_cfg = config.train_config
    dense_cfg = train_cfg.dense_optimizer
    named_dense = dense_parameters(dmp)
    dense = create_dense_optimizers(dense_cfg, named_dense)
    sparse = dmp.fused_optimizer
    field = "train_config"
    schedulers: list[BaseLR] = [
        create_schedulers(
            sparse, train_cfg.sparse_optimizer, steps_per_epoch, f"{field}.sparse_optimizer"
        )
    ]
    schedulers.append(
        create_schedulers(dense[0], dense_cfg, steps_per_epoch, f"{field}.dense_optimizer")
    )
    for i, (part, optimizer) in enumerate(zip(dense_cfg.part_optimizers, dense[1:], strict=True)):
        lr_cfg = part if part.WhichOneof("learning_rate") else dense_cfg
        schedulers.append(
            create_schedulers(
                optimizer, lr_cfg, steps_per_epoch, f"{field}.dense_optimizer.part_optimizers[{i}]"
            )
        )
    ema = None
    if dense_cfg.HasField("ema"):
        ema = DenseEMA(named_dense, dense_cfg.ema.decay)
    return TZRecOptimizer(
        sparse,
        dense,
        schedulers,
        gradient_accumulation_steps=train_cfg.gradient_accumulation_steps,
        grad_scaler=create_grad_scaler(train_cfg, context.device),
        grad_clipping=train_cfg.grad_clipping if train_cfg.HasField("grad_clipping") else None,
        ema=ema,
    )
