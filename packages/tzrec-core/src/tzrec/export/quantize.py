"""Quantized embedding tables for export (TorchRec's quant embedding modules).

TorchEasyRec quantizes the EmbeddingBagCollections of an export to INT8 by default
(``QUANT_EMB``; ``QUANT_EC_EMB`` for the EmbeddingCollections of sequence features,
off by default). tzrec exports fp32 tables by default, so that an export scores
exactly like its checkpoint; quantization is asked for with
``quantize_embedding="int8"`` (``--quantize_embedding int8``), or by the same
environment variables when the argument is not given:

- ``QUANT_EMB``: ``INT8`` / ``INT4`` / ``INT2`` / ``FP16`` / ``FP32``, or ``0`` (off);
- ``QUANT_EC_EMB``: the same choices for the EmbeddingCollections.

The quantized modules (``torchrec.quant.EmbeddingBagCollection`` /
``EmbeddingCollection``) store rows in the chosen width with a per-row scale and bias and
dequantize to fp32 in the lookup (FBGEMM's int_nbit kernels, CPU and GPU).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.ao.quantization as quant
from torch import nn
from torchrec.modules.embedding_configs import QuantConfig
from torchrec.modules.embedding_modules import EmbeddingBagCollection, EmbeddingCollection
from torchrec.quant.embedding_modules import (
    EmbeddingBagCollection as QuantEmbeddingBagCollection,
)
from torchrec.quant.embedding_modules import (
    EmbeddingCollection as QuantEmbeddingCollection,
)

#: Names accepted for a quantization, and the torch dtype TorchRec's quant modules take.
QUANT_DTYPES: dict[str, torch.dtype | None] = {
    "none": None,
    "fp32": None,
    "fp16": torch.half,
    "int8": torch.qint8,
    "int4": torch.quint4x2,
    "int2": torch.quint2x4,
}


@dataclass(frozen=True)
class Quantization:
    """What to quantize: pooled tables (EBC) and sequence tables (EC), by dtype name."""

    bags: str = "none"
    sequences: str = "none"

    @property
    def enabled(self) -> bool:
        """Whether any table is quantized."""
        return self.bags != "none" or self.sequences != "none"

    def describe(self) -> str:
        """``none``; ``int8`` (pooled tables); or ``bags int8, sequences int4``."""
        if self.sequences in ("none", self.bags):
            return self.bags
        return f"bags {self.bags}, sequences {self.sequences}"


def _name(value: str, source: str) -> str:
    text = value.strip().lower()
    if text in ("", "0", "false", "off"):
        return "none"
    if text not in QUANT_DTYPES:
        raise ValueError(
            f"{source}: unknown embedding quantization {value!r}; use one of "
            f"{sorted(QUANT_DTYPES)} (or 0 for none)"
        )
    return "none" if QUANT_DTYPES[text] is None else text


def resolve_quantization(quantize_embedding: str | None) -> Quantization:
    """The quantization of an export from the argument, else QUANT_EMB / QUANT_EC_EMB.

    Args:
        quantize_embedding: "none", "int8", ... for the pooled tables; None reads the
            environment (unset: none).

    Raises:
        ValueError: an unknown name (naming where it came from).
    """
    if quantize_embedding is not None:
        bags = _name(quantize_embedding, "quantize_embedding")
    else:
        bags = _name(os.environ.get("QUANT_EMB", ""), "QUANT_EMB")
    sequences = _name(os.environ.get("QUANT_EC_EMB", ""), "QUANT_EC_EMB")
    return Quantization(bags, sequences)


def _swap(model: nn.Module, dtype: torch.dtype, float_cls: type, quant_cls: type) -> None:
    """Replace every ``float_cls`` module of ``model`` by its ``quant_cls`` form."""
    qconfig = QuantConfig(
        activation=quant.PlaceholderObserver.with_args(dtype=torch.float),
        weight=quant.PlaceholderObserver.with_args(dtype=dtype),
    )
    quant.quantize_dynamic(
        model, qconfig_spec={float_cls: qconfig}, mapping={float_cls: quant_cls}, inplace=True
    )


def quantize_model(model: nn.Module, quantization: Quantization) -> nn.Module:
    """``model`` with its embedding collections swapped for quantized ones (in place)."""
    if quantization.bags != "none":
        dtype = QUANT_DTYPES[quantization.bags]
        assert dtype is not None
        _swap(model, dtype, EmbeddingBagCollection, QuantEmbeddingBagCollection)
    if quantization.sequences != "none":
        dtype = QUANT_DTYPES[quantization.sequences]
        assert dtype is not None
        _swap(model, dtype, EmbeddingCollection, QuantEmbeddingCollection)
    return model


def count_float_tables(model: nn.Module) -> int:
    """Float embedding collections left in ``model`` (for checks)."""
    return sum(isinstance(m, EmbeddingBagCollection | EmbeddingCollection) for m in model.modules())
