from google.protobuf import any_pb2 as _any_pb2
from tzrec.protos import sampler_pb2 as _sampler_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DatasetType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OdpsDataset: _ClassVar[DatasetType]
    ParquetDataset: _ClassVar[DatasetType]
    CsvDataset: _ClassVar[DatasetType]
    KafkaDataset: _ClassVar[DatasetType]

class FgMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FG_NONE: _ClassVar[FgMode]
    FG_NORMAL: _ClassVar[FgMode]
    FG_DAG: _ClassVar[FgMode]
    FG_BUCKETIZE: _ClassVar[FgMode]

class FieldType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INT32: _ClassVar[FieldType]
    INT64: _ClassVar[FieldType]
    STRING: _ClassVar[FieldType]
    FLOAT: _ClassVar[FieldType]
    DOUBLE: _ClassVar[FieldType]
    ARRAY_INT32: _ClassVar[FieldType]
    ARRAY_INT64: _ClassVar[FieldType]
    ARRAY_STRING: _ClassVar[FieldType]
    ARRAY_FLOAT: _ClassVar[FieldType]
    ARRAY_DOUBLE: _ClassVar[FieldType]
    ARRAY_ARRAY_INT32: _ClassVar[FieldType]
    ARRAY_ARRAY_INT64: _ClassVar[FieldType]
    ARRAY_ARRAY_STRING: _ClassVar[FieldType]
    ARRAY_ARRAY_FLOAT: _ClassVar[FieldType]
    ARRAY_ARRAY_DOUBLE: _ClassVar[FieldType]
    MAP_STRING_INT32: _ClassVar[FieldType]
    MAP_STRING_INT64: _ClassVar[FieldType]
    MAP_STRING_STRING: _ClassVar[FieldType]
    MAP_STRING_FLOAT: _ClassVar[FieldType]
    MAP_STRING_DOUBLE: _ClassVar[FieldType]
    MAP_INT64_INT32: _ClassVar[FieldType]
    MAP_INT64_INT64: _ClassVar[FieldType]
    MAP_INT64_STRING: _ClassVar[FieldType]
    MAP_INT64_FLOAT: _ClassVar[FieldType]
    MAP_INT64_DOUBLE: _ClassVar[FieldType]
    MAP_INT32_INT32: _ClassVar[FieldType]
    MAP_INT32_INT64: _ClassVar[FieldType]
    MAP_INT32_STRING: _ClassVar[FieldType]
    MAP_INT32_FLOAT: _ClassVar[FieldType]
    MAP_INT32_DOUBLE: _ClassVar[FieldType]
OdpsDataset: DatasetType
ParquetDataset: DatasetType
CsvDataset: DatasetType
KafkaDataset: DatasetType
FG_NONE: FgMode
FG_NORMAL: FgMode
FG_DAG: FgMode
FG_BUCKETIZE: FgMode
INT32: FieldType
INT64: FieldType
STRING: FieldType
FLOAT: FieldType
DOUBLE: FieldType
ARRAY_INT32: FieldType
ARRAY_INT64: FieldType
ARRAY_STRING: FieldType
ARRAY_FLOAT: FieldType
ARRAY_DOUBLE: FieldType
ARRAY_ARRAY_INT32: FieldType
ARRAY_ARRAY_INT64: FieldType
ARRAY_ARRAY_STRING: FieldType
ARRAY_ARRAY_FLOAT: FieldType
ARRAY_ARRAY_DOUBLE: FieldType
MAP_STRING_INT32: FieldType
MAP_STRING_INT64: FieldType
MAP_STRING_STRING: FieldType
MAP_STRING_FLOAT: FieldType
MAP_STRING_DOUBLE: FieldType
MAP_INT64_INT32: FieldType
MAP_INT64_INT64: FieldType
MAP_INT64_STRING: FieldType
MAP_INT64_FLOAT: FieldType
MAP_INT64_DOUBLE: FieldType
MAP_INT32_INT32: FieldType
MAP_INT32_INT64: FieldType
MAP_INT32_STRING: FieldType
MAP_INT32_FLOAT: FieldType
MAP_INT32_DOUBLE: FieldType

class InputField(_message.Message):
    __slots__ = ("input_name", "input_type")
    INPUT_NAME_FIELD_NUMBER: _ClassVar[int]
    INPUT_TYPE_FIELD_NUMBER: _ClassVar[int]
    input_name: str
    input_type: FieldType
    def __init__(self, input_name: _Optional[str] = ..., input_type: _Optional[_Union[FieldType, str]] = ...) -> None: ...

