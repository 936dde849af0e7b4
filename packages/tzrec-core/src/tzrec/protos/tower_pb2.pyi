from tzrec.protos import module_pb2 as _module_pb2
from tzrec.protos import loss_pb2 as _loss_pb2
from tzrec.protos import metric_pb2 as _metric_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Tower(_message.Message):
    __slots__ = ("input", "mlp")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    input: str
    mlp: _module_pb2.MLP
    def __init__(self, input: _Optional[str] = ..., mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ...) -> None: ...

class DINTower(_message.Message):
    __slots__ = ("input", "attn_mlp")
    INPUT_FIELD_NUMBER: _ClassVar[int]
    ATTN_MLP_FIELD_NUMBER: _ClassVar[int]
    input: str
    attn_mlp: _module_pb2.MLP
    def __init__(self, input: _Optional[str] = ..., attn_mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ...) -> None: ...

class TaskTower(_message.Message):
    __slots__ = ("tower_name", "label_name", "metrics", "losses", "num_class", "mlp", "weight", "sample_weight_name", "task_space_indicator_label", "in_task_space_weight", "out_task_space_weight", "train_metrics", "pareto_min_loss_weight")
    TOWER_NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_NAME_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    LOSSES_FIELD_NUMBER: _ClassVar[int]
    NUM_CLASS_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_WEIGHT_NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_SPACE_INDICATOR_LABEL_FIELD_NUMBER: _ClassVar[int]
    IN_TASK_SPACE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    OUT_TASK_SPACE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    TRAIN_METRICS_FIELD_NUMBER: _ClassVar[int]
    PARETO_MIN_LOSS_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    tower_name: str
    label_name: str
    metrics: _containers.RepeatedCompositeFieldContainer[_metric_pb2.MetricConfig]
    losses: _containers.RepeatedCompositeFieldContainer[_loss_pb2.LossConfig]
    num_class: int
    mlp: _module_pb2.MLP
    weight: float
    sample_weight_name: str
    task_space_indicator_label: str
    in_task_space_weight: float
    out_task_space_weight: float
    train_metrics: _containers.RepeatedCompositeFieldContainer[_metric_pb2.TrainMetricConfig]
    pareto_min_loss_weight: float
    def __init__(self, tower_name: _Optional[str] = ..., label_name: _Optional[str] = ..., metrics: _Optional[_Iterable[_Union[_metric_pb2.MetricConfig, _Mapping]]] = ..., losses: _Optional[_Iterable[_Union[_loss_pb2.LossConfig, _Mapping]]] = ..., num_class: _Optional[int] = ..., mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ..., weight: _Optional[float] = ..., sample_weight_name: _Optional[str] = ..., task_space_indicator_label: _Optional[str] = ..., in_task_space_weight: _Optional[float] = ..., out_task_space_weight: _Optional[float] = ..., train_metrics: _Optional[_Iterable[_Union[_metric_pb2.TrainMetricConfig, _Mapping]]] = ..., pareto_min_loss_weight: _Optional[float] = ...) -> None: ...

