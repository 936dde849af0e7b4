"""Multi-layer perceptron built from the ``MLP`` config message (protos/module.proto)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tzrec.modules.activation import create_activation
from tzrec.protos import module_pb2


def _dropout_per_layer(dropout_ratio: Sequence[float], num_layers: int) -> list[float]:
    """One dropout ratio per layer from a config's list (empty, one value, or one each)."""
    ratios = [float(r) for r in dropout_ratio]
    if not ratios:
        return [0.0] * num_layers
    if len(ratios) == 1:
        return ratios * num_layers
    if len(ratios) != num_layers:
        raise ValueError(
            f"MLP dropout_ratio has {len(ratios)} values for {num_layers} hidden_units: "
            "give one value per layer or a single value for all"
        )
    for r in ratios:
        if not 0.0 <= r < 1.0:
            raise ValueError(f"MLP dropout_ratio {r} is not in [0, 1)")
    return ratios


class MLP(nn.Module):
    """A stack of ``Linear [-> BatchNorm] [-> LayerNorm] -> activation [-> Dropout]``.

    Args:
        in_features: width of the input (its last dimension).
        hidden_units: output width of each layer.
        dropout_ratio: dropout after each layer: empty (none), one value for all, or
            one value per layer.
        activation: activation name (see :func:`create_activation`); "" for none.
        use_bn: add BatchNorm1d after each Linear.
        use_ln: add LayerNorm after each Linear.
        bias: whether the Linear layers have a bias.
    """

    def __init__(
        self,
        in_features: int,
        hidden_units: Sequence[int],
        dropout_ratio: Sequence[float] = (),
        activation: str | None = "nn.ReLU",
        use_bn: bool = False,
        use_ln: bool = False,
        bias: bool = True,
    ) -> None:
        super().__init__()
        units = [int(u) for u in hidden_units]
        if not units:
            raise ValueError("MLP needs at least one hidden_units value")
        if in_features <= 0 or any(u <= 0 for u in units):
            raise ValueError(f"MLP sizes must be positive: in {in_features}, hidden {units}")
        ratios = _dropout_per_layer(dropout_ratio, len(units))
        self._hidden_units = units
        self.layers = nn.ModuleList()
        width = in_features
        for units_out, ratio in zip(units, ratios, strict=True):
            layer: list[nn.Module] = [nn.Linear(width, units_out, bias=bias)]
            if use_bn:
                layer.append(nn.BatchNorm1d(units_out))
            if use_ln:
                layer.append(nn.LayerNorm(units_out))
            layer.append(create_activation(activation, hidden_size=units_out))
            if ratio > 0:
                layer.append(nn.Dropout(ratio))
            self.layers.append(nn.Sequential(*layer))
            width = units_out

    @classmethod
    def from_config(cls, in_features: int, config: module_pb2.MLP) -> MLP:
        """An MLP as a ``module_pb2.MLP`` message describes it."""
        return cls(
            in_features,
            hidden_units=list(config.hidden_units),
            dropout_ratio=list(config.dropout_ratio),
            activation=config.activation,
            use_bn=config.use_bn,
            use_ln=config.use_ln,
            bias=config.bias,
        )

    def output_dim(self) -> int:
        """Width of the output: the last hidden_units value."""
        return self._hidden_units[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the layers to ``x`` of shape (B, in_features) or (B, L, in_features).

        BatchNorm and Dice normalize over every leading dimension of a 3-D input. The
        input is always viewed as 2-D (free for a 2-D input), so there is no branch on
        its shape and the MLP traces (torch.fx) and scripts for export.
        """
        flat = x.reshape(-1, x.size(-1))
        for layer in self.layers:
            flat = layer(flat)
        return restore_leading_dims(flat, x)


def restore_leading_dims(flat: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``flat`` (N, D) reshaped to ``like``'s leading dimensions and D.

    A leaf of FX tracing (``torch.fx.wrap``): the shape arithmetic runs at call time.
    """
    if like.dim() == 2:
        return flat
    shape = list(like.shape[:-1])
    shape.append(flat.size(-1))
    return flat.reshape(shape)


torch.fx.wrap("restore_leading_dims")
