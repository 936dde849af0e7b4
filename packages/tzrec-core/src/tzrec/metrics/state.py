"""Reading ``cat`` metric states, which are lists locally and tensors after a sync."""

from __future__ import annotations

from torch import Tensor
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
