"""One object that drives a training update: accumulation, scaling, clipping, schedules, EMA.

What happens where:

* sparse (embedding) parameters are updated by TorchRec's fused kernels inside every
  ``backward()``, i.e. on every micro-step, with the loss as back-propagated (divided by
  the accumulation count and multiplied by the FP16 loss scale, see ``backward``);
* dense parameters accumulate gradients over ``gradient_accumulation_steps``
  micro-steps and are updated once per cycle, after unscaling and clipping;
* schedulers and the EMA advance once per real dense update; a step the FP16 scaler
  skips (inf/NaN gradients) is not an update.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

from tzrec.optim.clipping import check_grad_clipping, clip_dense_gradients
from tzrec.optim.ema import DenseEMA
from tzrec.optim.lr_schedules import BaseLR
from tzrec.protos import train_pb2


class TZRecOptimizer:
    """Sparse + dense optimizers with their schedules, as one training-step API.

    Args:
        sparse: the sparse optimizer, normally ``dmp.fused_optimizer``; None = none.
        dense: the dense optimizers, ``[main, part_0, ...]`` (``create_dense_optimizers``).
        schedulers: schedules to advance after each dense update (sparse and dense).
        gradient_accumulation_steps: micro-steps per dense update; 0 or 1 = every step.
        grad_scaler: FP16 loss scaler (``create_grad_scaler``), or None.
        grad_clipping: dense gradient clipping, or None.
        dense_params_for_clipping: parameters whose gradients are clipped; default all
            parameters of the dense optimizers.
        ema: dense EMA to update after each real update, or None.
    """

    def __init__(
        self,
        sparse: torch.optim.Optimizer | None,
        dense: Sequence[torch.optim.Optimizer],
        schedulers: Sequence[BaseLR],
        gradient_accumulation_steps: int = 0,
        grad_scaler: torch.amp.GradScaler | None = None,
        grad_clipping: train_pb2.GradClipping | None = None,
        dense_params_for_clipping: Sequence[nn.Parameter] | None = None,
        ema: DenseEMA | None = None,
    ) -> None:
        if gradient_accumulation_steps < 0:
            raise ValueError(
                "train_config.gradient_accumulation_steps must be >= 0, got "
                f"{gradient_accumulation_steps}"
            )
        if grad_clipping is not None:
            check_grad_clipping(grad_clipping)
        self.sparse = sparse
        self.dense = list(dense)
        self.schedulers = list(schedulers)
        self.accumulation_steps = max(gradient_accumulation_steps, 1)
        self.grad_scaler = grad_scaler
        self.grad_clipping = grad_clipping
        if dense_params_for_clipping is None:
            dense_params_for_clipping = [
                p for opt in self.dense for group in opt.param_groups for p in group["params"]
            ]
        self._clip_params = list(dense_params_for_clipping)
        self.ema = ema
        self.micro_step = 0
        self.last_grad_norm: Tensor | None = None

    def backward(self, loss: Tensor) -> None:
        """Back-propagate ``loss / accumulation_steps``, scaled when a scaler is set.

        The fused sparse update runs during this call, with the same division and scale:
        with k-step accumulation each micro-step moves the embeddings by the gradient of
        ``loss / k``. Adagrad / Adam / row-wise Adagrad are (up to eps) invariant to a
        constant gradient scale; SGD and LARS SGD are not, and the fused
        ``max_gradient`` clipping sees the scaled gradient.
        """
        if self.accumulation_steps > 1:
            loss = loss / self.accumulation_steps
        if self.grad_scaler is not None:
            loss = self.grad_scaler.scale(loss)
        loss.backward()

    def step(self) -> bool:
        """Finish one micro-step; update the dense parameters when a cycle is complete.

        Returns:
            True when the dense parameters were updated (cycle complete and, with FP16
            scaling, the gradients finite); schedulers and EMA advanced then.
        """
        self.micro_step += 1
        if self.micro_step < self.accumulation_steps:
            return False
        self.micro_step = 0
        updated = self._update_dense()
        if updated:
            for scheduler in self.schedulers:
                scheduler.step()
            if self.ema is not None:
                self.ema.update()
        if self.sparse is not None:
            self.sparse.step()  # fused: pushes the (scheduled) lr into the kernels
        self.zero_grad()
        return updated

    def _update_dense(self) -> bool:
        scaler = self.grad_scaler
        # GradScaler refuses optimizers without any gradient (e.g. a part optimizer whose
        # regex matched nothing), so only optimizers holding gradients take part.
        with_grads = [opt for opt in self.dense if _has_grads(opt)]
        if scaler is not None:
            for opt in with_grads:
                scaler.unscale_(opt)
        self.last_grad_norm = clip_dense_gradients(self._clip_params, self.grad_clipping)
        if scaler is None or not with_grads:
            for opt in with_grads:
                opt.step()
            return True
        scale_before = scaler.get_scale()
        for opt in with_grads:
            scaler.step(opt)
        scaler.update()
        return scaler.get_scale() >= scale_before  # backed off = inf grads = skipped

    def on_epoch_end(self) -> None:
        """Tell the schedules an epoch ended (advances ``by_epoch`` ones counting epochs)."""
        for scheduler in self.schedulers:
            scheduler.on_epoch_end()
        if self.sparse is not None:
            self.sparse.step()  # fused: pushes the (scheduled) lr into the kernels

    def zero_grad(self) -> None:
        """Drop the accumulated gradients (and restart the accumulation cycle)."""
        for opt in self.dense:
            opt.zero_grad(set_to_none=True)
        if self.sparse is not None:
            self.sparse.zero_grad()
        self.micro_step = 0

    def current_lrs(self) -> dict[str, float]:
        """Learning rates now: "sparse", "dense" and "part_<i>" for part_optimizers[i].

        For the sparse optimizer it is the first non-zero group lr (frozen tables hold 0).
        """
        lrs: dict[str, float] = {}
        if self.sparse is not None:
            group_lrs = [float(group["lr"]) for group in self.sparse.param_groups]
            lrs["sparse"] = next((lr for lr in group_lrs if lr != 0.0), 0.0)
        for i, opt in enumerate(self.dense):
            lrs["dense" if i == 0 else f"part_{i - 1}"] = float(opt.param_groups[0]["lr"])
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to resume training.

        ``"sparse"`` is the KeyedOptimizer state (fused optimizer state as ShardedTensors
        keyed by parameter FQN, which torch.distributed.checkpoint saves per shard);
        ``"dense"`` holds the torch optimizer states, ``"schedulers"``, ``"grad_scaler"``,
        ``"micro_step"`` and ``"ema"`` the rest.
        """
        state: dict[str, Any] = {
            "dense": [opt.state_dict() for opt in self.dense],
            "schedulers": [scheduler.state_dict() for scheduler in self.schedulers],
            "micro_step": self.micro_step,
        }
        if self.sparse is not None:
            state["sparse"] = self.sparse.state_dict()
        if self.grad_scaler is not None:
            state["grad_scaler"] = self.grad_scaler.state_dict()
        if self.ema is not None:
            state["ema"] = self.ema.state_dict()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a ``state_dict()``; its parts must match this optimizer's parts."""
        if len(state_dict["dense"]) != len(self.dense):
            raise ValueError(
                f"optimizer state has {len(state_dict['dense'])} dense optimizers, this "
                f"training has {len(self.dense)} (main + part_optimizers)"
            )
        if len(state_dict["schedulers"]) != len(self.schedulers):
            raise ValueError(
                f"optimizer state has {len(state_dict['schedulers'])} schedulers, expected "
                f"{len(self.schedulers)}"
            )
        for opt, opt_state in zip(self.dense, state_dict["dense"], strict=True):
            opt.load_state_dict(opt_state)
        if self.sparse is not None and "sparse" in state_dict:
            self.sparse.load_state_dict(state_dict["sparse"])
        for scheduler, scheduler_state in zip(
            self.schedulers, state_dict["schedulers"], strict=True
        ):
            scheduler.load_state_dict(scheduler_state)
        if self.grad_scaler is not None and "grad_scaler" in state_dict:
            self.grad_scaler.load_state_dict(state_dict["grad_scaler"])
        if self.ema is not None and "ema" in state_dict:
            self.ema.load_state_dict(state_dict["ema"])
        self.micro_step = int(state_dict["micro_step"])


def _has_grads(optimizer: torch.optim.Optimizer) -> bool:
    return any(p.grad is not None for group in optimizer.param_groups for p in group["params"])
