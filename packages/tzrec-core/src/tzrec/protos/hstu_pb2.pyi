from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class STU(_message.Message):
    __slots__ = ("embedding_dim", "num_heads", "hidden_dim", "attention_dim", "output_dropout_ratio", "use_group_norm", "causal", "target_aware", "max_attn_len", "attn_alpha", "scaling_seqlen", "sort_by_length", "recompute_normed_x_in_backward", "recompute_uvqk_in_backward", "recompute_y_in_backward", "sla_k1", "sla_k2")
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    NUM_HEADS_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_DIM_FIELD_NUMBER: _ClassVar[int]
    ATTENTION_DIM_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_DROPOUT_RATIO_FIELD_NUMBER: _ClassVar[int]
    USE_GROUP_NORM_FIELD_NUMBER: _ClassVar[int]
    CAUSAL_FIELD_NUMBER: _ClassVar[int]
    TARGET_AWARE_FIELD_NUMBER: _ClassVar[int]
    MAX_ATTN_LEN_FIELD_NUMBER: _ClassVar[int]
    ATTN_ALPHA_FIELD_NUMBER: _ClassVar[int]
    SCALING_SEQLEN_FIELD_NUMBER: _ClassVar[int]
    SORT_BY_LENGTH_FIELD_NUMBER: _ClassVar[int]
    RECOMPUTE_NORMED_X_IN_BACKWARD_FIELD_NUMBER: _ClassVar[int]
    RECOMPUTE_UVQK_IN_BACKWARD_FIELD_NUMBER: _ClassVar[int]
    RECOMPUTE_Y_IN_BACKWARD_FIELD_NUMBER: _ClassVar[int]
    SLA_K1_FIELD_NUMBER: _ClassVar[int]
    SLA_K2_FIELD_NUMBER: _ClassVar[int]
    embedding_dim: int
    num_heads: int
    hidden_dim: int
    attention_dim: int
    output_dropout_ratio: float
    use_group_norm: bool
    causal: bool
    target_aware: bool
    max_attn_len: int
    attn_alpha: float
    scaling_seqlen: int
    sort_by_length: bool
    recompute_normed_x_in_backward: bool
    recompute_uvqk_in_backward: bool
    recompute_y_in_backward: bool
    sla_k1: int
    sla_k2: int
    def __init__(self, embedding_dim: _Optional[int] = ..., num_heads: _Optional[int] = ..., hidden_dim: _Optional[int] = ..., attention_dim: _Optional[int] = ..., output_dropout_ratio: _Optional[float] = ..., use_group_norm: _Optional[bool] = ..., causal: _Optional[bool] = ..., target_aware: _Optional[bool] = ..., max_attn_len: _Optional[int] = ..., attn_alpha: _Optional[float] = ..., scaling_seqlen: _Optional[int] = ..., sort_by_length: _Optional[bool] = ..., recompute_normed_x_in_backward: _Optional[bool] = ..., recompute_uvqk_in_backward: _Optional[bool] = ..., recompute_y_in_backward: _Optional[bool] = ..., sla_k1: _Optional[int] = ..., sla_k2: _Optional[int] = ...) -> None: ...

class GRPositionalEncoder(_message.Message):
    __slots__ = ("num_position_buckets", "num_time_buckets", "use_time_encoding")
    NUM_POSITION_BUCKETS_FIELD_NUMBER: _ClassVar[int]
    NUM_TIME_BUCKETS_FIELD_NUMBER: _ClassVar[int]
    USE_TIME_ENCODING_FIELD_NUMBER: _ClassVar[int]
    num_position_buckets: int
    num_time_buckets: int
    use_time_encoding: bool
    def __init__(self, num_position_buckets: _Optional[int] = ..., num_time_buckets: _Optional[int] = ..., use_time_encoding: _Optional[bool] = ...) -> None: ...

