"""The reader and writer contracts that input/output plugins implement.

A reader turns an input path (files, globs, tables) into arrow record batches of the
selected columns, split into shards so that the shards together hold every row exactly
once; the dataset gives each (rank, worker) pair one shard. A writer takes record
batches of predictions and commits them atomically: nothing under the final name until
:meth:`BaseWriter.close` succeeds.

Readers are registered by DatasetType name (``"ParquetDataset"``) or by a plugin's own
name given as ``data_config.plugin_dataset_type``; writers by name (``"ParquetWriter"``).
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

import pyarrow as pa

from tzrec.protos import data_pb2


class BaseReader(abc.ABC):
    """Reads a dataset as sharded arrow record batches.

    Args:
        input_path: where the data is (format-specific: globs, comma lists, odps://...).
        batch_size: the most rows per record batch yielded.
        selected_cols: the columns to read; None reads all.
        data_config: the pipeline's data config (delimiter, input_fields, quotas...).
        **kwargs: format-specific options.
    """

    def __init__(
        self,
        input_path: str,
        batch_size: int,
        selected_cols: Sequence[str] | None = None,
        data_config: data_pb2.DataConfig | None = None,
        **kwargs: Any,
    ) -> None:
        self.input_path = input_path
        self.batch_size = int(batch_size)
        self.selected_cols = list(selected_cols) if selected_cols is not None else None
        self.data_config = data_config or data_pb2.DataConfig()

    @abc.abstractmethod
    def schema(self) -> pa.Schema:
        """The schema of the input (all columns), used to check what the pipeline needs.

        Raises:
            MissingColumnError: when a selected column is not in the input.
            UnreadableFileError: when the input cannot be opened.
        """

    @abc.abstractmethod
    def num_rows(self) -> int | None:
        """Total rows of the input, or None when unknown without reading everything."""

    @abc.abstractmethod
    def to_batches(
        self, shard_index: int = 0, num_shards: int = 1, skip_rows: int = 0
    ) -> Iterator[pa.RecordBatch]:
        """Record batches of one shard's rows (the selected columns, in input order).

        Shards 0..num_shards-1 of one input together hold each row exactly once, and a
        shard's rows come in the same order every time, so that ``skip_rows`` (rows of
        this shard already consumed) resumes where an earlier run stopped.

        Args:
            shard_index: which shard, 0 <= shard_index < num_shards.
            num_shards: how many shards the input is split into (ranks x workers).
            skip_rows: rows at the start of this shard to skip.
        """

    @property
    def schema_source(self) -> str:
        """What :meth:`schema` describes, named in error messages.

        The input path by default; a file-based reader names its first file.
        """
        return self.input_path

    def locate(self, shard_index: int, num_shards: int, shard_row: int) -> str | None:
        """Where a row of a shard comes from, for error messages (``file, row N``).

        Args:
            shard_index: the shard.
            num_shards: how many shards the input is split into.
            shard_row: the row's index within the shard (counting skipped rows).

        Returns:
            a short description, or None when the reader cannot tell (the default).
        """
        return None


class BaseWriter(abc.ABC):
    """Writes record batches (predictions and reserved columns) to an output.

    Use as a context manager: leaving the block normally commits the output, an
    exception aborts it and removes what was written.

    Args:
        output_path: where to write (format-specific).
        rank: this process's rank; several ranks write disjoint parts of one output.
        world_size: number of writing processes.
        **kwargs: format-specific options.
    """

    def __init__(self, output_path: str, rank: int = 0, world_size: int = 1, **kwargs: Any) -> None:
        self.output_path = output_path
        self.rank = rank
        self.world_size = world_size

    @abc.abstractmethod
    def write(self, batch: pa.RecordBatch | Mapping[str, pa.Array]) -> None:
        """Append rows; every call must have the same columns and types."""

    @abc.abstractmethod
    def close(self) -> None:
        """Finish and commit the output under its final name."""

    @abc.abstractmethod
    def abort(self) -> None:
        """Drop what was written; no output under the final name remains."""

    def __enter__(self) -> BaseWriter:
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


def reader_name(data_config: data_pb2.DataConfig) -> str:
    """The registry name of the reader a data config selects."""
    if data_config.HasField("plugin_dataset_type"):
        return data_config.plugin_dataset_type
    return str(data_pb2.DatasetType.Name(data_config.dataset_type))


def create_reader(
    data_config: data_pb2.DataConfig,
    input_path: str,
    batch_size: int,
    selected_cols: Sequence[str] | None = None,
    **kwargs: Any,
) -> BaseReader:
    """The reader plugin a data config selects, built for ``input_path``."""
    from tzrec.plugins.manager import get_registries

    cls = get_registries().readers.load(reader_name(data_config))
    reader: BaseReader = cls(
        input_path, batch_size, selected_cols=selected_cols, data_config=data_config, **kwargs
    )
    return reader


def create_writer(
    writer_type: str, output_path: str, rank: int = 0, world_size: int = 1, **kwargs: Any
) -> BaseWriter:
    """The writer plugin registered as ``writer_type`` (``"ParquetWriter"``...)."""
    from tzrec.plugins.manager import get_registries

    cls = get_registries().writers.load(writer_type)
    writer: BaseWriter = cls(output_path, rank=rank, world_size=world_size, **kwargs)
    return writer
