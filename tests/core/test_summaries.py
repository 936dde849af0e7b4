"""SummaryWriterFacade: scalars and histograms in event files, as configured."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest
import torch
from tensorboard.backend.event_processing.event_accumulator import (  # type: ignore[import-untyped]
    EventAccumulator,
)
from torch import nn

from tzrec.engine.summaries import DEFAULT_SUMMARIES, SummaryWriterFacade, check_summaries
from tzrec.utils.config_errors import ConfigError
from tzrec.utils.logging_util import logger


def _events(run_dir: Path) -> EventAccumulator:
    assert list(run_dir.glob("events.out.tfevents.*")), f"no event file in {run_dir}"
    accumulator = EventAccumulator(str(run_dir), size_guidance={"histograms": 0, "scalars": 0})
    accumulator.Reload()
    return accumulator


def _scalar(acc: EventAccumulator, tag: str) -> dict[int, float]:
    """Step -> value of a scalar tag (stored as float32: compare with approx)."""
    return {e.step: e.value for e in acc.Scalars(tag)}


def _model_after_backward() -> nn.Sequential:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    model[1].weight.requires_grad_(False)  # a parameter without gradient
    model(torch.ones(4, 3)).sum().backward()
    return model


def test_default_writes_loss_and_learning_rate(tmp_path: Path) -> None:
    facade = SummaryWriterFacade(str(tmp_path), [], enabled=True)
    facade.train_step(10, 0.5, {"cross_entropy": 0.4}, {"dense": 1e-3, "sparse": 0.05})
    facade.train_step(20, 0.25, {"cross_entropy": 0.2}, {"dense": 5e-4, "sparse": 0.05})
    facade.eval(20, {"auc": 0.75})
    facade.close()
    train = _events(tmp_path / "train")
    assert _scalar(train, "loss") == {10: 0.5, 20: 0.25}
    assert _scalar(train, "loss/cross_entropy") == pytest.approx({10: 0.4, 20: 0.2})
    assert _scalar(train, "learning_rate/dense") == pytest.approx({10: 1e-3, 20: 5e-4})
    assert _scalar(train, "learning_rate/sparse") == pytest.approx({10: 0.05, 20: 0.05})
    assert train.Tags()["histograms"] == []
    evaluation = _events(tmp_path / "eval")
    assert _scalar(evaluation, "auc") == {20: 0.75}


def test_gradient_and_parameter_summaries(tmp_path: Path) -> None:
    model = _model_after_backward()
    summaries = ["parameter", "gradient", "gradient_norm", "global_gradient_norm"]
    facade = SummaryWriterFacade(str(tmp_path), summaries, enabled=True)
    facade.train_step(3, 1.0, {}, {"dense": 0.1}, model=model)
    facade.close()
    acc = _events(tmp_path / "train")
    # The four parameters get histograms; the frozen weight has no gradient summaries.
    assert sorted(acc.Tags()["histograms"]) == [
        "gradient/0.bias",
        "gradient/0.weight",
        "gradient/1.bias",
        "parameter/0.bias",
        "parameter/0.weight",
        "parameter/1.bias",
        "parameter/1.weight",
    ]
    assert "loss" not in acc.Tags()["scalars"]  # not configured
    norms = {n: p.grad.norm().item() for n, p in model.named_parameters() if p.grad is not None}
    for name, norm in norms.items():
        assert _scalar(acc, f"gradient_norm/{name}") == pytest.approx({3: norm}, rel=1e-6)
    expected_global = math.sqrt(sum(n * n for n in norms.values()))
    assert _scalar(acc, "global_gradient_norm") == pytest.approx({3: expected_global}, rel=1e-6)
    histogram = acc.Histograms("parameter/0.weight")[0].histogram_value
    assert histogram.num == 6
    assert histogram.min == pytest.approx(dict(model.named_parameters())["0.weight"].min().item())


def test_disabled_and_other_ranks_write_nothing(tmp_path: Path) -> None:
    for enabled, rank in ((False, 0), (True, 1)):
        facade = SummaryWriterFacade(str(tmp_path), ["loss"], enabled=enabled, rank=rank)
        assert not facade.enabled
        facade.train_step(1, 0.1, {}, {})
        facade.eval(1, {"auc": 0.5})
        facade.close()
    assert list(tmp_path.iterdir()) == []


def test_unknown_summary_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        SummaryWriterFacade(str(tmp_path), ["loss", "gradients"], enabled=True)
    message = str(info.value)
    assert "train_config.tensorboard_summaries" in message
    assert "'gradients'" in message
    assert "did you mean 'gradient'" in message
    assert check_summaries([]) == DEFAULT_SUMMARIES


def test_missing_tensorboard_warns_once_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails
    warnings: list[str] = []
    monkeypatch.setattr(logger, "warning", lambda msg, *a: warnings.append(msg % a))
    facade = SummaryWriterFacade(str(tmp_path), [], enabled=True)
    facade.train_step(1, 0.1, {}, {"dense": 0.1})
    facade.eval(1, {"auc": 0.5})
    facade.close()
    assert len(warnings) == 1
    assert "pip install tensorboard" in warnings[0]
    assert list(tmp_path.iterdir()) == []


def test_wrapper_prefixes_are_dropped_from_names(tmp_path: Path) -> None:
    class Wrapper(nn.Module):  # the attribute names DistributedModelParallel and DDP use
        def __init__(self, inner: nn.Module) -> None:
            super().__init__()
            self._dmp_wrapped_module = nn.Module()
            self._dmp_wrapped_module.module = inner

    facade = SummaryWriterFacade(str(tmp_path), ["parameter"], enabled=True)
    facade.train_step(1, 0.0, {}, {}, model=Wrapper(nn.Linear(2, 1)))
    facade.close()
    tags = sorted(_events(tmp_path / "train").Tags()["histograms"])
    assert tags == ["parameter/bias", "parameter/weight"]
