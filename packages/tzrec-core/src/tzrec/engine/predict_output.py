"""What ``predict`` writes: prediction tensors as arrow columns, and one writer per shard.

Columns follow TorchEasyRec's offline prediction: each model output (``probs``,
``logits``, ``y``...) becomes a column of its name, followed by the reserved input
columns, copied untouched. An output of shape (B,) or (B, 1) is a scalar column of the
tensor's dtype (float32 for probabilities and logits; half precision is widened to
float32); an output of shape (B, N) with N > 1 (multi-class ``probs``/``logits``, an
embedding) is a list column of N elements per row, float64 for floating outputs and
int64 for integer ones, as TorchEasyRec's ``pa.array(tensor.numpy().tolist())`` gives.

Ordering: the input is split into shards (ranks x dataloader workers, see
:class:`~tzrec.datasets.dataset.TzrecDataset`), each a contiguous run of input rows in
input order, shard ``s`` before shard ``s + 1``. :class:`ShardWriters` gives every
shard its own writer (part file ``part-{s:05d}`` of a file output), which receives the
shard's batches in the order the shard yields them. So each part file holds its shard's
rows in input order, and the part files read in name order are the input in its order.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from types import TracebackType

import numpy as np
import pyarrow as pa
import torch

from tzrec.datasets.reader import BaseWriter, create_writer, reader_name
from tzrec.protos import data_pb2

#: The writer that matches each built-in dataset type (TorchEasyRec's pairing).
_DEFAULT_WRITERS = {
    "ParquetDataset": "ParquetWriter",
    "CsvDataset": "CsvWriter",
    "OdpsDataset": "OdpsWriter",
}
#: Suffixes that make an output path a single file rather than a directory of parts.
FILE_SUFFIXES = (".parquet", ".csv")


class OutputColumnError(ValueError):
    """A prediction output that cannot be written as a column (its shape, a name clash)."""


def default_writer_type(data_config: data_pb2.DataConfig) -> str:
    """The writer matching the data config's dataset type (``ParquetDataset`` -> ``ParquetWriter``).

    A plugin dataset type ``FooDataset`` maps to ``FooWriter``; the writer registry says
    so when no such writer exists.
    """
    name = reader_name(data_config)
    return _DEFAULT_WRITERS.get(name, name.removesuffix("Dataset") + "Writer")


def tensor_to_column(name: str, tensor: torch.Tensor) -> pa.Array:
    """One prediction output as an arrow column (see the module docstring for types).

    Raises:
        OutputColumnError: for a scalar or a tensor of more than 2 dimensions.
    """
    value = tensor.detach().cpu()
    if value.dtype in (torch.float16, torch.bfloat16):
        value = value.float()
    if value.dim() == 2 and value.shape[1] == 1:
        value = value.reshape(-1)
    if value.dim() == 1:
        return pa.array(value.numpy())
    if value.dim() != 2:
        raise OutputColumnError(
            f"model output '{name}' has shape {tuple(value.shape)}; only (batch,) and "
            "(batch, n) outputs can be written as columns"
        )
    rows, width = value.shape
    element = np.float64 if value.is_floating_point() else np.int64
    flat = pa.array(value.numpy().astype(element).reshape(-1))
    offsets = pa.array(np.arange(0, rows * width + 1, width, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, flat)


def output_record_batch(
    predictions: Mapping[str, torch.Tensor],
    reserves: pa.RecordBatch | None,
    num_rows: int,
) -> pa.RecordBatch:
    """Predictions then reserved columns, as one record batch of ``num_rows`` rows.

    Raises:
        OutputColumnError: an output of another row count, or a reserved column named
            like an output.
    """
    columns: dict[str, pa.Array] = {}
    for name, tensor in predictions.items():
        column = tensor_to_column(name, tensor)
        if len(column) != num_rows:
            raise OutputColumnError(
                f"model output '{name}' has {len(column)} rows for a batch of {num_rows}"
            )
        columns[name] = column
    if reserves is not None:
        for name, column in zip(reserves.schema.names, reserves.columns, strict=True):
            if name in columns:
                raise OutputColumnError(
                    f"reserved column '{name}' has the name of a model output; rename the "
                    "input column or leave it out of reserved_columns"
                )
            columns[name] = column
    return pa.RecordBatch.from_pydict(columns)


def is_single_file(output_path: str) -> bool:
    """Whether ``output_path`` names one file (``out.parquet``) rather than a directory."""
    return output_path.endswith(FILE_SUFFIXES) and not os.path.isdir(output_path)


class ShardWriters:
    """One writer per input shard of this process, committed together.

    Use as a context manager: leaving normally commits every writer (a shard that got
    no rows commits nothing), an exception aborts them all.

    Args:
        writer_type: the writer plugin (``"ParquetWriter"``...).
        output_path: where to write; a directory of part files, or (one shard in all)
            a single file.
        shards: the shard indexes this process reads (global, ``0 <= s < num_shards``).
        num_shards: shards of the whole run (ranks x workers).
        **writer_kwargs: passed to each writer.
    """

    def __init__(
        self,
        writer_type: str,
        output_path: str,
        shards: Sequence[int],
        num_shards: int,
        **writer_kwargs: object,
    ) -> None:
        self.writer_type = writer_type
        self.output_path = output_path
        self.num_shards = num_shards
        self._shards = list(shards)
        self._kwargs = writer_kwargs
        self._writers: dict[int, BaseWriter] = {}
        self.rows: dict[int, int] = dict.fromkeys(self._shards, 0)

    def write(self, shard: int, batch: pa.RecordBatch) -> None:
        """Append ``batch`` to the output of ``shard`` (its writer opens on first use)."""
        if shard not in self.rows:
            raise ValueError(f"shard {shard} is not one of this process's shards {self._shards}")
        writer = self._writers.get(shard)
        if writer is None:
            writer = create_writer(
                self.writer_type, self.output_path, shard, self.num_shards, **self._kwargs
            )
            self._writers[shard] = writer
        writer.write(batch)
        self.rows[shard] += batch.num_rows

    @property
    def total_rows(self) -> int:
        """Rows written by this process."""
        return sum(self.rows.values())

    def output_files(self) -> list[str]:
        """The final paths of this process's file outputs (those with a ``path``), by shard."""
        paths = (getattr(self._writers[shard], "path", None) for shard in sorted(self._writers))
        return [path for path in paths if isinstance(path, str)]

    def close(self) -> None:
        """Commit every writer, in shard order; on a failure abort the rest."""
        pending = [self._writers[s] for s in sorted(self._writers)]
        for i, writer in enumerate(pending):
            try:
                writer.close()
            except BaseException:
                for later in pending[i + 1 :]:
                    later.abort()
                raise

    def abort(self) -> None:
        """Drop every writer's output."""
        for writer in self._writers.values():
            with contextlib.suppress(Exception):
                writer.abort()

    def __enter__(self) -> ShardWriters:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