class BayesTaskTower(_message.Message):
    __slots__ = ("tower_name", "label_name", "metrics", "losses", "num_class", "mlp", "weight", "sample_weight_name", "task_space_indicator_label", "in_task_space_weight", "out_task_space_weight", "train_metrics", "pareto_min_loss_weight", "relation_tower_names", "relation_mlp")
    TOWER_NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_NAME_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    LOSSES_FIELD_NUMBER: _ClassVar[int]
    NUM_CLASS_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_WEIGHT_NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_SPACE_INDICATOR_LABEL_FIELD_NUMBER: _ClassVar[int]
    IN_TASK_SPACE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    OUT_TASK_SPACE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    TRAIN_METRICS_FIELD_NUMBER: _ClassVar[int]
    PARETO_MIN_LOSS_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    RELATION_TOWER_NAMES_FIELD_NUMBER: _ClassVar[int]
    RELATION_MLP_FIELD_NUMBER: _ClassVar[int]
    tower_name: str
    label_name: str
    metrics: _containers.RepeatedCompositeFieldContainer[_metric_pb2.MetricConfig]
    losses: _containers.RepeatedCompositeFieldContainer[_loss_pb2.LossConfig]
    num_class: int
    mlp: _module_pb2.MLP
    weight: float
    sample_weight_name: str
    task_space_indicator_label: str
    in_task_space_weight: float
    out_task_space_weight: float
    train_metrics: _containers.RepeatedCompositeFieldContainer[_metric_pb2.TrainMetricConfig]
    pareto_min_loss_weight: float
    relation_tower_names: _containers.RepeatedScalarFieldContainer[str]
    relation_mlp: _module_pb2.MLP
    def __init__(self, tower_name: _Optional[str] = ..., label_name: _Optional[str] = ..., metrics: _Optional[_Iterable[_Union[_metric_pb2.MetricConfig, _Mapping]]] = ..., losses: _Optional[_Iterable[_Union[_loss_pb2.LossConfig, _Mapping]]] = ..., num_class: _Optional[int] = ..., mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ..., weight: _Optional[float] = ..., sample_weight_name: _Optional[str] = ..., task_space_indicator_label: _Optional[str] = ..., in_task_space_weight: _Optional[float] = ..., out_task_space_weight: _Optional[float] = ..., train_metrics: _Optional[_Iterable[_Union[_metric_pb2.TrainMetricConfig, _Mapping]]] = ..., pareto_min_loss_weight: _Optional[float] = ..., relation_tower_names: _Optional[_Iterable[str]] = ..., relation_mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ...) -> None: ...

class InterventionTaskTower(_message.Message):
    __slots__ = ("tower_name", "label_name", "metrics", "losses", "num_class", "mlp", "weight", "sample_weight_name", "task_space_indicator_label", "in_task_space_weight", "out_task_space_weight", "train_metrics", "pareto_min_loss_weight", "intervention_tower_names", "low_rank_dim", "dropout_ratio")
    TOWER_NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_NAME_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    LOSSES_FIELD_NUMBER: _ClassVar[int]
    NUM_CLASS_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_WEIGHT_NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_SPACE_INDICATOR_LABEL_FIELD_NUMBER: _ClassVar[int]
    IN_TASK_SPACE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    OUT_TASK_SPACE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    TRAIN_METRICS_FIELD_NUMBER: _ClassVar[int]
    PARETO_MIN_LOSS_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    INTERVENTION_TOWER_NAMES_FIELD_NUMBER: _ClassVar[int]
    LOW_RANK_DIM_FIELD_NUMBER: _ClassVar[int]
    DROPOUT_RATIO_FIELD_NUMBER: _ClassVar[int]
    tower_name: str
    label_name: str
    metrics: _containers.RepeatedCompositeFieldContainer[_metric_pb2.MetricConfig]
    losses: _containers.RepeatedCompositeFieldContainer[_loss_pb2.LossConfig]
    num_class: int
    mlp: _module_pb2.MLP
    weight: float
    sample_weight_name: str
    task_space_indicator_label: str
    in_task_space_weight: float
    out_task_space_weight: float
    train_metrics: _containers.RepeatedCompositeFieldContainer[_metric_pb2.TrainMetricConfig]
    pareto_min_loss_weight: float
    intervention_tower_names: _containers.RepeatedScalarFieldContainer[str]
    low_rank_dim: int
    dropout_ratio: float
    def __init__(self, tower_name: _Optional[str] = ..., label_name: _Optional[str] = ..., metrics: _Optional[_Iterable[_Union[_metric_pb2.MetricConfig, _Mapping]]] = ..., losses: _Optional[_Iterable[_Union[_loss_pb2.LossConfig, _Mapping]]] = ..., num_class: _Optional[int] = ..., mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ..., weight: _Optional[float] = ..., sample_weight_name: _Optional[str] = ..., task_space_indicator_label: _Optional[str] = ..., in_task_space_weight: _Optional[float] = ..., out_task_space_weight: _Optional[float] = ..., train_metrics: _Optional[_Iterable[_Union[_metric_pb2.TrainMetricConfig, _Mapping]]] = ..., pareto_min_loss_weight: _Optional[float] = ..., intervention_tower_names: _Optional[_Iterable[str]] = ..., low_rank_dim: _Optional[int] = ..., dropout_ratio: _Optional[float] = ...) -> None: ...
