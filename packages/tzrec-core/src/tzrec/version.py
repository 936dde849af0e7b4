"""The version of the tzrec-core distribution (kept in step with pyproject.toml)."""

__version__ = "0.1.0"
