"""Helpers shared by the engine tests: reading checkpoints back, simulating a kill."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from torch.distributed.checkpoint.format_utils import dcp_to_torch_save

from tzrec.optim.tzrec_optimizer import TZRecOptimizer


def checkpoint_tensors(path: str, scratch: Path) -> dict[str, torch.Tensor]:
    """The model tensors of checkpoint ``path``, read back from torch.distributed.checkpoint."""
    target = scratch / f"{Path(path).name}-{len(os.listdir(scratch))}.pt"
    dcp_to_torch_save(os.path.join(path, "model"), str(target))
    return torch.load(target, weights_only=False)


@contextlib.contextmanager
def killed_at_step(monkeypatch: pytest.MonkeyPatch, step: int) -> Iterator[None]:
    """Within the block, the ``step``-th optimizer step raises KeyboardInterrupt.

    Like a kill, it leaves only what is on disk; the block expects the interruption.
    """
    real_step = TZRecOptimizer.step
    calls = {"n": 0}

    def crashing_step(self: TZRecOptimizer) -> bool:
        calls["n"] += 1
        if calls["n"] == step:
            raise KeyboardInterrupt(f"simulated kill at optimizer step {step}")
        return real_step(self)

    monkeypatch.setattr(TZRecOptimizer, "step", crashing_step)
    try:
        with pytest.raises(KeyboardInterrupt):
            yield
    finally:
        monkeypatch.setattr(TZRecOptimizer, "step", real_step)
