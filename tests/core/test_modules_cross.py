"""Cross (DCN v1) and CrossV2 (DCN v2) layers against hand values and a numpy loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import fx, nn

from tzrec.modules.cross import Cross, CrossV2


def test_cross_v1_two_layers_by_hand() -> None:
    cross = Cross(2, 2)
    with torch.no_grad():
        cross.kernels.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
        cross.biases.copy_(torch.tensor([[0.5, 0.5], [0.0, -1.0]]))
    x0 = torch.tensor([[1.0, 2.0], [0.0, -1.0]])
    # row 0: x1 = [1,2]*(1) + [.5,.5] + [1,2] = [2.5, 4.5]
    #        x2 = [1,2]*(4.5) + [0,-1] + [2.5,4.5] = [7, 12.5]
    # row 1: x1 = [0,-1]*0 + [.5,.5] + [0,-1] = [.5,-.5]
    #        x2 = [0,-1]*(-.5) + [0,-1] + [.5,-.5] = [.5, -1]
    out = cross(x0)
    assert out.shape == (2, 2) and cross.output_dim() == 2
    torch.testing.assert_close(out, torch.tensor([[7.0, 12.5], [0.5, -1.0]]))


def test_cross_v1_matches_numpy_loop_and_has_2d_params_per_layer() -> None:
    torch.manual_seed(1)
    dim, layers = 5, 3
    cross = Cross(dim, layers)
    with torch.no_grad():
        cross.biases.normal_()
    assert sum(p.numel() for p in cross.parameters()) == 2 * dim * layers
    x0 = torch.randn(4, dim)
    w = cross.kernels.detach().numpy().astype(np.float64)
    b = cross.biases.detach().numpy().astype(np.float64)
    x0n = x0.numpy().astype(np.float64)
    x = x0n.copy()
    for layer in range(layers):
        x = x0n * (x @ w[layer])[:, None] + b[layer] + x
    np.testing.assert_allclose(cross(x0).detach().numpy(), x, rtol=1e-5, atol=1e-5)


def test_cross_v2_low_rank_by_hand() -> None:
    cross = CrossV2(2, 1, low_rank=1)
    v_t, u = _low_rank_pair(cross.layers[0])
    with torch.no_grad():
        v_t.weight.copy_(torch.tensor([[1.0, 1.0]]))
        u.weight.copy_(torch.tensor([[2.0], [0.0]]))
        u.bias.copy_(torch.tensor([0.0, 1.0]))
    # V^T x0 = 3; U*3 + b = [6, 1]; x1 = [1,2]*[6,1] + [1,2] = [7, 4]
    out = cross(torch.tensor([[1.0, 2.0]]))
    torch.testing.assert_close(out, torch.tensor([[7.0, 4.0]]))


def _low_rank_pair(layer: nn.Module) -> tuple[nn.Linear, nn.Linear]:
    """The (V^T, U) Linear layers of a low-rank CrossV2 layer."""
    assert isinstance(layer, nn.Sequential) and len(layer) == 2
    v_t, u = layer[0], layer[1]
    assert isinstance(v_t, nn.Linear) and isinstance(u, nn.Linear)
    return v_t, u


def _weights(layer: nn.Module) -> tuple[np.ndarray, np.ndarray]:
    """(W, b) of a CrossV2 layer, W = U V^T for a low-rank one."""
    if isinstance(layer, nn.Sequential):
        v_t, u = _low_rank_pair(layer)
        w = u.weight.detach().numpy().astype(np.float64) @ v_t.weight.detach().numpy()
        return w, u.bias.detach().numpy().astype(np.float64)
    assert isinstance(layer, nn.Linear)
    return layer.weight.detach().numpy().astype(np.float64), layer.bias.detach().numpy()


@pytest.mark.parametrize("low_rank", [0, 2])
def test_cross_v2_matches_the_matrix_formula(low_rank: int) -> None:
    torch.manual_seed(2)
    dim, layers = 6, 3
    cross = CrossV2(dim, layers, low_rank=low_rank)
    per_layer = dim * dim + dim if low_rank == 0 else 2 * dim * low_rank + dim
    assert sum(p.numel() for p in cross.parameters()) == layers * per_layer
    x0 = torch.randn(5, dim)
    x0n = x0.numpy().astype(np.float64)
    x = x0n.copy()
    for layer in cross.layers:
        w, b = _weights(layer)
        x = x0n * (x @ w.T + b) + x
    out = cross(x0)
    assert out.shape == (5, dim) and cross.output_dim() == dim
    np.testing.assert_allclose(out.detach().numpy(), x, rtol=1e-5, atol=1e-5)


def test_cross_networks_are_fx_traceable() -> None:
    x0 = torch.randn(3, 4)
    for module in (Cross(4, 2), CrossV2(4, 2, low_rank=2)):
        traced = fx.symbolic_trace(module)
        torch.testing.assert_close(traced(x0), module(x0))


@pytest.mark.parametrize(
    "build",
    [lambda: Cross(0, 2), lambda: Cross(4, 0), lambda: CrossV2(4, 0), lambda: CrossV2(4, 2, -1)],
)
def test_bad_sizes_are_rejected(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]
