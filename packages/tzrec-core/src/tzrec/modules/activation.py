"""Activation layers named in configs (``"nn.ReLU"``, ``"nn.PReLU"``, ``"Dice"``...).

A name is looked up, never evaluated: ``nn.<Class>`` (or ``torch.nn.<Class>``) must be a
``torch.nn.Module`` subclass in :mod:`torch.nn`; literal keyword arguments may follow in
parentheses (``"nn.LeakyReLU(negative_slope=0.2)"``). ``"Dice"`` is DIN's data-adaptive
activation, and an empty name means no activation.
"""

from __future__ import annotations

import ast
from typing import Any

import torch
from torch import nn


class Dice(nn.Module):
    """Dice activation (DIN, arXiv 1706.06978): ``p * x + (1 - p) * alpha * x``.

    ``p = sigmoid(BatchNorm(x))`` with a normalization that has no affine parameters, and
    ``alpha`` is learned per feature. Works on (B, D) and on (B, L, D) inputs (the
    statistics are taken over every leading dimension).

    Args:
        hidden_size: size D of the last dimension.
        eps: BatchNorm epsilon.
    """

    def __init__(self, hidden_size: int, eps: float = 1e-9) -> None:
        super().__init__()
        self.bn = nn.BatchNorm1d(hidden_size, eps=eps, affine=False)
        self.alpha = nn.Parameter(torch.zeros(hidden_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply Dice to ``x`` of shape (..., hidden_size)."""
        flat = x.reshape(-1, x.shape[-1])
        p = torch.sigmoid(self.bn(flat)).reshape(x.shape)
        return p * x + (1.0 - p) * self.alpha * x


_PREFIXES = ("torch.nn.", "nn.")


def _parse(name: str) -> tuple[str, dict[str, Any]]:
    """Split ``"nn.X(k=v)"`` into the class name and literal keyword arguments."""
    try:
        node = ast.parse(name, mode="eval").body
    except SyntaxError as e:
        raise ValueError(f"cannot parse activation '{name}': {e.msg}") from e
    kwargs: dict[str, Any] = {}
    if isinstance(node, ast.Call):
        if node.args:
            raise ValueError(
                f"activation '{name}': give arguments by name, e.g. nn.PReLU(init=0.1)"
            )
        try:
            kwargs = {str(kw.arg): ast.literal_eval(kw.value) for kw in node.keywords}
        except ValueError as e:
            raise ValueError(f"activation '{name}': arguments must be literals") from e
        node = node.func
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise ValueError(f"cannot parse activation '{name}'")
    parts.append(node.id)
    return ".".join(reversed(parts)), kwargs


def create_activation(name: str | None, hidden_size: int | None = None) -> nn.Module:
    """The activation module a config names.

    Args:
        name: ``"nn.ReLU"``-style name (optionally with literal kwargs), ``"Dice"``, or
            empty / None for the identity.
        hidden_size: the width of the activation's input; needed by ``Dice``, and used as
            ``num_parameters`` of ``nn.PReLU`` when given.

    Returns:
        a new module.

    Raises:
        ValueError: an unknown name, or Dice without hidden_size.
    """
    text = (name or "").strip()
    if not text:
        return nn.Identity()
    qualified, kwargs = _parse(text)
    if qualified == "Dice":
        if hidden_size is None:
            raise ValueError("activation 'Dice' needs the layer width (hidden_size)")
        return Dice(hidden_size, **kwargs)
    cls_name = qualified
    for prefix in _PREFIXES:
        if qualified.startswith(prefix):
            cls_name = qualified[len(prefix) :]
            break
    else:
        raise ValueError(
            f"unknown activation '{text}': use a torch.nn class such as 'nn.ReLU', or 'Dice'"
        )
    cls = getattr(nn, cls_name, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise ValueError(f"unknown activation '{text}': torch.nn has no module '{cls_name}'")
    if cls is nn.PReLU and hidden_size is not None and "num_parameters" not in kwargs:
        kwargs["num_parameters"] = hidden_size
    module: nn.Module = cls(**kwargs)
    return module
