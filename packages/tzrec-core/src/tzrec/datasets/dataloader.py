"""create_dataloader: a torch DataLoader of Batches for a pipeline's data config.

Also :class:`DataPosition`, which follows the ``checkpoint_info`` of the batches a
training loop consumed and turns it into the ``start_positions`` of a resumed run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch.utils.data import DataLoader

from tzrec.datasets.batch import Batch
from tzrec.datasets.dataset import Mode, TzrecDataset
from tzrec.features.feature import BaseFeature
from tzrec.protos import data_pb2


def _identity(batch: Any) -> Any:
    return batch


def create_dataloader(
    data_config: data_pb2.DataConfig,
    features: Sequence[BaseFeature],
    input_path: str,
    mode: Mode = Mode.TRAIN,
    reserved_columns: Sequence[str] = (),
    batch_size: int | None = None,
    num_workers: int | None = None,
    start_positions: Mapping[int, int] | None = None,
    seed: int = 0,
) -> DataLoader[Batch]:
    """A DataLoader yielding :class:`Batch` objects, each row of the input exactly once.

    Every process (rank) calls this with the same arguments; the rows are split over
    ranks x ``num_workers`` shards by the reader plugin. Batches come from the workers
    in turn (``in_order``), are pinned when a GPU is present and ``pin_memory`` is set,
    and carry ``checkpoint_info`` for resuming.

    Args:
        data_config: the pipeline's data config (batch sizes, workers, shuffle, reader).
        features: the pipeline's features.
        input_path: the input path (e.g. ``data/train/*.parquet``).
        mode: TRAIN shuffles (if configured), masks features (sample_mask_prob), reads
            sample weights and may drop the last short batch; EVAL and PREDICT do not.
            ``drop_remainder`` acts per shard: each (rank, worker) drops its own last
            short batch, so up to ``ranks x max(num_workers, 1) x (batch_size - 1)``
            rows of an epoch go unread, not just the last ``batch_size - 1``.
        reserved_columns: columns passed through to predictions (PREDICT).
        batch_size: overrides the data config's batch_size / eval_batch_size.
        num_workers: overrides data_config.num_workers (0 reads in this process).
        start_positions: rows already consumed per shard, from :class:`DataPosition`
            (gathered from every rank). Every iteration of the returned loader starts
            there: for the epochs after the resumed one, build a loader without them.
        seed: seed of shuffling and masking.
    """
    dataset = TzrecDataset(
        data_config,
        features,
        input_path,
        mode=mode,
        reserved_columns=reserved_columns,
        batch_size=batch_size,
        num_workers=num_workers,
        start_positions=dict(start_positions or {}),
        seed=seed,
    )
    workers = dataset.num_workers
    kwargs: dict[str, Any] = {}
    if workers > 0:
        kwargs["in_order"] = data_config.in_order
        kwargs["prefetch_factor"] = 2
    return DataLoader(
        dataset,
        batch_size=None,
        num_workers=workers,
        pin_memory=bool(data_config.pin_memory and torch.cuda.is_available()),
        collate_fn=_identity,
        **kwargs,
    )


class DataPosition:
    """Where each shard of a dataloader stands, from the batches consumed so far.

    Each process (rank) sees only the batches of its own shards, so one rank's
    snapshot does not say where the other ranks stand: with several ranks, take the
    snapshot with :meth:`gathered_state_dict` (every rank calls it; each gets all
    shards) or save each rank's :meth:`state_dict` and combine them with :meth:`merge`.
    A shard missing from the snapshot starts from its first row when resumed.

    Args:
        num_shards: ranks x workers of the dataloader being followed; a resumed run must
            use the same number, since shards are defined by it.
    """

    def __init__(self, num_shards: int) -> None:
        self.num_shards = num_shards
        self.rows: dict[int, int] = {}

    def update(self, batch: Batch) -> None:
        """Record a consumed batch's position."""
        self.rows.update(batch.checkpoint_info)

    def state_dict(self) -> dict[str, Any]:
        """A JSON-able snapshot of this process's shards, for the checkpoint."""
        return {"num_shards": self.num_shards, "rows": {str(k): v for k, v in self.rows.items()}}

    def gathered_state_dict(self) -> dict[str, Any]:
        """The snapshot of every rank's shards (a collective call when distributed).

        Without an initialized torch.distributed process group it is
        :meth:`state_dict`.
        """
        state = self.state_dict()
        if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
            return state
        states: list[Any] = [None] * torch.distributed.get_world_size()
        torch.distributed.all_gather_object(states, state)
        return DataPosition.merge(states)

    @staticmethod
    def merge(states: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """One snapshot from the snapshots of several ranks (disjoint shards).

        Raises:
            ValueError: when the snapshots disagree on the number of shards, or two
                give different positions for one shard.
        """
        counts = {int(state["num_shards"]) for state in states}
        if len(counts) != 1:
            raise ValueError(f"cannot merge data positions of different shard counts {counts}")
        rows: dict[str, int] = {}
        for state in states:
            for shard, done in dict(state.get("rows", {})).items():
                if rows.setdefault(str(shard), int(done)) != int(done):
                    raise ValueError(
                        f"data positions disagree on shard {shard}: {rows[str(shard)]} and {done}"
                    )
        return {"num_shards": counts.pop(), "rows": rows}

    @staticmethod
    def start_positions(state: Mapping[str, Any], num_shards: int) -> dict[int, int]:
        """The ``start_positions`` to resume from a snapshot.

        Raises:
            ValueError: when the snapshot was taken with a different number of shards.
        """
        saved = int(state.get("num_shards", num_shards))
        if saved != num_shards:
            raise ValueError(
                f"cannot resume the data position: it was saved with {saved} shards "
                f"(ranks x num_workers) and this run has {num_shards}; use the same "
                "number of processes and num_workers, or start the data from the beginning"
            )
        return {int(k): int(v) for k, v in dict(state.get("rows", {})).items()}
