"""Sparse optimizer fused into TorchRec's kernels under a real DMP (one gloo process)."""

from __future__ import annotations

import inspect
import os
import socket
from collections.abc import Iterator

import pytest
import torch
import torch.distributed as dist
from fbgemm_gpu.split_embedding_configs import EmbOptimType
from fbgemm_gpu.split_table_batched_embeddings_ops_training import (
    SplitTableBatchedEmbeddingBagsCodegen,
)
from google.protobuf import text_format
from torch import nn
from torchrec import EmbeddingBagCollection, EmbeddingBagConfig, KeyedJaggedTensor
from torchrec.distributed import DistributedModelParallel
from torchrec.distributed.embeddingbag import EmbeddingBagCollectionSharder
from torchrec.distributed.planner import EmbeddingShardingPlanner, ParameterConstraints, Topology
from torchrec.distributed.utils import merge_fused_params, optimizer_type_to_emb_opt_type

from tzrec.optim import (
    TZRecOptimizer,
    apply_sparse_optimizer,
    create_schedulers,
    dense_parameters,
    sparse_optimizer_class_and_kwargs,
)
from tzrec.protos import optimizer_pb2

TABLES = ("trained", "frozen")
DIM = 4
ROWS = 10
# d loss / d pooled output, per sample, for the "trained" table's feature.
UPSTREAM = torch.tensor([[1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0]])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module", autouse=True)
def process_group() -> Iterator[None]:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()))
    dist.init_process_group("gloo", rank=0, world_size=1)
    try:
        yield
    finally:
        dist.destroy_process_group()


