"""Build a ranking loss from its ``LossConfig``, checking it fits the head's num_class."""

from __future__ import annotations

from collections.abc import Callable

from tzrec.losses.base import RankLoss
from tzrec.losses.classification import (
    BinaryCrossEntropyLoss,
    BinaryFocalLoss,
    SoftmaxCrossEntropyLoss,
)
from tzrec.losses.jrc import JRCLoss
from tzrec.losses.regression import L2Loss
from tzrec.protos import loss_pb2
from tzrec.utils.config_errors import ConfigError

# The num_class values each ranking loss accepts, in words for error messages.
_NUM_CLASS_RULES: dict[str, tuple[str, Callable[[int], bool]]] = {
    "binary_cross_entropy": ("1 or 2", lambda n: n in (1, 2)),
    "binary_focal_loss": ("1", lambda n: n == 1),
    "softmax_cross_entropy": ("> 1", lambda n: n > 1),
    "l2_loss": ("1", lambda n: n == 1),
    "jrc_loss": ("2", lambda n: n == 2),
}

_SEMANTIC_ID_LOSSES = ("recon_loss", "commitment_loss", "contrastive_loss")


def loss_name(cfg: loss_pb2.LossConfig) -> str:
    """The name of the configured loss: its ``LossConfig`` oneof field, e.g. ``"l2_loss"``.

    Raises:
        ConfigError: when no loss is set in the ``LossConfig``.
    """
    name = cfg.WhichOneof("loss")
    if name is None:
        raise ConfigError("a losses entry sets no loss (e.g. binary_cross_entropy {})")
    return name


def _check_fraction(value: float, field: str, *, closed_top: bool) -> None:
    top_ok = value <= 1.0 if closed_top else value < 1.0
    if not (0.0 <= value and top_ok):
        bound = "[0, 1]" if closed_top else "[0, 1)"
        raise ConfigError(f"{field} must be in {bound}, got {value}")


def create_loss(cfg: loss_pb2.LossConfig, num_class: int) -> RankLoss:
    """Build the ranking loss ``cfg`` describes for a head with ``num_class`` outputs.

    Args:
        cfg: one ``losses`` entry of a model or task tower.
        num_class: the head's number of outputs (1 for binary/regression heads).

    Returns:
        The loss module.

    Raises:
        ConfigError: unset or non-ranking loss, a num_class the loss does not support,
            or a parameter out of range.
    """
    name = loss_name(cfg)
    if name in _SEMANTIC_ID_LOSSES:
        raise ConfigError(f"loss '{name}' belongs to semantic-id models, not to a ranking head")
    allowed, accepts = _NUM_CLASS_RULES[name]
    if not accepts(num_class):
        raise ConfigError(f"loss '{name}' needs num_class {allowed}, got num_class {num_class}")
    if name == "binary_cross_entropy":
        smoothing = cfg.binary_cross_entropy.label_smoothing
        _check_fraction(smoothing, "binary_cross_entropy.label_smoothing", closed_top=False)
        return BinaryCrossEntropyLoss(label_smoothing=smoothing)
    if name == "binary_focal_loss":
        focal = cfg.binary_focal_loss
        if focal.gamma < 0:
            raise ConfigError(f"binary_focal_loss.gamma must be >= 0, got {focal.gamma}")
        _check_fraction(focal.alpha, "binary_focal_loss.alpha", closed_top=True)
        return BinaryFocalLoss(gamma=focal.gamma, alpha=focal.alpha)
    if name == "softmax_cross_entropy":
        smoothing = cfg.softmax_cross_entropy.label_smoothing
        _check_fraction(smoothing, "softmax_cross_entropy.label_smoothing", closed_top=False)
        return SoftmaxCrossEntropyLoss(label_smoothing=smoothing)
    if name == "l2_loss":
        return L2Loss()
    jrc = cfg.jrc_loss
    if not jrc.session_name:
        raise ConfigError("jrc_loss.session_name must name the session id column")
    _check_fraction(jrc.alpha, "jrc_loss.alpha", closed_top=True)
    return JRCLoss(session_name=jrc.session_name, alpha=jrc.alpha)
