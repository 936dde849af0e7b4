"""ParquetWriter: prediction output as Parquet part files, committed atomically."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tzrec_io.file_writer import AtomicFileWriter


class ParquetWriter(AtomicFileWriter):
    """Writes record batches to ``part-{rank:05d}.parquet`` (see :mod:`tzrec_io.file_writer`).

    Args:
        output_path: a directory, or (one rank) a file ending in ``.parquet``.
        rank: this process's rank.
        world_size: number of writing processes.
        schema: the output schema when known before the first write.
        compression: Parquet compression codec (default ``"zstd"``).
        **kwargs: ignored options of other writers.
    """

    suffix = ".parquet"

    def __init__(
        self,
        output_path: str,
        rank: int = 0,
        world_size: int = 1,
        schema: pa.Schema | None = None,
        compression: str = "zstd",
        **kwargs: Any,
    ) -> None:
        super().__init__(output_path, rank, world_size, schema=schema)
        self.compression = compression
        self._writer: pq.ParquetWriter | None = None

    def _open_file(self, schema: pa.Schema) -> None:
        self._writer = pq.ParquetWriter(self.tmp_path, schema, compression=self.compression)

    def _write_batch(self, batch: pa.RecordBatch) -> None:
        assert self._writer is not None
        self._writer.write_batch(batch)

    def _close_file(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()
