"""tzrec-io: the reader, writer and sampler plugins (Parquet, CSV, ODPS)."""

__version__ = "0.1.0"
