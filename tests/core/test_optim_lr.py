"""Learning-rate schedules against hand-computed values."""

from __future__ import annotations

import pytest
import torch
from google.protobuf import text_format
from torch import nn

from tzrec.optim import BaseLR, create_schedulers
from tzrec.protos import optimizer_pb2


def sgd(*lrs: float) -> torch.optim.SGD:
    return torch.optim.SGD([{"params": [nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs])


def schedule(text: str, *lrs: float, steps_per_epoch: int | None = None) -> BaseLR:
    cfg = text_format.Parse(text, optimizer_pb2.DenseOptimizer())
    return create_schedulers(sgd(*(lrs or (1.0,))), cfg, steps_per_epoch)


def lrs_over_steps(scheduler: BaseLR, steps: int) -> list[float]:
    seen = [scheduler.get_last_lr()[0]]
    for _ in range(steps):
        scheduler.step()
        seen.append(scheduler.optimizer.param_groups[0]["lr"])
    return seen


def test_constant_when_unset_or_constant() -> None:
    assert lrs_over_steps(schedule("sgd_optimizer {}", 0.3), 3) == pytest.approx([0.3] * 4)
    text = "sgd_optimizer {} constant_learning_rate {}"
    assert lrs_over_steps(schedule(text, 0.3), 2) == pytest.approx([0.3] * 3)


def test_exponential_decay_staircase_and_continuous() -> None:
    stairs = schedule("exponential_decay_learning_rate { decay_size: 2 decay_factor: 0.5 }")
    assert lrs_over_steps(stairs, 5) == pytest.approx([1, 1, 0.5, 0.5, 0.25, 0.25])
    smooth = schedule(
        "exponential_decay_learning_rate { decay_size: 2 decay_factor: 0.25 staircase: false }"
    )
    assert lrs_over_steps(smooth, 3) == pytest.approx([1, 0.5, 0.25, 0.125])


def test_exponential_decay_warmup_then_decay_from_warmup_end() -> None:
    text = (
        "exponential_decay_learning_rate { decay_size: 2 decay_factor: 0.5 "
        "warmup_learning_rate: 0.2 warmup_size: 4 }"
    )
    # 0.2 + (1 - 0.2) * t / 4 for t < 4, then 0.5 ** floor((t - 4) / 2).
    assert lrs_over_steps(schedule(text), 7) == pytest.approx(
        [0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 0.5, 0.5]
    )


def test_exponential_decay_min_learning_rate() -> None:
    text = (
        "exponential_decay_learning_rate { decay_size: 1 decay_factor: 0.1 "
        "min_learning_rate: 0.05 }"
    )
    assert lrs_over_steps(schedule(text, 2.0), 3) == pytest.approx([2.0, 0.2, 0.05, 0.05])


def test_exponential_decay_with_learning_rates_is_manual_steps() -> None:
    text = "exponential_decay_learning_rate { decay_size: [2, 4] learning_rates: [0.5, 0.1] }"
    assert lrs_over_steps(schedule(text), 5) == pytest.approx([1, 1, 0.5, 0.5, 0.1, 0.1])


def test_manual_step_with_and_without_warmup() -> None:
    plain = "manual_step_learning_rate { schedule_sizes: [2, 3] learning_rates: [0.3, 0.03] }"
    assert lrs_over_steps(schedule(plain), 4) == pytest.approx([1, 1, 0.3, 0.03, 0.03])
    warm = (
        "manual_step_learning_rate { schedule_sizes: [4, 5] learning_rates: [0.3, 0.03] "
        "warmup: true }"
    )
    assert lrs_over_steps(schedule(warm, 2.0), 5) == pytest.approx([0.0, 0.5, 1.0, 1.5, 0.3, 0.03])


def test_by_epoch_advances_on_epoch_end_only() -> None:
    scheduler = schedule(
        "exponential_decay_learning_rate { decay_size: 1 decay_factor: 0.5 by_epoch: true }"
    )
    for _ in range(5):
        scheduler.step()
    assert scheduler.get_last_lr() == pytest.approx([1.0])
    scheduler.on_epoch_end()
    assert scheduler.get_last_lr() == pytest.approx([0.5])
    scheduler.on_epoch_end()
    assert scheduler.optimizer.param_groups[0]["lr"] == pytest.approx(0.25)


def test_by_epoch_with_known_epoch_length_counts_epochs_from_steps() -> None:
    text = (
        "manual_step_learning_rate { schedule_sizes: [1, 2] learning_rates: [0.1, 0.01] "
        "by_epoch: true }"
    )
    scheduler = schedule(text, steps_per_epoch=3)
    assert lrs_over_steps(scheduler, 6) == pytest.approx([1, 1, 1, 0.1, 0.1, 0.1, 0.01])
    scheduler.on_epoch_end()  # ignored: the epoch already comes from the step count
    assert scheduler.get_last_lr() == pytest.approx([0.01])


def test_group_with_zero_base_lr_stays_zero() -> None:
    text = "manual_step_learning_rate { schedule_sizes: [1] learning_rates: [0.5] }"
    scheduler = schedule(text, 1.0, 0.0)
    scheduler.step()
    assert scheduler.get_last_lr() == pytest.approx([0.5, 0.0])


def test_state_dict_round_trip() -> None:
    text = "exponential_decay_learning_rate { decay_size: 1 decay_factor: 0.5 }"
    scheduler = schedule(text)
    for _ in range(3):
        scheduler.step()
    resumed = schedule(text)
    resumed.load_state_dict(scheduler.state_dict())
    assert resumed.get_last_lr() == pytest.approx([0.125])
    assert resumed.optimizer.param_groups[0]["lr"] == pytest.approx(0.125)
    resumed.step()
    assert resumed.get_last_lr() == pytest.approx([0.0625])


def test_schedule_message_can_be_passed_directly() -> None:
    cfg = optimizer_pb2.ManualStepLR(schedule_sizes=[1], learning_rates=[0.2])
    scheduler = create_schedulers(sgd(1.0), cfg, None)
    scheduler.step()
    assert scheduler.get_last_lr() == pytest.approx([0.2])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "manual_step_learning_rate { schedule_sizes: [1, 2] learning_rates: [0.1] }",
            r"manual_step_learning_rate: schedule_sizes has 2 values but learning_rates has 1",
        ),
        (
            "manual_step_learning_rate { schedule_sizes: [3, 2] learning_rates: [0.1, 0.2] }",
            r"manual_step_learning_rate\.schedule_sizes must be strictly increasing",
        ),
        (
            "exponential_decay_learning_rate { decay_factor: 0.5 }",
            r"exponential_decay_learning_rate\.decay_size must be one positive value",
        ),
        (
            "manual_step_learning_rate { warmup: true }",
            r"manual_step_learning_rate\.warmup needs a positive schedule_sizes\[0\]",
        ),
    ],
)
def test_bad_schedules_name_the_field(text: str, message: str) -> None:
    cfg = text_format.Parse(text, optimizer_pb2.DenseOptimizer())
    with pytest.raises(ValueError, match=message):
        create_schedulers(sgd(1.0), cfg, None, "train_config.dense_optimizer")
