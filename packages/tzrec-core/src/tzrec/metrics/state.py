"""``cat`` metric states: reading them, and the base of metrics that keep every sample.

A ``cat`` state is a list of per-update tensors locally and one tensor after a sync.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor
from torchmetrics import Metric
from torchmetrics.utilities import dim_zero_cat


def concatenated(state: list[Tensor] | Tensor) -> Tensor | None:
    """All samples of a ``dist_reduce_fx="cat"`` state as one tensor; None when empty.

    Before a sync the state is the list of per-update tensors; after torchmetrics syncs
    it over ranks in ``compute()`` it is already one tensor.
    """
    if isinstance(state, Tensor):
        return state.reshape(-1) if state.numel() else None
    if not state:
        return None
    joined = dim_zero_cat(state)
    return joined if joined.numel() else None


class GroupedSamplesMetric(Metric):
    """A metric that keeps every (prediction, label, group id), exact across processes.

    Subclasses implement ``compute`` over :meth:`samples`.
    """

    full_state_update = False
    higher_is_better = True
    is_differentiable = False

    preds: list[Tensor]
    labels: list[Tensor]
    groups: list[Tensor]

    def __init__(self, **kwargs: Any) -> None:
        """Args: kwargs: passed to ``torchmetrics.Metric``."""
        super().__init__(**kwargs)
        self.add_state("preds", default=[], dist_reduce_fx="cat")
        self.add_state("labels", default=[], dist_reduce_fx="cat")
        self.add_state("groups", default=[], dist_reduce_fx="cat")

    def update(self, preds: Tensor, labels: Tensor, groups: Tensor) -> None:
        """Add a batch: (B,) predictions, (B,) labels, (B,) integer group ids."""
        self.preds.append(preds.detach().reshape(-1))
        self.labels.append(labels.detach().reshape(-1))
        self.groups.append(groups.detach().reshape(-1))

    def samples(self) -> tuple[Tensor, Tensor, Tensor] | None:
        """All predictions, labels and group ids seen (synced over ranks); None if none."""
        preds, labels, groups = (concatenated(s) for s in (self.preds, self.labels, self.groups))
        if preds is None or labels is None or groups is None:
            return None
        return preds, labels, groups
