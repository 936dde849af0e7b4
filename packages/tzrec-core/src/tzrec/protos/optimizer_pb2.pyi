from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SparseOptimizer(_message.Message):
    __slots__ = ("sgd_optimizer", "adagrad_optimizer", "adam_optimizer", "lars_sgd_optimizer", "lamb_optimizer", "partial_rowwise_lamb_optimizer", "partial_rowwise_adam_optimizer", "rowwise_adagrad_optimizer", "constant_learning_rate", "exponential_decay_learning_rate", "manual_step_learning_rate")
    SGD_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    ADAGRAD_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    ADAM_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    LARS_SGD_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    LAMB_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_ROWWISE_LAMB_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_ROWWISE_ADAM_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    ROWWISE_ADAGRAD_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    CONSTANT_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    EXPONENTIAL_DECAY_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    MANUAL_STEP_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    sgd_optimizer: SGDOptimizer
    adagrad_optimizer: AdagradOptimizer
    adam_optimizer: AdamOptimizer
    lars_sgd_optimizer: LARSSGDOptimizer
    lamb_optimizer: LAMBOptimizer
    partial_rowwise_lamb_optimizer: PartialRowWiseLAMBOptimizer
    partial_rowwise_adam_optimizer: PartialRowWiseAdamOptimizer
    rowwise_adagrad_optimizer: RowWiseAdagradOptimizer
    constant_learning_rate: ConstantLR
    exponential_decay_learning_rate: ExponentialDecayLR
    manual_step_learning_rate: ManualStepLR
    def __init__(self, sgd_optimizer: _Optional[_Union[SGDOptimizer, _Mapping]] = ..., adagrad_optimizer: _Optional[_Union[AdagradOptimizer, _Mapping]] = ..., adam_optimizer: _Optional[_Union[AdamOptimizer, _Mapping]] = ..., lars_sgd_optimizer: _Optional[_Union[LARSSGDOptimizer, _Mapping]] = ..., lamb_optimizer: _Optional[_Union[LAMBOptimizer, _Mapping]] = ..., partial_rowwise_lamb_optimizer: _Optional[_Union[PartialRowWiseLAMBOptimizer, _Mapping]] = ..., partial_rowwise_adam_optimizer: _Optional[_Union[PartialRowWiseAdamOptimizer, _Mapping]] = ..., rowwise_adagrad_optimizer: _Optional[_Union[RowWiseAdagradOptimizer, _Mapping]] = ..., constant_learning_rate: _Optional[_Union[ConstantLR, _Mapping]] = ..., exponential_decay_learning_rate: _Optional[_Union[ExponentialDecayLR, _Mapping]] = ..., manual_step_learning_rate: _Optional[_Union[ManualStepLR, _Mapping]] = ...) -> None: ...

class DenseOptimizer(_message.Message):
    __slots__ = ("sgd_optimizer", "adagrad_optimizer", "adam_optimizer", "adamw_optimizer", "constant_learning_rate", "exponential_decay_learning_rate", "manual_step_learning_rate", "part_optimizers", "ema")
    SGD_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    ADAGRAD_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    ADAM_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    ADAMW_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    CONSTANT_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    EXPONENTIAL_DECAY_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    MANUAL_STEP_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    PART_OPTIMIZERS_FIELD_NUMBER: _ClassVar[int]
    EMA_FIELD_NUMBER: _ClassVar[int]
    sgd_optimizer: SGDOptimizer
    adagrad_optimizer: AdagradOptimizer
    adam_optimizer: AdamOptimizer
    adamw_optimizer: AdamWOptimizer
    constant_learning_rate: ConstantLR
    exponential_decay_learning_rate: ExponentialDecayLR
    manual_step_learning_rate: ManualStepLR
    part_optimizers: _containers.RepeatedCompositeFieldContainer[PartOptimizer]
    ema: ExponentialMovingAverage
    def __init__(self, sgd_optimizer: _Optional[_Union[SGDOptimizer, _Mapping]] = ..., adagrad_optimizer: _Optional[_Union[AdagradOptimizer, _Mapping]] = ..., adam_optimizer: _Optional[_Union[AdamOptimizer, _Mapping]] = ..., adamw_optimizer: _Optional[_Union[AdamWOptimizer, _Mapping]] = ..., constant_learning_rate: _Optional[_Union[ConstantLR, _Mapping]] = ..., exponential_decay_learning_rate: _Optional[_Union[ExponentialDecayLR, _Mapping]] = ..., manual_step_learning_rate: _Optional[_Union[ManualStepLR, _Mapping]] = ..., part_optimizers: _Optional[_Iterable[_Union[PartOptimizer, _Mapping]]] = ..., ema: _Optional[_Union[ExponentialMovingAverage, _Mapping]] = ...) -> None: ...

