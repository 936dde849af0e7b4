from tzrec.protos import module_pb2 as _module_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DINEncoder(_message.Message):
    __slots__ = ("name", "input", "attn_mlp")
    NAME_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    ATTN_MLP_FIELD_NUMBER: _ClassVar[int]
    name: str
    input: str
    attn_mlp: _module_pb2.MLP
    def __init__(self, name: _Optional[str] = ..., input: _Optional[str] = ..., attn_mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ...) -> None: ...

class SimpleAttention(_message.Message):
    __slots__ = ("name", "input")
    NAME_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    name: str
    input: str
    def __init__(self, name: _Optional[str] = ..., input: _Optional[str] = ...) -> None: ...

class PoolingEncoder(_message.Message):
    __slots__ = ("name", "input", "pooling_type")
    NAME_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    POOLING_TYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    input: str
    pooling_type: str
    def __init__(self, name: _Optional[str] = ..., input: _Optional[str] = ..., pooling_type: _Optional[str] = ...) -> None: ...

class MultiWindowDINEncoder(_message.Message):
    __slots__ = ("name", "input", "attn_mlp", "windows_len")
    NAME_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    ATTN_MLP_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_LEN_FIELD_NUMBER: _ClassVar[int]
    name: str
    input: str
    attn_mlp: _module_pb2.MLP
    windows_len: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, name: _Optional[str] = ..., input: _Optional[str] = ..., attn_mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ..., windows_len: _Optional[_Iterable[int]] = ...) -> None: ...

class SeqEncoderConfig(_message.Message):
    __slots__ = ("din_encoder", "simple_attention", "pooling_encoder", "multi_window_din_encoder")
    DIN_ENCODER_FIELD_NUMBER: _ClassVar[int]
    SIMPLE_ATTENTION_FIELD_NUMBER: _ClassVar[int]
    POOLING_ENCODER_FIELD_NUMBER: _ClassVar[int]
    MULTI_WINDOW_DIN_ENCODER_FIELD_NUMBER: _ClassVar[int]
    din_encoder: DINEncoder
    simple_attention: SimpleAttention
    pooling_encoder: PoolingEncoder
    multi_window_din_encoder: MultiWindowDINEncoder
    def __init__(self, din_encoder: _Optional[_Union[DINEncoder, _Mapping]] = ..., simple_attention: _Optional[_Union[SimpleAttention, _Mapping]] = ..., pooling_encoder: _Optional[_Union[PoolingEncoder, _Mapping]] = ..., multi_window_din_encoder: _Optional[_Union[MultiWindowDINEncoder, _Mapping]] = ...) -> None: ...
