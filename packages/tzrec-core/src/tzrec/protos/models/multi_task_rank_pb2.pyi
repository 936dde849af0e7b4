from tzrec.protos import module_pb2 as _module_pb2
from tzrec.protos import tower_pb2 as _tower_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SimpleMultiTask(_message.Message):
    __slots__ = ("task_towers",)
    TASK_TOWERS_FIELD_NUMBER: _ClassVar[int]
    task_towers: _containers.RepeatedCompositeFieldContainer[_tower_pb2.TaskTower]
    def __init__(self, task_towers: _Optional[_Iterable[_Union[_tower_pb2.TaskTower, _Mapping]]] = ...) -> None: ...

class MMoE(_message.Message):
    __slots__ = ("expert_mlp", "num_expert", "gate_mlp", "task_towers")
    EXPERT_MLP_FIELD_NUMBER: _ClassVar[int]
    NUM_EXPERT_FIELD_NUMBER: _ClassVar[int]
    GATE_MLP_FIELD_NUMBER: _ClassVar[int]
    TASK_TOWERS_FIELD_NUMBER: _ClassVar[int]
    expert_mlp: _module_pb2.MLP
    num_expert: int
    gate_mlp: _module_pb2.MLP
    task_towers: _containers.RepeatedCompositeFieldContainer[_tower_pb2.TaskTower]
    def __init__(self, expert_mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ..., num_expert: _Optional[int] = ..., gate_mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ..., task_towers: _Optional[_Iterable[_Union[_tower_pb2.TaskTower, _Mapping]]] = ...) -> None: ...

class DBMTL(_message.Message):
    __slots__ = ("mask_net", "bottom_mlp", "expert_mlp", "num_expert", "gate_mlp", "task_towers")
    MASK_NET_FIELD_NUMBER: _ClassVar[int]
    BOTTOM_MLP_FIELD_NUMBER: _ClassVar[int]
    EXPERT_MLP_FIELD_NUMBER: _ClassVar[int]
    NUM_EXPERT_FIELD_NUMBER: _ClassVar[int]
    GATE_MLP_FIELD_NUMBER: _ClassVar[int]
    TASK_TOWERS_FIELD_NUMBER: _ClassVar[int]
    mask_net: _module_pb2.MaskNetModule
    bottom_mlp: _module_pb2.MLP
    expert_mlp: _module_pb2.MLP
    num_expert: int
    gate_mlp: _module_pb2.MLP
    task_towers: _containers.RepeatedCompositeFieldContainer[_tower_pb2.BayesTaskTower]
    def __init__(self, mask_net: _Optional[_Union[_module_pb2.MaskNetModule, _Mapping]] = ..., bottom_mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ..., expert_mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ..., num_expert: _Optional[int] = ..., gate_mlp: _Optional[_Union[_module_pb2.MLP, _Mapping]] = ..., task_towers: _Optional[_Iterable[_Union[_tower_pb2.BayesTaskTower, _Mapping]]] = ...) -> None: ...

class PLE(_message.Message):
    __slots__ = ("extraction_networks", "task_towers")
    EXTRACTION_NETWORKS_FIELD_NUMBER: _ClassVar[int]
    TASK_TOWERS_FIELD_NUMBER: _ClassVar[int]
    extraction_networks: _containers.RepeatedCompositeFieldContainer[_module_pb2.ExtractionNetwork]
    task_towers: _containers.RepeatedCompositeFieldContainer[_tower_pb2.TaskTower]
    def __init__(self, extraction_networks: _Optional[_Iterable[_Union[_module_pb2.ExtractionNetwork, _Mapping]]] = ..., task_towers: _Optional[_Iterable[_Union[_tower_pb2.TaskTower, _Mapping]]] = ...) -> None: ...

class PEPNet(_message.Message):
    __slots__ = ("epnet_hidden_unit", "epnet_gamma", "ppnet_hidden_units", "ppnet_activation", "ppnet_dropout_ratio", "ppnet_gamma", "domain_input_name", "task_domain_num", "task_towers")
    EPNET_HIDDEN_UNIT_FIELD_NUMBER: _ClassVar[int]
    EPNET_GAMMA_FIELD_NUMBER: _ClassVar[int]
    PPNET_HIDDEN_UNITS_FIELD_NUMBER: _ClassVar[int]
    PPNET_ACTIVATION_FIELD_NUMBER: _ClassVar[int]
    PPNET_DROPOUT_RATIO_FIELD_NUMBER: _ClassVar[int]
    PPNET_GAMMA_FIELD_NUMBER: _ClassVar[int]
    DOMAIN_INPUT_NAME_FIELD_NUMBER: _ClassVar[int]
    TASK_DOMAIN_NUM_FIELD_NUMBER: _ClassVar[int]
    TASK_TOWERS_FIELD_NUMBER: _ClassVar[int]
    epnet_hidden_unit: int
    epnet_gamma: float
    ppnet_hidden_units: _containers.RepeatedScalarFieldContainer[int]
    ppnet_activation: str
    ppnet_dropout_ratio: _containers.RepeatedScalarFieldContainer[float]
    ppnet_gamma: float
    domain_input_name: str
    task_domain_num: int
    task_towers: _containers.RepeatedCompositeFieldContainer[_tower_pb2.TaskTower]
    def __init__(self, epnet_hidden_unit: _Optional[int] = ..., epnet_gamma: _Optional[float] = ..., ppnet_hidden_units: _Optional[_Iterable[int]] = ..., ppnet_activation: _Optional[str] = ..., ppnet_dropout_ratio: _Optional[_Iterable[float]] = ..., ppnet_gamma: _Optional[float] = ..., domain_input_name: _Optional[str] = ..., task_domain_num: _Optional[int] = ..., task_towers: _Optional[_Iterable[_Union[_tower_pb2.TaskTower, _Mapping]]] = ...) -> None: ...