class PartOptimizer(_message.Message):
    __slots__ = ("sgd_optimizer", "adagrad_optimizer", "adam_optimizer", "adamw_optimizer", "regex_pattern", "constant_learning_rate", "exponential_decay_learning_rate", "manual_step_learning_rate")
    SGD_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    ADAGRAD_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    ADAM_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    ADAMW_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    REGEX_PATTERN_FIELD_NUMBER: _ClassVar[int]
    CONSTANT_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    EXPONENTIAL_DECAY_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    MANUAL_STEP_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    sgd_optimizer: SGDOptimizer
    adagrad_optimizer: AdagradOptimizer
    adam_optimizer: AdamOptimizer
    adamw_optimizer: AdamWOptimizer
    regex_pattern: str
    constant_learning_rate: ConstantLR
    exponential_decay_learning_rate: ExponentialDecayLR
    manual_step_learning_rate: ManualStepLR
    def __init__(self, sgd_optimizer: _Optional[_Union[SGDOptimizer, _Mapping]] = ..., adagrad_optimizer: _Optional[_Union[AdagradOptimizer, _Mapping]] = ..., adam_optimizer: _Optional[_Union[AdamOptimizer, _Mapping]] = ..., adamw_optimizer: _Optional[_Union[AdamWOptimizer, _Mapping]] = ..., regex_pattern: _Optional[str] = ..., constant_learning_rate: _Optional[_Union[ConstantLR, _Mapping]] = ..., exponential_decay_learning_rate: _Optional[_Union[ExponentialDecayLR, _Mapping]] = ..., manual_step_learning_rate: _Optional[_Union[ManualStepLR, _Mapping]] = ...) -> None: ...

class ExponentialMovingAverage(_message.Message):
    __slots__ = ("decay",)
    DECAY_FIELD_NUMBER: _ClassVar[int]
    decay: float
    def __init__(self, decay: _Optional[float] = ...) -> None: ...

class SGDOptimizer(_message.Message):
    __slots__ = ("lr", "momentum", "dampening", "weight_decay", "nesterov", "gradient_clipping", "max_gradient")
    LR_FIELD_NUMBER: _ClassVar[int]
    MOMENTUM_FIELD_NUMBER: _ClassVar[int]
    DAMPENING_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
    NESTEROV_FIELD_NUMBER: _ClassVar[int]
    GRADIENT_CLIPPING_FIELD_NUMBER: _ClassVar[int]
    MAX_GRADIENT_FIELD_NUMBER: _ClassVar[int]
    lr: float
    momentum: float
    dampening: float
    weight_decay: float
    nesterov: bool
    gradient_clipping: bool
    max_gradient: float
    def __init__(self, lr: _Optional[float] = ..., momentum: _Optional[float] = ..., dampening: _Optional[float] = ..., weight_decay: _Optional[float] = ..., nesterov: _Optional[bool] = ..., gradient_clipping: _Optional[bool] = ..., max_gradient: _Optional[float] = ...) -> None: ...

class AdagradOptimizer(_message.Message):
    __slots__ = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "gradient_clipping", "max_gradient")
    LR_FIELD_NUMBER: _ClassVar[int]
    LR_DECAY_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
    INITIAL_ACCUMULATOR_VALUE_FIELD_NUMBER: _ClassVar[int]
    EPS_FIELD_NUMBER: _ClassVar[int]
    GRADIENT_CLIPPING_FIELD_NUMBER: _ClassVar[int]
    MAX_GRADIENT_FIELD_NUMBER: _ClassVar[int]
    lr: float
    lr_decay: float
    weight_decay: float
    initial_accumulator_value: float
    eps: float
    gradient_clipping: bool
    max_gradient: float
    def __init__(self, lr: _Optional[float] = ..., lr_decay: _Optional[float] = ..., weight_decay: _Optional[float] = ..., initial_accumulator_value: _Optional[float] = ..., eps: _Optional[float] = ..., gradient_clipping: _Optional[bool] = ..., max_gradient: _Optional[float] = ...) -> None: ...

