"""Dense parameters, part_optimizers routing, dense schedules and the EMA."""

from __future__ import annotations

import logging

import pytest
import torch
from google.protobuf import text_format
from torch import nn
from torchrec import EmbeddingBagCollection, EmbeddingBagConfig

from tzrec.optim import (
    DenseEMA,
    TZRecOptimizer,
    apply_sparse_optimizer,
    create_dense_optimizers,
    dense_parameters,
    dense_schedulers,
)
from tzrec.protos import optimizer_pb2


class Towers(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.booster_mlp = nn.Linear(2, 2)
        self.light_mlp = nn.Linear(2, 1)
        self.head = nn.Linear(1, 1)


def dense_config(text: str) -> optimizer_pb2.DenseOptimizer:
    return text_format.Parse(text, optimizer_pb2.DenseOptimizer())


ROUTED = """
adam_optimizer { lr: 0.001 }
part_optimizers { adamw_optimizer { lr: 0.01 beta1: 0.8 } regex_pattern: "(.*)booster_mlp(.*)" }
part_optimizers {
    sgd_optimizer { lr: 0.002 }
    regex_pattern: "(.*)mlp(.*)"
    exponential_decay_learning_rate { decay_size: [1, 2] learning_rates: [0.001, 0.0001] }
}
"""


def names(optimizer: torch.optim.Optimizer, model: nn.Module) -> set[str]:
    by_id = {id(p): n for n, p in model.named_parameters()}
    return {by_id[id(p)] for group in optimizer.param_groups for p in group["params"]}


def test_part_optimizers_first_match_wins() -> None:
    model = Towers()
    main, booster, light = create_dense_optimizers(dense_config(ROUTED), dense_parameters(model))
    assert type(main) is torch.optim.Adam and names(main, model) == {"head.weight", "head.bias"}
    assert type(booster) is torch.optim.AdamW
    assert names(booster, model) == {"booster_mlp.weight", "booster_mlp.bias"}
    assert booster.defaults["betas"] == pytest.approx((0.8, 0.999))
    assert type(light) is torch.optim.SGD
    assert names(light, model) == {"light_mlp.weight", "light_mlp.bias"}


def test_part_schedule_falls_back_to_the_dense_schedule() -> None:
    cfg = dense_config(
        ROUTED + "manual_step_learning_rate { schedule_sizes: [1] learning_rates: [0.0005] }"
    )
    model = Towers()
    optimizers = create_dense_optimizers(cfg, dense_parameters(model))
    schedulers = dense_schedulers(cfg, optimizers)
    opt = TZRecOptimizer(None, optimizers, schedulers)
    assert opt.current_lrs() == pytest.approx({"dense": 0.001, "part_0": 0.01, "part_1": 0.002})
    opt.step()
    # main + part_0 follow the dense manual step; part_1 its own (compat) manual step.
    assert opt.current_lrs() == pytest.approx({"dense": 0.0005, "part_0": 0.0005, "part_1": 0.001})


def test_unmatched_part_optimizer_is_kept_empty_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cfg = dense_config('sgd_optimizer {} part_optimizers { sgd_optimizer {} regex_pattern: "x" }')
    with caplog.at_level(logging.WARNING, logger="tzrec"):
        main, part = create_dense_optimizers(cfg, dense_parameters(Towers()))
    assert part.param_groups[0]["params"] == []
    assert len(main.param_groups[0]["params"]) == 6
    assert "part_optimizers[0].regex_pattern 'x' matches no dense parameter" in caplog.text


def test_bad_dense_configs_name_the_field() -> None:
    with pytest.raises(ValueError, match=r"part_optimizers\[0\]\.regex_pattern '\('"):
        create_dense_optimizers(
            dense_config(
                'sgd_optimizer {} part_optimizers { sgd_optimizer {} regex_pattern: "(" }'
            ),
            [],
        )
    with pytest.raises(ValueError, match=r"dense_optimizer: no optimizer set"):
        create_dense_optimizers(dense_config("constant_learning_rate {}"), [])
    with pytest.raises(ValueError, match=r"sgd_optimizer\.gradient_clipping applies to the sparse"):
        create_dense_optimizers(dense_config("sgd_optimizer { gradient_clipping: true }"), [])


def test_dense_parameters_leave_out_embedding_tables_and_frozen_params() -> None:
    model = Towers()
    model.ebc = EmbeddingBagCollection(
        tables=[
            EmbeddingBagConfig(name="t", embedding_dim=2, num_embeddings=3, feature_names=["f"])
        ],
        device=torch.device("cpu"),
    )
    model.head.bias.requires_grad_(False)
    apply_sparse_optimizer(model, optimizer_pb2.SparseOptimizer(sgd_optimizer={}))
    assert [name for name, _ in dense_parameters(model)] == [
        "booster_mlp.weight",
        "booster_mlp.bias",
        "light_mlp.weight",
        "light_mlp.bias",
        "head.weight",
    ]


def test_ema_update_swap_and_state() -> None:
    param = nn.Parameter(torch.tensor([0.0]))
    ema = DenseEMA([("p", param)], decay=0.5)
    with torch.no_grad():
        param.fill_(2.0)
    ema.update()  # 0.5 * 0 + 0.5 * 2
    with torch.no_grad():
        param.fill_(4.0)
    ema.update()  # 0.5 * 1 + 0.5 * 4
    assert ema.shadow["p"].item() == pytest.approx(2.5)
    with ema.swapped_in():
        assert param.item() == pytest.approx(2.5)
    assert param.item() == pytest.approx(4.0)

    other = DenseEMA([("p", param)], decay=0.9)
    other.load_state_dict(ema.state_dict())
    assert other.decay == 0.5 and other.num_updates == 2
    assert other.shadow["p"].item() == pytest.approx(2.5)
    with pytest.raises(ValueError, match=r"ema\.decay must be in \[0, 1\]"):
        DenseEMA([("p", param)], decay=1.5)
