"""Errors of reading input data: each names the file (or table) and the column.

Like the feature errors, each can be rebuilt from its message alone (``pickle``, and
torch's DataLoader re-raising a worker's exception in the main process, call the class
with the message only), so a worker's error keeps its type across processes.
"""

from __future__ import annotations

from typing import overload

from tzrec.features.errors import message_from_worker


class DataReadError(ValueError):
    """Input data that cannot be read as the pipeline needs it.

    Attributes:
        path: the file or table (the whole message when rebuilt from it alone).
        column: the column, when the problem is one column.
    """

    @overload
    def __init__(self, path: str, message: str, column: str | None = None) -> None: ...

    @overload
    def __init__(self, path: str) -> None: ...

    def __init__(self, path: str, message: str | None = None, column: str | None = None) -> None:
        self.path = path
        self.column = column
        if message is None:  # rebuilt from the message alone
            super().__init__(message_from_worker(type(self), path))
            return
        where = f"{path}" + (f", column '{column}'" if column else "")
        # One line (the CLI prints user errors as one): a reader's multi-line message
        # (pyarrow's, say) has its lines joined.
        message = " ".join(line.strip() for line in message.splitlines() if line.strip())
        super().__init__(f"{where}: {message}")


class MissingColumnError(DataReadError):
    """A column the features, labels or reserved columns need is not in the input."""

    @overload
    def __init__(self, path: str, column: str, available: list[str] | None = None) -> None: ...

    @overload
    def __init__(self, path: str) -> None: ...

    def __init__(
        self, path: str, column: str | None = None, available: list[str] | None = None
    ) -> None:
        if column is None:
            super().__init__(path)
            return
        hint = ""
        if available is not None:
            from tzrec.utils.config_errors import closest_names

            close = closest_names(column, available)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        super().__init__(path, f"the input has no column '{column}'{hint}", column)


class ColumnTypeError(DataReadError):
    """A column whose type is not the one the pipeline expects.

    Attributes:
        expected: the type (or kind of types) the pipeline needs.
        actual: the type found (an arrow type, or a value that does not convert).
        feature_name: the feature reading the column, when it is a feature's input.
    """

    @overload
    def __init__(
        self,
        path: str,
        column: str,
        expected: str,
        actual: str,
        feature_name: str | None = None,
    ) -> None: ...

    @overload
    def __init__(self, path: str) -> None: ...

    def __init__(
        self,
        path: str,
        column: str | None = None,
        expected: str | None = None,
        actual: str | None = None,
        feature_name: str | None = None,
    ) -> None:
        self.expected = expected or ""
        self.actual = actual or ""
        self.feature_name = feature_name
        if column is None:
            super().__init__(path)
            return
        who = f"feature '{feature_name}' expects" if feature_name else "expected"
        super().__init__(path, f"{who} type {expected}, found {actual}", column)


class UnreadableFileError(DataReadError):
    """A file that does not exist, cannot be opened, or is corrupt or truncated."""

    @overload
    def __init__(self, path: str, reason: str) -> None: ...

    @overload
    def __init__(self, path: str) -> None: ...

    def __init__(self, path: str, reason: str | None = None) -> None:
        if reason is None:
            super().__init__(path)
            return
        super().__init__(path, f"cannot be read: {reason}")