class AdamOptimizer(_message.Message):
    __slots__ = ("lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad", "gradient_clipping", "max_gradient")
    LR_FIELD_NUMBER: _ClassVar[int]
    BETA1_FIELD_NUMBER: _ClassVar[int]
    BETA2_FIELD_NUMBER: _ClassVar[int]
    EPS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
    AMSGRAD_FIELD_NUMBER: _ClassVar[int]
    GRADIENT_CLIPPING_FIELD_NUMBER: _ClassVar[int]
    MAX_GRADIENT_FIELD_NUMBER: _ClassVar[int]
    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    amsgrad: bool
    gradient_clipping: bool
    max_gradient: float
    def __init__(self, lr: _Optional[float] = ..., beta1: _Optional[float] = ..., beta2: _Optional[float] = ..., eps: _Optional[float] = ..., weight_decay: _Optional[float] = ..., amsgrad: _Optional[bool] = ..., gradient_clipping: _Optional[bool] = ..., max_gradient: _Optional[float] = ...) -> None: ...

class AdamWOptimizer(_message.Message):
    __slots__ = ("lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad")
    LR_FIELD_NUMBER: _ClassVar[int]
    BETA1_FIELD_NUMBER: _ClassVar[int]
    BETA2_FIELD_NUMBER: _ClassVar[int]
    EPS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
    AMSGRAD_FIELD_NUMBER: _ClassVar[int]
    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    amsgrad: bool
    def __init__(self, lr: _Optional[float] = ..., beta1: _Optional[float] = ..., beta2: _Optional[float] = ..., eps: _Optional[float] = ..., weight_decay: _Optional[float] = ..., amsgrad: _Optional[bool] = ...) -> None: ...

class LARSSGDOptimizer(_message.Message):
    __slots__ = ("lr", "momentum", "weight_decay", "eta", "gradient_clipping", "max_gradient")
    LR_FIELD_NUMBER: _ClassVar[int]
    MOMENTUM_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
    ETA_FIELD_NUMBER: _ClassVar[int]
    GRADIENT_CLIPPING_FIELD_NUMBER: _ClassVar[int]
    MAX_GRADIENT_FIELD_NUMBER: _ClassVar[int]
    lr: float
    momentum: float
    weight_decay: float
    eta: float
    gradient_clipping: bool
    max_gradient: float
    def __init__(self, lr: _Optional[float] = ..., momentum: _Optional[float] = ..., weight_decay: _Optional[float] = ..., eta: _Optional[float] = ..., gradient_clipping: _Optional[bool] = ..., max_gradient: _Optional[float] = ...) -> None: ...

class LAMBOptimizer(_message.Message):
    __slots__ = ("lr", "beta1", "beta2", "eps", "weight_decay", "gradient_clipping", "max_gradient")
    LR_FIELD_NUMBER: _ClassVar[int]
    BETA1_FIELD_NUMBER: _ClassVar[int]
    BETA2_FIELD_NUMBER: _ClassVar[int]
    EPS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
    GRADIENT_CLIPPING_FIELD_NUMBER: _ClassVar[int]
    MAX_GRADIENT_FIELD_NUMBER: _ClassVar[int]
    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    gradient_clipping: bool
    max_gradient: float
    def __init__(self, lr: _Optional[float] = ..., beta1: _Optional[float] = ..., beta2: _Optional[float] = ..., eps: _Optional[float] = ..., weight_decay: _Optional[float] = ..., gradient_clipping: _Optional[bool] = ..., max_gradient: _Optional[float] = ...) -> None: ...

class PartialRowWiseLAMBOptimizer(_message.Message):
    __slots__ = ("lr", "beta1", "beta2", "eps", "weight_decay", "gradient_clipping", "max_gradient")
    LR_FIELD_NUMBER: _ClassVar[int]
    BETA1_FIELD_NUMBER: _ClassVar[int]
    BETA2_FIELD_NUMBER: _ClassVar[int]
    EPS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
    GRADIENT_CLIPPING_FIELD_NUMBER: _ClassVar[int]
    MAX_GRADIENT_FIELD_NUMBER: _ClassVar[int]
    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    gradient_clipping: bool
    max_gradient: float
    def __init__(self, lr: _Optional[float] = ..., beta1: _Optional[float] = ..., beta2: _Optional[float] = ..., eps: _Optional[float] = ..., weight_decay: _Optional[float] = ..., gradient_clipping: _Optional[bool] = ..., max_gradient: _Optional[float] = ...) -> None: ...

