"""CsvDataset: delimited text files read with pyarrow's streaming CSV reader.

Options come from the data config: ``delimiter`` (one character, default ``,``),
``with_header`` (whether files start with a header line) and ``input_fields`` /
``input_fields_str`` (column names for headerless files, and types; CSV holds the
scalar types INT32, INT64, FLOAT, DOUBLE and STRING only). Fields are quoted with
standard double quotes (``""`` inside a quoted field is one ``"``). An empty field,
quoted or not, is null in a non-string column and the empty string in a string column.

Types: declared types are used as given; the others are inferred once, from the first
block of the first file, and then imposed on every file so all batches share one
schema. A column that is empty in that whole block cannot be inferred: declare its
type.

Sharding: with at least as many files as shards, file ``i`` goes to shard ``i % S``
(balanced when the files are of equal size, as the CsvDataset docs ask); with fewer
files, every shard reads all files and keeps the rows whose global index ``r`` has
``r % S == k``. Either way every row is read by exactly one shard.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.csv as pcsv

from tzrec.datasets.errors import (
    ColumnTypeError,
    DataReadError,
    MissingColumnError,
    UnreadableFileError,
)
from tzrec.datasets.reader import BaseReader
from tzrec.datasets.record_batches import rechunk
from tzrec.datasets.schema import InputFieldsError, declared_fields, is_scalar_type
from tzrec.protos import data_pb2
from tzrec_io.batches import row_window, stride_rows
from tzrec_io.paths import expand_input_path
from tzrec_io.sharding import check_shard

# pyarrow's message for a value that does not convert to the column type, e.g.
# "In CSV column #2: CSV conversion error to int64: invalid value 'bad'"
_CONVERSION_ERROR = re.compile(
    r"CSV column #(?P<index>\d+).*conversion error to (?P<type>[^:]+): "
    r"invalid value '(?P<value>.*)'",
    re.DOTALL,
)
_MISSING_INCLUDE = re.compile(r"Column '(?P<name>.*)' in include_columns does not exist")
_EMPTY_FILE = "Empty CSV file"


class _EmptyFileError(Exception):
    """A file without any line (not even a header): it holds no rows."""


class CsvReader(BaseReader):
    """Reads CSV files as exactly-once shards of record batches.

    Args:
        input_path: files or glob patterns, comma-separated (``"dir/*.csv"``).
        batch_size: the most rows per record batch yielded.
        selected_cols: the columns to read, in this order; None reads all.
        data_config: delimiter, with_header and input_fields / input_fields_str.
        block_size: bytes parsed per block (default 1 MiB); type inference sees the
            first block of the first file.
        use_threads: parse on arrow's thread pool (default False: data loaders run
            many reader processes already).
        **kwargs: ignored options of other readers.
    """

    def __init__(
        self,
        input_path: str,
        batch_size: int,
        selected_cols: Sequence[str] | None = None,
        data_config: data_pb2.DataConfig | None = None,
        block_size: int = 1 << 20,
        use_threads: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(input_path, batch_size, selected_cols, data_config, **kwargs)
        self.files = expand_input_path(input_path)
        delimiter = self.data_config.delimiter
        if len(delimiter) != 1:
            raise ValueError(
                f"data_config.delimiter {delimiter!r} must be exactly one character for CsvDataset"
            )
        self.with_header = self.data_config.with_header
        self.block_size = block_size
        self.use_threads = use_threads
        self._parse_options = pcsv.ParseOptions(delimiter=delimiter, quote_char='"')
        fields = declared_fields(self.data_config)
        for field in fields:
            if field.type is not None and not is_scalar_type(field.type):
                raise InputFieldsError(
                    field.name,
                    f"CsvDataset supports the scalar types INT32, INT64, FLOAT, DOUBLE and "
                    f"STRING only, not {field.type}",
                )
        self._declared_types = {f.name: f.type for f in fields if f.type is not None}
        self._column_names = [f.name for f in fields] if not self.with_header else None
        if not self.with_header and not fields:
            raise DataReadError(
                input_path,
                "CSV files without a header (with_header: false) need the column names "
                "in data_config.input_fields or input_fields_str",
            )
        self._schema: pa.Schema | None = None
        self._read_schema: pa.Schema | None = None

    def _read_options(self) -> pcsv.ReadOptions:
        return pcsv.ReadOptions(
            column_names=self._column_names,
            block_size=self.block_size,
            use_threads=self.use_threads,
        )

    def _convert_options(
        self, column_types: dict[str, pa.DataType], include: list[str] | None
    ) -> pcsv.ConvertOptions:
        return pcsv.ConvertOptions(
            column_types=column_types,
            include_columns=include or [],
            null_values=[""],
            strings_can_be_null=False,
            # A quoted empty field ("") is null in a non-string column too (as writers
            # that quote every field write nulls); string columns keep "" either way.
            quoted_strings_can_be_null=True,
        )

    def _open(
        self, path: str, column_types: dict[str, pa.DataType], include: list[str] | None
    ) -> pcsv.CSVStreamingReader:
        """Open one file, translating pyarrow's errors into errors naming the file."""
        try:
            return pcsv.open_csv(
                path,
                read_options=self._read_options(),
                parse_options=self._parse_options,
                convert_options=self._convert_options(column_types, include),
            )
        except pa.ArrowKeyError as e:
            missing = _MISSING_INCLUDE.search(str(e))
            if missing is None:
                raise UnreadableFileError(path, str(e)) from e
            header = self._header(path)
            raise MissingColumnError(path, missing.group("name"), header) from e
        except (OSError, pa.ArrowException) as e:
            if _EMPTY_FILE in str(e):
                raise _EmptyFileError(path) from e
            raise self._translate(path, e, column_types) from e

    def _header(self, path: str) -> list[str]:
        """The column names of one file (its header line, or the declared names)."""
        if self._column_names is not None:
            return list(self._column_names)
        try:
            reader = pcsv.open_csv(
                path,
                read_options=self._read_options(),
                parse_options=self._parse_options,
                convert_options=pcsv.ConvertOptions(
                    column_types={}, include_columns=[], null_values=[""]
                ),
            )
        except (OSError, pa.ArrowException) as e:
            raise UnreadableFileError(path, str(e)) from e
        return list(reader.schema.names)

    def _translate(
        self, path: str, error: Exception, column_types: dict[str, pa.DataType]
    ) -> DataReadError:
        """A pyarrow read error as an error naming the file (and column, value)."""
        message = str(error)
        conversion = _CONVERSION_ERROR.search(message)
        if conversion is not None:
            index = int(conversion.group("index"))
            names = self._header(path)
            column = names[index] if index < len(names) else f"#{index}"
            expected = column_types.get(column, conversion.group("type"))
            return ColumnTypeError(
                path, column, str(expected), f"the value '{conversion.group('value')}'"
            )
        if isinstance(error, FileNotFoundError):
            return UnreadableFileError(path, "no such file")
        if "Expected" in message and "columns" in message and self._column_names is not None:
            message += (
                f" (data_config declares {len(self._column_names)} columns for these "
                "headerless files)"
            )
        return UnreadableFileError(path, message)

    @property
    def schema_source(self) -> str:
        """The first file, whose schema :meth:`schema` returns."""
        return str(self.files[0])

    def schema(self) -> pa.Schema:
        """All columns of the first file: declared types, else inferred from its first block.

        Raises:
            MissingColumnError: a selected column not in the first file.
            DataReadError: a read column whose type cannot be inferred (empty in the
                first block) or a value that does not parse as the declared type.
            UnreadableFileError: the first file cannot be opened.
        """
        self._columns_schema()
        assert self._schema is not None
        return self._schema

    def _columns_schema(self) -> pa.Schema:
        """The schema of the columns read, imposed on every file."""
        if self._read_schema is None:
            first, full = self._first_schema()
            names = self.selected_cols if self.selected_cols is not None else full.names
            for name in names:
                if full.get_field_index(name) < 0:
                    raise MissingColumnError(first, name, full.names)
            fields = [full.field(name) for name in names]
            for field in fields:
                if pa.types.is_null(field.type):
                    raise DataReadError(
                        first,
                        "every value in the first block is empty, so the type cannot be "
                        "inferred; declare it in data_config.input_fields (input_type) or "
                        "input_fields_str",
                        field.name,
                    )
            self._schema = full
            self._read_schema = pa.schema(fields)
        return self._read_schema

    def _first_schema(self) -> tuple[str, pa.Schema]:
        """The first non-empty file and all its columns (declared or inferred types)."""
        for path in self.files:
            try:
                return path, self._open(path, self._declared_types, None).schema
            except _EmptyFileError:
                continue
        raise UnreadableFileError(self.input_path, "every file is empty")

    def num_rows(self) -> int | None:
        """Unknown without reading every file: None."""
        return None

    def _read_file(self, path: str) -> Iterator[pa.RecordBatch]:
        """All batches of one file, the read columns with the reader's types."""
        schema = self._columns_schema()
        column_types = {field.name: field.type for field in schema}
        try:
            reader = self._open(path, column_types, schema.names)
        except _EmptyFileError:
            return
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except (OSError, pa.ArrowException) as e:
                raise self._translate(path, e, column_types) from e
            yield batch

    def to_batches(
        self, shard_index: int = 0, num_shards: int = 1, skip_rows: int = 0
    ) -> Iterator[pa.RecordBatch]:
        """Record batches of one shard's rows; see the module docstring for the split."""
        check_shard(shard_index, num_shards, skip_rows)
        self._columns_schema()
        if len(self.files) >= num_shards:
            files = self.files[shard_index::num_shards]
            stream = (batch for path in files for batch in self._read_file(path))
            yield from rechunk(row_window(stream, skip_rows), self.batch_size)
        else:
            stream = (batch for path in self.files for batch in self._read_file(path))
            first = shard_index + skip_rows * num_shards
            yield from rechunk(stride_rows(stream, first, num_shards), self.batch_size)
