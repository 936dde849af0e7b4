"""DotInteraction (DLRM): upper-triangle inner products, checked by hand and by a loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import fx

from tzrec.modules.interaction import DotInteraction

# Two rows of three 2-d vectors each.
VECTORS = torch.tensor(
    [
        [[1.0, 2.0], [3.0, 4.0], [0.0, 1.0]],
        [[-1.0, 0.5], [2.0, 2.0], [1.0, -3.0]],
    ]
)


def test_pairs_without_self_interaction_by_hand() -> None:
    # row 0: (0,1) 1*3+2*4=11, (0,2) 2, (1,2) 4; row 1: (0,1) -2+1=-1, (0,2) -1-1.5=-2.5,
    # (1,2) 2-6=-4
    out = DotInteraction(3)(VECTORS)
    assert out.shape == (2, 3)
    torch.testing.assert_close(out, torch.tensor([[11.0, 2.0, 4.0], [-1.0, -2.5, -4.0]]))


def test_self_interaction_keeps_the_diagonal_by_hand() -> None:
    module = DotInteraction(3, self_interaction=True)
    assert module.output_dim() == 6
    out = module(VECTORS)
    # order (0,0) (0,1) (0,2) (1,1) (1,2) (2,2)
    expected = torch.tensor([[5.0, 11.0, 2.0, 25.0, 4.0, 1.0], [1.25, -1.0, -2.5, 8.0, -4.0, 10.0]])
    torch.testing.assert_close(out, expected)


@pytest.mark.parametrize("self_interaction", [False, True])
def test_matches_a_pairwise_loop(self_interaction: bool) -> None:
    torch.manual_seed(0)
    num, dim = 6, 5
    x = torch.randn(4, num, dim)
    module = DotInteraction(num, self_interaction=self_interaction)
    xn = x.numpy().astype(np.float64)
    start = 0 if self_interaction else 1
    expected = np.array(
        [[xn[b, i] @ xn[b, j] for i in range(num) for j in range(i + start, num)] for b in range(4)]
    )
    count = num * (num - 1) // 2 + (num if self_interaction else 0)
    assert module.output_dim() == count == expected.shape[1]
    np.testing.assert_allclose(module(x).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_gradient_flows_to_every_vector() -> None:
    x = VECTORS.clone().requires_grad_(True)
    DotInteraction(3)(x).sum().backward()
    assert x.grad is not None
    # d/dx_i of sum_{i<j} x_i.x_j = sum_{j != i} x_j
    expected = VECTORS.sum(dim=1, keepdim=True) - VECTORS
    torch.testing.assert_close(x.grad, expected)


def test_fx_traceable_and_indices_not_in_state_dict() -> None:
    module = DotInteraction(3)
    traced = fx.symbolic_trace(module)
    torch.testing.assert_close(traced(VECTORS), module(VECTORS))
    assert dict(module.state_dict()) == {}


def test_one_vector_has_nothing_to_interact() -> None:
    with pytest.raises(ValueError, match="1 vector"):
        DotInteraction(1)
    assert DotInteraction(1, self_interaction=True).output_dim() == 1