class PartialRowWiseAdamOptimizer(_message.Message):
    __slots__ = ("lr", "beta1", "beta2", "eps", "weight_decay", "gradient_clipping", "max_gradient")
    LR_FIELD_NUMBER: _ClassVar[int]
    BETA1_FIELD_NUMBER: _ClassVar[int]
    BETA2_FIELD_NUMBER: _ClassVar[int]
    EPS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
    GRADIENT_CLIPPING_FIELD_NUMBER: _ClassVar[int]
    MAX_GRADIENT_FIELD_NUMBER: _ClassVar[int]
    lr: float
    beta1: float
    beta2: float
    eps: float
    weight_decay: float
    gradient_clipping: bool
    max_gradient: float
    def __init__(self, lr: _Optional[float] = ..., beta1: _Optional[float] = ..., beta2: _Optional[float] = ..., eps: _Optional[float] = ..., weight_decay: _Optional[float] = ..., gradient_clipping: _Optional[bool] = ..., max_gradient: _Optional[float] = ...) -> None: ...

class RowWiseAdagradOptimizer(_message.Message):
    __slots__ = ("lr", "weight_decay", "initial_accumulator_value", "eps", "gradient_clipping", "max_gradient")
    LR_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
    INITIAL_ACCUMULATOR_VALUE_FIELD_NUMBER: _ClassVar[int]
    EPS_FIELD_NUMBER: _ClassVar[int]
    GRADIENT_CLIPPING_FIELD_NUMBER: _ClassVar[int]
    MAX_GRADIENT_FIELD_NUMBER: _ClassVar[int]
    lr: float
    weight_decay: float
    initial_accumulator_value: float
    eps: float
    gradient_clipping: bool
    max_gradient: float
    def __init__(self, lr: _Optional[float] = ..., weight_decay: _Optional[float] = ..., initial_accumulator_value: _Optional[float] = ..., eps: _Optional[float] = ..., gradient_clipping: _Optional[bool] = ..., max_gradient: _Optional[float] = ...) -> None: ...

class ConstantLR(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ExponentialDecayLR(_message.Message):
    __slots__ = ("decay_size", "decay_factor", "staircase", "warmup_learning_rate", "warmup_size", "min_learning_rate", "by_epoch", "learning_rates")
    DECAY_SIZE_FIELD_NUMBER: _ClassVar[int]
    DECAY_FACTOR_FIELD_NUMBER: _ClassVar[int]
    STAIRCASE_FIELD_NUMBER: _ClassVar[int]
    WARMUP_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    WARMUP_SIZE_FIELD_NUMBER: _ClassVar[int]
    MIN_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    BY_EPOCH_FIELD_NUMBER: _ClassVar[int]
    LEARNING_RATES_FIELD_NUMBER: _ClassVar[int]
    decay_size: _containers.RepeatedScalarFieldContainer[int]
    decay_factor: float
    staircase: bool
    warmup_learning_rate: float
    warmup_size: int
    min_learning_rate: float
    by_epoch: bool
    learning_rates: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, decay_size: _Optional[_Iterable[int]] = ..., decay_factor: _Optional[float] = ..., staircase: _Optional[bool] = ..., warmup_learning_rate: _Optional[float] = ..., warmup_size: _Optional[int] = ..., min_learning_rate: _Optional[float] = ..., by_epoch: _Optional[bool] = ..., learning_rates: _Optional[_Iterable[float]] = ...) -> None: ...

class ManualStepLR(_message.Message):
    __slots__ = ("schedule_sizes", "learning_rates", "warmup", "by_epoch")
    SCHEDULE_SIZES_FIELD_NUMBER: _ClassVar[int]
    LEARNING_RATES_FIELD_NUMBER: _ClassVar[int]
    WARMUP_FIELD_NUMBER: _ClassVar[int]
    BY_EPOCH_FIELD_NUMBER: _ClassVar[int]
    schedule_sizes: _containers.RepeatedScalarFieldContainer[int]
    learning_rates: _containers.RepeatedScalarFieldContainer[float]
    warmup: bool
    by_epoch: bool
    def __init__(self, schedule_sizes: _Optional[_Iterable[int]] = ..., learning_rates: _Optional[_Iterable[float]] = ..., warmup: _Optional[bool] = ..., by_epoch: _Optional[bool] = ...) -> None: ...
