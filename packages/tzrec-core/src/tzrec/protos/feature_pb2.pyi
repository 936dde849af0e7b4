from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TextNormalizeOption(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TEXT_LOWER2UPPER: _ClassVar[TextNormalizeOption]
    TEXT_UPPER2LOWER: _ClassVar[TextNormalizeOption]
    TEXT_SBC2DBC: _ClassVar[TextNormalizeOption]
    TEXT_CHT2CHS: _ClassVar[TextNormalizeOption]
    TEXT_FILTER: _ClassVar[TextNormalizeOption]
    TEXT_SPLITCHRS: _ClassVar[TextNormalizeOption]
    TEXT_REMOVE_SPACE: _ClassVar[TextNormalizeOption]
TEXT_LOWER2UPPER: TextNormalizeOption
TEXT_UPPER2LOWER: TextNormalizeOption
TEXT_SBC2DBC: TextNormalizeOption
TEXT_CHT2CHS: TextNormalizeOption
TEXT_FILTER: TextNormalizeOption
TEXT_SPLITCHRS: TextNormalizeOption
TEXT_REMOVE_SPACE: TextNormalizeOption

class FeatureConfig(_message.Message):
    __slots__ = ("id_feature", "raw_feature", "combo_feature", "lookup_feature", "match_feature", "expr_feature", "overlap_feature", "tokenize_feature", "kv_dot_product", "bool_mask_feature", "custom_feature", "combine_feature", "sequence_feature", "sequence_id_feature", "sequence_raw_feature", "sequence_custom_feature", "sequence_combine_feature", "sequence_tokenize_feature")
    ID_FEATURE_FIELD_NUMBER: _ClassVar[int]
    RAW_FEATURE_FIELD_NUMBER: _ClassVar[int]
    COMBO_FEATURE_FIELD_NUMBER: _ClassVar[int]
    LOOKUP_FEATURE_FIELD_NUMBER: _ClassVar[int]
    MATCH_FEATURE_FIELD_NUMBER: _ClassVar[int]
    EXPR_FEATURE_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_FEATURE_FIELD_NUMBER: _ClassVar[int]
    TOKENIZE_FEATURE_FIELD_NUMBER: _ClassVar[int]
    KV_DOT_PRODUCT_FIELD_NUMBER: _ClassVar[int]
    BOOL_MASK_FEATURE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FEATURE_FIELD_NUMBER: _ClassVar[int]
    COMBINE_FEATURE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FEATURE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_ID_FEATURE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_RAW_FEATURE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_CUSTOM_FEATURE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_COMBINE_FEATURE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_TOKENIZE_FEATURE_FIELD_NUMBER: _ClassVar[int]
    id_feature: IdFeature
    raw_feature: RawFeature
    combo_feature: ComboFeature
    lookup_feature: LookupFeature
    match_feature: MatchFeature
    expr_feature: ExprFeature
    overlap_feature: OverlapFeature
    tokenize_feature: TokenizeFeature
    kv_dot_product: KvDotProduct
    bool_mask_feature: BoolMaskFeature
    custom_feature: CustomFeature
    combine_feature: CombineFeature
    sequence_feature: SequenceFeature
    sequence_id_feature: SequenceIdFeature
    sequence_raw_feature: SequenceRawFeature
    sequence_custom_feature: SequenceCustomFeature
    sequence_combine_feature: SequenceCombineFeature
    sequence_tokenize_feature: SequenceTokenizeFeature
    def __init__(self, id_feature: _Optional[_Union[IdFeature, _Mapping]] = ..., raw_feature: _Optional[_Union[RawFeature, _Mapping]] = ..., combo_feature: _Optional[_Union[ComboFeature, _Mapping]] = ..., lookup_feature: _Optional[_Union[LookupFeature, _Mapping]] = ..., match_feature: _Optional[_Union[MatchFeature, _Mapping]] = ..., expr_feature: _Optional[_Union[ExprFeature, _Mapping]] = ..., overlap_feature: _Optional[_Union[OverlapFeature, _Mapping]] = ..., tokenize_feature: _Optional[_Union[TokenizeFeature, _Mapping]] = ..., kv_dot_product: _Optional[_Union[KvDotProduct, _Mapping]] = ..., bool_mask_feature: _Optional[_Union[BoolMaskFeature, _Mapping]] = ..., custom_feature: _Optional[_Union[CustomFeature, _Mapping]] = ..., combine_feature: _Optional[_Union[CombineFeature, _Mapping]] = ..., sequence_feature: _Optional[_Union[SequenceFeature, _Mapping]] = ..., sequence_id_feature: _Optional[_Union[SequenceIdFeature, _Mapping]] = ..., sequence_raw_feature: _Optional[_Union[SequenceRawFeature, _Mapping]] = ..., sequence_custom_feature: _Optional[_Union[SequenceCustomFeature, _Mapping]] = ..., sequence_combine_feature: _Optional[_Union[SequenceCombineFeature, _Mapping]] = ..., sequence_tokenize_feature: _Optional[_Union[SequenceTokenizeFeature, _Mapping]] = ...) -> None: ...

class SeqFeatureConfig(_message.Message):
    __slots__ = ("id_feature", "raw_feature", "combo_feature", "lookup_feature", "match_feature", "expr_feature", "overlap_feature", "tokenize_feature", "kv_dot_product", "bool_mask_feature", "custom_feature", "combine_feature")
    ID_FEATURE_FIELD_NUMBER: _ClassVar[int]
    RAW_FEATURE_FIELD_NUMBER: _ClassVar[int]
    COMBO_FEATURE_FIELD_NUMBER: _ClassVar[int]
    LOOKUP_FEATURE_FIELD_NUMBER: _ClassVar[int]
    MATCH_FEATURE_FIELD_NUMBER: _ClassVar[int]
    EXPR_FEATURE_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_FEATURE_FIELD_NUMBER: _ClassVar[int]
    TOKENIZE_FEATURE_FIELD_NUMBER: _ClassVar[int]
    KV_DOT_PRODUCT_FIELD_NUMBER: _ClassVar[int]
    BOOL_MASK_FEATURE_FIELD_NUMBER: _ClassVar[int]
    CUSTOM_FEATURE_FIELD_NUMBER: _ClassVar[int]
    COMBINE_FEATURE_FIELD_NUMBER: _ClassVar[int]
    id_feature: IdFeature
    raw_feature: RawFeature
    combo_feature: ComboFeature
    lookup_feature: LookupFeature
    match_feature: MatchFeature
    expr_feature: ExprFeature
    overlap_feature: OverlapFeature
    tokenize_feature: TokenizeFeature
    kv_dot_product: KvDotProduct
    bool_mask_feature: BoolMaskFeature
    custom_feature: CustomFeature
    combine_feature: CombineFeature
    def __init__(self, id_feature: _Optional[_Union[IdFeature, _Mapping]] = ..., raw_feature: _Optional[_Union[RawFeature, _Mapping]] = ..., combo_feature: _Optional[_Union[ComboFeature, _Mapping]] = ..., lookup_feature: _Optional[_Union[LookupFeature, _Mapping]] = ..., match_feature: _Optional[_Union[MatchFeature, _Mapping]] = ..., expr_feature: _Optional[_Union[ExprFeature, _Mapping]] = ..., overlap_feature: _Optional[_Union[OverlapFeature, _Mapping]] = ..., tokenize_feature: _Optional[_Union[TokenizeFeature, _Mapping]] = ..., kv_dot_product: _Optional[_Union[KvDotProduct, _Mapping]] = ..., bool_mask_feature: _Optional[_Union[BoolMaskFeature, _Mapping]] = ..., custom_feature: _Optional[_Union[CustomFeature, _Mapping]] = ..., combine_feature: _Optional[_Union[CombineFeature, _Mapping]] = ...) -> None: ...

class ZeroCollisionHash(_message.Message):
    __slots__ = ("zch_size", "eviction_interval", "threshold_filtering_func", "lfu", "lru", "distance_lfu")
    ZCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    EVICTION_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FILTERING_FUNC_FIELD_NUMBER: _ClassVar[int]
    LFU_FIELD_NUMBER: _ClassVar[int]
    LRU_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_LFU_FIELD_NUMBER: _ClassVar[int]
    zch_size: int
    eviction_interval: int
    threshold_filtering_func: str
    lfu: LFU_EvictionPolicy
    lru: LRU_EvictionPolicy
    distance_lfu: DistanceLFU_EvictionPolicy
    def __init__(self, zch_size: _Optional[int] = ..., eviction_interval: _Optional[int] = ..., threshold_filtering_func: _Optional[str] = ..., lfu: _Optional[_Union[LFU_EvictionPolicy, _Mapping]] = ..., lru: _Optional[_Union[LRU_EvictionPolicy, _Mapping]] = ..., distance_lfu: _Optional[_Union[DistanceLFU_EvictionPolicy, _Mapping]] = ...) -> None: ...

class LFU_EvictionPolicy(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LRU_EvictionPolicy(_message.Message):
    __slots__ = ("decay_exponent",)
    DECAY_EXPONENT_FIELD_NUMBER: _ClassVar[int]
    decay_exponent: float
    def __init__(self, decay_exponent: _Optional[float] = ...) -> None: ...

class DistanceLFU_EvictionPolicy(_message.Message):
    __slots__ = ("decay_exponent",)
    DECAY_EXPONENT_FIELD_NUMBER: _ClassVar[int]
    decay_exponent: float
    def __init__(self, decay_exponent: _Optional[float] = ...) -> None: ...

class DynamicEmbInitializerArgs(_message.Message):
    __slots__ = ("mode", "mean", "std_dev", "lower", "upper", "value")
    MODE_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    STD_DEV_FIELD_NUMBER: _ClassVar[int]
    LOWER_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    mode: str
    mean: float
    std_dev: float
    lower: float
    upper: float
    value: float
    def __init__(self, mode: _Optional[str] = ..., mean: _Optional[float] = ..., std_dev: _Optional[float] = ..., lower: _Optional[float] = ..., upper: _Optional[float] = ..., value: _Optional[float] = ...) -> None: ...

class DynamicEmbFrequencyAdmissionStrategy(_message.Message):
    __slots__ = ("threshold", "initializer_args", "counter_capacity", "counter_bucket_capacity")
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    INITIALIZER_ARGS_FIELD_NUMBER: _ClassVar[int]
    COUNTER_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    COUNTER_BUCKET_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    threshold: int
    initializer_args: DynamicEmbInitializerArgs
    counter_capacity: int
    counter_bucket_capacity: int
    def __init__(self, threshold: _Optional[int] = ..., initializer_args: _Optional[_Union[DynamicEmbInitializerArgs, _Mapping]] = ..., counter_capacity: _Optional[int] = ..., counter_bucket_capacity: _Optional[int] = ...) -> None: ...

class DynamicEmbedding(_message.Message):
    __slots__ = ("max_capacity", "initializer_args", "eval_initializer_args", "score_strategy", "init_capacity_per_rank", "bucket_capacity", "init_table", "frequency_admission_strategy")
    MAX_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    INITIALIZER_ARGS_FIELD_NUMBER: _ClassVar[int]
    EVAL_INITIALIZER_ARGS_FIELD_NUMBER: _ClassVar[int]
    SCORE_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    INIT_CAPACITY_PER_RANK_FIELD_NUMBER: _ClassVar[int]
    BUCKET_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    INIT_TABLE_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_ADMISSION_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    max_capacity: int
    initializer_args: DynamicEmbInitializerArgs
    eval_initializer_args: DynamicEmbInitializerArgs
    score_strategy: str
    init_capacity_per_rank: int
    bucket_capacity: int
    init_table: str
    frequency_admission_strategy: DynamicEmbFrequencyAdmissionStrategy
    def __init__(self, max_capacity: _Optional[int] = ..., initializer_args: _Optional[_Union[DynamicEmbInitializerArgs, _Mapping]] = ..., eval_initializer_args: _Optional[_Union[DynamicEmbInitializerArgs, _Mapping]] = ..., score_strategy: _Optional[str] = ..., init_capacity_per_rank: _Optional[int] = ..., bucket_capacity: _Optional[int] = ..., init_table: _Optional[str] = ..., frequency_admission_strategy: _Optional[_Union[DynamicEmbFrequencyAdmissionStrategy, _Mapping]] = ...) -> None: ...

class AutoDisEmbedding(_message.Message):
    __slots__ = ("num_channels", "temperature", "keep_prob")
    NUM_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    KEEP_PROB_FIELD_NUMBER: _ClassVar[int]
    num_channels: int
    temperature: float
    keep_prob: float
    def __init__(self, num_channels: _Optional[int] = ..., temperature: _Optional[float] = ..., keep_prob: _Optional[float] = ...) -> None: ...

class MLPEmbedding(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TextNormalizer(_message.Message):
    __slots__ = ("stop_char_file", "norm_options")
    STOP_CHAR_FILE_FIELD_NUMBER: _ClassVar[int]
    NORM_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    stop_char_file: str
    norm_options: _containers.RepeatedScalarFieldContainer[TextNormalizeOption]
    def __init__(self, stop_char_file: _Optional[str] = ..., norm_options: _Optional[_Iterable[_Union[TextNormalizeOption, str]]] = ...) -> None: ...

class IdFeature(_message.Message):
    __slots__ = ("feature_name", "expression", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "value_dim", "sequence_fields", "sequence_length", "sequence_delim", "hash_bucket_size", "num_buckets", "vocab_list", "vocab_dict", "vocab_file", "default_bucketize_value", "zch", "dynamicemb", "weighted")
    class VocabDictEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DIM_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_DELIM_FIELD_NUMBER: _ClassVar[int]
    HASH_BUCKET_SIZE_FIELD_NUMBER: _ClassVar[int]
    NUM_BUCKETS_FIELD_NUMBER: _ClassVar[int]
    VOCAB_LIST_FIELD_NUMBER: _ClassVar[int]
    VOCAB_DICT_FIELD_NUMBER: _ClassVar[int]
    VOCAB_FILE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_BUCKETIZE_VALUE_FIELD_NUMBER: _ClassVar[int]
    ZCH_FIELD_NUMBER: _ClassVar[int]
    DYNAMICEMB_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    expression: str
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    value_dim: int
    sequence_fields: _containers.RepeatedScalarFieldContainer[str]
    sequence_length: int
    sequence_delim: str
    hash_bucket_size: int
    num_buckets: int
    vocab_list: _containers.RepeatedScalarFieldContainer[str]
    vocab_dict: _containers.ScalarMap[str, int]
    vocab_file: str
    default_bucketize_value: int
    zch: ZeroCollisionHash
    dynamicemb: DynamicEmbedding
    weighted: bool
    def __init__(self, feature_name: _Optional[str] = ..., expression: _Optional[str] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., value_dim: _Optional[int] = ..., sequence_fields: _Optional[_Iterable[str]] = ..., sequence_length: _Optional[int] = ..., sequence_delim: _Optional[str] = ..., hash_bucket_size: _Optional[int] = ..., num_buckets: _Optional[int] = ..., vocab_list: _Optional[_Iterable[str]] = ..., vocab_dict: _Optional[_Mapping[str, int]] = ..., vocab_file: _Optional[str] = ..., default_bucketize_value: _Optional[int] = ..., zch: _Optional[_Union[ZeroCollisionHash, _Mapping]] = ..., dynamicemb: _Optional[_Union[DynamicEmbedding, _Mapping]] = ..., weighted: _Optional[bool] = ...) -> None: ...

class RawFeature(_message.Message):
    __slots__ = ("feature_name", "expression", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "value_dim", "sequence_fields", "sequence_length", "sequence_delim", "boundaries", "normalizer", "autodis", "mlp")
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DIM_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_DELIM_FIELD_NUMBER: _ClassVar[int]
    BOUNDARIES_FIELD_NUMBER: _ClassVar[int]
    NORMALIZER_FIELD_NUMBER: _ClassVar[int]
    AUTODIS_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    expression: str
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    value_dim: int
    sequence_fields: _containers.RepeatedScalarFieldContainer[str]
    sequence_length: int
    sequence_delim: str
    boundaries: _containers.RepeatedScalarFieldContainer[float]
    normalizer: str
    autodis: AutoDisEmbedding
    mlp: MLPEmbedding
    def __init__(self, feature_name: _Optional[str] = ..., expression: _Optional[str] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., value_dim: _Optional[int] = ..., sequence_fields: _Optional[_Iterable[str]] = ..., sequence_length: _Optional[int] = ..., sequence_delim: _Optional[str] = ..., boundaries: _Optional[_Iterable[float]] = ..., normalizer: _Optional[str] = ..., autodis: _Optional[_Union[AutoDisEmbedding, _Mapping]] = ..., mlp: _Optional[_Union[MLPEmbedding, _Mapping]] = ...) -> None: ...

class ComboFeature(_message.Message):
    __slots__ = ("feature_name", "expression", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "value_dim", "sequence_fields", "hash_bucket_size", "vocab_list", "vocab_dict", "vocab_file", "default_bucketize_value", "zch", "dynamicemb")
    class VocabDictEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DIM_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    HASH_BUCKET_SIZE_FIELD_NUMBER: _ClassVar[int]
    VOCAB_LIST_FIELD_NUMBER: _ClassVar[int]
    VOCAB_DICT_FIELD_NUMBER: _ClassVar[int]
    VOCAB_FILE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_BUCKETIZE_VALUE_FIELD_NUMBER: _ClassVar[int]
    ZCH_FIELD_NUMBER: _ClassVar[int]
    DYNAMICEMB_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    expression: _containers.RepeatedScalarFieldContainer[str]
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    value_dim: int
    sequence_fields: _containers.RepeatedScalarFieldContainer[str]
    hash_bucket_size: int
    vocab_list: _containers.RepeatedScalarFieldContainer[str]
    vocab_dict: _containers.ScalarMap[str, int]
    vocab_file: str
    default_bucketize_value: int
    zch: ZeroCollisionHash
    dynamicemb: DynamicEmbedding
    def __init__(self, feature_name: _Optional[str] = ..., expression: _Optional[_Iterable[str]] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., value_dim: _Optional[int] = ..., sequence_fields: _Optional[_Iterable[str]] = ..., hash_bucket_size: _Optional[int] = ..., vocab_list: _Optional[_Iterable[str]] = ..., vocab_dict: _Optional[_Mapping[str, int]] = ..., vocab_file: _Optional[str] = ..., default_bucketize_value: _Optional[int] = ..., zch: _Optional[_Union[ZeroCollisionHash, _Mapping]] = ..., dynamicemb: _Optional[_Union[DynamicEmbedding, _Mapping]] = ...) -> None: ...

class LookupFeature(_message.Message):
    __slots__ = ("feature_name", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "value_dim", "sequence_fields", "hash_bucket_size", "num_buckets", "vocab_list", "vocab_dict", "vocab_file", "default_bucketize_value", "boundaries", "zch", "dynamicemb", "normalizer", "autodis", "mlp", "map", "key", "combiner", "need_discrete", "need_key")
    class VocabDictEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DIM_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    HASH_BUCKET_SIZE_FIELD_NUMBER: _ClassVar[int]
    NUM_BUCKETS_FIELD_NUMBER: _ClassVar[int]
    VOCAB_LIST_FIELD_NUMBER: _ClassVar[int]
    VOCAB_DICT_FIELD_NUMBER: _ClassVar[int]
    VOCAB_FILE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_BUCKETIZE_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOUNDARIES_FIELD_NUMBER: _ClassVar[int]
    ZCH_FIELD_NUMBER: _ClassVar[int]
    DYNAMICEMB_FIELD_NUMBER: _ClassVar[int]
    NORMALIZER_FIELD_NUMBER: _ClassVar[int]
    AUTODIS_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    MAP_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    COMBINER_FIELD_NUMBER: _ClassVar[int]
    NEED_DISCRETE_FIELD_NUMBER: _ClassVar[int]
    NEED_KEY_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    value_dim: int
    sequence_fields: _containers.RepeatedScalarFieldContainer[str]
    hash_bucket_size: int
    num_buckets: int
    vocab_list: _containers.RepeatedScalarFieldContainer[str]
    vocab_dict: _containers.ScalarMap[str, int]
    vocab_file: str
    default_bucketize_value: int
    boundaries: _containers.RepeatedScalarFieldContainer[float]
    zch: ZeroCollisionHash
    dynamicemb: DynamicEmbedding
    normalizer: str
    autodis: AutoDisEmbedding
    mlp: MLPEmbedding
    map: str
    key: str
    combiner: str
    need_discrete: bool
    need_key: bool
    def __init__(self, feature_name: _Optional[str] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., value_dim: _Optional[int] = ..., sequence_fields: _Optional[_Iterable[str]] = ..., hash_bucket_size: _Optional[int] = ..., num_buckets: _Optional[int] = ..., vocab_list: _Optional[_Iterable[str]] = ..., vocab_dict: _Optional[_Mapping[str, int]] = ..., vocab_file: _Optional[str] = ..., default_bucketize_value: _Optional[int] = ..., boundaries: _Optional[_Iterable[float]] = ..., zch: _Optional[_Union[ZeroCollisionHash, _Mapping]] = ..., dynamicemb: _Optional[_Union[DynamicEmbedding, _Mapping]] = ..., normalizer: _Optional[str] = ..., autodis: _Optional[_Union[AutoDisEmbedding, _Mapping]] = ..., mlp: _Optional[_Union[MLPEmbedding, _Mapping]] = ..., map: _Optional[str] = ..., key: _Optional[str] = ..., combiner: _Optional[str] = ..., need_discrete: _Optional[bool] = ..., need_key: _Optional[bool] = ...) -> None: ...

class MatchFeature(_message.Message):
    __slots__ = ("feature_name", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "value_dim", "sequence_fields", "hash_bucket_size", "num_buckets", "vocab_list", "vocab_dict", "vocab_file", "default_bucketize_value", "boundaries", "zch", "dynamicemb", "normalizer", "autodis", "mlp", "nested_map", "pkey", "skey", "combiner", "need_discrete", "show_pkey", "show_skey")
    class VocabDictEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DIM_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    HASH_BUCKET_SIZE_FIELD_NUMBER: _ClassVar[int]
    NUM_BUCKETS_FIELD_NUMBER: _ClassVar[int]
    VOCAB_LIST_FIELD_NUMBER: _ClassVar[int]
    VOCAB_DICT_FIELD_NUMBER: _ClassVar[int]
    VOCAB_FILE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_BUCKETIZE_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOUNDARIES_FIELD_NUMBER: _ClassVar[int]
    ZCH_FIELD_NUMBER: _ClassVar[int]
    DYNAMICEMB_FIELD_NUMBER: _ClassVar[int]
    NORMALIZER_FIELD_NUMBER: _ClassVar[int]
    AUTODIS_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    NESTED_MAP_FIELD_NUMBER: _ClassVar[int]
    PKEY_FIELD_NUMBER: _ClassVar[int]
    SKEY_FIELD_NUMBER: _ClassVar[int]
    COMBINER_FIELD_NUMBER: _ClassVar[int]
    NEED_DISCRETE_FIELD_NUMBER: _ClassVar[int]
    SHOW_PKEY_FIELD_NUMBER: _ClassVar[int]
    SHOW_SKEY_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    value_dim: int
    sequence_fields: _containers.RepeatedScalarFieldContainer[str]
    hash_bucket_size: int
    num_buckets: int
    vocab_list: _containers.RepeatedScalarFieldContainer[str]
    vocab_dict: _containers.ScalarMap[str, int]
    vocab_file: str
    default_bucketize_value: int
    boundaries: _containers.RepeatedScalarFieldContainer[float]
    zch: ZeroCollisionHash
    dynamicemb: DynamicEmbedding
    normalizer: str
    autodis: AutoDisEmbedding
    mlp: MLPEmbedding
    nested_map: str
    pkey: str
    skey: str
    combiner: str
    need_discrete: bool
    show_pkey: bool
    show_skey: bool
    def __init__(self, feature_name: _Optional[str] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., value_dim: _Optional[int] = ..., sequence_fields: _Optional[_Iterable[str]] = ..., hash_bucket_size: _Optional[int] = ..., num_buckets: _Optional[int] = ..., vocab_list: _Optional[_Iterable[str]] = ..., vocab_dict: _Optional[_Mapping[str, int]] = ..., vocab_file: _Optional[str] = ..., default_bucketize_value: _Optional[int] = ..., boundaries: _Optional[_Iterable[float]] = ..., zch: _Optional[_Union[ZeroCollisionHash, _Mapping]] = ..., dynamicemb: _Optional[_Union[DynamicEmbedding, _Mapping]] = ..., normalizer: _Optional[str] = ..., autodis: _Optional[_Union[AutoDisEmbedding, _Mapping]] = ..., mlp: _Optional[_Union[MLPEmbedding, _Mapping]] = ..., nested_map: _Optional[str] = ..., pkey: _Optional[str] = ..., skey: _Optional[str] = ..., combiner: _Optional[str] = ..., need_discrete: _Optional[bool] = ..., show_pkey: _Optional[bool] = ..., show_skey: _Optional[bool] = ...) -> None: ...

class ExprFeature(_message.Message):
    __slots__ = ("feature_name", "expression", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "value_dim", "sequence_fields", "boundaries", "normalizer", "autodis", "mlp", "variables")
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DIM_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    BOUNDARIES_FIELD_NUMBER: _ClassVar[int]
    NORMALIZER_FIELD_NUMBER: _ClassVar[int]
    AUTODIS_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    expression: str
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    value_dim: int
    sequence_fields: _containers.RepeatedScalarFieldContainer[str]
    boundaries: _containers.RepeatedScalarFieldContainer[float]
    normalizer: str
    autodis: AutoDisEmbedding
    mlp: MLPEmbedding
    variables: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, feature_name: _Optional[str] = ..., expression: _Optional[str] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., value_dim: _Optional[int] = ..., sequence_fields: _Optional[_Iterable[str]] = ..., boundaries: _Optional[_Iterable[float]] = ..., normalizer: _Optional[str] = ..., autodis: _Optional[_Union[AutoDisEmbedding, _Mapping]] = ..., mlp: _Optional[_Union[MLPEmbedding, _Mapping]] = ..., variables: _Optional[_Iterable[str]] = ...) -> None: ...

class OverlapFeature(_message.Message):
    __slots__ = ("feature_name", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "value_dim", "sequence_fields", "boundaries", "normalizer", "autodis", "mlp", "query", "title", "method")
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DIM_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    BOUNDARIES_FIELD_NUMBER: _ClassVar[int]
    NORMALIZER_FIELD_NUMBER: _ClassVar[int]
    AUTODIS_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    value_dim: int
    sequence_fields: _containers.RepeatedScalarFieldContainer[str]
    boundaries: _containers.RepeatedScalarFieldContainer[float]
    normalizer: str
    autodis: AutoDisEmbedding
    mlp: MLPEmbedding
    query: str
    title: str
    method: str
    def __init__(self, feature_name: _Optional[str] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., value_dim: _Optional[int] = ..., sequence_fields: _Optional[_Iterable[str]] = ..., boundaries: _Optional[_Iterable[float]] = ..., normalizer: _Optional[str] = ..., autodis: _Optional[_Union[AutoDisEmbedding, _Mapping]] = ..., mlp: _Optional[_Union[MLPEmbedding, _Mapping]] = ..., query: _Optional[str] = ..., title: _Optional[str] = ..., method: _Optional[str] = ...) -> None: ...

class TokenizeFeature(_message.Message):
    __slots__ = ("feature_name", "expression", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "sequence_fields", "vocab_file", "sequence_length", "tokenizer_type", "text_normalizer", "tokens_as_sequence")
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    VOCAB_FILE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    TOKENIZER_TYPE_FIELD_NUMBER: _ClassVar[int]
    TEXT_NORMALIZER_FIELD_NUMBER: _ClassVar[int]
    TOKENS_AS_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    expression: str
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    sequence_fields: _containers.RepeatedScalarFieldContainer[str]
    vocab_file: str
    sequence_length: int
    tokenizer_type: str
    text_normalizer: TextNormalizer
    tokens_as_sequence: bool
    def __init__(self, feature_name: _Optional[str] = ..., expression: _Optional[str] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., sequence_fields: _Optional[_Iterable[str]] = ..., vocab_file: _Optional[str] = ..., sequence_length: _Optional[int] = ..., tokenizer_type: _Optional[str] = ..., text_normalizer: _Optional[_Union[TextNormalizer, _Mapping]] = ..., tokens_as_sequence: _Optional[bool] = ...) -> None: ...

class KvDotProduct(_message.Message):
    __slots__ = ("feature_name", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "value_dim", "sequence_fields", "boundaries", "normalizer", "autodis", "mlp", "query", "document", "kv_delimiter")
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DIM_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    BOUNDARIES_FIELD_NUMBER: _ClassVar[int]
    NORMALIZER_FIELD_NUMBER: _ClassVar[int]
    AUTODIS_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    KV_DELIMITER_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    value_dim: int
    sequence_fields: _containers.RepeatedScalarFieldContainer[str]
    boundaries: _containers.RepeatedScalarFieldContainer[float]
    normalizer: str
    autodis: AutoDisEmbedding
    mlp: MLPEmbedding
    query: str
    document: str
    kv_delimiter: str
    def __init__(self, feature_name: _Optional[str] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., value_dim: _Optional[int] = ..., sequence_fields: _Optional[_Iterable[str]] = ..., boundaries: _Optional[_Iterable[float]] = ..., normalizer: _Optional[str] = ..., autodis: _Optional[_Union[AutoDisEmbedding, _Mapping]] = ..., mlp: _Optional[_Union[MLPEmbedding, _Mapping]] = ..., query: _Optional[str] = ..., document: _Optional[str] = ..., kv_delimiter: _Optional[str] = ...) -> None: ...

class BoolMaskFeature(_message.Message):
    __slots__ = ("feature_name", "expression", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "value_dim", "sequence_fields", "hash_bucket_size", "num_buckets", "vocab_list", "vocab_dict", "vocab_file", "default_bucketize_value", "boundaries", "zch", "dynamicemb")
    class VocabDictEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DIM_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    HASH_BUCKET_SIZE_FIELD_NUMBER: _ClassVar[int]
    NUM_BUCKETS_FIELD_NUMBER: _ClassVar[int]
    VOCAB_LIST_FIELD_NUMBER: _ClassVar[int]
    VOCAB_DICT_FIELD_NUMBER: _ClassVar[int]
    VOCAB_FILE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_BUCKETIZE_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOUNDARIES_FIELD_NUMBER: _ClassVar[int]
    ZCH_FIELD_NUMBER: _ClassVar[int]
    DYNAMICEMB_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    expression: _containers.RepeatedScalarFieldContainer[str]
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    value_dim: int
    sequence_fields: _containers.RepeatedScalarFieldContainer[str]
    hash_bucket_size: int
    num_buckets: int
    vocab_list: _containers.RepeatedScalarFieldContainer[str]
    vocab_dict: _containers.ScalarMap[str, int]
    vocab_file: str
    default_bucketize_value: int
    boundaries: _containers.RepeatedScalarFieldContainer[float]
    zch: ZeroCollisionHash
    dynamicemb: DynamicEmbedding
    def __init__(self, feature_name: _Optional[str] = ..., expression: _Optional[_Iterable[str]] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., value_dim: _Optional[int] = ..., sequence_fields: _Optional[_Iterable[str]] = ..., hash_bucket_size: _Optional[int] = ..., num_buckets: _Optional[int] = ..., vocab_list: _Optional[_Iterable[str]] = ..., vocab_dict: _Optional[_Mapping[str, int]] = ..., vocab_file: _Optional[str] = ..., default_bucketize_value: _Optional[int] = ..., boundaries: _Optional[_Iterable[float]] = ..., zch: _Optional[_Union[ZeroCollisionHash, _Mapping]] = ..., dynamicemb: _Optional[_Union[DynamicEmbedding, _Mapping]] = ...) -> None: ...

class CustomFeature(_message.Message):
    __slots__ = ("feature_name", "expression", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "value_dim", "sequence_fields", "hash_bucket_size", "num_buckets", "vocab_list", "vocab_dict", "vocab_file", "default_bucketize_value", "boundaries", "zch", "dynamicemb", "weighted", "normalizer", "autodis", "mlp", "operator_name", "operator_lib_file", "operator_params", "is_op_thread_safe")
    class VocabDictEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DIM_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    HASH_BUCKET_SIZE_FIELD_NUMBER: _ClassVar[int]
    NUM_BUCKETS_FIELD_NUMBER: _ClassVar[int]
    VOCAB_LIST_FIELD_NUMBER: _ClassVar[int]
    VOCAB_DICT_FIELD_NUMBER: _ClassVar[int]
    VOCAB_FILE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_BUCKETIZE_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOUNDARIES_FIELD_NUMBER: _ClassVar[int]
    ZCH_FIELD_NUMBER: _ClassVar[int]
    DYNAMICEMB_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_FIELD_NUMBER: _ClassVar[int]
    NORMALIZER_FIELD_NUMBER: _ClassVar[int]
    AUTODIS_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_NAME_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_LIB_FILE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_PARAMS_FIELD_NUMBER: _ClassVar[int]
    IS_OP_THREAD_SAFE_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    expression: _containers.RepeatedScalarFieldContainer[str]
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    value_dim: int
    sequence_fields: _containers.RepeatedScalarFieldContainer[str]
    hash_bucket_size: int
    num_buckets: int
    vocab_list: _containers.RepeatedScalarFieldContainer[str]
    vocab_dict: _containers.ScalarMap[str, int]
    vocab_file: str
    default_bucketize_value: int
    boundaries: _containers.RepeatedScalarFieldContainer[float]
    zch: ZeroCollisionHash
    dynamicemb: DynamicEmbedding
    weighted: bool
    normalizer: str
    autodis: AutoDisEmbedding
    mlp: MLPEmbedding
    operator_name: str
    operator_lib_file: str
    operator_params: _struct_pb2.Struct
    is_op_thread_safe: bool
    def __init__(self, feature_name: _Optional[str] = ..., expression: _Optional[_Iterable[str]] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., value_dim: _Optional[int] = ..., sequence_fields: _Optional[_Iterable[str]] = ..., hash_bucket_size: _Optional[int] = ..., num_buckets: _Optional[int] = ..., vocab_list: _Optional[_Iterable[str]] = ..., vocab_dict: _Optional[_Mapping[str, int]] = ..., vocab_file: _Optional[str] = ..., default_bucketize_value: _Optional[int] = ..., boundaries: _Optional[_Iterable[float]] = ..., zch: _Optional[_Union[ZeroCollisionHash, _Mapping]] = ..., dynamicemb: _Optional[_Union[DynamicEmbedding, _Mapping]] = ..., weighted: _Optional[bool] = ..., normalizer: _Optional[str] = ..., autodis: _Optional[_Union[AutoDisEmbedding, _Mapping]] = ..., mlp: _Optional[_Union[MLPEmbedding, _Mapping]] = ..., operator_name: _Optional[str] = ..., operator_lib_file: _Optional[str] = ..., operator_params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., is_op_thread_safe: _Optional[bool] = ...) -> None: ...

class CombineFeature(_message.Message):
    __slots__ = ("feature_name", "expression", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "sequence_fields", "num_buckets", "boundaries", "normalizer", "autodis", "mlp", "value_map", "combiner")
    class ValueMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    NUM_BUCKETS_FIELD_NUMBER: _ClassVar[int]
    BOUNDARIES_FIELD_NUMBER: _ClassVar[int]
    NORMALIZER_FIELD_NUMBER: _ClassVar[int]
    AUTODIS_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    VALUE_MAP_FIELD_NUMBER: _ClassVar[int]
    COMBINER_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    expression: str
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    sequence_fields: _containers.RepeatedScalarFieldContainer[str]
    num_buckets: int
    boundaries: _containers.RepeatedScalarFieldContainer[float]
    normalizer: str
    autodis: AutoDisEmbedding
    mlp: MLPEmbedding
    value_map: _containers.ScalarMap[str, float]
    combiner: str
    def __init__(self, feature_name: _Optional[str] = ..., expression: _Optional[str] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., sequence_fields: _Optional[_Iterable[str]] = ..., num_buckets: _Optional[int] = ..., boundaries: _Optional[_Iterable[float]] = ..., normalizer: _Optional[str] = ..., autodis: _Optional[_Union[AutoDisEmbedding, _Mapping]] = ..., mlp: _Optional[_Union[MLPEmbedding, _Mapping]] = ..., value_map: _Optional[_Mapping[str, float]] = ..., combiner: _Optional[str] = ...) -> None: ...

class SequenceFeature(_message.Message):
    __slots__ = ("sequence_name", "sequence_length", "sequence_delim", "sequence_pk", "features")
    SEQUENCE_NAME_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_DELIM_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_PK_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    sequence_name: str
    sequence_length: int
    sequence_delim: str
    sequence_pk: str
    features: _containers.RepeatedCompositeFieldContainer[SeqFeatureConfig]
    def __init__(self, sequence_name: _Optional[str] = ..., sequence_length: _Optional[int] = ..., sequence_delim: _Optional[str] = ..., sequence_pk: _Optional[str] = ..., features: _Optional[_Iterable[_Union[SeqFeatureConfig, _Mapping]]] = ...) -> None: ...

class SequenceIdFeature(_message.Message):
    __slots__ = ("feature_name", "expression", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "value_dim", "hash_bucket_size", "num_buckets", "vocab_list", "vocab_dict", "vocab_file", "default_bucketize_value", "zch", "dynamicemb", "weighted", "sequence_length", "sequence_delim")
    class VocabDictEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DIM_FIELD_NUMBER: _ClassVar[int]
    HASH_BUCKET_SIZE_FIELD_NUMBER: _ClassVar[int]
    NUM_BUCKETS_FIELD_NUMBER: _ClassVar[int]
    VOCAB_LIST_FIELD_NUMBER: _ClassVar[int]
    VOCAB_DICT_FIELD_NUMBER: _ClassVar[int]
    VOCAB_FILE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_BUCKETIZE_VALUE_FIELD_NUMBER: _ClassVar[int]
    ZCH_FIELD_NUMBER: _ClassVar[int]
    DYNAMICEMB_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_DELIM_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    expression: str
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    value_dim: int
    hash_bucket_size: int
    num_buckets: int
    vocab_list: _containers.RepeatedScalarFieldContainer[str]
    vocab_dict: _containers.ScalarMap[str, int]
    vocab_file: str
    default_bucketize_value: int
    zch: ZeroCollisionHash
    dynamicemb: DynamicEmbedding
    weighted: bool
    sequence_length: int
    sequence_delim: str
    def __init__(self, feature_name: _Optional[str] = ..., expression: _Optional[str] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., value_dim: _Optional[int] = ..., hash_bucket_size: _Optional[int] = ..., num_buckets: _Optional[int] = ..., vocab_list: _Optional[_Iterable[str]] = ..., vocab_dict: _Optional[_Mapping[str, int]] = ..., vocab_file: _Optional[str] = ..., default_bucketize_value: _Optional[int] = ..., zch: _Optional[_Union[ZeroCollisionHash, _Mapping]] = ..., dynamicemb: _Optional[_Union[DynamicEmbedding, _Mapping]] = ..., weighted: _Optional[bool] = ..., sequence_length: _Optional[int] = ..., sequence_delim: _Optional[str] = ...) -> None: ...

class SequenceRawFeature(_message.Message):
    __slots__ = ("feature_name", "expression", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "value_dim", "boundaries", "normalizer", "autodis", "mlp", "sequence_length", "sequence_delim")
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DIM_FIELD_NUMBER: _ClassVar[int]
    BOUNDARIES_FIELD_NUMBER: _ClassVar[int]
    NORMALIZER_FIELD_NUMBER: _ClassVar[int]
    AUTODIS_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_DELIM_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    expression: str
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    value_dim: int
    boundaries: _containers.RepeatedScalarFieldContainer[float]
    normalizer: str
    autodis: AutoDisEmbedding
    mlp: MLPEmbedding
    sequence_length: int
    sequence_delim: str
    def __init__(self, feature_name: _Optional[str] = ..., expression: _Optional[str] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., value_dim: _Optional[int] = ..., boundaries: _Optional[_Iterable[float]] = ..., normalizer: _Optional[str] = ..., autodis: _Optional[_Union[AutoDisEmbedding, _Mapping]] = ..., mlp: _Optional[_Union[MLPEmbedding, _Mapping]] = ..., sequence_length: _Optional[int] = ..., sequence_delim: _Optional[str] = ...) -> None: ...

class SequenceCustomFeature(_message.Message):
    __slots__ = ("feature_name", "expression", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "value_dim", "sequence_fields", "hash_bucket_size", "num_buckets", "vocab_list", "vocab_dict", "vocab_file", "default_bucketize_value", "boundaries", "zch", "dynamicemb", "weighted", "normalizer", "autodis", "mlp", "sequence_length", "sequence_delim", "operator_name", "operator_lib_file", "operator_params", "is_op_thread_safe")
    class VocabDictEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VALUE_DIM_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELDS_FIELD_NUMBER: _ClassVar[int]
    HASH_BUCKET_SIZE_FIELD_NUMBER: _ClassVar[int]
    NUM_BUCKETS_FIELD_NUMBER: _ClassVar[int]
    VOCAB_LIST_FIELD_NUMBER: _ClassVar[int]
    VOCAB_DICT_FIELD_NUMBER: _ClassVar[int]
    VOCAB_FILE_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_BUCKETIZE_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOUNDARIES_FIELD_NUMBER: _ClassVar[int]
    ZCH_FIELD_NUMBER: _ClassVar[int]
    DYNAMICEMB_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_FIELD_NUMBER: _ClassVar[int]
    NORMALIZER_FIELD_NUMBER: _ClassVar[int]
    AUTODIS_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_DELIM_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_NAME_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_LIB_FILE_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_PARAMS_FIELD_NUMBER: _ClassVar[int]
    IS_OP_THREAD_SAFE_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    expression: _containers.RepeatedScalarFieldContainer[str]
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    value_dim: int
    sequence_fields: _containers.RepeatedScalarFieldContainer[str]
    hash_bucket_size: int
    num_buckets: int
    vocab_list: _containers.RepeatedScalarFieldContainer[str]
    vocab_dict: _containers.ScalarMap[str, int]
    vocab_file: str
    default_bucketize_value: int
    boundaries: _containers.RepeatedScalarFieldContainer[float]
    zch: ZeroCollisionHash
    dynamicemb: DynamicEmbedding
    weighted: bool
    normalizer: str
    autodis: AutoDisEmbedding
    mlp: MLPEmbedding
    sequence_length: int
    sequence_delim: str
    operator_name: str
    operator_lib_file: str
    operator_params: _struct_pb2.Struct
    is_op_thread_safe: bool
    def __init__(self, feature_name: _Optional[str] = ..., expression: _Optional[_Iterable[str]] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., value_dim: _Optional[int] = ..., sequence_fields: _Optional[_Iterable[str]] = ..., hash_bucket_size: _Optional[int] = ..., num_buckets: _Optional[int] = ..., vocab_list: _Optional[_Iterable[str]] = ..., vocab_dict: _Optional[_Mapping[str, int]] = ..., vocab_file: _Optional[str] = ..., default_bucketize_value: _Optional[int] = ..., boundaries: _Optional[_Iterable[float]] = ..., zch: _Optional[_Union[ZeroCollisionHash, _Mapping]] = ..., dynamicemb: _Optional[_Union[DynamicEmbedding, _Mapping]] = ..., weighted: _Optional[bool] = ..., normalizer: _Optional[str] = ..., autodis: _Optional[_Union[AutoDisEmbedding, _Mapping]] = ..., mlp: _Optional[_Union[MLPEmbedding, _Mapping]] = ..., sequence_length: _Optional[int] = ..., sequence_delim: _Optional[str] = ..., operator_name: _Optional[str] = ..., operator_lib_file: _Optional[str] = ..., operator_params: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., is_op_thread_safe: _Optional[bool] = ...) -> None: ...

class SequenceCombineFeature(_message.Message):
    __slots__ = ("feature_name", "expression", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "num_buckets", "boundaries", "normalizer", "autodis", "mlp", "sequence_length", "sequence_delim", "value_map", "combiner")
    class ValueMapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    NUM_BUCKETS_FIELD_NUMBER: _ClassVar[int]
    BOUNDARIES_FIELD_NUMBER: _ClassVar[int]
    NORMALIZER_FIELD_NUMBER: _ClassVar[int]
    AUTODIS_FIELD_NUMBER: _ClassVar[int]
    MLP_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_DELIM_FIELD_NUMBER: _ClassVar[int]
    VALUE_MAP_FIELD_NUMBER: _ClassVar[int]
    COMBINER_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    expression: str
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    num_buckets: int
    boundaries: _containers.RepeatedScalarFieldContainer[float]
    normalizer: str
    autodis: AutoDisEmbedding
    mlp: MLPEmbedding
    sequence_length: int
    sequence_delim: str
    value_map: _containers.ScalarMap[str, float]
    combiner: str
    def __init__(self, feature_name: _Optional[str] = ..., expression: _Optional[str] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., num_buckets: _Optional[int] = ..., boundaries: _Optional[_Iterable[float]] = ..., normalizer: _Optional[str] = ..., autodis: _Optional[_Union[AutoDisEmbedding, _Mapping]] = ..., mlp: _Optional[_Union[MLPEmbedding, _Mapping]] = ..., sequence_length: _Optional[int] = ..., sequence_delim: _Optional[str] = ..., value_map: _Optional[_Mapping[str, float]] = ..., combiner: _Optional[str] = ...) -> None: ...

class SequenceTokenizeFeature(_message.Message):
    __slots__ = ("feature_name", "expression", "embedding_dim", "embedding_name", "pooling", "init_fn", "default_value", "separator", "fg_encoded_default_value", "trainable", "stub_type", "data_type", "vocab_file", "sequence_length", "sequence_delim", "tokenizer_type", "text_normalizer")
    FEATURE_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_NAME_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    INIT_FN_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    FG_ENCODED_DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINABLE_FIELD_NUMBER: _ClassVar[int]
    STUB_TYPE_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    VOCAB_FILE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_LENGTH_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_DELIM_FIELD_NUMBER: _ClassVar[int]
    TOKENIZER_TYPE_FIELD_NUMBER: _ClassVar[int]
    TEXT_NORMALIZER_FIELD_NUMBER: _ClassVar[int]
    feature_name: str
    expression: str
    embedding_dim: int
    embedding_name: str
    pooling: str
    init_fn: str
    default_value: str
    separator: str
    fg_encoded_default_value: str
    trainable: bool
    stub_type: bool
    data_type: str
    vocab_file: str
    sequence_length: int
    sequence_delim: str
    tokenizer_type: str
    text_normalizer: TextNormalizer
    def __init__(self, feature_name: _Optional[str] = ..., expression: _Optional[str] = ..., embedding_dim: _Optional[int] = ..., embedding_name: _Optional[str] = ..., pooling: _Optional[str] = ..., init_fn: _Optional[str] = ..., default_value: _Optional[str] = ..., separator: _Optional[str] = ..., fg_encoded_default_value: _Optional[str] = ..., trainable: _Optional[bool] = ..., stub_type: _Optional[bool] = ..., data_type: _Optional[str] = ..., vocab_file: _Optional[str] = ..., sequence_length: _Optional[int] = ..., sequence_delim: _Optional[str] = ..., tokenizer_type: _Optional[str] = ..., text_normalizer: _Optional[_Union[TextNormalizer, _Mapping]] = ...) -> None: ...
