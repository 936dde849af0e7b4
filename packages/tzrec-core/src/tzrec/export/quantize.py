"""Embedding tables of an export: TorchRec's fused inference modules, fp32 or quantized.

Every export swaps the EmbeddingBagCollections (pooled features) and
EmbeddingCollections (sequence features) for TorchRec's inference modules
(``torchrec.quant.EmbeddingBagCollection`` / ``EmbeddingCollection``): one FBGEMM
table-batched lookup over all tables (``int_nbit_split_embedding_codegen_lookup_function``,
CPU and GPU) instead of one lookup per table. With the default storage, ``fp32``, the
rows are the checkpoint's exactly and so are the scores; on the Criteo-shaped DeepFM
(26 tables of 100k x 16, 8192 rows) the fused lookup took 15 ms against 66-400 ms for the
per-table modules.

TorchEasyRec quantizes the pooled tables to INT8 by default (``QUANT_EMB``;
``QUANT_EC_EMB`` for the sequence tables, off by default). tzrec keeps fp32 by default,
so that an export scores exactly like its checkpoint; quantization is asked for with
``quantize_embedding="int8"`` (``--quantize_embedding int8``), or by the same
environment variables when the argument is not given:

- ``QUANT_EMB``: ``INT8`` / ``INT4`` / ``INT2`` / ``FP16`` / ``FP32``, or ``0`` (fp32);
- ``QUANT_EC_EMB``: the same choices for the EmbeddingCollections.

Quantized rows are stored in the chosen width with a per-row scale and bias and
dequantized to fp32 in the lookup.
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
QUANT_DTYPES: dict[str, torch.dtype] = {
    "fp32": torch.float,
    "fp16": torch.half,
    "int8": torch.qint8,
    "int4": torch.quint4x2,
    "int2": torch.quint2x4,
}


@dataclass(frozen=True)
class Quantization:
    """Storage of the pooled tables (EBC) and sequence tables (EC), by dtype name."""

    bags: str = "fp32"
    sequences: str = "fp32"

    @property
    def enabled(self) -> bool:
        """Whether any table is stored in less than fp32 (scores then change a little)."""
        return self.bags != "fp32" or self.sequences != "fp32"

    def describe(self) -> str:
        """``fp32``; ``int8`` (pooled tables); or ``bags int8, sequences int4``."""
        if self.sequences in ("fp32", self.bags):
            return self.bags
        return f"bags {self.bags}, sequences {self.sequences}"


def _name(value: str, source: str) -> str:
    text = value.strip().lower()
    if text in ("", "0", "false", "off", "none"):
        return "fp32"
    if text not in QUANT_DTYPES:
        raise ValueError(
            f"{source}: unknown embedding quantization {value!r}; use one of "
            f"{sorted(QUANT_DTYPES)} (or none / 0 for fp32)"
        )
    return text


def resolve_quantization(quantize_embedding: str | None) -> Quantization:
    """The quantization of an export from the argument, else QUANT_EMB / QUANT_EC_EMB.

    Args:
        quantize_embedding: "fp32" (or "none"), "int8", ... for the pooled tables; None
            reads the environment (unset: fp32).

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
    """``model`` with its embedding collections swapped for inference ones (in place)."""
    _swap(
        model, QUANT_DTYPES[quantization.bags], EmbeddingBagCollection, QuantEmbeddingBagCollection
    )
    _swap(
        model,
        QUANT_DTYPES[quantization.sequences],
        EmbeddingCollection,
        QuantEmbeddingCollection,
    )
    return model
