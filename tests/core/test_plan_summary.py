"""summarize_plan on real plans from TorchRec's EmbeddingShardingPlanner."""

from __future__ import annotations

import torch
from torchrec import EmbeddingBagCollection, EmbeddingBagConfig
from torchrec.distributed.embeddingbag import EmbeddingBagCollectionSharder
from torchrec.distributed.planner import (
    EmbeddingShardingPlanner,
    ParameterConstraints,
    Topology,
)
from torchrec.distributed.types import ShardingPlan

from tzrec.engine.plan_summary import summarize_plan
from tzrec.utils.quiet import quiet_libraries

# name -> (rows, dim, sharding type)
TABLES = {
    "t_small": (1_000, 8, "table_wise"),
    "t_rows": (2_000, 8, "row_wise"),
    "t_cols": (4_000, 8, "column_wise"),
    "t_rep": (100, 4, "data_parallel"),
    "t_big": (1_500_000, 16, "table_wise"),
}


class RowWiseOnCpuSharder(EmbeddingBagCollectionSharder):
    """Offers row_wise for planning on a CPU topology (TorchRec lists it for GPUs only)."""

    def sharding_types(self, compute_device_type: str) -> list[str]:
        return ["data_parallel", "table_wise", "column_wise", "row_wise"]


def _plan() -> ShardingPlan:
    quiet_libraries()
    ebc = EmbeddingBagCollection(
        tables=[
            EmbeddingBagConfig(
                name=name, embedding_dim=dim, num_embeddings=rows, feature_names=[f"f_{name}"]
            )
            for name, (rows, dim, _) in TABLES.items()
        ],
        device=torch.device("meta"),
    )
    constraints = {
        name: ParameterConstraints(sharding_types=[kind], min_partition=4)
        for name, (_, _, kind) in TABLES.items()
    }
    planner = EmbeddingShardingPlanner(
        topology=Topology(world_size=2, compute_device="cpu"), constraints=constraints
    )
    return planner.plan(ebc, [RowWiseOnCpuSharder()])


def _count(n: int) -> str:
    for threshold, suffix in ((1e6, "M"), (1e3, "k")):
        if n >= threshold:
            return f"{n / threshold:.1f}{suffix}"
    return str(n)


def test_summary_of_a_planned_collection() -> None:
    plan = _plan()
    shardings = plan.plan[""]
    # The planner picks the ranks; the expectations follow its ``ranks`` per table.
    small_rank = shardings["t_small"].ranks[0]
    big_rank = shardings["t_big"].ranks[0]
    column_ranks = shardings["t_cols"].ranks  # two 4000 x 4 shards of the same rows
    assert shardings["t_rows"].ranks == [0, 1]  # 1000 x 8 rows each
    assert column_ranks is not None and len(column_ranks) == 2
    rows = {0: 1_000 + 100, 1: 1_000 + 100}  # row_wise half + the replicated table
    params = {0: 1_000 * 8 + 100 * 4, 1: 1_000 * 8 + 100 * 4}
    tables = {0: 2, 1: 2}
    for rank in set(column_ranks):
        rows[rank] += 4_000  # the same rows, once, even when both shards land here
        tables[rank] += 1
    for rank in column_ranks:
        params[rank] += 4_000 * 4
    for rank, (n_rows, dim) in ((small_rank, (1_000, 8)), (big_rank, (1_500_000, 16))):
        rows[rank] += n_rows
        params[rank] += n_rows * dim
        tables[rank] += 1

    sizes = {name: (r, d) for name, (r, d, _) in TABLES.items()}
    lines = summarize_plan(plan, sizes)
    assert lines[0] == (
        "sharding plan (2 ranks): 2 tables table_wise, 1 table row_wise, "
        "1 table column_wise, 1 table data_parallel"
    )
    assert lines[1:] == [
        f"rank {r}: {tables[r]} tables {_count(rows[r])} rows {_count(params[r])} params"
        for r in (0, 1)
    ]


def test_without_table_sizes_replicated_tables_are_marked_unknown() -> None:
    lines = summarize_plan(_plan())
    assert len(lines) == 3
    for line in lines[1:]:
        assert line.endswith("(+ tables of unknown size)")


def test_empty_plan() -> None:
    assert summarize_plan(ShardingPlan(plan={})) == ["sharding plan (0 ranks): no tables"]
