"""TZRecOptimizer: gradient accumulation, schedules/EMA per update, resume."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from tzrec.optim import DenseEMA, TZRecOptimizer, create_schedulers
from tzrec.protos import optimizer_pb2

MICRO = 4
BATCH = 3


def mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 1))


def data(cycles: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    rows = cycles * MICRO * BATCH
    return torch.randn(rows, 5, generator=generator), torch.randn(rows, 1, generator=generator)


def make_optimizer(kind: str, model: nn.Module) -> torch.optim.Optimizer:
    if kind == "sgd":
        return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    return torch.optim.Adam(model.parameters(), lr=0.01)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_accumulating_micro_batches_equals_one_big_batch(kind: str) -> None:
    cycles = 2
    x, y = data(cycles)

    accumulated = mlp()
    opt = TZRecOptimizer(None, [make_optimizer(kind, accumulated)], [], MICRO)
    updates = []
    for micro_x, micro_y in zip(x.split(BATCH), y.split(BATCH), strict=True):
        opt.backward(nn.functional.mse_loss(accumulated(micro_x), micro_y))
        updates.append(opt.step())
    assert updates == [False, False, False, True] * cycles

    reference = mlp()
    ref_opt = TZRecOptimizer(None, [make_optimizer(kind, reference)], [], 0)
    for big_x, big_y in zip(x.split(BATCH * MICRO), y.split(BATCH * MICRO), strict=True):
        ref_opt.backward(nn.functional.mse_loss(reference(big_x), big_y))
        assert ref_opt.step()

    for got, want in zip(accumulated.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)


def test_schedulers_and_ema_advance_once_per_update() -> None:
    param = nn.Parameter(torch.zeros(1))
    dense = torch.optim.SGD([param], lr=1.0)
    lr_cfg = optimizer_pb2.ManualStepLR(schedule_sizes=[1], learning_rates=[0.5])
    scheduler = create_schedulers(dense, lr_cfg, None)
    ema = DenseEMA([("param", param)], decay=0.5)
    opt = TZRecOptimizer(None, [dense], [scheduler], gradient_accumulation_steps=2, ema=ema)

    opt.backward(-param.sum())  # gradient -1 / 2 per micro-step
    assert not opt.step()
    assert opt.current_lrs() == {"dense": 1.0} and ema.num_updates == 0
    opt.backward(-param.sum())
    assert opt.step()
    # gradient -1 in total, lr 1 -> param 1; ema 0.5 * 0 + 0.5 * 1.
    assert param.item() == pytest.approx(1.0)
    assert ema.shadow["param"].item() == pytest.approx(0.5)
    assert opt.current_lrs() == {"dense": 0.5}
    assert param.grad is None


def test_state_dict_resumes_to_the_same_parameters() -> None:
    x, y = data(3)
    micro_batches = list(zip(x.split(BATCH), y.split(BATCH), strict=True))
    lr_cfg = optimizer_pb2.ExponentialDecayLR(decay_size=[1], decay_factor=0.5)

    def build(model: nn.Module) -> TZRecOptimizer:
        dense = torch.optim.Adam(model.parameters(), lr=0.01)
        return TZRecOptimizer(
            None,
            [dense],
            [create_schedulers(dense, lr_cfg, None)],
            gradient_accumulation_steps=MICRO,
            grad_scaler=torch.amp.GradScaler("cpu", init_scale=256.0),
            ema=DenseEMA(list(model.named_parameters()), decay=0.9),
        )

    def train(model: nn.Module, opt: TZRecOptimizer, batches: list) -> None:
        for micro_x, micro_y in batches:
            opt.backward(nn.functional.mse_loss(model(micro_x), micro_y))
            opt.step()

    model = mlp()
    opt = build(model)
    train(model, opt, micro_batches[: 2 * MICRO + 1])  # stop mid-cycle
    saved_model = copy.deepcopy(model.state_dict())
    saved_opt = copy.deepcopy(opt.state_dict())
    assert saved_opt["micro_step"] == 1
    train(model, opt, micro_batches[2 * MICRO + 1 :])

    resumed_model = mlp()
    resumed_model.load_state_dict(saved_model)
    resumed = build(resumed_model)
    resumed.load_state_dict(saved_opt)
    assert resumed.current_lrs() == pytest.approx({"dense": 0.01 * 0.25})
    # The lost partial cycle is replayed from its first micro-batch.
    resumed.zero_grad()
    train(resumed_model, resumed, micro_batches[2 * MICRO :])
    for got, want in zip(resumed_model.parameters(), model.parameters(), strict=True):
        torch.testing.assert_close(got, want)
    assert resumed.grad_scaler is not None and opt.grad_scaler is not None
    assert resumed.grad_scaler.get_scale() == opt.grad_scaler.get_scale()
    assert resumed.ema is not None and opt.ema is not None
    assert resumed.ema.num_updates == opt.ema.num_updates == 3
    assert resumed.current_lrs() == pytest.approx(opt.current_lrs())


def test_negative_accumulation_steps_is_rejected() -> None:
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        TZRecOptimizer(None, [], [], gradient_accumulation_steps=-1)


def test_on_epoch_end_advances_by_epoch_schedules_only() -> None:
    per_epoch, per_step = (torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0) for _ in "ab")
    decay = optimizer_pb2.ExponentialDecayLR(decay_size=[1], decay_factor=0.5, by_epoch=True)
    stepwise = optimizer_pb2.ExponentialDecayLR(decay_size=[1], decay_factor=0.5)
    opt = TZRecOptimizer(
        None,
        [per_epoch, per_step],
        [create_schedulers(per_epoch, decay, None), create_schedulers(per_step, stepwise, None)],
    )
    opt.on_epoch_end()
    assert opt.current_lrs() == pytest.approx({"dense": 0.5, "part_0": 1.0})
