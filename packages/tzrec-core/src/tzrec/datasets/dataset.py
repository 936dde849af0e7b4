"""The dataset: reader shard -> (shuffle) -> fixed-size record batches -> Batch.

Each (rank, dataloader worker) pair reads one shard of the input; the reader plugin
guarantees that the shards together hold every row exactly once. The dataset re-chunks
the reader's record batches to the batch size, optionally shuffles within a window of
``shuffle_buffer_size`` batches, parses each chunk into a :class:`Batch` and stamps it
with the shard's position (rows of the shard fully delivered) so that training can
resume where it stopped.

Everything is per shard: ``drop_remainder`` drops each shard's last short batch (up to
``batch_size - 1`` rows per rank and worker), the shuffle window holds one shard's
batches, and the shuffle order depends on (seed, epoch, shard, window) only, so each
iteration of a dataset with the same seed sees the same order (call ``set_epoch`` or
pass another ``seed`` for another one), and a resumed iteration continues that order.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence

import numpy as np
import pyarrow as pa
import torch
from torch.utils.data import IterableDataset, get_worker_info

from tzrec.datasets.batch import Batch
from tzrec.datasets.data_parser import DataParser, is_label_type
from tzrec.datasets.errors import ColumnTypeError, MissingColumnError
from tzrec.datasets.prefetch import prefetch
from tzrec.datasets.reader import BaseReader, create_reader
from tzrec.datasets.record_batches import rechunk
from tzrec.features.encoded import column_type_problem
from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.feature import BaseFeature
from tzrec.protos import data_pb2


class Mode(enum.Enum):
    """What the data is read for: it decides batch size, shuffling and masking."""

    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "predict"


def dist_rank_and_world_size() -> tuple[int, int]:
    """This process's rank and the world size (torch.distributed, else the env, else 0/1)."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    import os

    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))


