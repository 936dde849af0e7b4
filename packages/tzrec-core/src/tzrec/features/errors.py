"""Errors of feature generation that name the feature, the input and the bad value.

Both errors can also name the input *source* (the file or table a bad batch was read
from): the dataset adds it with :meth:`SourcedError.add_source` when a batch fails to
parse, keeping the error's type and attributes.

Each error can be rebuilt from its message alone (``InvalidFgInputError(message)``), the
way ``pickle`` and torch's DataLoader re-create an exception raised in another process;
without that, a worker's error would reach the main process as a bare ``RuntimeError``
and lose its type (and the CLI's one-line report of user errors).
"""

from __future__ import annotations

import re
from typing import Any, overload

# torch's DataLoader re-raises a worker's exception as ``type(msg)`` with msg
# "Caught <Type> in DataLoader worker process <n>.\nOriginal Traceback ...".
_WORKER_MESSAGE = re.compile(r"Caught \w+ (?P<where>in [^\n]*?)\.?\nOriginal Traceback")


def message_from_worker(error_type: type[BaseException], message: str) -> str:
    """The original one-line message inside torch's report of a worker's exception.

    Args:
        error_type: the exception's class (its qualified name starts the line to find).
        message: the message the exception is being rebuilt from.

    Returns:
        ``"<original message> (in DataLoader worker process <n>)"`` when ``message`` is
        torch's report of a worker's exception, else ``message`` unchanged.
    """
    match = _WORKER_MESSAGE.match(message)
    if match is None:
        return message
    prefix = f"{error_type.__module__}.{error_type.__qualname__}: "
    lines = message.rstrip("\n").splitlines()
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith(prefix):
            original = "\n".join([lines[i][len(prefix) :], *lines[i + 1 :]])
            return f"{original} ({match.group('where')})"
    return message


class SourcedError(ValueError):
    """A feature error that may name the input (file or table) it was read from.

    Attributes:
        source: the input the bad batch came from; None until :meth:`add_source`.
    """

    source: str | None = None

    def add_source(self, source: str) -> None:
        """Name the input the bad value was read from, once, in front of the message."""
        if self.source is not None:
            return
        self.source = source
        self.args = (f"{source}: {self.args[0] if self.args else ''}",)


class InvalidFgInputError(SourcedError):
    """An input value a feature cannot turn into a feature value.

    The message names the feature, the input (column or ``side:name``) and the value,
    so the user can find the bad row; ``reason`` says what is wrong with it.

    Attributes:
        feature_name: the feature being generated.
        input_name: the input column or expression the value came from.
        value: the offending value (a sample of it for long values).
        reason: what is wrong, e.g. "id 12 is >= num_buckets 10".
        source: the input (file or table) the value was read from, when known.

    An error rebuilt from its message alone has empty ``feature_name`` and
    ``input_name``, ``value`` None and the message as ``reason``.
    """

    @overload
    def __init__(self, feature_name: str, input_name: str, value: Any, reason: str) -> None: ...

    @overload
    def __init__(self, feature_name: str) -> None: ...

    def __init__(
        self,
        feature_name: str,
        input_name: str | None = None,
        value: Any = None,
        reason: str | None = None,
    ) -> None:
        if reason is None:  # rebuilt from the message alone
            message = message_from_worker(type(self), feature_name)
            self.feature_name = self.input_name = ""
            self.value = None
            self.reason = message
            super().__init__(message)
            return
        self.feature_name = feature_name
        self.input_name = input_name or ""
        self.value = value
        self.reason = reason
        shown = repr(value)
        if len(shown) > 200:
            shown = shown[:197] + "..."
        super().__init__(
            f"feature '{feature_name}': input '{input_name}' has bad value {shown}: {reason}"
        )


class FeatureConfigError(SourcedError):
    """A feature config that is inconsistent (e.g. two bucketizers, unknown combiner).

    Attributes:
        feature_name: the feature whose config is wrong (empty when the error was
            rebuilt from its message alone).
        source: the input being parsed when the problem showed, when known.
    """

    @overload
    def __init__(self, feature_name: str, message: str) -> None: ...

    @overload
    def __init__(self, feature_name: str) -> None: ...

    def __init__(self, feature_name: str, message: str | None = None) -> None:
        if message is None:  # rebuilt from the message alone
            self.feature_name = ""
            super().__init__(message_from_worker(type(self), feature_name))
            return
        self.feature_name = feature_name
        super().__init__(f"feature '{feature_name}': {message}")
