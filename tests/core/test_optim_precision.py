"""FP16 loss scaling, autocast dtypes and TF32 switches."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from google.protobuf import text_format
from torch import nn

from tzrec.optim import TZRecOptimizer, autocast_context, create_grad_scaler, set_tf32
from tzrec.protos import train_pb2

CPU = torch.device("cpu")


def train_config(text: str) -> train_pb2.TrainConfig:
    return text_format.Parse(
        "sparse_optimizer { adagrad_optimizer {} } dense_optimizer { sgd_optimizer {} } " + text,
        train_pb2.TrainConfig(),
    )


def linear() -> nn.Linear:
    torch.manual_seed(0)
    return nn.Linear(4, 1)


def test_scaler_only_for_fp16_with_grad_scaler() -> None:
    scaler = create_grad_scaler(
        train_config(
            'mixed_precision: "FP16" grad_scaler { init_scale: 8 growth_interval: 3 '
            "backoff_factor: 0.25 }"
        ),
        CPU,
    )
    assert scaler is not None
    assert scaler.get_scale() == 8.0
    assert scaler.get_growth_interval() == 3 and scaler.get_backoff_factor() == 0.25
    assert create_grad_scaler(train_config('mixed_precision: "BF16" grad_scaler {}'), CPU) is None
    assert create_grad_scaler(train_config('mixed_precision: "FP16"'), CPU) is None
    assert create_grad_scaler(train_config(""), CPU) is None
    with pytest.raises(ValueError, match=r"train_config\.mixed_precision 'fp8'"):
        create_grad_scaler(train_config('mixed_precision: "fp8"'), CPU)


def test_backward_scales_the_loss() -> None:
    model = linear()
    x = torch.ones(2, 4)
    model(x).sum().backward()
    assert model.weight.grad is not None
    reference = model.weight.grad.clone()
    model.zero_grad()
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    opt = TZRecOptimizer(None, [torch.optim.SGD(model.parameters(), lr=0.1)], [], 0, scaler)
    opt.backward(model(x).sum())
    torch.testing.assert_close(model.weight.grad, 1024.0 * reference)


def test_inf_gradients_skip_the_step_and_back_off() -> None:
    model = linear()
    before = [p.detach().clone() for p in model.parameters()]
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0, backoff_factor=0.5)
    opt = TZRecOptimizer(None, [torch.optim.SGD(model.parameters(), lr=0.1)], [], 0, scaler)
    opt.backward(model(torch.full((1, 4), float("inf"))).sum())
    assert not opt.step()
    for got, want in zip(model.parameters(), before, strict=True):
        assert torch.equal(got, want)
    assert scaler.get_scale() == 512.0
    assert model.weight.grad is None


def test_fp16_scaled_training_matches_fp32() -> None:
    generator = torch.Generator().manual_seed(3)
    x, y = torch.randn(8, 4, generator=generator), torch.randn(8, 1, generator=generator)

    def train(mixed_precision: str, scaler: torch.amp.GradScaler | None) -> nn.Linear:
        model = linear()
        opt = TZRecOptimizer(None, [torch.optim.SGD(model.parameters(), lr=0.1)], [], 0, scaler)
        for _ in range(3):
            with autocast_context(mixed_precision, CPU):
                loss = nn.functional.mse_loss(model(x).float(), y)
            opt.backward(loss)
            assert opt.step()
        return model

    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**12, growth_interval=2)
    fp16 = train("FP16", scaler)
    fp32 = train("", None)
    assert scaler.get_scale() == 2.0**13  # grew once after two finite steps
    for got, want in zip(fp16.parameters(), fp32.parameters(), strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=5e-3)


@pytest.mark.parametrize(
    ("mixed_precision", "dtype"),
    [("BF16", torch.bfloat16), ("FP16", torch.float16), ("", torch.float32)],
)
def test_autocast_sets_matmul_dtype(mixed_precision: str, dtype: torch.dtype) -> None:
    a, b = torch.randn(2, 3), torch.randn(3, 2)
    with autocast_context(mixed_precision, CPU):
        assert (a @ b).dtype == dtype
    assert (a @ b).dtype == torch.float32


def test_autocast_rejects_unknown_precision() -> None:
    with pytest.raises(ValueError, match="use 'BF16', 'FP16'"):
        autocast_context("bf16", CPU)


@pytest.fixture
def restore_tf32() -> Iterator[None]:
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    yield
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def test_set_tf32(restore_tf32: None) -> None:
    set_tf32(train_config("cudnn_allow_tf32: false cuda_matmul_allow_tf32: true"))
    assert not torch.backends.cudnn.allow_tf32
    assert torch.backends.cuda.matmul.allow_tf32
    set_tf32(train_config(""))  # defaults: cudnn on, matmul off
    assert torch.backends.cudnn.allow_tf32
    assert not torch.backends.cuda.matmul.allow_tf32


def test_fp16_scaler_refuses_scale_sensitive_sparse_optimizers() -> None:
    import pytest
    import torch
    from google.protobuf import text_format

    from tzrec.optim.precision import create_grad_scaler
    from tzrec.protos import train_pb2

    def config(sparse: str) -> train_pb2.TrainConfig:
        return text_format.Parse(
            f"sparse_optimizer {{ {sparse} }} dense_optimizer {{ adam_optimizer {{}} }} "
            'mixed_precision: "FP16" grad_scaler {}',
            train_pb2.TrainConfig(),
        )

    with pytest.raises(ValueError, match="sgd_optimizer cannot be used with mixed_precision FP16"):
        create_grad_scaler(config("sgd_optimizer { lr: 0.1 }"), torch.device("cpu"))
    with pytest.raises(ValueError, match="gradient_clipping cannot be used with grad_scaler"):
        create_grad_scaler(
            config("adagrad_optimizer { gradient_clipping: true }"), torch.device("cpu")
        )
    assert create_grad_scaler(config("adagrad_optimizer {}"), torch.device("cpu")) is not None