class DataConfig(_message.Message):
    __slots__ = ("batch_size", "eval_batch_size", "dataset_type", "fg_mode", "fg_encoded", "fg_encoded_multival_sep", "fg_threads", "label_fields", "sample_weight_fields", "num_workers", "pin_memory", "in_order", "drop_remainder", "shuffle", "shuffle_buffer_size", "batch_cost_size", "sample_cost_field", "input_fields", "input_fields_str", "delimiter", "with_header", "odps_data_quota_name", "odps_data_compression", "is_orderby_partition", "sample_mask_prob", "negative_sample_mask_prob", "force_base_data_group", "plugin_dataset_type", "negative_sampler", "negative_sampler_v2", "hard_negative_sampler", "hard_negative_sampler_v2", "tdm_sampler", "plugin_sampler")
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    EVAL_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    DATASET_TYPE_FIELD_NUMBER: _ClassVar[int]
    FG_MODE_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_MULTIVAL_SEP_FIELD_NUMBER: _ClassVar[int]
    FG_THREADS_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELDS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_WEIGHT_FIELDS_FIELD_NUMBER: _ClassVar[int]
    NUM_WORKERS_FIELD_NUMBER: _ClassVar[int]
    PIN_MEMORY_FIELD_NUMBER: _ClassVar[int]
    IN_ORDER_FIELD_NUMBER: _ClassVar[int]
    DROP_REMAINDER_FIELD_NUMBER: _ClassVar[int]
    SHUFFLE_FIELD_NUMBER: _ClassVar[int]
    SHUFFLE_BUFFER_SIZE_FIELD_NUMBER: _ClassVar[int]
    BATCH_COST_SIZE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_COST_FIELD_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELDS_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELDS_STR_FIELD_NUMBER: _ClassVar[int]
    DELIMITER_FIELD_NUMBER: _ClassVar[int]
    WITH_HEADER_FIELD_NUMBER: _ClassVar[int]
    ODPS_DATA_QUOTA_NAME_FIELD_NUMBER: _ClassVar[int]
    ODPS_DATA_COMPRESSION_FIELD_NUMBER: _ClassVar[int]
    IS_ORDERBY_PARTITION_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_MASK_PROB_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_SAMPLE_MASK_PROB_FIELD_NUMBER: _ClassVar[int]
    FORCE_BASE_DATA_GROUP_FIELD_NUMBER: _ClassVar[int]
    PLUGIN_DATASET_TYPE_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_SAMPLER_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_SAMPLER_V2_FIELD_NUMBER: _ClassVar[int]
    HARD_NEGATIVE_SAMPLER_FIELD_NUMBER: _ClassVar[int]
    HARD_NEGATIVE_SAMPLER_V2_FIELD_NUMBER: _ClassVar[int]
    TDM_SAMPLER_FIELD_NUMBER: _ClassVar[int]
    PLUGIN_SAMPLER_FIELD_NUMBER: _ClassVar[int]
    batch_size: int
    eval_batch_size: int
    dataset_type: DatasetType
    fg_mode: FgMode
    fg_encoded: bool
    fg_encoded_multival_sep: str
    fg_threads: int
    label_fields: _containers.RepeatedScalarFieldContainer[str]
    sample_weight_fields: _containers.RepeatedScalarFieldContainer[str]
    num_workers: int
    pin_memory: bool
    in_order: bool
    drop_remainder: bool
    shuffle: bool
    shuffle_buffer_size: int
    batch_cost_size: int
    sample_cost_field: str
    input_fields: _containers.RepeatedCompositeFieldContainer[InputField]
    input_fields_str: str
    delimiter: str
    with_header: bool
    odps_data_quota_name: str
    odps_data_compression: str
    is_orderby_partition: bool
    sample_mask_prob: float
    negative_sample_mask_prob: float
    force_base_data_group: bool
    plugin_dataset_type: str
    negative_sampler: _sampler_pb2.NegativeSampler
    negative_sampler_v2: _sampler_pb2.NegativeSamplerV2
    hard_negative_sampler: _sampler_pb2.HardNegativeSampler
    hard_negative_sampler_v2: _sampler_pb2.HardNegativeSamplerV2
    tdm_sampler: _sampler_pb2.TDMSampler
    plugin_sampler: _any_pb2.Any
    def __init__(self, batch_size: _Optional[int] = ..., eval_batch_size: _Optional[int] = ..., dataset_type: _Optional[_Union[DatasetType, str]] = ..., fg_mode: _Optional[_Union[FgMode, str]] = ..., fg_encoded: _Optional[bool] = ..., fg_encoded_multival_sep: _Optional[str] = ..., fg_threads: _Optional[int] = ..., label_fields: _Optional[_Iterable[str]] = ..., sample_weight_fields: _Optional[_Iterable[str]] = ..., num_workers: _Optional[int] = ..., pin_memory: _Optional[bool] = ..., in_order: _Optional[bool] = ..., drop_remainder: _Optional[bool] = ..., shuffle: _Optional[bool] = ..., shuffle_buffer_size: _Optional[int] = ..., batch_cost_size: _Optional[int] = ..., sample_cost_field: _Optional[str] = ..., input_fields: _Optional[_Iterable[_Union[InputField, _Mapping]]] = ..., input_fields_str: _Optional[str] = ..., delimiter: _Optional[str] = ..., with_header: _Optional[bool] = ..., odps_data_quota_name: _Optional[str] = ..., odps_data_compression: _Optional[str] = ..., is_orderby_partition: _Optional[bool] = ..., sample_mask_prob: _Optional[float] = ..., negative_sample_mask_prob: _Optional[float] = ..., force_base_data_group: _Optional[bool] = ..., plugin_dataset_type: _Optional[str] = ..., negative_sampler: _Optional[_Union[_sampler_pb2.NegativeSampler, _Mapping]] = ..., negative_sampler_v2: _Optional[_Union[_sampler_pb2.NegativeSamplerV2, _Mapping]] = ..., hard_negative_sampler: _Optional[_Union[_sampler_pb2.HardNegativeSampler, _Mapping]] = ..., hard_negative_sampler_v2: _Optional[_Union[_sampler_pb2.HardNegativeSamplerV2, _Mapping]] = ..., tdm_sampler: _Optional[_Union[_sampler_pb2.TDMSampler, _Mapping]] = ..., plugin_sampler: _Optional[_Union[_any_pb2.Any, _Mapping]] = ...) -> None: ...
