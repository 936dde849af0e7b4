"""Process group and model parallelism: one code path for one process and many.

Every run, even a single process, has a torch.distributed process group (gloo on CPU,
nccl on GPU) and a model wrapped in TorchRec's DistributedModelParallel with a plan
from TorchRec's sharding planner, so what is tested on one process is what runs on many.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import torch
import torch.distributed as dist
from torch import nn
from torchrec.distributed.model_parallel import DistributedModelParallel
from torchrec.distributed.planner import EmbeddingShardingPlanner, Topology
from torchrec.distributed.planner.constants import BATCH_SIZE
from torchrec.distributed.planner.types import ParameterConstraints
from torchrec.distributed.sharding_plan import get_default_sharders
from torchrec.distributed.types import ModuleSharder, ShardingPlan

from tzrec.engine.ordered_enumerator import OrderedEmbeddingEnumerator

T = TypeVar("T")


@dataclass(frozen=True)
class DistContext:
    """Where this process stands in the run.

    Attributes:
        rank: global rank.
        world_size: number of processes.
        local_rank: rank on this machine (selects the GPU).
        device: the device the model runs on.
        owns_group: whether :func:`init_distributed` created the process group (and so
            :func:`shutdown_distributed` destroys it).
    """

    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    owns_group: bool

    @property
    def is_main(self) -> bool:
        """Whether this is rank 0, the one that writes files and logs."""
        return self.rank == 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def init_distributed() -> DistContext:
    """Join (or create) the process group of this run.

    Under torchrun the environment (RANK, WORLD_SIZE, MASTER_ADDR...) describes the
    group; a plain ``python``/``tzrec train`` process becomes a group of one on a free
    local port. A group that already exists (tests, notebooks) is used as it is.
    """
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available()
    device = torch.device(f"cuda:{local_rank}") if use_cuda else torch.device("cpu")
    if use_cuda:
        torch.cuda.set_device(device)
    owns = False
    if not dist.is_initialized():
        backend = "nccl" if use_cuda else "gloo"
        if "WORLD_SIZE" in os.environ:
            dist.init_process_group(backend=backend)
        else:
            # A group of one on a private port; the environment is left alone, so the
            # next run in this process (tests, notebooks) gets a fresh group.
            dist.init_process_group(
                backend=backend,
                init_method=f"tcp://127.0.0.1:{_free_port()}",
                rank=0,
                world_size=1,
            )
        owns = True
    return DistContext(dist.get_rank(), dist.get_world_size(), local_rank, device, owns)


def shutdown_distributed(context: DistContext, synchronize: bool = True) -> None:
    """Destroy the process group if :func:`init_distributed` created it.

    Args:
        context: the run's context.
        synchronize: wait for every rank first (a clean end), so no rank tears its
            connections down while another still uses them; gloo aborts the process
            ("terminate called without an active exception") when a peer vanishes
            mid-operation. False after an error, when other ranks may never arrive.
    """
    if not (context.owns_group and dist.is_initialized()):
        return
    if synchronize and context.world_size > 1:
        dist.barrier()
    dist.destroy_process_group()


@contextlib.contextmanager
def distributed_run() -> Iterator[DistContext]:
    """The process group of one run: joined on entry, left on exit (see above)."""
    context = init_distributed()
    try:
        yield context
    except BaseException:
        shutdown_distributed(context, synchronize=False)
        raise
    shutdown_distributed(context)


def sharders() -> list[ModuleSharder[nn.Module]]:
    """TorchRec's default sharders (EmbeddingBagCollection, EmbeddingCollection...)."""
    return list(get_default_sharders())


def plan_sharding(
    model: nn.Module,
    context: DistContext,
    constraints: dict[str, ParameterConstraints] | None = None,
) -> ShardingPlan:
    """A sharding plan for the model's embedding tables, made on rank 0 and shared.

    Args:
        model: the (unsharded) model.
        context: the process group's context.
        constraints: per-table planner constraints (sharding types, kernels).
    """
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", str(context.world_size)))
    topology = Topology(
        world_size=context.world_size,
        local_world_size=local_world,
        compute_device=context.device.type,
    )
    enumerator = OrderedEmbeddingEnumerator(
        topology=topology, batch_size=BATCH_SIZE, constraints=constraints or None
    )
    planner = EmbeddingShardingPlanner(
        topology=topology, constraints=constraints or None, enumerator=enumerator
    )
    return planner.collective_plan(model, sharders(), dist.GroupMember.WORLD)


def wrap_model(
    model: nn.Module, context: DistContext, plan: ShardingPlan
) -> DistributedModelParallel:
    """The model inside DistributedModelParallel, sharded by ``plan``."""
    return DistributedModelParallel(
        module=model, device=context.device, plan=plan, sharders=sharders()
    )


def _reduce_flag(flag: bool, context: DistContext, op: dist.ReduceOp.RedOpType) -> bool:
    if context.world_size == 1:
        return flag
    tensor = torch.tensor([1 if flag else 0], dtype=torch.int32, device=context.device)
    dist.all_reduce(tensor, op=op)
    return bool(tensor.item())


def any_rank(flag: bool, context: DistContext) -> bool:
    """Whether ``flag`` is true on any rank (a collective call when distributed)."""
    return _reduce_flag(flag, context, dist.ReduceOp.MAX)


def all_ranks(flag: bool, context: DistContext) -> bool:
    """Whether ``flag`` is true on every rank (a collective call when distributed)."""
    return _reduce_flag(flag, context, dist.ReduceOp.MIN)


def lockstep(batches: Iterator[T], context: DistContext) -> Iterator[T]:
    """Batches while every rank still has one (training).

    Sharded lookups are collectives, so all ranks must step together. Ranks' shards
    differ by at most one batch an epoch; a rank that has one more skips it.
    """
    while True:
        batch = next(batches, None)
        if not all_ranks(batch is not None, context):
            return
        assert batch is not None
        yield batch


def padded_lockstep(
    batches: Iterator[T],
    context: DistContext,
    no_data_error: Callable[[], Exception] | None = None,
) -> Iterator[tuple[T, bool]]:
    """``(batch, is_real)`` until every rank is out of batches (evaluation, prediction).

    Sharded lookups are collectives, so all ranks step together: a rank that runs out
    first repeats its last batch with ``is_real`` False, so the others can finish theirs
    (their metrics see every row, their predictions are written) while it only takes
    part in the collectives.

    Args:
        batches: this rank's batches.
        context: the process group's context.
        no_data_error: the error every rank raises when some rank has no batch at all
            while others have (it has nothing to pad with); default a RuntimeError.
    """
    last: T | None = None
    first = True
    while True:
        batch = next(batches, None)
        if not any_rank(batch is not None, context):
            return
        # A rank without a single batch has nothing to pad with; every rank learns it
        # here (one more collective, on the first step only) and stops together.
        if first and not all_ranks(batch is not None, context):
            if no_data_error is not None:
                raise no_data_error()
            raise RuntimeError(
                "a rank has no evaluation data at all while other ranks do; the input "
                "has fewer batches than processes"
            )
        first = False
        if batch is not None:
            last = batch
            yield batch, True
        else:
            assert last is not None
            yield last, False
