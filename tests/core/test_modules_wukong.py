"""WuKong's FM block, linear compress block and layer against hand values and loops."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from google.protobuf import text_format
from torch import nn

from tzrec.modules.wukong import (
    FactorizationMachineBlock,
    LinearCompressBlock,
    WuKongLayer,
)
from tzrec.protos import module_pb2


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy().astype(np.float64)


def _layer_norm(x: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)


def _mlp(units: list[int]) -> module_pb2.MLP:
    return module_pb2.MLP(hidden_units=units)


def test_fm_interaction_by_hand() -> None:
    """X = [[1, 0], [0, 2], [1, 1]]: X X^T = [[1, 0, 1], [0, 4, 2], [1, 2, 2]]; Y = [1, 0, 1]."""
    block = FactorizationMachineBlock(3, 2, 1, 1, _mlp([2]))
    with torch.no_grad():
        block.compress.weight.copy_(torch.tensor([[1.0, 0.0, 1.0]]))
    x = torch.tensor([[[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]])
    np.testing.assert_allclose(_np(block.interaction(x)), [[[2.0], [2.0], [3.0]]])


def _interaction_loop(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """out[b, i, c] = sum_j <x_bi, x_bj> * y[j, c], by explicit loops."""
    batch, n, _ = x.shape
    out = np.zeros((batch, n, y.shape[1]))
    for b in range(batch):
        for i in range(n):
            for c in range(y.shape[1]):
                out[b, i, c] = sum(float(x[b, i] @ x[b, j]) * y[j, c] for j in range(n))
    return out


def _fmb_reference(block: FactorizationMachineBlock, x: np.ndarray) -> np.ndarray:
    y = _np(block.compress.weight).T  # (N, k)
    flat = _interaction_loop(x, y).reshape(x.shape[0], -1)
    hidden = _layer_norm(flat)
    for linear in block.mlp.modules():
        if not isinstance(linear, nn.Linear):
            continue
        hidden = np.maximum(hidden @ _np(linear.weight).T + _np(linear.bias), 0.0)
    out = hidden @ _np(block.out.weight).T + _np(block.out.bias)
    return out.reshape(x.shape[0], -1, x.shape[2])


def test_fm_block_matches_loop_reference() -> None:
    torch.manual_seed(0)
    block = FactorizationMachineBlock(4, 3, 2, 5, _mlp([6, 4]))
    x = torch.randn(2, 4, 3)
    out = block(x)
    assert out.shape == (2, 5, 3)
    np.testing.assert_allclose(_np(out), _fmb_reference(block, _np(x)), rtol=1e-4, atol=1e-5)


def test_linear_compress_recombines_features_per_dimension() -> None:
    lcb = LinearCompressBlock(3, 2)
    with torch.no_grad():
        lcb.linear.weight.copy_(torch.tensor([[1.0, 1.0, 0.0], [0.0, 2.0, -1.0]]))
    x = torch.tensor([[[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]])
    # row 0: x0 + x1 = [1, 2]; row 1: 2 x1 - x2 = [-1, 3]
    np.testing.assert_allclose(_np(lcb(x)), [[[1.0, 2.0], [-1.0, 3.0]]])


def _layer_config(lcb: int, fmb: int, k: int) -> module_pb2.WuKongLayer:
    return text_format.Parse(
        f"lcb_feature_num: {lcb} fmb_feature_num: {fmb} compressed_feature_num: {k} "
        "feature_num_mlp { hidden_units: [8] }",
        module_pb2.WuKongLayer(),
    )


@pytest.mark.parametrize(("lcb", "fmb"), [(2, 3), (3, 4)])
def test_layer_is_layernorm_of_fmb_lcb_and_residual(lcb: int, fmb: int) -> None:
    """N = 5 in; N' = 5 keeps X as the residual, N' = 7 projects it."""
    torch.manual_seed(3)
    layer = WuKongLayer(5, 4, _layer_config(lcb, fmb, 2))
    x = torch.randn(3, 5, 4)
    xn = _np(x)
    lcb_w = _np(layer.lcb.linear.weight)
    lcb_out = np.einsum("mn,bnd->bmd", lcb_w, xn)
    if lcb + fmb == 5:
        assert layer.residual is None
        residual = xn
    else:
        assert layer.residual is not None
        residual = np.einsum("mn,bnd->bmd", _np(layer.residual.linear.weight), xn)
    mixed = np.concatenate([_fmb_reference(layer.fmb, xn), lcb_out], axis=1)
    expected = _layer_norm(mixed + residual)
    out = layer(x)
    assert out.shape == (3, lcb + fmb, 4) and layer.output_feature_num() == lcb + fmb
    np.testing.assert_allclose(_np(out), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            "fmb_feature_num: 2 compressed_feature_num: 2 feature_num_mlp { hidden_units: 4 }",
            "lcb_feature_num",
        ),
        (
            "lcb_feature_num: 2 compressed_feature_num: 2 feature_num_mlp { hidden_units: 4 }",
            "fmb_feature_num",
        ),
        (
            "lcb_feature_num: 2 fmb_feature_num: 2 feature_num_mlp { hidden_units: 4 }",
            "compressed_feature_num",
        ),
        ("lcb_feature_num: 2 fmb_feature_num: 2 compressed_feature_num: 2", "feature_num_mlp"),
    ],
)
def test_missing_layer_fields_are_named(text: str, field: str) -> None:
    config = text_format.Parse(text, module_pb2.WuKongLayer())
    with pytest.raises(ValueError, match=rf"wukong_layers\[1\]\.{field}"):
        WuKongLayer(4, 3, config, "wukong_layers[1]")