class TwoTableModel(nn.Module):
    """Loss = <pooled trained emb, UPSTREAM> + sum(pooled frozen emb) + dense bias."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.ebc = EmbeddingBagCollection(
            tables=[
                EmbeddingBagConfig(
                    name=name, embedding_dim=DIM, num_embeddings=ROWS, feature_names=[f"f_{name}"]
                )
                for name in TABLES
            ],
            device=torch.device("cpu"),
        )
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, kjt: KeyedJaggedTensor) -> torch.Tensor:
        pooled = self.ebc(kjt)
        return (pooled["f_trained"] * UPSTREAM).sum() + pooled["f_frozen"].sum() + self.bias.sum()


def sparse_config(text: str) -> optimizer_pb2.SparseOptimizer:
    return text_format.Parse(text, optimizer_pb2.SparseOptimizer())


def build_dmp(cfg: optimizer_pb2.SparseOptimizer, frozen: set[str]) -> DistributedModelParallel:
    model = TwoTableModel()
    apply_sparse_optimizer(model, cfg, frozen)
    return shard(model)


def shard(model: nn.Module) -> DistributedModelParallel:
    """DMP with every table table-wise on the fused kernel (where the sparse optimizer runs)."""
    sharders = [EmbeddingBagCollectionSharder()]
    planner = EmbeddingShardingPlanner(
        topology=Topology(world_size=1, compute_device="cpu"),
        constraints={
            name: ParameterConstraints(sharding_types=["table_wise"], compute_kernels=["fused"])
            for name in TABLES
        },
    )
    plan = planner.collective_plan(model, sharders, dist.GroupMember.WORLD)
    return DistributedModelParallel(model, device=torch.device("cpu"), plan=plan, sharders=sharders)


def batch() -> KeyedJaggedTensor:
    # f_trained: sample 0 -> [1], sample 1 -> [1, 3]; f_frozen: sample 0 -> [2], 1 -> [].
    return KeyedJaggedTensor.from_lengths_sync(
        keys=["f_trained", "f_frozen"],
        values=torch.tensor([1, 1, 3, 2]),
        lengths=torch.tensor([1, 2, 1, 0]),
    )


def tables(dmp: DistributedModelParallel) -> dict[str, torch.Tensor]:
    state = dmp.state_dict()
    return {
        name: state[f"ebc.embedding_bags.{name}.weight"].local_shards()[0].tensor.detach().clone()
        for name in TABLES
    }


def expected_sgd_delta(lr: float) -> torch.Tensor:
    # Sum pooling: row 1 is in both bags of f_trained, row 3 only in sample 1's bag.
    grad = torch.zeros(ROWS, DIM)
    grad[1] = UPSTREAM[0] + UPSTREAM[1]
    grad[3] = UPSTREAM[1]
    return -lr * grad


def test_sgd_update_frozen_table_and_scheduled_lr() -> None:
    cfg = sparse_config(
        "sgd_optimizer { lr: 0.5 } "
        "manual_step_learning_rate { schedule_sizes: [1] learning_rates: [0.1] }"
    )
    dmp = build_dmp(cfg, frozen={"frozen"})
    dense = [torch.optim.SGD([p for _, p in dense_parameters(dmp)], lr=0.0)]
    assert [name for name, _ in dense_parameters(dmp)] == ["bias"]
    scheduler = create_schedulers(dmp.fused_optimizer, cfg, field="sparse_optimizer")
    optimizer = TZRecOptimizer(dmp.fused_optimizer, dense, [scheduler])

    before = tables(dmp)
    optimizer.backward(dmp(batch()))
    after_first = tables(dmp)
    torch.testing.assert_close(after_first["trained"] - before["trained"], expected_sgd_delta(0.5))
    assert torch.equal(after_first["frozen"], before["frozen"])

    assert optimizer.step()
    assert optimizer.current_lrs()["sparse"] == pytest.approx(0.1)
    assert sorted(g["lr"] for g in dmp.fused_optimizer.param_groups) == pytest.approx([0.0, 0.1])
    optimizer.backward(dmp(batch()))
    after_second = tables(dmp)
    torch.testing.assert_close(
        after_second["trained"] - after_first["trained"], expected_sgd_delta(0.1)
    )
    assert torch.equal(after_second["frozen"], before["frozen"])


# FBGEMM's CPU kernels implement exact SGD, Adagrad and row-wise Adagrad only.
CPU_SPARSE = [
    "sgd_optimizer { lr: 0.1 gradient_clipping: true max_gradient: 0.5 }",
    "adagrad_optimizer { lr: 0.1 eps: 1e-6 }",
    "rowwise_adagrad_optimizer { lr: 0.1 weight_decay: 0.01 }",
]
ALL_SPARSE = {
    "sgd_optimizer {}": EmbOptimType.EXACT_SGD,
    "adagrad_optimizer {}": EmbOptimType.EXACT_ADAGRAD,
    "adam_optimizer { weight_decay: 0.01 }": EmbOptimType.ADAM,
    "lars_sgd_optimizer {}": EmbOptimType.LARS_SGD,
    "lamb_optimizer {}": EmbOptimType.LAMB,
    "partial_rowwise_lamb_optimizer {}": EmbOptimType.PARTIAL_ROWWISE_LAMB,
    "partial_rowwise_adam_optimizer {}": EmbOptimType.PARTIAL_ROWWISE_ADAM,
    "rowwise_adagrad_optimizer { weight_decay: 0.01 gradient_clipping: true }": (
        EmbOptimType.EXACT_ROWWISE_ADAGRAD
    ),
}


@pytest.mark.parametrize("text", CPU_SPARSE, ids=lambda t: t.split()[0])
def test_cpu_sparse_optimizers_run_in_the_fused_kernel(text: str) -> None:
    dmp = build_dmp(sparse_config(text), frozen={"frozen"})
    before = tables(dmp)
    dmp(batch()).backward()
    after = tables(dmp)
    changed_rows = (after["trained"] != before["trained"]).any(dim=1).nonzero().flatten()
    assert changed_rows.tolist() == [1, 3]
    assert torch.equal(after["frozen"], before["frozen"])


@pytest.mark.parametrize("text", list(ALL_SPARSE), ids=lambda t: t.split()[0])
def test_every_sparse_optimizer_maps_to_a_kernel_and_its_arguments(text: str) -> None:
    # The GPU-only kernels cannot run here: check TorchRec's class -> kernel mapping and
    # that every kwarg is a constructor argument of FBGEMM's training TBE.
    optimizer_class, kwargs = sparse_optimizer_class_and_kwargs(sparse_config(text))
    assert optimizer_type_to_emb_opt_type(optimizer_class) == ALL_SPARSE[text]
    tbe_arguments = set(inspect.signature(SplitTableBatchedEmbeddingBagsCodegen).parameters)
    fused = merge_fused_params({}, dict(kwargs))
    assert set(fused) <= tbe_arguments
    assert fused["learning_rate"] == pytest.approx(0.002)


def test_sgd_gradient_clipping_clips_each_lookup_gradient() -> None:
    # FBGEMM clips the gradient of each (sample, feature) bag before it is summed into
    # the rows: row 1 = clip(UPSTREAM[0]) + clip(UPSTREAM[1]), row 3 = clip(UPSTREAM[1]).
    dmp = build_dmp(
        sparse_config("sgd_optimizer { lr: 1.0 gradient_clipping: true max_gradient: 2.5 }"),
        frozen=set(),
    )
    before = tables(dmp)
    dmp(batch()).backward()
    delta = tables(dmp)["trained"] - before["trained"]
    expected = torch.zeros(ROWS, DIM)
    expected[1] = -torch.tensor([1.0 + 2.5, 2.0 + 2.5, 2.5 + 2.5, 2.5 + 2.5])
    expected[3] = -torch.tensor([2.5, 2.5, 2.5, 2.5])
    torch.testing.assert_close(delta, expected)


def test_adagrad_state_dict_round_trip() -> None:
    cfg = sparse_config("adagrad_optimizer { lr: 0.1 }")
    trained = build_dmp(cfg, frozen=set())
    scheduler = create_schedulers(trained.fused_optimizer, cfg)
    optimizer = TZRecOptimizer(trained.fused_optimizer, [], [scheduler])
    optimizer.backward(trained(batch()))
    optimizer.step()
    state = optimizer.state_dict()
    sparse_state = state["sparse"]["state"]["ebc.embedding_bags.trained.weight"]
    (accumulator_key,) = sparse_state
    accumulator = sparse_state[accumulator_key].local_shards()[0].tensor.clone()
    # Adagrad's accumulator after one step is the squared gradient, hand-computed.
    torch.testing.assert_close(accumulator, expected_sgd_delta(1.0) ** 2)

    fresh = build_dmp(cfg, frozen=set())
    resumed = TZRecOptimizer(
        fresh.fused_optimizer, [], [create_schedulers(fresh.fused_optimizer, cfg)]
    )
    resumed.load_state_dict(state)
    loaded = resumed.state_dict()["sparse"]["state"]["ebc.embedding_bags.trained.weight"]
    torch.testing.assert_close(loaded[accumulator_key].local_shards()[0].tensor, accumulator)
    assert resumed.schedulers[0].state_dict()["updates"] == 1


def test_unsupported_fused_fields_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"sparse_optimizer\.sgd_optimizer\.momentum"):
        sparse_optimizer_class_and_kwargs(sparse_config("sgd_optimizer { momentum: 0.9 }"))
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        sparse_optimizer_class_and_kwargs(
            sparse_config("adagrad_optimizer { initial_accumulator_value: 0.1 }")
        )
    with pytest.raises(ValueError, match="no optimizer set"):
        sparse_optimizer_class_and_kwargs(sparse_config("constant_learning_rate {}"))


def test_unknown_frozen_table_is_named() -> None:
    with pytest.raises(ValueError, match="'nope'"):
        apply_sparse_optimizer(TwoTableModel(), sparse_config("sgd_optimizer {}"), {"nope"})


def test_kwargs_reach_the_kernel() -> None:
    cls, kwargs = sparse_optimizer_class_and_kwargs(
        sparse_config("adam_optimizer { lr: 0.3 beta1: 0.8 gradient_clipping: true }")
    )
    assert cls.__name__ == "Adam"
    assert kwargs == pytest.approx(
        {
            "lr": 0.3,
            "beta1": 0.8,
            "beta2": 0.999,
            "eps": 1e-8,
            "weight_decay": 0.0,
            "gradient_clipping": True,
            "max_gradient": 1.0,
        }
    )


def test_scheduler_alone_pushes_lr_into_the_fused_kernel() -> None:
    cfg = sparse_config(
        "sgd_optimizer { lr: 0.5 } "
        "exponential_decay_learning_rate { decay_size: 1 decay_factor: 0.5 }"
    )
    dmp = build_dmp(cfg, frozen={"frozen"})
    scheduler = create_schedulers(dmp.fused_optimizer, cfg)
    scheduler.step()  # lr 0.5 -> 0.25, no optimizer.step() / zero_grad() in between
    before = tables(dmp)
    dmp(batch()).backward()
    after = tables(dmp)
    torch.testing.assert_close(after["trained"] - before["trained"], expected_sgd_delta(0.25))
    assert torch.equal(after["frozen"], before["frozen"])


def test_requires_grad_false_table_is_frozen() -> None:
    model = TwoTableModel()
    model.ebc.embedding_bags["trained"].weight.requires_grad_(False)
    apply_sparse_optimizer(model, sparse_config("sgd_optimizer { lr: 0.5 }"))
    assert not model.ebc.embedding_bags["trained"].weight.requires_grad
    dmp = shard(model)
    before = tables(dmp)
    dmp(batch()).backward()
    after = tables(dmp)
    assert torch.equal(after["trained"], before["trained"])
    torch.testing.assert_close(after["frozen"] - before["frozen"], -0.5 * frozen_grad())


def frozen_grad() -> torch.Tensor:
    grad = torch.zeros(ROWS, DIM)
    grad[2] = 1.0  # f_frozen: row 2 in sample 0's bag, upstream gradient of ones
    return grad