class TzrecDataset(IterableDataset[Batch]):
    """Batches of one input for one mode, sharded over ranks and dataloader workers.

    Args:
        data_config: the pipeline's data config.
        features: the pipeline's features.
        input_path: the input (as the reader plugin understands it).
        mode: train, eval or predict.
        reserved_columns: columns passed through to ``Batch.reserves`` (predict).
        batch_size: overrides data_config's batch_size / eval_batch_size.
        num_workers: dataloader workers per process (shards = ranks x workers).
        start_positions: rows already delivered per shard, to resume (see
            :class:`~tzrec.datasets.dataloader.DataPosition`).
        seed: seed for shuffling and feature masking.
    """

    def __init__(
        self,
        data_config: data_pb2.DataConfig,
        features: Sequence[BaseFeature],
        input_path: str,
        mode: Mode = Mode.TRAIN,
        reserved_columns: Sequence[str] = (),
        batch_size: int | None = None,
        num_workers: int | None = None,
        start_positions: dict[int, int] | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.data_config = data_config
        self.input_path = input_path
        self.mode = mode
        if batch_size is None:
            batch_size = data_config.batch_size
            if mode != Mode.TRAIN and data_config.HasField("eval_batch_size"):
                batch_size = data_config.eval_batch_size
        self.batch_size = int(batch_size)
        self.num_workers = int(data_config.num_workers if num_workers is None else num_workers)
        self.rank, self.world_size = dist_rank_and_world_size()
        self.start_positions = dict(start_positions or {})
        self.seed = seed
        self.epoch = 0
        training = mode == Mode.TRAIN
        self.shuffle = training and data_config.shuffle
        self.parser = DataParser(
            features,
            label_fields=data_config.label_fields if mode != Mode.PREDICT else (),
            sample_weight_fields=data_config.sample_weight_fields if training else (),
            reserved_columns=reserved_columns,
            sample_mask_prob=data_config.sample_mask_prob if training else 0.0,
            seed=seed,
        )
        self.reader: BaseReader = create_reader(
            data_config, input_path, self.batch_size, selected_cols=self.parser.input_columns
        )
        self._check_columns()

    def _check_columns(self) -> None:
        """Fail early, in the main process, on a missing column or a wrong column type.

        The types are those of the reader's schema (the first file's, which the
        Parquet and CSV readers impose on, or check against, every other file), so
        the errors name that file and come before any row is read.

        Raises:
            MissingColumnError: a feature input, label, weight or reserved column is
                not in the input.
            ColumnTypeError: a feature input (see
                :func:`~tzrec.features.encoded.column_type_problem`), label or sample
                weight column whose type cannot hold what it must.
        """
        schema = self.reader.schema()
        names = schema.names
        for column in self.parser.input_columns:
            if column not in names:
                raise MissingColumnError(self.input_path, column, names)
        source = self.reader.schema_source
        generator = self.parser.generator
        dag = generator.fg_mode in (data_pb2.FG_DAG, data_pb2.FG_NORMAL)
        for feature in generator.features if dag else generator.output_features:
            for column in feature.input_columns:
                t = schema.field(column).type
                expected = column_type_problem(feature, column, t)
                if expected is not None:
                    raise ColumnTypeError(source, column, expected, str(t), feature.name)
        numeric = "integer, float or boolean"
        for kind, columns in (
            ("label", self.parser.label_fields),
            ("sample weight", self.parser.sample_weight_fields),
        ):
            for column in columns:
                t = schema.field(column).type
                if not is_label_type(t):
                    raise ColumnTypeError(source, column, f"{numeric} (a {kind})", str(t))

    def set_epoch(self, epoch: int) -> None:
        """Reseed shuffling and masking for ``epoch`` (call before iterating it).

        Without it every epoch sees the same shuffle order and the same masks.
        """
        self.epoch = int(epoch)

    @property
    def num_shards(self) -> int:
        """Shards the input is split into: ranks x max(workers, 1)."""
        return self.world_size * max(self.num_workers, 1)

    def _shard_index(self) -> int:
        info = get_worker_info()
        worker_id = info.id if info is not None else 0
        return self.rank * max(self.num_workers, 1) + worker_id

    def __iter__(self) -> Iterator[Batch]:
        shard = self._shard_index()
        done = self.start_positions.get(shard, 0)
        self.parser._rng = np.random.default_rng([self.seed + 1, self.epoch, shard, done])
        drop = self.data_config.drop_remainder and self.mode == Mode.TRAIN
        if not self.shuffle:
            raw = prefetch(self.reader.to_batches(shard, self.num_shards, skip_rows=done))
            for rb in rechunk(raw, self.batch_size, drop):
                start = done
                done += rb.num_rows
                yield self._parse(rb, shard, done, start)
            return
        # Windows cover fixed row ranges of the shard, so a resumed run re-reads the
        # window it stopped in, shuffles it the same way and skips what was delivered.
        window_rows = max(int(self.data_config.shuffle_buffer_size), 1) * self.batch_size
        window_start = done - done % window_rows
        raw = prefetch(self.reader.to_batches(shard, self.num_shards, skip_rows=window_start))
        buffer: list[pa.RecordBatch] = []
        buffered = 0
        for rb in rechunk(raw, self.batch_size, drop):
            buffer.append(rb)
            buffered += rb.num_rows
            if buffered >= window_rows:
                yield from self._emit_shuffled(buffer, shard, window_start, done)
                window_start += buffered
                buffer, buffered = [], 0
        if buffer:
            yield from self._emit_shuffled(buffer, shard, window_start, done)

    def _emit_shuffled(
        self, buffer: list[pa.RecordBatch], shard: int, window_start: int, done: int
    ) -> Iterator[Batch]:
        """Shuffle a window of record batches and emit it in batches of batch_size.

        The permutation depends on (seed, epoch, shard, window_start) only, and a batch's
        position is ``window_start`` plus the rows of the window emitted up to it, so
        resuming from a position ``done`` inside the window replays the same permutation
        and emits exactly the batches that had not been delivered (``done`` must come
        from a run with the same batch_size and shuffle_buffer_size; positions of older
        checkpoints, at a window's start, replay the whole window).

        Args:
            buffer: the window's record batches (batch_size rows each, the last maybe fewer).
            shard: the shard being read.
            window_start: rows of the shard before this window.
            done: rows of the shard already delivered (a resume position).
        """
        rng = np.random.default_rng([self.seed, self.epoch, shard, window_start])
        table = pa.Table.from_batches(buffer)
        table = table.take(pa.array(rng.permutation(table.num_rows)))
        for offset in range(max(done - window_start, 0), table.num_rows, self.batch_size):
            rb = table.slice(offset, self.batch_size).combine_chunks().to_batches()[0]
            yield self._parse(rb, shard, window_start + offset + rb.num_rows)

    def _parse(self, rb: pa.RecordBatch, shard: int, done: int, start: int | None = None) -> Batch:
        """The Batch of one record batch; a feature's error names where the batch is from.

        ``start`` is the batch's first row within the shard when the batch is a
        contiguous run of rows (not shuffled): the reader then names the file and row.
        """
        try:
            batch = self.parser.parse(rb, source=self.input_path)
        except (InvalidFgInputError, FeatureConfigError) as e:
            where = None
            if start is not None:
                where = self.reader.locate(shard, self.num_shards, start)
            e.add_source(
                f"{where} (in the {rb.num_rows} rows from there)" if where else self.input_path
            )
            raise
        batch.checkpoint_info = {shard: done}
        return batch
