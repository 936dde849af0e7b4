"""OdpsWriter: prediction output to a MaxCompute table (partition), committed on close.

``output_path`` is one ``odps://project/tables/table[/ds=1]`` (one table, at most one
partition). The table is created when missing (columns from the first batch, string
partition columns). Each rank uploads through its own tunnel upload session, which
makes its rows visible only when :meth:`OdpsWriter.close` commits it; :meth:`abort`
leaves the session uncommitted, so nothing of it is visible.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from tzrec.datasets.reader import BaseWriter
from tzrec_io.file_writer import as_record_batch, conform_batch
from tzrec_io.odps_client import (
    OdpsClient,
    OdpsPathError,
    OdpsWriteSession,
    PyOdpsClient,
    parse_odps_path,
)


class OdpsWriter(BaseWriter):
    """Writes record batches to a MaxCompute table through an :class:`OdpsClient`.

    Args:
        output_path: ``odps://project/tables/table[/partition]``.
        rank: this process's rank.
        world_size: number of writing processes (each commits its own rows).
        client: the :class:`OdpsClient` to use; None builds a pyodps client from the
            environment (tests pass an in-memory one: no network).
        quota_name: data transmission quota of the real client.
        compression: tunnel compression of the real client (LZ4_FRAME, ZSTD,
            UNCOMPRESSED).
        **kwargs: ignored options of other writers.
    """

    def __init__(
        self,
        output_path: str,
        rank: int = 0,
        world_size: int = 1,
        client: OdpsClient | None = None,
        quota_name: str = "pay-as-you-go",
        compression: str = "LZ4_FRAME",
        **kwargs: Any,
    ) -> None:
        super().__init__(output_path, rank, world_size)
        tables = parse_odps_path(output_path)
        if len(tables) != 1:
            raise OdpsPathError(
                f"'{output_path}': OdpsWriter writes one table (partition), not {len(tables)}"
            )
        self.table = tables[0]
        self._client = client
        self._quota_name = quota_name
        self._compression = compression
        self._schema: pa.Schema | None = None
        self._session: OdpsWriteSession | None = None
        self._finished = False

    @property
    def client(self) -> OdpsClient:
        """The client, built from the environment when none was given."""
        if self._client is None:
            self._client = PyOdpsClient(quota_name=self._quota_name, compression=self._compression)
        return self._client

    def write(self, batch: pa.RecordBatch | Mapping[str, pa.Array]) -> None:
        """Upload rows; the first write fixes the columns and types."""
        if self._finished:
            raise RuntimeError(f"{self.table}: write after close() or abort()")
        record_batch = as_record_batch(batch)
        if self._schema is None:
            self._schema = record_batch.schema
        record_batch = conform_batch(str(self.table), self._schema, record_batch)
        try:
            if self._session is None:
                self._session = self.client.open_write_session(self.table, self._schema)
            self._session.write(record_batch)
        except BaseException:
            self.abort()
            raise

    def close(self) -> None:
        """Commit the upload (nothing to do when no row was written)."""
        if self._finished:
            return
        self._finished = True
        if self._session is not None:
            try:
                self._session.commit()
            except BaseException:
                self._session.abort()
                raise

    def abort(self) -> None:
        """Leave the upload uncommitted: none of its rows become visible."""
        if self._finished:
            return
        self._finished = True
        if self._session is not None:
            self._session.abort()
