from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class TinyNet(_message.Message):
    __slots__ = ("hidden_units", "dropout_ratio")
    HIDDEN_UNITS_FIELD_NUMBER: _ClassVar[int]
    DROPOUT_RATIO_FIELD_NUMBER: _ClassVar[int]
    hidden_units: _containers.RepeatedScalarFieldContainer[int]
    dropout_ratio: float
    def __init__(self, hidden_units: _Optional[_Iterable[int]] = ..., dropout_ratio: _Optional[float] = ...) -> None: ...
