"""Exponential moving average of the dense parameters (``dense_optimizer.ema``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch
from torch import nn


class DenseEMA:
    """Keeps ``ema = decay * ema + (1 - decay) * param`` for each dense parameter.

    The average starts at the parameters' values when created; ``update()`` follows each
    real parameter update. For evaluation (``eval_config.use_dense_ema``) the averages
    are swapped into the parameters by ``swapped_in()``.

    Args:
        named_params: the dense parameters, (name, parameter); the names key the state.
        decay: the decay rate, in [0, 1].
    """

    def __init__(self, named_params: Sequence[tuple[str, nn.Parameter]], decay: float) -> None:
        if not 0.0 <= decay <= 1.0:
            raise ValueError(
                f"train_config.dense_optimizer.ema.decay must be in [0, 1], got {decay}"
            )
        self.decay = decay
        self._params = dict(named_params)
        self.shadow: dict[str, torch.Tensor] = {
            name: param.detach().clone() for name, param in self._params.items()
        }
        self.num_updates = 0

    @torch.no_grad()
    def update(self) -> None:
        """Move every average towards its parameter's current value."""
        for name, param in self._params.items():
            self.shadow[name].lerp_(param.detach(), 1.0 - self.decay)
        self.num_updates += 1

    @contextmanager
    def swapped_in(self) -> Iterator[None]:
        """Within the context the parameters hold the averages; restored on exit."""
        backup = {name: param.detach().clone() for name, param in self._params.items()}
        try:
            with torch.no_grad():
                for name, param in self._params.items():
                    param.copy_(self.shadow[name])
            yield
        finally:
            with torch.no_grad():
                for name, param in self._params.items():
                    param.copy_(backup[name])

    def state_dict(self) -> dict[str, Any]:
        """The decay, update count and averages (by parameter name)."""
        return {"decay": self.decay, "num_updates": self.num_updates, "shadow": dict(self.shadow)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the averages; every parameter of this EMA must be present."""
        missing = set(self.shadow) - set(state_dict["shadow"])
        if missing:
            raise ValueError(f"dense EMA state lacks parameters {sorted(missing)}")
        with torch.no_grad():
            for name, value in state_dict["shadow"].items():
                if name in self.shadow:
                    self.shadow[name].copy_(value)
        self.decay = float(state_dict["decay"])
        self.num_updates = int(state_dict["num_updates"])
