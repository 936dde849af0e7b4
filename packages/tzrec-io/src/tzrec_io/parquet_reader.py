"""ParquetDataset: Parquet files, sharded by rows at row-group granularity.

Only the footers of all files are read to plan: the rows of all files are laid end to
end (files sorted by path), shard ``k`` of ``S`` takes the global row range
``[k * N // S, (k + 1) * N // S)`` and reads just the row groups overlapping it,
slicing the first and last. Files must agree on the types of the columns read, except
that a column dictionary-encoded in some files only (or with other index widths) is
read decoded from all. Every row is read by exactly one shard, shards differ by
at most one row even with fewer (or uneven) files than shards, and resuming with
``skip_rows`` starts at the first needed row group without reading skipped ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tzrec.datasets.errors import UnreadableFileError
from tzrec.datasets.reader import BaseReader
from tzrec.datasets.record_batches import rechunk
from tzrec.protos import data_pb2
from tzrec_io.batches import row_window
from tzrec_io.paths import expand_input_path
from tzrec_io.schemas import read_schema
from tzrec_io.sharding import Piece, shard_pieces, shard_range


@dataclass(frozen=True)
class _FileInfo:
    """A Parquet file's footer: its path, arrow schema and row-group row counts."""

    path: str
    metadata: pq.FileMetaData
    schema: pa.Schema
    row_group_rows: tuple[int, ...]


def _read_footer(path: str) -> _FileInfo:
    try:
        metadata = pq.read_metadata(path)
        schema = metadata.schema.to_arrow_schema()
    except (OSError, pa.ArrowException) as e:
        raise UnreadableFileError(path, f"not a readable Parquet file ({e})") from e
    rows = tuple(metadata.row_group(i).num_rows for i in range(metadata.num_row_groups))
    return _FileInfo(path, metadata, schema, rows)


def _as_type(column: pa.Array, t: pa.DataType) -> pa.Array:
    """``column`` as type ``t`` (a dictionary-encoded column decoded; others as they are)."""
    return column if column.type.equals(t) else column.cast(t)


class ParquetReader(BaseReader):
    """Reads Parquet files as row-balanced shards of record batches.

    Args:
        input_path: files or glob patterns, comma-separated (``"dir/*.parquet"``).
        batch_size: the most rows per record batch yielded.
        selected_cols: the columns to read, in this order; None reads the columns of
            the first file.
        data_config: the pipeline's data config (unused by Parquet; types come from
            the files).
        use_threads: decode columns on arrow's thread pool (default True); pass False
            in many-worker data loaders to avoid oversubscribing the CPUs.
        **kwargs: ignored options of other readers.
    """

    def __init__(
        self,
        input_path: str,
        batch_size: int,
        selected_cols: Sequence[str] | None = None,
        data_config: data_pb2.DataConfig | None = None,
        use_threads: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(input_path, batch_size, selected_cols, data_config, **kwargs)
        self.use_threads = use_threads
        self.files = expand_input_path(input_path)
        self._infos: list[_FileInfo] | None = None
        self._read_schema: pa.Schema | None = None

    def _footers(self) -> list[_FileInfo]:
        if self._infos is None:
            self._infos = [_read_footer(path) for path in self.files]
        return self._infos

    def _columns_schema(self) -> pa.Schema:
        """The schema of the columns read, checked to be the same in every file."""
        if self._read_schema is not None:
            return self._read_schema
        self._read_schema = read_schema(
            [(info.path, info.schema) for info in self._footers()], self.selected_cols
        )
        return self._read_schema

    @property
    def schema_source(self) -> str:
        """The first file, whose schema :meth:`schema` returns."""
        return str(self.files[0])

    def schema(self) -> pa.Schema:
        """All columns of the first file, after checking every file has the read columns.

        Raises:
            MissingColumnError: a selected column missing from some file.
            ColumnTypeError: a read column whose type differs between files.
            UnreadableFileError: a file that is not valid Parquet (corrupt, truncated).
        """
        self._columns_schema()
        return self._footers()[0].schema

    def num_rows(self) -> int:
        """Total rows of all files, from their footers."""
        return sum(sum(info.row_group_rows) for info in self._footers())

    def to_batches(
        self, shard_index: int = 0, num_shards: int = 1, skip_rows: int = 0
    ) -> Iterator[pa.RecordBatch]:
        """Record batches of one shard's rows; see the module docstring for the split."""
        read_schema = self._columns_schema()
        infos = self._footers()
        units = [(f, g) for f, info in enumerate(infos) for g in range(len(info.row_group_rows))]
        unit_rows = [infos[f].row_group_rows[g] for f, g in units]
        pieces = shard_pieces(unit_rows, shard_index, num_shards, skip_rows)
        by_file = groupby(pieces, key=lambda piece: units[piece.unit][0])
        stream = (
            batch
            for file_index, file_pieces in by_file
            for batch in self._read_pieces(infos[file_index], list(file_pieces), units, read_schema)
        )
        yield from rechunk(stream, self.batch_size)

    def locate(self, shard_index: int, num_shards: int, shard_row: int) -> str | None:
        """The file and row (0-based, within the file) of a shard's row."""
        infos = self._footers()
        file_rows = [sum(info.row_group_rows) for info in infos]
        start, stop = shard_range(sum(file_rows), shard_index, num_shards)
        row = start + shard_row
        if not start <= row < stop:
            return None
        for info, rows in zip(infos, file_rows, strict=True):
            if row < rows:
                return f"{info.path}, row {row}"
            row -= rows
        return None

    def _read_pieces(
        self,
        info: _FileInfo,
        pieces: list[Piece],
        units: list[tuple[int, int]],
        read_schema: pa.Schema,
    ) -> Iterator[pa.RecordBatch]:
        """The rows of consecutive row-group pieces of one file, as the read schema."""
        row_groups = [units[p.unit][1] for p in pieces]
        skip = pieces[0].start
        count = sum(p.stop - p.start for p in pieces)
        try:
            with pq.ParquetFile(info.path, metadata=info.metadata) as parquet_file:
                batches = parquet_file.iter_batches(
                    batch_size=self.batch_size,
                    row_groups=row_groups,
                    columns=read_schema.names,
                    use_threads=self.use_threads,
                )
                for batch in row_window(batches, skip, count):
                    yield pa.RecordBatch.from_arrays(
                        [_as_type(batch.column(f.name), f.type) for f in read_schema],
                        schema=read_schema,
                    )
        except (OSError, pa.ArrowException) as e:
            raise UnreadableFileError(info.path, f"reading row groups {row_groups}: {e}") from e
