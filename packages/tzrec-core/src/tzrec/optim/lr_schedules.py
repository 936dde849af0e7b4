"""Learning-rate schedules for the dense optimizers and the fused sparse optimizer.

A schedule maps a position ``t`` to a learning rate for each parameter group, given the
group's base (configured) learning rate. ``t`` counts completed parameter updates, or
completed epochs for ``by_epoch`` schedules, starting at 0: the first update runs with
``lr(0)``. The three schedules of ``optimizer.proto``:

* constant: ``lr(t) = base``;
* exponential decay: a linear warmup from ``warmup_learning_rate`` to ``base`` over
  ``t < warmup_size``, then ``max(base * decay_factor ** (u / decay_size), min_lr)`` with
  ``u = t - warmup_size`` (floored division when ``staircase``); with
  ``learning_rates`` it is read as a manual step schedule (TorchEasyRec compatibility);
* manual step: ``base`` (or a linear warmup from 0 to ``base``) until
  ``schedule_sizes[0]``, then ``learning_rates[i]`` from ``schedule_sizes[i]`` on.

A group whose base learning rate is 0 is left at 0 (the sparse optimizer gives frozen
embedding tables lr 0, and a schedule must not thaw them).

Schedules set ``param_group["lr"]``. TorchRec's fused embedding optimizers copy that
value into their kernels only in ``step()`` / ``zero_grad()``, so after changing the
learning rates a schedule calls ``step()`` on every fused optimizer it finds (a no-op
besides pushing the learning rate: fused updates happen in backward).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from google.protobuf.message import Message
from torchrec.optim.fused import FusedOptimizer
from torchrec.optim.keyed import CombinedOptimizer, OptimizerWrapper

from tzrec.protos import optimizer_pb2

LrFunction = Callable[[float, int], float]


class BaseLR:
    """Sets an optimizer's learning rates from a function of the step (or epoch) count.

    Args:
        optimizer: the optimizer whose ``param_groups`` to drive (a torch optimizer or a
            TorchRec KeyedOptimizer such as ``dmp.fused_optimizer``).
        lr_at: ``lr_at(base_lr, t)``, the learning rate at position ``t``.
        by_epoch: count ``t`` in epochs instead of updates.
        steps_per_epoch: for ``by_epoch`` schedules, derive the epoch from the update
            count (``t = updates // steps_per_epoch``) and ignore ``on_epoch_end``; None
            = advance only on ``on_epoch_end()`` (epoch length unknown).
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        lr_at: LrFunction,
        by_epoch: bool = False,
        steps_per_epoch: int | None = None,
    ) -> None:
        if steps_per_epoch is not None and steps_per_epoch <= 0:
            raise ValueError(f"steps_per_epoch must be positive, got {steps_per_epoch}")
        self.optimizer = optimizer
        self.by_epoch = by_epoch
        self.steps_per_epoch = steps_per_epoch
        self._lr_at = lr_at
        self._updates = 0
        self._epochs = 0
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs: list[float] = [
            float(group["initial_lr"]) for group in optimizer.param_groups
        ]
        self._last_lrs: list[float] = []
        self._apply()

    @property
    def position(self) -> int:
        """The ``t`` the current learning rates belong to (updates or epochs)."""
        if not self.by_epoch:
            return self._updates
        if self.steps_per_epoch is not None:
            return self._updates // self.steps_per_epoch
        return self._epochs

    def lr_at(self, base_lr: float, t: int) -> float:
        """The learning rate of a group with ``base_lr`` at position ``t``."""
        if base_lr == 0.0:
            return 0.0
        return self._lr_at(base_lr, t)

    def step(self) -> None:
        """Record one parameter update and set the learning rates for the next one."""
        self._updates += 1
        self._apply()

    def on_epoch_end(self) -> None:
        """Record the end of an epoch (advances ``by_epoch`` schedules without steps_per_epoch)."""
        self._epochs += 1
        self._apply()

    def get_last_lr(self) -> list[float]:
        """The learning rate of each param group, as last set."""
        return list(self._last_lrs)

    def state_dict(self) -> dict[str, Any]:
        """Update and epoch counts and base learning rates (enough to resume)."""
        return {"updates": self._updates, "epochs": self._epochs, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the counts and base learning rates, and set the learning rates to match."""
        self._updates = int(state_dict["updates"])
        self._epochs = int(state_dict["epochs"])
        base_lrs = [float(lr) for lr in state_dict["base_lrs"]]
        if len(base_lrs) != len(self.base_lrs):
            raise ValueError(
                f"scheduler state has {len(base_lrs)} base learning rates but the optimizer "
                f"has {len(self.base_lrs)} param groups"
            )
        self.base_lrs = base_lrs
        self._apply()

    def _apply(self) -> None:
        t = self.position
        self._last_lrs = [self.lr_at(base, t) for base in self.base_lrs]
        for group, lr in zip(self.optimizer.param_groups, self._last_lrs, strict=True):
            group["lr"] = lr
        push_lr_to_fused_kernels(self.optimizer)


def push_lr_to_fused_kernels(optimizer: torch.optim.Optimizer) -> None:
    """Make TorchRec's fused embedding kernels use their param groups' current lr.

    Args:
        optimizer: any optimizer; TorchRec CombinedOptimizer / OptimizerWrapper are
            searched for FusedOptimizers, whose ``step()`` only copies the learning rate
            into the kernel. Other optimizers are left alone.
    """
    if isinstance(optimizer, CombinedOptimizer):
        for _, child in optimizer.optimizers:
            push_lr_to_fused_kernels(child)
    elif isinstance(optimizer, OptimizerWrapper):
        push_lr_to_fused_kernels(optimizer._optimizer)
    elif isinstance(optimizer, FusedOptimizer):
        optimizer.step()


def constant_lr() -> LrFunction:
    """``lr(t) = base``."""
    return lambda base, t: base


def linear_warmup(start_lr: float, warmup_size: int, after: LrFunction) -> LrFunction:
    """Rise linearly from ``start_lr`` to ``base`` over ``t < warmup_size``, then ``after``."""

    def lr_at(base: float, t: int) -> float:
        if t < warmup_size:
            return start_lr + (base - start_lr) * t / warmup_size
        return after(base, t)

    return lr_at


def exponential_decay_lr(
    decay_size: int, decay_factor: float, staircase: bool, min_lr: float, offset: int = 0
) -> LrFunction:
    """``max(base * decay_factor ** ((t - offset) / decay_size), min_lr)``.

    Args:
        decay_size: steps (epochs) per factor of ``decay_factor``.
        decay_factor: multiplier per ``decay_size``.
        staircase: floor the exponent.
        min_lr: lower bound.
        offset: the position decay starts from (the warmup length).
    """

    def lr_at(base: float, t: int) -> float:
        exponent = (t - offset) / decay_size
        if staircase:
            exponent = math.floor(exponent)
        return max(base * decay_factor**exponent, min_lr)

    return lr_at


def manual_step_lr(schedule_sizes: Sequence[int], learning_rates: Sequence[float]) -> LrFunction:
    """``base`` before ``schedule_sizes[0]``, ``learning_rates[i]`` from ``schedule_sizes[i]``."""

    def lr_at(base: float, t: int) -> float:
        lr = base
        for size, rate in zip(schedule_sizes, learning_rates, strict=True):
            if t >= size:
                lr = rate
        return lr

    return lr_at


def _check_manual_steps(
    field: str, sizes: Sequence[int], rates: Sequence[float], sizes_name: str
) -> None:
    if len(sizes) != len(rates):
        raise ValueError(
            f"{field}: {sizes_name} has {len(sizes)} values but learning_rates has "
            f"{len(rates)}; they must pair up"
        )
    if any(later <= earlier for earlier, later in itertools.pairwise(sizes)):
        raise ValueError(f"{field}.{sizes_name} must be strictly increasing, got {list(sizes)}")


def _exponential_decay(cfg: optimizer_pb2.ExponentialDecayLR, field: str) -> LrFunction:
    sizes = list(cfg.decay_size)
    rates = list(cfg.learning_rates)
    if rates:  # TorchEasyRec compatibility: decay_size + learning_rates = manual steps
        _check_manual_steps(field, sizes, rates, "decay_size")
        after = manual_step_lr(sizes, rates)
    else:
        if len(sizes) != 1 or sizes[0] == 0:
            raise ValueError(
                f"{field}.decay_size must be one positive value (got {sizes}); several "
                "values are only meaningful together with learning_rates"
            )
        after = exponential_decay_lr(
            sizes[0], cfg.decay_factor, cfg.staircase, cfg.min_learning_rate, cfg.warmup_size
        )
    if cfg.warmup_size > 0:
        return linear_warmup(cfg.warmup_learning_rate, cfg.warmup_size, after)
    return after


def _manual_step(cfg: optimizer_pb2.ManualStepLR, field: str) -> LrFunction:
    sizes = list(cfg.schedule_sizes)
    rates = list(cfg.learning_rates)
    _check_manual_steps(field, sizes, rates, "schedule_sizes")
    after = manual_step_lr(sizes, rates)
    if cfg.warmup:
        if not sizes or sizes[0] == 0:
            raise ValueError(f"{field}.warmup needs a positive schedule_sizes[0] (warmup length)")
        return linear_warmup(0.0, sizes[0], after)
    return after


_SCHEDULE_FIELDS = (
    "constant_learning_rate",
    "exponential_decay_learning_rate",
    "manual_step_learning_rate",
)


def learning_rate_config(
    container: Message | None, fallback: Message | None = None
) -> Message | None:
    """The schedule message chosen in ``container``'s ``learning_rate`` oneof.

    Args:
        container: a SparseOptimizer, DenseOptimizer or PartOptimizer.
        fallback: container whose schedule to use when ``container`` sets none (a part
            optimizer falls back to its dense optimizer's schedule).

    Returns:
        A ConstantLR / ExponentialDecayLR / ManualStepLR message, or None (constant).
    """
    for candidate in (container, fallback):
        if candidate is not None:
            which = candidate.WhichOneof("learning_rate")
            if which is not None:
                return getattr(candidate, which)
    return None


def create_schedulers(
    optimizer: torch.optim.Optimizer,
    lr_cfg: Message | None,
    steps_per_epoch: int | None = None,
    field: str = "learning_rate",
) -> BaseLR:
    """Build the learning-rate schedule for ``optimizer`` from a config.

    Args:
        optimizer: a torch optimizer or TorchRec KeyedOptimizer (``dmp.fused_optimizer``).
        lr_cfg: a ConstantLR / ExponentialDecayLR / ManualStepLR message, or an optimizer
            container (SparseOptimizer / DenseOptimizer / PartOptimizer) whose
            ``learning_rate`` oneof is read; None or nothing chosen = constant.
        steps_per_epoch: see ``BaseLR``; only used by ``by_epoch`` schedules.
        field: config path for error messages, e.g.
            "train_config.dense_optimizer.exponential_decay_learning_rate".

    Returns:
        The schedule; its constructor already set ``lr(0)`` on the optimizer.

    Raises:
        ValueError: inconsistent schedule fields, naming them.
    """
    if lr_cfg is not None and lr_cfg.DESCRIPTOR.oneofs_by_name.get("learning_rate") is not None:
        which = lr_cfg.WhichOneof("learning_rate")
        field = f"{field}.{which}" if which else field
        lr_cfg = learning_rate_config(lr_cfg)
    if lr_cfg is None or isinstance(lr_cfg, optimizer_pb2.ConstantLR):
        return BaseLR(optimizer, constant_lr())
    if isinstance(lr_cfg, optimizer_pb2.ExponentialDecayLR):
        return BaseLR(
            optimizer, _exponential_decay(lr_cfg, field), lr_cfg.by_epoch, steps_per_epoch
        )
    if isinstance(lr_cfg, optimizer_pb2.ManualStepLR):
        return BaseLR(optimizer, _manual_step(lr_cfg, field), lr_cfg.by_epoch, steps_per_epoch)
    raise TypeError(
        f"{field}: expected one of {_SCHEDULE_FIELDS} or an optimizer config, "
        f"got {type(lr_cfg).__name__}"
    )
