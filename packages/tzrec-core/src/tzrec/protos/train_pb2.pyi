from tzrec.protos import optimizer_pb2 as _optimizer_pb2
from tzrec.protos import constraints_pb2 as _constraints_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TrainConfig(_message.Message):
    __slots__ = ("sparse_optimizer", "dense_optimizer", "num_steps", "num_epochs", "save_checkpoints_steps", "save_checkpoints_epochs", "save_checkpoints_timestamp_interval", "save_checkpoints_timestamps", "save_checkpoints_timestamp_quorum", "keep_checkpoint_max", "fine_tune_checkpoint", "fine_tune_ckpt_var_map", "log_step_count_steps", "is_profiling", "use_tensorboard", "tensorboard_summaries", "cudnn_allow_tf32", "cuda_matmul_allow_tf32", "mixed_precision", "grad_scaler", "gradient_accumulation_steps", "grad_clipping", "global_embedding_constraints")
    SPARSE_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    DENSE_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    NUM_STEPS_FIELD_NUMBER: _ClassVar[int]
    NUM_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    SAVE_CHECKPOINTS_STEPS_FIELD_NUMBER: _ClassVar[int]
    SAVE_CHECKPOINTS_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    SAVE_CHECKPOINTS_TIMESTAMP_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    SAVE_CHECKPOINTS_TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    SAVE_CHECKPOINTS_TIMESTAMP_QUORUM_FIELD_NUMBER: _ClassVar[int]
    KEEP_CHECKPOINT_MAX_FIELD_NUMBER: _ClassVar[int]
    FINE_TUNE_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    FINE_TUNE_CKPT_VAR_MAP_FIELD_NUMBER: _ClassVar[int]
    LOG_STEP_COUNT_STEPS_FIELD_NUMBER: _ClassVar[int]
    IS_PROFILING_FIELD_NUMBER: _ClassVar[int]
    USE_TENSORBOARD_FIELD_NUMBER: _ClassVar[int]
    TENSORBOARD_SUMMARIES_FIELD_NUMBER: _ClassVar[int]
    CUDNN_ALLOW_TF32_FIELD_NUMBER: _ClassVar[int]
    CUDA_MATMUL_ALLOW_TF32_FIELD_NUMBER: _ClassVar[int]
    MIXED_PRECISION_FIELD_NUMBER: _ClassVar[int]
    GRAD_SCALER_FIELD_NUMBER: _ClassVar[int]
    GRADIENT_ACCUMULATION_STEPS_FIELD_NUMBER: _ClassVar[int]
    GRAD_CLIPPING_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_EMBEDDING_CONSTRAINTS_FIELD_NUMBER: _ClassVar[int]
    sparse_optimizer: _optimizer_pb2.SparseOptimizer
    dense_optimizer: _optimizer_pb2.DenseOptimizer
    num_steps: int
    num_epochs: int
    save_checkpoints_steps: int
    save_checkpoints_epochs: int
    save_checkpoints_timestamp_interval: int
    save_checkpoints_timestamps: _containers.RepeatedScalarFieldContainer[int]
    save_checkpoints_timestamp_quorum: float
    keep_checkpoint_max: int
    fine_tune_checkpoint: str
    fine_tune_ckpt_var_map: str
    log_step_count_steps: int
    is_profiling: bool
    use_tensorboard: bool
    tensorboard_summaries: _containers.RepeatedScalarFieldContainer[str]
    cudnn_allow_tf32: bool
    cuda_matmul_allow_tf32: bool
    mixed_precision: str
    grad_scaler: GradScaler
    gradient_accumulation_steps: int
    grad_clipping: GradClipping
    global_embedding_constraints: _constraints_pb2.ParameterConstraints
    def __init__(self, sparse_optimizer: _Optional[_Union[_optimizer_pb2.SparseOptimizer, _Mapping]] = ..., dense_optimizer: _Optional[_Union[_optimizer_pb2.DenseOptimizer, _Mapping]] = ..., num_steps: _Optional[int] = ..., num_epochs: _Optional[int] = ..., save_checkpoints_steps: _Optional[int] = ..., save_checkpoints_epochs: _Optional[int] = ..., save_checkpoints_timestamp_interval: _Optional[int] = ..., save_checkpoints_timestamps: _Optional[_Iterable[int]] = ..., save_checkpoints_timestamp_quorum: _Optional[float] = ..., keep_checkpoint_max: _Optional[int] = ..., fine_tune_checkpoint: _Optional[str] = ..., fine_tune_ckpt_var_map: _Optional[str] = ..., log_step_count_steps: _Optional[int] = ..., is_profiling: _Optional[bool] = ..., use_tensorboard: _Optional[bool] = ..., tensorboard_summaries: _Optional[_Iterable[str]] = ..., cudnn_allow_tf32: _Optional[bool] = ..., cuda_matmul_allow_tf32: _Optional[bool] = ..., mixed_precision: _Optional[str] = ..., grad_scaler: _Optional[_Union[GradScaler, _Mapping]] = ..., gradient_accumulation_steps: _Optional[int] = ..., grad_clipping: _Optional[_Union[GradClipping, _Mapping]] = ..., global_embedding_constraints: _Optional[_Union[_constraints_pb2.ParameterConstraints, _Mapping]] = ...) -> None: ...

class GradScaler(_message.Message):
    __slots__ = ("init_scale", "growth_factor", "backoff_factor", "growth_interval")
    INIT_SCALE_FIELD_NUMBER: _ClassVar[int]
    GROWTH_FACTOR_FIELD_NUMBER: _ClassVar[int]
    BACKOFF_FACTOR_FIELD_NUMBER: _ClassVar[int]
    GROWTH_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    init_scale: float
    growth_factor: float
    backoff_factor: float
    growth_interval: int
    def __init__(self, init_scale: _Optional[float] = ..., growth_factor: _Optional[float] = ..., backoff_factor: _Optional[float] = ..., growth_interval: _Optional[int] = ...) -> None: ...

class GradClipping(_message.Message):
    __slots__ = ("clipping_type", "max_gradient", "norm_type", "enable_global_grad_clip")
    CLIPPING_TYPE_FIELD_NUMBER: _ClassVar[int]
    MAX_GRADIENT_FIELD_NUMBER: _ClassVar[int]
    NORM_TYPE_FIELD_NUMBER: _ClassVar[int]
    ENABLE_GLOBAL_GRAD_CLIP_FIELD_NUMBER: _ClassVar[int]
    clipping_type: str
    max_gradient: float
    norm_type: float
    enable_global_grad_clip: bool
    def __init__(self, clipping_type: _Optional[str] = ..., max_gradient: _Optional[float] = ..., norm_type: _Optional[float] = ..., enable_global_grad_clip: _Optional[bool] = ...) -> None: ...
