"""A short, readable account of a TorchRec sharding plan.

TorchRec's planner can print wide tables of every shard; a run wants a few lines
instead: how many tables each sharding type got, and how much each rank holds::

    sharding plan (2 ranks): 26 tables table_wise, 1 table row_wise
    rank 0: 14 tables 2.1M rows 33.6M params
    rank 1: 14 tables 2.0M rows 32.9M params

A table counts on every rank that holds a shard of it; rows are the distinct rows of
the rank's shards (column-wise shards of the same rows count once), params the values
they hold (a replicated data_parallel table counts in full on each rank).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from torch import nn
from torchrec.distributed.types import ParameterSharding, ShardingPlan

from tzrec.engine.progress import format_count
from tzrec.modules.tables import embedding_tables


@dataclass
class RankLoad:
    """What one rank holds: row ranges per table, and embedding parameters.

    Attributes:
        row_ranges: per table, the ``[start, end)`` row ranges of its shards here.
        params: the number of embedding values held (rows x columns of each shard).
        unknown_size: some table here is replicated without a known size.
    """

    row_ranges: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    params: int = 0
    unknown_size: bool = False

    def add(self, table: str, row_start: int, rows: int, columns: int) -> None:
        """Record a shard of ``table``: ``rows`` rows from ``row_start``, ``columns`` wide."""
        self.row_ranges.setdefault(table, []).append((row_start, row_start + rows))
        self.params += rows * columns

    @property
    def rows(self) -> int:
        """Distinct embedding rows held; column-wise shards of one row range count once."""
        return sum(_union_length(ranges) for ranges in self.row_ranges.values())


def _union_length(ranges: list[tuple[int, int]]) -> int:
    total, reach = 0, None
    for start, end in sorted(ranges):
        if reach is None or start >= reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _add_shards(
    loads: dict[int, RankLoad],
    table: str,
    sharding: ParameterSharding,
    size: tuple[int, int] | None,
) -> None:
    """Add one table's shards to the per-rank loads."""
    spec = sharding.sharding_spec
    shards = getattr(spec, "shards", None) if spec is not None else None
    if shards:
        for shard in shards:
            if shard.placement is not None:
                rows, columns = shard.shard_sizes[0], shard.shard_sizes[1]
                loads[shard.placement.rank()].add(table, shard.shard_offsets[0], rows, columns)
        return
    # No shard list (data_parallel): the whole table on each rank named in ``ranks``.
    for rank in sharding.ranks or []:
        if size is None:
            loads[rank].row_ranges.setdefault(table, [])
            loads[rank].unknown_size = True
        else:
            loads[rank].add(table, 0, size[0], size[1])


def summarize_plan(
    plan: ShardingPlan,
    tables: Mapping[str, tuple[int, int]] | None = None,
) -> list[str]:
    """A few lines describing ``plan``: tables per sharding type, then each rank's load.

    Args:
        plan: the sharding plan (from a planner or ``DistributedModelParallel.plan``).
        tables: ``(rows, dim)`` per table name, used for tables the plan lists without
            shard sizes (data_parallel); without it their size shows as unknown.

    Returns:
        The header line, then one line per rank in rank order.
    """
    by_type: Counter[str] = Counter()
    loads: dict[int, RankLoad] = defaultdict(RankLoad)
    for module_path, module_plan in plan.plan.items():
        for param_name, sharding in module_plan.items():
            if not isinstance(sharding, ParameterSharding):
                continue
            by_type[sharding.sharding_type] += 1
            table = f"{module_path}.{param_name}" if module_path else param_name
            size = tables.get(param_name) if tables is not None else None
            _add_shards(loads, table, sharding, size)
    world_size = max(loads) + 1 if loads else 0
    kinds = ", ".join(f"{_plural(count, 'table')} {kind}" for kind, count in by_type.most_common())
    lines = [f"sharding plan ({_plural(world_size, 'rank')}): {kinds or 'no tables'}"]
    for rank in range(world_size):
        load = loads.get(rank, RankLoad())
        suffix = " (+ tables of unknown size)" if load.unknown_size else ""
        lines.append(
            f"rank {rank}: {_plural(len(load.row_ranges), 'table')} "
            f"{format_count(load.rows)} rows {format_count(load.params)} params{suffix}"
        )
    return lines


def table_sizes(model: nn.Module) -> dict[str, tuple[int, int]]:
    """``(rows, dim)`` of every embedding table configured in ``model``'s TorchRec modules.

    Call it on the unsharded model (sharded modules do not expose their configs); the
    plan summary uses it to size the data-parallel tables the plan lists without shards.
    """
    return {
        config.name: (int(config.num_embeddings), int(config.embedding_dim))
        for config, _ in embedding_tables(model)
    }
