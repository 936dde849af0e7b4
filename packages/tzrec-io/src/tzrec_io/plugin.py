"""tzrec-io's plugin module, published under the ``tzrec`` entry-point group.

It registers the dataset readers (by DatasetType name) and the prediction writers.
Targets are lazy ``"module:Class"`` strings: importing this module imports neither
pyarrow nor torch nor pyodps.
"""

from __future__ import annotations

from tzrec.plugins import ReaderSpec, WriterSpec, hookimpl


@hookimpl
def register_readers() -> list[ReaderSpec]:
    """ParquetDataset, CsvDataset and OdpsDataset."""
    return [
        ReaderSpec("ParquetDataset", "tzrec_io.parquet_reader:ParquetReader"),
        ReaderSpec("CsvDataset", "tzrec_io.csv_reader:CsvReader"),
        ReaderSpec("OdpsDataset", "tzrec_io.odps_reader:OdpsReader"),
    ]


@hookimpl
def register_writers() -> list[WriterSpec]:
    """ParquetWriter, CsvWriter and OdpsWriter."""
    return [
        WriterSpec("ParquetWriter", "tzrec_io.parquet_writer:ParquetWriter"),
        WriterSpec("CsvWriter", "tzrec_io.csv_writer:CsvWriter"),
        WriterSpec("OdpsWriter", "tzrec_io.odps_writer:OdpsWriter"),
    ]
