"""Errors of reading input data: each names the file (or table) and the column."""

from __future__ import annotations


class DataReadError(ValueError):
    """Input data that cannot be read as the pipeline needs it.

    Attributes:
        path: the file or table.
        column: the column, when the problem is one column.
    """

    def __init__(self, path: str, message: str, column: str | None = None) -> None:
        self.path = path
        self.column = column
        where = f"{path}" + (f", column '{column}'" if column else "")
        super().__init__(f"{where}: {message}")


class MissingColumnError(DataReadError):
    """A column the features, labels or reserved columns need is not in the input."""

    def __init__(self, path: str, column: str, available: list[str] | None = None) -> None:
        hint = ""
        if available is not None:
            from tzrec.utils.config_errors import closest_names

            close = closest_names(column, available)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        super().__init__(path, f"the input has no column '{column}'{hint}", column)


class ColumnTypeError(DataReadError):
    """A column whose type is not the one the pipeline expects."""

    def __init__(self, path: str, column: str, expected: str, actual: str) -> None:
        super().__init__(path, f"expected type {expected}, found {actual}", column)
        self.expected = expected
        self.actual = actual


class UnreadableFileError(DataReadError):
    """A file that does not exist, cannot be opened, or is corrupt or truncated."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(path, f"cannot be read: {reason}")
