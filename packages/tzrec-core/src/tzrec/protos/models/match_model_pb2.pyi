from tzrec.protos import module_pb2 as _module_pb2
from tzrec.protos import tower_pb2 as _tower_pb2
from tzrec.protos import hstu_pb2 as _hstu_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Similarity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COSINE: _ClassVar[Similarity]
    INNER_PRODUCT: _ClassVar[Similarity]
COSINE: Similarity
INNER_PRODUCT: Similarity

class DSSM(_message.Message):
    __slots__ = ("user_tower", "item_tower", "output_dim", "similarity", "temperature", "in_batch_negative")
    USER_TOWER_FIELD_NUMBER: _ClassVar[int]
    ITEM_TOWER_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_DIM_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    IN_BATCH_NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    user_tower: _tower_pb2.Tower
    item_tower: _tower_pb2.Tower
    output_dim: int
    similarity: Similarity
    temperature: float
    in_batch_negative: bool
    def __init__(self, user_tower: _Optional[_Union[_tower_pb2.Tower, _Mapping]] = ..., item_tower: _Optional[_Union[_tower_pb2.Tower, _Mapping]] = ..., output_dim: _Optional[int] = ..., similarity: _Optional[_Union[Similarity, str]] = ..., temperature: _Optional[float] = ..., in_batch_negative: _Optional[bool] = ...) -> None: ...

class DSSMV2(_message.Message):
    __slots__ = ("user_tower", "item_tower", "output_dim", "similarity", "temperature", "in_batch_negative")
    USER_TOWER_FIELD_NUMBER: _ClassVar[int]
    ITEM_TOWER_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_DIM_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    IN_BATCH_NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    user_tower: _tower_pb2.Tower
    item_tower: _tower_pb2.Tower
    output_dim: int
    similarity: Similarity
    temperature: float
    in_batch_negative: bool
    def __init__(self, user_tower: _Optional[_Union[_tower_pb2.Tower, _Mapping]] = ..., item_tower: _Optional[_Union[_tower_pb2.Tower, _Mapping]] = ..., output_dim: _Optional[int] = ..., similarity: _Optional[_Union[Similarity, str]] = ..., temperature: _Optional[float] = ..., in_batch_negative: _Optional[bool] = ...) -> None: ...

class DATTower(_message.Message):
    __slots__ = ("input", "augment_input", "mlp")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    AUGMENT_INPUT_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    input: str
    augment_input: str
    mlp: _module_pb2.MLP
    def __init__(self, input: _Optional[str] = ..., augment_input: _Optional[str] = ..., mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ...) -> None: ...

class DAT(_message.Message):
    __slots__ = ("user_tower", "item_tower", "output_dim", "similarity", "temperature", "in_batch_negative", "amm_u_weight", "amm_i_weight")
    USER_TOWER_FIELD_NUMBER: _ClassVar[int]
    ITEM_TOWER_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_DIM_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    IN_BATCH_NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    AMM_U_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    AMM_I_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    user_tower: DATTower
    item_tower: DATTower
    output_dim: int
    similarity: Similarity
    temperature: float
    in_batch_negative: bool
    amm_u_weight: float
    amm_i_weight: float
    def __init__(self, user_tower: _Optional[_Union[DATTower, _Mapping]] = ..., item_tower: _Optional[_Union[DATTower, _Mapping]] = ..., output_dim: _Optional[int] = ..., similarity: _Optional[_Union[Similarity, str]] = ..., temperature: _Optional[float] = ..., in_batch_negative: _Optional[bool] = ..., amm_u_weight: _Optional[float] = ..., amm_i_weight: _Optional[float] = ...) -> None: ...

class B2ICapsule(_message.Message):
    __slots__ = ("max_k", "max_seq_len", "high_dim", "num_iters", "routing_logits_scale", "routing_logits_stddev", "squash_pow", "const_caps_num")
    MAX_K_FIELD_NUMBER: _ClassVar[int]
    MAX_SEQ_LEN_FIELD_NUMBER: _ClassVar[int]
    HIGH_DIM_FIELD_NUMBER: _ClassVar[int]
    NUM_ITERS_FIELD_NUMBER: _ClassVar[int]
    ROUTING_LOGITS_SCALE_FIELD_NUMBER: _ClassVar[int]
    ROUTING_LOGITS_STDDEV_FIELD_NUMBER: _ClassVar[int]
    SQUASH_POW_FIELD_NUMBER: _ClassVar[int]
    CONST_CAPS_NUM_FIELD_NUMBER: _ClassVar[int]
    max_k: int
    max_seq_len: int
    high_dim: int
    num_iters: int
    routing_logits_scale: float
    routing_logits_stddev: float
    squash_pow: float
    const_caps_num: bool
    def __init__(self, max_k: _Optional[int] = ..., max_seq_len: _Optional[int] = ..., high_dim: _Optional[int] = ..., num_iters: _Optional[int] = ..., routing_logits_scale: _Optional[float] = ..., routing_logits_stddev: _Optional[float] = ..., squash_pow: _Optional[float] = ..., const_caps_num: _Optional[bool] = ...) -> None: ...

