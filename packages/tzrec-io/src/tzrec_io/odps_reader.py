"""OdpsDataset: MaxCompute tables (partitions) read through an :class:`OdpsClient`.

``input_path`` is ``odps://project/tables/table[/ds=1/hh=2]``: several tables separated
by ``,``, several partitions of one table by ``&``. Each table (partition) is one unit
with a read session (a consistent snapshot and its row count); the rows of all units
are laid end to end in the order given and split into contiguous, row-balanced shard
ranges exactly like Parquet (:mod:`tzrec_io.sharding`), except that a table can be read
from any row, so nothing outside the shard is read. Rows come in the order given, so
``is_orderby_partition`` holds always.

Connection settings: :mod:`tzrec_io.odps_config`; transport: :mod:`tzrec_io.odps_client`
(pyodps's table tunnel, honouring ``odps_data_quota_name`` and
``odps_data_compression``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa

from tzrec.datasets.reader import BaseReader
from tzrec.datasets.record_batches import rechunk
from tzrec.protos import data_pb2
from tzrec_io.batches import row_window
from tzrec_io.odps_client import (
    OdpsClient,
    OdpsReadSession,
    OdpsTableRef,
    PyOdpsClient,
    parse_odps_path,
)
from tzrec_io.schemas import read_schema
from tzrec_io.sharding import shard_pieces


class OdpsReader(BaseReader):
    """Reads MaxCompute tables as row-balanced shards of record batches.

    Args:
        input_path: ``odps://`` tables / partitions (see the module docstring).
        batch_size: the most rows per record batch yielded.
        selected_cols: the columns to read, in this order; None reads the first
            table's columns.
        data_config: quota (``odps_data_quota_name``) and compression
            (``odps_data_compression``) of the real client.
        client: the :class:`OdpsClient` to use; None builds a pyodps client from the
            environment on first use (tests pass an in-memory one: no network).
        **kwargs: ignored options of other readers.
    """

    def __init__(
        self,
        input_path: str,
        batch_size: int,
        selected_cols: Sequence[str] | None = None,
        data_config: data_pb2.DataConfig | None = None,
        client: OdpsClient | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(input_path, batch_size, selected_cols, data_config, **kwargs)
        self.tables = parse_odps_path(input_path)
        self._client = client
        self._sessions: list[OdpsReadSession] | None = None
        self._read_schema: pa.Schema | None = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickled for data-loader workers without the open sessions (each reopens)."""
        state = self.__dict__.copy()
        state["_sessions"] = None
        return state

    @property
    def client(self) -> OdpsClient:
        """The client, built from the environment when none was given."""
        if self._client is None:
            self._client = PyOdpsClient(
                quota_name=self.data_config.odps_data_quota_name,
                compression=self.data_config.odps_data_compression,
            )
        return self._client

    def _open_sessions(self) -> list[OdpsReadSession]:
        if self._sessions is None:
            self._sessions = [self.client.open_read_session(t) for t in self.tables]
        return self._sessions

    def _columns_schema(self) -> pa.Schema:
        """The schema of the columns read, checked to be the same in every table."""
        if self._read_schema is not None:
            return self._read_schema
        sources = [
            (str(t), s.schema) for t, s in zip(self.tables, self._open_sessions(), strict=True)
        ]
        self._read_schema = read_schema(sources, self.selected_cols)
        return self._read_schema

    def schema(self) -> pa.Schema:
        """All data columns of the first table, after checking every table.

        Raises:
            MissingColumnError: a selected column missing from some table.
            ColumnTypeError: a read column whose type differs between tables.
        """
        self._columns_schema()
        return self._open_sessions()[0].schema

    def num_rows(self) -> int:
        """Total rows of all tables (partitions), from their read sessions."""
        return sum(session.num_rows for session in self._open_sessions())

    def to_batches(
        self, shard_index: int = 0, num_shards: int = 1, skip_rows: int = 0
    ) -> Iterator[pa.RecordBatch]:
        """Record batches of one shard's rows; see the module docstring for the split."""
        read_schema = self._columns_schema()
        sessions = self._open_sessions()
        counts = [session.num_rows for session in sessions]
        pieces = shard_pieces(counts, shard_index, num_shards, skip_rows)
        stream = (
            batch
            for piece in pieces
            for batch in self._read(
                self.tables[piece.unit], sessions[piece.unit], piece.start, piece.stop, read_schema
            )
        )
        yield from rechunk(stream, self.batch_size)

    def _read(
        self,
        table: OdpsTableRef,
        session: OdpsReadSession,
        start: int,
        stop: int,
        read_schema: pa.Schema,
    ) -> Iterator[pa.RecordBatch]:
        batches = session.read(start, stop - start, read_schema.names)
        for batch in row_window(batches, 0, stop - start):
            yield pa.RecordBatch.from_arrays(
                [batch.column(name) for name in read_schema.names], schema=read_schema
            )
