from tzrec.protos import module_pb2 as _module_pb2
from tzrec.protos import loss_pb2 as _loss_pb2
from tzrec.protos import metric_pb2 as _metric_pb2
from tzrec.protos import hstu_pb2 as _hstu_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FusionSubTaskConfig(_message.Message):
    __slots__ = ("task_name", "label_name", "task_bitmask", "num_class", "weight", "losses", "metrics", "train_metrics")
    TASK_NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_BITMASK_FIELD_NUMBER: _ClassVar[int]
    NUM_CLASS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    LOSSES_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    TRAIN_METRICS_FIELD_NUMBER: _ClassVar[int]
    task_name: str
    label_name: str
    task_bitmask: int
    num_class: int
    weight: float
    losses: _containers.RepeatedCompositeFieldContainer[_loss_pb2.LossConfig]
    metrics: _containers.RepeatedCompositeFieldContainer[_metric_pb2.MetricConfig]
    train_metrics: _containers.RepeatedCompositeFieldContainer[_metric_pb2.TrainMetricConfig]
    def __init__(self, task_name: _Optional[str] = ..., label_name: _Optional[str] = ..., task_bitmask: _Optional[int] = ..., num_class: _Optional[int] = ..., weight: _Optional[float] = ..., losses: _Optional[_Iterable[_Union[_loss_pb2.LossConfig, _Mapping]]] = ..., metrics: _Optional[_Iterable[_Union[_metric_pb2.MetricConfig, _Mapping]]] = ..., train_metrics: _Optional[_Iterable[_Union[_metric_pb2.TrainMetricConfig, _Mapping]]] = ...) -> None: ...

class FusionMTLTower(_message.Message):
    __slots__ = ("mlp", "task_configs")
    MLP_FIELD_NUMBER: _ClassVar[int]
    TASK_CONFIGS_FIELD_NUMBER: _ClassVar[int]
    mlp: _module_pb2.MLP
    task_configs: _containers.RepeatedCompositeFieldContainer[FusionSubTaskConfig]
    def __init__(self, mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ..., task_configs: _Optional[_Iterable[_Union[FusionSubTaskConfig, _Mapping]]] = ...) -> None: ...

class DlrmHSTU(_message.Message):
    __slots__ = ("hstu", "fusion_mtl_tower", "max_seq_len", "item_embedding_hidden_dim", "enable_global_average_loss", "sequence_timestamp_is_ascending", "concat_contextual_features")
    HSTU_FIELD_NUMBER: _ClassVar[int]
    FUSION_MTL_TOWER_FIELD_NUMBER: _ClassVar[int]
    MAX_SEQ_LEN_FIELD_NUMBER: _ClassVar[int]
    ITEM_EMBEDDING_HIDDEN_DIM_FIELD_NUMBER: _ClassVar[int]
    ENABLE_GLOBAL_AVERAGE_LOSS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_TIMESTAMP_IS_ASCENDING_FIELD_NUMBER: _ClassVar[int]
    CONCAT_CONTEXTUAL_FEATURES_FIELD_NUMBER: _ClassVar[int]
    hstu: _hstu_pb2.HSTU
    fusion_mtl_tower: FusionMTLTower
    max_seq_len: int
    item_embedding_hidden_dim: int
    enable_global_average_loss: bool
    sequence_timestamp_is_ascending: bool
    concat_contextual_features: bool
    def __init__(self, hstu: _Optional[_Union[_hstu_pb2.HSTU, _Mapping]] = ..., fusion_mtl_tower: _Optional[_Union[FusionMTLTower, _Mapping]] = ..., max_seq_len: _Optional[int] = ..., item_embedding_hidden_dim: _Optional[int] = ..., enable_global_average_loss: _Optional[bool] = ..., sequence_timestamp_is_ascending: _Optional[bool] = ..., concat_contextual_features: _Optional[bool] = ...) -> None: ...

class UltraHSTU(_message.Message):
    __slots__ = ("hstu", "fusion_mtl_tower", "max_seq_len", "item_embedding_hidden_dim", "enable_global_average_loss", "sequence_timestamp_is_ascending", "concat_contextual_features")
    HSTU_FIELD_NUMBER: _ClassVar[int]
    FUSION_MTL_TOWER_FIELD_NUMBER: _ClassVar[int]
    MAX_SEQ_LEN_FIELD_NUMBER: _ClassVar[int]
    ITEM_EMBEDDING_HIDDEN_DIM_FIELD_NUMBER: _ClassVar[int]
    ENABLE_GLOBAL_AVERAGE_LOSS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_TIMESTAMP_IS_ASCENDING_FIELD_NUMBER: _ClassVar[int]
    CONCAT_CONTEXTUAL_FEATURES_FIELD_NUMBER: _ClassVar[int]
    hstu: _containers.RepeatedCompositeFieldContainer[_hstu_pb2.HSTU]
    fusion_mtl_tower: FusionMTLTower
    max_seq_len: int
    item_embedding_hidden_dim: int
    enable_global_average_loss: bool
    sequence_timestamp_is_ascending: bool
    concat_contextual_features: bool
    def __init__(self, hstu: _Optional[_Iterable[_Union[_hstu_pb2.HSTU, _Mapping]]] = ..., fusion_mtl_tower: _Optional[_Union[FusionMTLTower, _Mapping]] = ..., max_seq_len: _Optional[int] = ..., item_embedding_hidden_dim: _Optional[int] = ..., enable_global_average_loss: _Optional[bool] = ..., sequence_timestamp_is_ascending: _Optional[bool] = ..., concat_contextual_features: _Optional[bool] = ...) -> None: ...

