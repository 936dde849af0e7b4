"""Dense gradient clipping, hand-checked."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tzrec.optim import TZRecOptimizer, clip_dense_gradients
from tzrec.protos import train_pb2


def params_with_grads() -> list[nn.Parameter]:
    first, second = nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(1))
    first.grad = torch.tensor([3.0, 4.0])
    second.grad = torch.tensor([-12.0])
    return [first, second]


def test_norm_clipping_scales_to_max_norm() -> None:
    params = params_with_grads()
    cfg = train_pb2.GradClipping(clipping_type="norm", max_gradient=6.5)
    norm = clip_dense_gradients(params, cfg)
    assert norm is not None and norm.item() == pytest.approx(13.0)  # sqrt(9 + 16 + 144)
    torch.testing.assert_close(params[0].grad, torch.tensor([1.5, 2.0]))
    torch.testing.assert_close(params[1].grad, torch.tensor([-6.0]))


def test_inf_norm_clipping() -> None:
    params = params_with_grads()
    cfg = train_pb2.GradClipping(clipping_type="norm", max_gradient=3.0, norm_type=float("inf"))
    norm = clip_dense_gradients(params, cfg)
    assert norm is not None and norm.item() == pytest.approx(12.0)
    torch.testing.assert_close(params[0].grad, torch.tensor([0.75, 1.0]))
    torch.testing.assert_close(params[1].grad, torch.tensor([-3.0]))


def test_value_clipping_and_none() -> None:
    params = params_with_grads()
    assert clip_dense_gradients(params, train_pb2.GradClipping(clipping_type="none")) is None
    assert clip_dense_gradients(params, None) is None
    torch.testing.assert_close(params[1].grad, torch.tensor([-12.0]))
    clip_dense_gradients(params, train_pb2.GradClipping(clipping_type="value", max_gradient=3.5))
    torch.testing.assert_close(params[0].grad, torch.tensor([3.0, 3.5]))
    torch.testing.assert_close(params[1].grad, torch.tensor([-3.5]))


def test_unknown_clipping_type_names_the_field() -> None:
    with pytest.raises(ValueError, match=r"train_config\.grad_clipping\.clipping_type 'l2'"):
        TZRecOptimizer(None, [], [], grad_clipping=train_pb2.GradClipping(clipping_type="l2"))


def test_clipping_sees_unscaled_gradients_in_the_update() -> None:
    # Gradient of w . [3, 4] is [3, 4] (norm 5); scaled by 1024 in backward, unscaled
    # before clipping to norm 1 -> SGD(lr=1) moves w by -[0.6, 0.8].
    weight = nn.Parameter(torch.zeros(2))
    opt = TZRecOptimizer(
        None,
        [torch.optim.SGD([weight], lr=1.0)],
        [],
        grad_scaler=torch.amp.GradScaler("cpu", init_scale=1024.0),
        grad_clipping=train_pb2.GradClipping(clipping_type="norm", max_gradient=1.0),
    )
    opt.backward((weight * torch.tensor([3.0, 4.0])).sum())
    assert opt.step()
    torch.testing.assert_close(weight.detach(), torch.tensor([-0.6, -0.8]))
    assert opt.last_grad_norm is not None and opt.last_grad_norm.item() == pytest.approx(5.0)
