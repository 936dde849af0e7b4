"""CIN (xDeepFM) against hand values and an explicit loop over W^k[h, i, j]."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import fx, nn

from tzrec.modules.cin import CIN


def _convs(cin: CIN) -> list[nn.Conv1d]:
    convs = [conv for conv in cin.convs if isinstance(conv, nn.Conv1d)]
    assert len(convs) == len(cin.convs)
    return convs


def _set_weights(cin: CIN, weights: list[list[list[float]]]) -> None:
    """Layer k's conv weight from rows h of flattened (i * m + j) coefficients."""
    with torch.no_grad():
        for conv, w in zip(_convs(cin), weights, strict=True):
            conv.weight.copy_(torch.tensor(w).unsqueeze(-1))


def test_two_layers_by_hand() -> None:
    cin = CIN(2, [1, 1])
    # X^0 = [[1,2],[3,4]]; products (i,j): (0,0)=[1,4] (0,1)=[3,8] (1,0)=[3,8] (1,1)=[9,16]
    # layer 1 weights [1,0,0,1]: X^1 = [10, 20] -> pooled 30
    # layer 2: X^1*X^0_0 = [10,40], X^1*X^0_1 = [30,80]; weights [1,1]: [40,120] -> 160
    _set_weights(cin, [[[1.0, 0.0, 0.0, 1.0]], [[1.0, 1.0]]])
    out = cin(torch.tensor([[[1.0, 2.0], [3.0, 4.0]]]))
    assert out.shape == (1, 2) and cin.output_dim() == 2
    torch.testing.assert_close(out, torch.tensor([[30.0, 160.0]]))


def test_feature_maps_weight_each_field_pair_by_hand() -> None:
    cin = CIN(2, [2])
    # map 0: [0,1,-1,.5] -> [3-3+4.5, 8-8+8] = [4.5, 8] -> 12.5; map 1: (1,1) only -> 25
    _set_weights(cin, [[[0.0, 1.0, -1.0, 0.5], [0.0, 0.0, 0.0, 1.0]]])
    out = cin(torch.tensor([[[1.0, 2.0], [3.0, 4.0]]]))
    torch.testing.assert_close(out, torch.tensor([[12.5, 25.0]]))


def test_matches_a_loop_over_the_formula() -> None:
    torch.manual_seed(0)
    batch, fields, dim, sizes = 3, 4, 5, [3, 2]
    cin = CIN(fields, sizes)
    x0 = torch.randn(batch, fields, dim)
    x0n = x0.numpy().astype(np.float64)
    hidden = x0n
    pooled = []
    for conv in _convs(cin):
        w = conv.weight.detach().numpy().astype(np.float64)[:, :, 0]
        size, previous = w.shape[0], hidden.shape[1]
        nxt = np.zeros((batch, size, dim))
        for b in range(batch):
            for h in range(size):
                for i in range(previous):
                    for j in range(fields):
                        nxt[b, h] += w[h, i * fields + j] * hidden[b, i] * x0n[b, j]
        hidden = nxt
        pooled.append(hidden.sum(axis=2))
    expected = np.concatenate(pooled, axis=1)
    out = cin(x0)
    assert out.shape == (batch, sum(sizes))
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-5)


def test_conv_sizes_and_fx_trace() -> None:
    cin = CIN(3, [4, 2])
    assert [tuple(c.weight.shape) for c in _convs(cin)] == [(4, 9, 1), (2, 12, 1)]
    x0 = torch.randn(2, 3, 8)
    traced = fx.symbolic_trace(cin)
    torch.testing.assert_close(traced(x0), cin(x0))


@pytest.mark.parametrize("fields,sizes", [(0, [2]), (3, []), (3, [2, 0])])
def test_bad_sizes_are_rejected(fields: int, sizes: list[int]) -> None:
    with pytest.raises(ValueError):
        CIN(fields, sizes)