class SinkhornConfig(_message.Message):
    __slots__ = ("enabled", "iters", "epsilon")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    ITERS_FIELD_NUMBER: _ClassVar[int]
    EPSILON_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    iters: int
    epsilon: float
    def __init__(self, enabled: _Optional[bool] = ..., iters: _Optional[int] = ..., epsilon: _Optional[float] = ...) -> None: ...

class ContrastiveConfig(_message.Message):
    __slots__ = ("pair_feature_group", "pair_flag_feature_group")
    PAIR_FEATURE_GROUP_FIELD_NUMBER: _ClassVar[int]
    PAIR_FLAG_FEATURE_GROUP_FIELD_NUMBER: _ClassVar[int]
    pair_feature_group: str
    pair_flag_feature_group: str
    def __init__(self, pair_feature_group: _Optional[str] = ..., pair_flag_feature_group: _Optional[str] = ...) -> None: ...

class SidRqvae(_message.Message):
    __slots__ = ("embed_dim", "hidden_dims", "codebook", "forward_mode", "normalize_residuals", "distance_type", "rotation_trick", "kmeans_init", "sinkhorn_config", "contrastive_config")
    EMBED_DIM_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_DIMS_FIELD_NUMBER: _ClassVar[int]
    CODEBOOK_FIELD_NUMBER: _ClassVar[int]
    FORWARD_MODE_FIELD_NUMBER: _ClassVar[int]
    NORMALIZE_RESIDUALS_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    ROTATION_TRICK_FIELD_NUMBER: _ClassVar[int]
    KMEANS_INIT_FIELD_NUMBER: _ClassVar[int]
    SINKHORN_CONFIG_FIELD_NUMBER: _ClassVar[int]
    CONTRASTIVE_CONFIG_FIELD_NUMBER: _ClassVar[int]
    embed_dim: int
    hidden_dims: _containers.RepeatedScalarFieldContainer[int]
    codebook: _containers.RepeatedScalarFieldContainer[int]
    forward_mode: str
    normalize_residuals: bool
    distance_type: str
    rotation_trick: bool
    kmeans_init: bool
    sinkhorn_config: SinkhornConfig
    contrastive_config: ContrastiveConfig
    def __init__(self, embed_dim: _Optional[int] = ..., hidden_dims: _Optional[_Iterable[int]] = ..., codebook: _Optional[_Iterable[int]] = ..., forward_mode: _Optional[str] = ..., normalize_residuals: _Optional[bool] = ..., distance_type: _Optional[str] = ..., rotation_trick: _Optional[bool] = ..., kmeans_init: _Optional[bool] = ..., sinkhorn_config: _Optional[_Union[SinkhornConfig, _Mapping]] = ..., contrastive_config: _Optional[_Union[ContrastiveConfig, _Mapping]] = ...) -> None: ...

class FaissKmeansKwargs(_message.Message):
    __slots__ = ("niter", "nredo", "seed", "max_points_per_centroid", "min_points_per_centroid", "spherical", "verbose")
    NITER_FIELD_NUMBER: _ClassVar[int]
    NREDO_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    MAX_POINTS_PER_CENTROID_FIELD_NUMBER: _ClassVar[int]
    MIN_POINTS_PER_CENTROID_FIELD_NUMBER: _ClassVar[int]
    SPHERICAL_FIELD_NUMBER: _ClassVar[int]
    VERBOSE_FIELD_NUMBER: _ClassVar[int]
    niter: int
    nredo: int
    seed: int
    max_points_per_centroid: int
    min_points_per_centroid: int
    spherical: bool
    verbose: bool
    def __init__(self, niter: _Optional[int] = ..., nredo: _Optional[int] = ..., seed: _Optional[int] = ..., max_points_per_centroid: _Optional[int] = ..., min_points_per_centroid: _Optional[int] = ..., spherical: _Optional[bool] = ..., verbose: _Optional[bool] = ...) -> None: ...

class SidRqkmeans(_message.Message):
    __slots__ = ("codebook", "normalize_residuals", "faiss_kmeans_kwargs", "train_sample_size")
    CODEBOOK_FIELD_NUMBER: _ClassVar[int]
    NORMALIZE_RESIDUALS_FIELD_NUMBER: _ClassVar[int]
    FAISS_KMEANS_KWARGS_FIELD_NUMBER: _ClassVar[int]
    TRAIN_SAMPLE_SIZE_FIELD_NUMBER: _ClassVar[int]
    codebook: _containers.RepeatedScalarFieldContainer[int]
    normalize_residuals: bool
    faiss_kmeans_kwargs: FaissKmeansKwargs
    train_sample_size: int
    def __init__(self, codebook: _Optional[_Iterable[int]] = ..., normalize_residuals: _Optional[bool] = ..., faiss_kmeans_kwargs: _Optional[_Union[FaissKmeansKwargs, _Mapping]] = ..., train_sample_size: _Optional[int] = ...) -> None: ...