class MINDUserTower(_message.Message):
    __slots__ = ("input", "history_input", "user_mlp", "hist_seq_mlp", "capsule_config", "concat_mlp")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    HISTORY_INPUT_FIELD_NUMBER: _ClassVar[int]
    USER_MLP_FIELD_NUMBER: _ClassVar[int]
    HIST_SEQ_MLP_FIELD_NUMBER: _ClassVar[int]
    CAPSULE_CONFIG_FIELD_NUMBER: _ClassVar[int]
    CONCAT_MLP_FIELD_NUMBER: _ClassVar[int]
    input: str
    history_input: str
    user_mlp: _module_pb2.MLP
    hist_seq_mlp: _module_pb2.MLP
    capsule_config: B2ICapsule
    concat_mlp: _module_pb2.MLP
    def __init__(self, input: _Optional[str] = ..., history_input: _Optional[str] = ..., user_mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ..., hist_seq_mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ..., capsule_config: _Optional[_Union[B2ICapsule, _Mapping]] = ..., concat_mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ...) -> None: ...

class MINDItemTower(_message.Message):
    __slots__ = ("input", "mlp")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    input: str
    mlp: _module_pb2.MLP
    def __init__(self, input: _Optional[str] = ..., mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ...) -> None: ...

class MIND(_message.Message):
    __slots__ = ("user_tower", "item_tower", "output_dim", "similarity", "temperature", "in_batch_negative", "simi_pow")
    USER_TOWER_FIELD_NUMBER: _ClassVar[int]
    ITEM_TOWER_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_DIM_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    IN_BATCH_NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    SIMI_POW_FIELD_NUMBER: _ClassVar[int]
    user_tower: MINDUserTower
    item_tower: MINDItemTower
    output_dim: int
    similarity: Similarity
    temperature: float
    in_batch_negative: bool
    simi_pow: float
    def __init__(self, user_tower: _Optional[_Union[MINDUserTower, _Mapping]] = ..., item_tower: _Optional[_Union[MINDItemTower, _Mapping]] = ..., output_dim: _Optional[int] = ..., similarity: _Optional[_Union[Similarity, str]] = ..., temperature: _Optional[float] = ..., in_batch_negative: _Optional[bool] = ..., simi_pow: _Optional[float] = ...) -> None: ...

class MultiWindowDINTower(_message.Message):
    __slots__ = ("windows_len", "attn_mlp")
    WINDOWS_LEN_FIELD_NUMBER: _ClassVar[int]
    ATTN_MLP_FIELD_NUMBER: _ClassVar[int]
    windows_len: _containers.RepeatedScalarFieldContainer[int]
    attn_mlp: _module_pb2.MLP
    def __init__(self, windows_len: _Optional[_Iterable[int]] = ..., attn_mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ...) -> None: ...

class TDM(_message.Message):
    __slots__ = ("multiwindow_din", "final")
    MULTIWINDOW_DIN_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    multiwindow_din: MultiWindowDINTower
    final: _module_pb2.MLP
    def __init__(self, multiwindow_din: _Optional[_Union[MultiWindowDINTower, _Mapping]] = ..., final: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ...) -> None: ...

class HSTUMatchUserTower(_message.Message):
    __slots__ = ("input", "hstu", "max_seq_len")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    HSTU_FIELD_NUMBER: _ClassVar[int]
    MAX_SEQ_LEN_FIELD_NUMBER: _ClassVar[int]
    input: str
    hstu: _hstu_pb2.HSTU
    max_seq_len: int
    def __init__(self, input: _Optional[str] = ..., hstu: _Optional[_Union[_hstu_pb2.HSTU, _Mapping]] = ..., max_seq_len: _Optional[int] = ...) -> None: ...

class HSTUMatchItemTower(_message.Message):
    __slots__ = ("input", "mlp")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    input: str
    mlp: _module_pb2.MLP
    def __init__(self, input: _Optional[str] = ..., mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ...) -> None: ...

class HSTUMatch(_message.Message):
    __slots__ = ("user_tower", "item_tower", "output_dim", "similarity", "temperature", "in_batch_negative", "sequence_timestamp_is_ascending")
    USER_TOWER_FIELD_NUMBER: _ClassVar[int]
    ITEM_TOWER_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_DIM_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    IN_BATCH_NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_TIMESTAMP_IS_ASCENDING_FIELD_NUMBER: _ClassVar[int]
    user_tower: HSTUMatchUserTower
    item_tower: HSTUMatchItemTower
    output_dim: int
    similarity: Similarity
    temperature: float
    in_batch_negative: bool
    sequence_timestamp_is_ascending: bool
    def __init__(self, user_tower: _Optional[_Union[HSTUMatchUserTower, _Mapping]] = ..., item_tower: _Optional[_Union[HSTUMatchItemTower, _Mapping]] = ..., output_dim: _Optional[int] = ..., similarity: _Optional[_Union[Similarity, str]] = ..., temperature: _Optional[float] = ..., in_batch_negative: _Optional[bool] = ..., sequence_timestamp_is_ascending: _Optional[bool] = ...) -> None: ...
