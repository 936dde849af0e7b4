from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MLP(_message.Message):
    __slots__ = ("hidden_units", "dropout_ratio", "activation", "use_bn", "bias", "use_ln")
    HIDDEN_UNITS_FIELD_NUMBER: _ClassVar[int]
    DROPOUT_RATIO_FIELD_NUMBER: _ClassVar[int]
    ACTIVATION_FIELD_NUMBER: _ClassVar[int]
    USE_BN_FIELD_NUMBER: _ClassVar[int]
    BIAS_FIELD_NUMBER: _ClassVar[int]
    USE_LN_FIELD_NUMBER: _ClassVar[int]
    hidden_units: _containers.RepeatedScalarFieldContainer[int]
    dropout_ratio: _containers.RepeatedScalarFieldContainer[float]
    activation: str
    use_bn: bool
    bias: bool
    use_ln: bool
    def __init__(self, hidden_units: _Optional[_Iterable[int]] = ..., dropout_ratio: _Optional[_Iterable[float]] = ..., activation: _Optional[str] = ..., use_bn: _Optional[bool] = ..., bias: _Optional[bool] = ..., use_ln: _Optional[bool] = ...) -> None: ...

class Cross(_message.Message):
    __slots__ = ("cross_num",)
    CROSS_NUM_FIELD_NUMBER: _ClassVar[int]
    cross_num: int
    def __init__(self, cross_num: _Optional[int] = ...) -> None: ...

class CrossV2(_message.Message):
    __slots__ = ("cross_num", "low_rank")
    CROSS_NUM_FIELD_NUMBER: _ClassVar[int]
    LOW_RANK_FIELD_NUMBER: _ClassVar[int]
    cross_num: int
    low_rank: int
    def __init__(self, cross_num: _Optional[int] = ..., low_rank: _Optional[int] = ...) -> None: ...

class CIN(_message.Message):
    __slots__ = ("cin_layer_size",)
    CIN_LAYER_SIZE_FIELD_NUMBER: _ClassVar[int]
    cin_layer_size: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, cin_layer_size: _Optional[_Iterable[int]] = ...) -> None: ...

class MaskBlock(_message.Message):
    __slots__ = ("reduction_ratio", "aggregation_dim", "hidden_dim")
    REDUCTION_RATIO_FIELD_NUMBER: _ClassVar[int]
    AGGREGATION_DIM_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_DIM_FIELD_NUMBER: _ClassVar[int]
    reduction_ratio: float
    aggregation_dim: int
    hidden_dim: int
    def __init__(self, reduction_ratio: _Optional[float] = ..., aggregation_dim: _Optional[int] = ..., hidden_dim: _Optional[int] = ...) -> None: ...

class MaskNetModule(_message.Message):
    __slots__ = ("n_mask_blocks", "mask_block", "use_parallel", "top_mlp")
    N_MASK_BLOCKS_FIELD_NUMBER: _ClassVar[int]
    MASK_BLOCK_FIELD_NUMBER: _ClassVar[int]
    USE_PARALLEL_FIELD_NUMBER: _ClassVar[int]
    TOP_MLP_FIELD_NUMBER: _ClassVar[int]
    n_mask_blocks: int
    mask_block: MaskBlock
    use_parallel: bool
    top_mlp: MLP
    def __init__(self, n_mask_blocks: _Optional[int] = ..., mask_block: _Optional[_Union[MaskBlock, _Mapping]] = ..., use_parallel: _Optional[bool] = ..., top_mlp: _Optional[_Union[MLP, _Mapping]] = ...) -> None: ...

class WuKongLayer(_message.Message):
    __slots__ = ("lcb_feature_num", "fmb_feature_num", "compressed_feature_num", "feature_num_mlp")
    LCB_FEATURE_NUM_FIELD_NUMBER: _ClassVar[int]
    FMB_FEATURE_NUM_FIELD_NUMBER: _ClassVar[int]
    COMPRESSED_FEATURE_NUM_FIELD_NUMBER: _ClassVar[int]
    FEATURE_NUM_MLP_FIELD_NUMBER: _ClassVar[int]
    lcb_feature_num: int
    fmb_feature_num: int
    compressed_feature_num: int
    feature_num_mlp: MLP
    def __init__(self, lcb_feature_num: _Optional[int] = ..., fmb_feature_num: _Optional[int] = ..., compressed_feature_num: _Optional[int] = ..., feature_num_mlp: _Optional[_Union[MLP, _Mapping]] = ...) -> None: ...

class ExtractionNetwork(_message.Message):
    __slots__ = ("network_name", "expert_num_per_task", "share_num", "task_expert_net", "share_expert_net")
    NETWORK_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPERT_NUM_PER_TASK_FIELD_NUMBER: _ClassVar[int]
    SHARE_NUM_FIELD_NUMBER: _ClassVar[int]
    TASK_EXPERT_NET_FIELD_NUMBER: _ClassVar[int]
    SHARE_EXPERT_NET_FIELD_NUMBER: _ClassVar[int]
    network_name: str
    expert_num_per_task: int
    share_num: int
    task_expert_net: MLP
    share_expert_net: MLP
    def __init__(self, network_name: _Optional[str] = ..., expert_num_per_task: _Optional[int] = ..., share_num: _Optional[int] = ..., task_expert_net: _Optional[_Union[MLP, _Mapping]] = ..., share_expert_net: _Optional[_Union[MLP, _Mapping]] = ...) -> None: ...

class VariationalDropout(_message.Message):
    __slots__ = ("regularization_lambda", "embedding_wise_variational_dropout")
    REGULARIZATION_LAMBDA_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_WISE_VARIATIONAL_DROPOUT_FIELD_NUMBER: _ClassVar[int]
    regularization_lambda: float
    embedding_wise_variational_dropout: bool
    def __init__(self, regularization_lambda: _Optional[float] = ..., embedding_wise_variational_dropout: _Optional[bool] = ...) -> None: ...
