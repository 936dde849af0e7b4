"""Atomic file output shared by the Parquet and CSV writers.

``output_path`` is a directory (created when missing) in which rank ``r`` writes
``part-{r:05d}<suffix>``; with one writer (``world_size == 1``) it may instead be a
file path ending in the format's suffix. Rows go to a hidden temporary file
``.{name}.tmp-<pid>`` in the same directory, renamed over the final name by
:meth:`close` (``os.replace``, atomic on one file system); :meth:`abort` deletes it. So
the final name holds either nothing or a complete file.
"""

from __future__ import annotations

import abc
import contextlib
import os
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from tzrec.datasets.reader import BaseWriter


class WriterSchemaError(ValueError):
    """A batch whose columns or types differ from those of the first batch written."""


def as_record_batch(batch: pa.RecordBatch | Mapping[str, pa.Array]) -> pa.RecordBatch:
    """A record batch from a batch or a mapping of column name to array."""
    if isinstance(batch, pa.RecordBatch):
        return batch
    return pa.RecordBatch.from_pydict(dict(batch))


def check_same_schema(path: str, expected: pa.Schema, actual: pa.Schema) -> None:
    """Raise :class:`WriterSchemaError` naming the first column that differs."""
    if actual.equals(expected):
        return
    if actual.names != expected.names:
        raise WriterSchemaError(
            f"{path}: every write must have the columns {expected.names}, got {actual.names}"
        )
    for want, got in zip(expected, actual, strict=True):
        if not got.type.equals(want.type):
            raise WriterSchemaError(
                f"{path}: column '{want.name}' was written as {want.type}, now {got.type}"
            )


def conform_batch(path: str, schema: pa.Schema, batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` labelled with the writer's ``schema`` (its nullability and metadata).

    Format writers refuse a batch whose schema differs from the file's in any way, so
    a batch of the same columns and types but, say, nullable fields where ``schema``
    declares them not null is relabelled here.

    Raises:
        WriterSchemaError: other columns or types than ``schema``'s, or a null in a
            column that ``schema`` declares not null.
    """
    check_same_schema(path, schema, batch.schema)
    if batch.schema.equals(schema, check_metadata=True):
        return batch
    for field, column in zip(schema, batch.columns, strict=True):
        if not field.nullable and column.null_count:
            raise WriterSchemaError(
                f"{path}: column '{field.name}' is declared not null but has "
                f"{column.null_count} null values"
            )
    return pa.RecordBatch.from_arrays(batch.columns, schema=schema)


def resolve_output_file(output_path: str, suffix: str, rank: int, world_size: int) -> str:
    """The final file of this rank (creating the directory that holds it).

    Args:
        output_path: a directory, or for ``world_size == 1`` a file ending in ``suffix``.
        suffix: the format's file suffix (``".parquet"``).
        rank: this writer's rank.
        world_size: number of writers.
    """
    if not 0 <= rank < world_size:
        raise ValueError(f"rank must be in [0, {world_size}), got {rank}")
    if output_path.endswith(suffix) and not os.path.isdir(output_path):
        if world_size != 1:
            raise ValueError(
                f"output path '{output_path}' is a single file, but {world_size} ranks write; "
                "give a directory so each rank writes its own part file"
            )
        parent = os.path.dirname(output_path) or "."
        os.makedirs(parent, exist_ok=True)
        return output_path
    os.makedirs(output_path, exist_ok=True)
    return os.path.join(output_path, f"part-{rank:05d}{suffix}")


class AtomicFileWriter(BaseWriter):
    """Writes one rank's part file through a temporary name, renamed on close.

    Subclasses open the format writer on the temporary path and write batches.

    Args:
        output_path: a directory, or (one rank) a file ending in :attr:`suffix`.
        rank: this process's rank.
        world_size: number of writing processes.
        schema: the output schema when known in advance; then :meth:`close` writes a
            file without rows even when nothing was written. Without it, the first
            write fixes the schema and a writer that got no rows commits no file.
        **kwargs: format options of the subclass.
    """

    suffix = ""

    def __init__(
        self,
        output_path: str,
        rank: int = 0,
        world_size: int = 1,
        schema: pa.Schema | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(output_path, rank, world_size)
        self.path = resolve_output_file(output_path, self.suffix, rank, world_size)
        directory, name = os.path.split(self.path)
        self.tmp_path = os.path.join(directory, f".{name}.tmp-{os.getpid()}")
        self._schema = schema
        self._opened = False
        self._finished = False

    @abc.abstractmethod
    def _open_file(self, schema: pa.Schema) -> None:
        """Open the format writer on :attr:`tmp_path` for ``schema``."""

    @abc.abstractmethod
    def _write_batch(self, batch: pa.RecordBatch) -> None:
        """Append one batch (already checked against the schema)."""

    @abc.abstractmethod
    def _close_file(self) -> None:
        """Flush and close the format writer."""

    def write(self, batch: pa.RecordBatch | Mapping[str, pa.Array]) -> None:
        """Append rows; the first write (or ``schema``) fixes the columns and types.

        A batch of other columns or types raises :class:`WriterSchemaError` and is not
        written; the writer stays usable. A failure while writing aborts the writer.
        """
        if self._finished:
            raise RuntimeError(f"{self.path}: write after close() or abort()")
        record_batch = as_record_batch(batch)
        if self._schema is None:
            self._schema = record_batch.schema
        record_batch = conform_batch(self.path, self._schema, record_batch)
        try:
            self._ensure_open()
            self._write_batch(record_batch)
        except BaseException:
            self.abort()
            raise

    def _ensure_open(self) -> None:
        if not self._opened:
            assert self._schema is not None
            self._open_file(self._schema)
            self._opened = True

    def close(self) -> None:
        """Finish the temporary file and rename it to the final name."""
        if self._finished:
            return
        try:
            if self._schema is not None:
                self._ensure_open()
            if self._opened:
                self._close_file()
                os.replace(self.tmp_path, self.path)
        except BaseException:
            self.abort()
            raise
        self._finished = True

    def abort(self) -> None:
        """Drop the temporary file; nothing is left under the final name by this writer."""
        if self._finished:
            return
        self._finished = True
        if self._opened:
            with contextlib.suppress(Exception):
                self._close_file()
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.tmp_path)