class SimpleActionEncoder(_message.Message):
    __slots__ = ("action_embedding_dim", "action_weights", "watchtime_to_action_thresholds", "watchtime_to_action_weights")
    ACTION_EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    ACTION_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    WATCHTIME_TO_ACTION_THRESHOLDS_FIELD_NUMBER: _ClassVar[int]
    WATCHTIME_TO_ACTION_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    action_embedding_dim: int
    action_weights: _containers.RepeatedScalarFieldContainer[int]
    watchtime_to_action_thresholds: _containers.RepeatedScalarFieldContainer[int]
    watchtime_to_action_weights: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, action_embedding_dim: _Optional[int] = ..., action_weights: _Optional[_Iterable[int]] = ..., watchtime_to_action_thresholds: _Optional[_Iterable[int]] = ..., watchtime_to_action_weights: _Optional[_Iterable[int]] = ...) -> None: ...

class GRActionEncoder(_message.Message):
    __slots__ = ("simple_action_encoder",)
    SIMPLE_ACTION_ENCODER_FIELD_NUMBER: _ClassVar[int]
    simple_action_encoder: SimpleActionEncoder
    def __init__(self, simple_action_encoder: _Optional[_Union[SimpleActionEncoder, _Mapping]] = ...) -> None: ...

class SliceContentEncoder(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PadContentEncoder(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ContentEncoderMLP(_message.Message):
    __slots__ = ("hidden_dim",)
    HIDDEN_DIM_FIELD_NUMBER: _ClassVar[int]
    hidden_dim: int
    def __init__(self, hidden_dim: _Optional[int] = ...) -> None: ...

class MLPContentEncoder(_message.Message):
    __slots__ = ("uih_mlp", "target_mlp")
    UIH_MLP_FIELD_NUMBER: _ClassVar[int]
    TARGET_MLP_FIELD_NUMBER: _ClassVar[int]
    uih_mlp: ContentEncoderMLP
    target_mlp: ContentEncoderMLP
    def __init__(self, uih_mlp: _Optional[_Union[ContentEncoderMLP, _Mapping]] = ..., target_mlp: _Optional[_Union[ContentEncoderMLP, _Mapping]] = ...) -> None: ...

class GRContentEncoder(_message.Message):
    __slots__ = ("slice_content_encoder", "pad_content_encoder", "mlp_content_encoder")
    SLICE_CONTENT_ENCODER_FIELD_NUMBER: _ClassVar[int]
    PAD_CONTENT_ENCODER_FIELD_NUMBER: _ClassVar[int]
    MLP_CONTENT_ENCODER_FIELD_NUMBER: _ClassVar[int]
    slice_content_encoder: SliceContentEncoder
    pad_content_encoder: PadContentEncoder
    mlp_content_encoder: MLPContentEncoder
    def __init__(self, slice_content_encoder: _Optional[_Union[SliceContentEncoder, _Mapping]] = ..., pad_content_encoder: _Optional[_Union[PadContentEncoder, _Mapping]] = ..., mlp_content_encoder: _Optional[_Union[MLPContentEncoder, _Mapping]] = ...) -> None: ...

class SimpleContextualizedMLP(_message.Message):
    __slots__ = ("hidden_dim",)
    HIDDEN_DIM_FIELD_NUMBER: _ClassVar[int]
    hidden_dim: int
    def __init__(self, hidden_dim: _Optional[int] = ...) -> None: ...

class ParameterizedContextualizedMLP(_message.Message):
    __slots__ = ("hidden_dim",)
    HIDDEN_DIM_FIELD_NUMBER: _ClassVar[int]
    hidden_dim: int
    def __init__(self, hidden_dim: _Optional[int] = ...) -> None: ...

class GRContextualizedMLP(_message.Message):
    __slots__ = ("simple_mlp", "param_mlp")
    SIMPLE_MLP_FIELD_NUMBER: _ClassVar[int]
    PARAM_MLP_FIELD_NUMBER: _ClassVar[int]
    simple_mlp: SimpleContextualizedMLP
    param_mlp: ParameterizedContextualizedMLP
    def __init__(self, simple_mlp: _Optional[_Union[SimpleContextualizedMLP, _Mapping]] = ..., param_mlp: _Optional[_Union[ParameterizedContextualizedMLP, _Mapping]] = ...) -> None: ...

class GRContextualPreprocessor(_message.Message):
    __slots__ = ("content_encoder", "content_mlp", "action_encoder", "action_mlp")
    CONTENT_ENCODER_FIELD_NUMBER: _ClassVar[int]
    CONTENT_MLP_FIELD_NUMBER: _ClassVar[int]
    ACTION_ENCODER_FIELD_NUMBER: _ClassVar[int]
    ACTION_MLP_FIELD_NUMBER: _ClassVar[int]
    content_encoder: GRContentEncoder
    content_mlp: GRContextualizedMLP
    action_encoder: GRActionEncoder
    action_mlp: GRContextualizedMLP
    def __init__(self, content_encoder: _Optional[_Union[GRContentEncoder, _Mapping]] = ..., content_mlp: _Optional[_Union[GRContextualizedMLP, _Mapping]] = ..., action_encoder: _Optional[_Union[GRActionEncoder, _Mapping]] = ..., action_mlp: _Optional[_Union[GRContextualizedMLP, _Mapping]] = ...) -> None: ...

class GRContextualInterleavePreprocessor(_message.Message):
    __slots__ = ("content_encoder", "content_mlp", "action_encoder", "action_mlp", "enable_interleaving")
    CONTENT_ENCODER_FIELD_NUMBER: _ClassVar[int]
    CONTENT_MLP_FIELD_NUMBER: _ClassVar[int]
    ACTION_ENCODER_FIELD_NUMBER: _ClassVar[int]
    ACTION_MLP_FIELD_NUMBER: _ClassVar[int]
    ENABLE_INTERLEAVING_FIELD_NUMBER: _ClassVar[int]
    content_encoder: GRContentEncoder
    content_mlp: GRContextualizedMLP
    action_encoder: GRActionEncoder
    action_mlp: GRContextualizedMLP
    enable_interleaving: bool
    def __init__(self, content_encoder: _Optional[_Union[GRContentEncoder, _Mapping]] = ..., content_mlp: _Optional[_Union[GRContextualizedMLP, _Mapping]] = ..., action_encoder: _Optional[_Union[GRActionEncoder, _Mapping]] = ..., action_mlp: _Optional[_Union[GRContextualizedMLP, _Mapping]] = ..., enable_interleaving: _Optional[bool] = ...) -> None: ...

class GRUIHPreprocessor(_message.Message):
    __slots__ = ("content_encoder", "content_mlp", "action_encoder", "action_mlp")
    CONTENT_ENCODER_FIELD_NUMBER: _ClassVar[int]
    CONTENT_MLP_FIELD_NUMBER: _ClassVar[int]
    ACTION_ENCODER_FIELD_NUMBER: _ClassVar[int]
    ACTION_MLP_FIELD_NUMBER: _ClassVar[int]
    content_encoder: GRContentEncoder
    content_mlp: GRContextualizedMLP
    action_encoder: GRActionEncoder
    action_mlp: GRContextualizedMLP
    def __init__(self, content_encoder: _Optional[_Union[GRContentEncoder, _Mapping]] = ..., content_mlp: _Optional[_Union[GRContextualizedMLP, _Mapping]] = ..., action_encoder: _Optional[_Union[GRActionEncoder, _Mapping]] = ..., action_mlp: _Optional[_Union[GRContextualizedMLP, _Mapping]] = ...) -> None: ...

class GRInputPreprocessor(_message.Message):
    __slots__ = ("contextual_preprocessor", "contextual_interleave_preprocessor", "uih_preprocessor")
    CONTEXTUAL_PREPROCESSOR_FIELD_NUMBER: _ClassVar[int]
    CONTEXTUAL_INTERLEAVE_PREPROCESSOR_FIELD_NUMBER: _ClassVar[int]
    UIH_PREPROCESSOR_FIELD_NUMBER: _ClassVar[int]
    contextual_preprocessor: GRContextualPreprocessor
    contextual_interleave_preprocessor: GRContextualInterleavePreprocessor
    uih_preprocessor: GRUIHPreprocessor
    def __init__(self, contextual_preprocessor: _Optional[_Union[GRContextualPreprocessor, _Mapping]] = ..., contextual_interleave_preprocessor: _Optional[_Union[GRContextualInterleavePreprocessor, _Mapping]] = ..., uih_preprocessor: _Optional[_Union[GRUIHPreprocessor, _Mapping]] = ...) -> None: ...

class L2NormPostprocessor(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LayerNormPostprocessor(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TimestampLayerNormPostprocessor(_message.Message):
    __slots__ = ("time_duration_period_units", "time_duration_units_per_period")
    TIME_DURATION_PERIOD_UNITS_FIELD_NUMBER: _ClassVar[int]
    TIME_DURATION_UNITS_PER_PERIOD_FIELD_NUMBER: _ClassVar[int]
    time_duration_period_units: _containers.RepeatedScalarFieldContainer[int]
    time_duration_units_per_period: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, time_duration_period_units: _Optional[_Iterable[int]] = ..., time_duration_units_per_period: _Optional[_Iterable[int]] = ...) -> None: ...

class GROutputPostprocessor(_message.Message):
    __slots__ = ("l2norm_postprocessor", "layernorm_postprocessor", "timestamp_layernorm_postprocessor")
    L2NORM_POSTPROCESSOR_FIELD_NUMBER: _ClassVar[int]
    LAYERNORM_POSTPROCESSOR_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_LAYERNORM_POSTPROCESSOR_FIELD_NUMBER: _ClassVar[int]
    l2norm_postprocessor: L2NormPostprocessor
    layernorm_postprocessor: LayerNormPostprocessor
    timestamp_layernorm_postprocessor: TimestampLayerNormPostprocessor
    def __init__(self, l2norm_postprocessor: _Optional[_Union[L2NormPostprocessor, _Mapping]] = ..., layernorm_postprocessor: _Optional[_Union[LayerNormPostprocessor, _Mapping]] = ..., timestamp_layernorm_postprocessor: _Optional[_Union[TimestampLayerNormPostprocessor, _Mapping]] = ...) -> None: ...

class HSTU(_message.Message):
    __slots__ = ("stu", "input_dropout_ratio", "attn_num_layers", "positional_encoder", "input_preprocessor", "output_postprocessor", "name", "attn_truncation_split_layer", "attn_truncation_tail_len")
    STU_FIELD_NUMBER: _ClassVar[int]
    INPUT_DROPOUT_RATIO_FIELD_NUMBER: _ClassVar[int]
    ATTN_NUM_LAYERS_FIELD_NUMBER: _ClassVar[int]
    POSITIONAL_ENCODER_FIELD_NUMBER: _ClassVar[int]
    INPUT_PREPROCESSOR_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_POSTPROCESSOR_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ATTN_TRUNCATION_SPLIT_LAYER_FIELD_NUMBER: _ClassVar[int]
    ATTN_TRUNCATION_TAIL_LEN_FIELD_NUMBER: _ClassVar[int]
    stu: STU
    input_dropout_ratio: float
    attn_num_layers: int
    positional_encoder: GRPositionalEncoder
    input_preprocessor: GRInputPreprocessor
    output_postprocessor: GROutputPostprocessor
    name: str
    attn_truncation_split_layer: int
    attn_truncation_tail_len: int
    def __init__(self, stu: _Optional[_Union[STU, _Mapping]] = ..., input_dropout_ratio: _Optional[float] = ..., attn_num_layers: _Optional[int] = ..., positional_encoder: _Optional[_Union[GRPositionalEncoder, _Mapping]] = ..., input_preprocessor: _Optional[_Union[GRInputPreprocessor, _Mapping]] = ..., output_postprocessor: _Optional[_Union[GROutputPostprocessor, _Mapping]] = ..., name: _Optional[str] = ..., attn_truncation_split_layer: _Optional[int] = ..., attn_truncation_tail_len: _Optional[int] = ...) -> None: ...
