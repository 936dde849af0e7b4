"""CsvWriter: prediction output as CSV part files with a header, committed atomically.

List columns (``list<scalar>``: e.g. embeddings) are written as one field holding the
elements' text joined by ``list_separator`` (default ``","``; the field is quoted when
it contains the delimiter); a null element is written as the empty string, an empty
list as ``""`` and a null list as an empty field. Nested lists, maps and structs have
no CSV form: writing them raises :class:`~tzrec_io.file_writer.WriterSchemaError`
(write Parquet instead).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from tzrec.features.ragged import is_list_type
from tzrec_io.file_writer import AtomicFileWriter, WriterSchemaError


def _csv_type(name: str, data_type: pa.DataType) -> pa.DataType:
    """The type a column is written as: itself, or string for a joined list."""
    if is_list_type(data_type):
        if is_list_type(data_type.value_type) or pa.types.is_nested(data_type.value_type):
            raise WriterSchemaError(
                f"CsvWriter cannot write column '{name}' of type {data_type}: only lists "
                "of scalars are joined into one field; write Parquet for nested data"
            )
        return pa.string()
    if pa.types.is_nested(data_type):
        raise WriterSchemaError(
            f"CsvWriter cannot write column '{name}' of type {data_type}; write Parquet "
            "for maps and structs"
        )
    return data_type


def join_list_column(column: pa.Array, separator: str) -> pa.Array:
    """Each row's list elements as text joined by ``separator`` (null list -> null)."""
    # concat_arrays re-bases a sliced array, so its offsets start at 0 as from_arrays needs.
    lists = pa.concat_arrays([column.cast(pa.list_(pa.string()))])
    texts = pc.fill_null(lists.values, "")
    rebuilt = pa.ListArray.from_arrays(lists.offsets, texts, mask=lists.is_null())
    return pc.binary_join(rebuilt, separator)


class CsvWriter(AtomicFileWriter):
    """Writes record batches to ``part-{rank:05d}.csv`` (see :mod:`tzrec_io.file_writer`).

    Args:
        output_path: a directory, or (one rank) a file ending in ``.csv``.
        rank: this process's rank.
        world_size: number of writing processes.
        schema: the output schema when known before the first write.
        delimiter: the column delimiter (one character, default ``","``), like
            ``data_config.delimiter``.
        list_separator: joins the elements of list columns (default ``","``).
        **kwargs: ignored options of other writers.
    """

    suffix = ".csv"

    def __init__(
        self,
        output_path: str,
        rank: int = 0,
        world_size: int = 1,
        schema: pa.Schema | None = None,
        delimiter: str = ",",
        list_separator: str = ",",
        **kwargs: Any,
    ) -> None:
        if len(delimiter) != 1:
            raise ValueError(f"CsvWriter delimiter {delimiter!r} must be one character")
        if schema is not None:
            for field in schema:
                _csv_type(field.name, field.type)
        super().__init__(output_path, rank, world_size, schema=schema)
        self.delimiter = delimiter
        self.list_separator = list_separator
        self._writer: pcsv.CSVWriter | None = None

    def _open_file(self, schema: pa.Schema) -> None:
        csv_schema = pa.schema([pa.field(f.name, _csv_type(f.name, f.type)) for f in schema])
        options = pcsv.WriteOptions(include_header=True, delimiter=self.delimiter)
        self._writer = pcsv.CSVWriter(self.tmp_path, csv_schema, write_options=options)

    def _write_batch(self, batch: pa.RecordBatch) -> None:
        assert self._writer is not None
        columns = [
            join_list_column(column, self.list_separator) if is_list_type(column.type) else column
            for column in batch.columns
        ]
        self._writer.write_batch(pa.RecordBatch.from_arrays(columns, names=batch.schema.names))

    def _close_file(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()
