"""Planning: which table columns a pipeline's features read, and what each must hold.

A feature reads different columns in each fg_mode (its finished values, its FG output,
or its raw inputs), and what a column must hold follows from what consumes it: the
bucketizer (hash strings, ids in range, vocabulary words, floats over the boundaries)
or the FG operator (maps keyed by another column, joined text, aligned masks...).
:func:`feature_column_specs` answers that for one feature; :func:`plan_columns` merges
the answers of all features, since several features may read one column and the data
must serve all of them (:func:`merge_specs`). Planning draws nothing: the plan is the
whole contract between the config and :mod:`.draw`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from tzrec.datasets.synth.spec import MAX_DISTINCT, SMALL_DISTINCT, ColumnSpec, Kind, SequenceKey
from tzrec.features.errors import FeatureConfigError
from tzrec.features.feature import SEQUENCE_NAME_SEP, BaseFeature
from tzrec.features.inputs import InputRef, parse_input_ref
from tzrec.protos import data_pb2

#: A hash-bucketized input has hash_bucket_size / HASH_DISTINCT_RATIO distinct values
#: (the docs advise 5-10x more buckets than values).
HASH_DISTINCT_RATIO = 5
#: Distinct values of string ids no bucketizer bounds (zch, dynamicemb, combo inputs...).
DEFAULT_STR_DISTINCT = 10_000
#: Text and key-value inputs hold 1..TEXT_MAX_TERMS terms.
TEXT_MAX_TERMS = 6

#: Separates an id from its weight in weighted inputs and finished values (``id:weight``).
_ID_WEIGHT_SEP = ":"

#: Config message name -> the FeatureConfig oneof name of its base type.
_TYPE_OF_MESSAGE = {
    "IdFeature": "id_feature",
    "SequenceIdFeature": "id_feature",
    "RawFeature": "raw_feature",
    "SequenceRawFeature": "raw_feature",
    "ComboFeature": "combo_feature",
    "LookupFeature": "lookup_feature",
    "MatchFeature": "match_feature",
    "ExprFeature": "expr_feature",
    "OverlapFeature": "overlap_feature",
    "TokenizeFeature": "tokenize_feature",
    "SequenceTokenizeFeature": "tokenize_feature",
    "KvDotProduct": "kv_dot_product",
    "BoolMaskFeature": "bool_mask_feature",
    "CustomFeature": "custom_feature",
    "SequenceCustomFeature": "custom_feature",
    "CombineFeature": "combine_feature",
    "SequenceCombineFeature": "combine_feature",
}

#: Types whose inputs cannot be synthesized meaningfully (operators or aligned inputs
#: this generator does not model).
UNSUPPORTED_TYPES = ("custom_feature",)


def feature_type(feature: BaseFeature) -> str:
    """The FeatureConfig oneof name of a feature's base type (``id_feature``...)."""
    name = feature.config.DESCRIPTOR.name
    return _TYPE_OF_MESSAGE.get(name, feature.config_type or name)


def _is_set(config: object, name: str) -> bool:
    """Whether config message field ``name`` exists and is set (repeated: non-empty)."""
    fields = config.DESCRIPTOR.fields_by_name  # type: ignore[attr-defined]
    if name not in fields:
        return False
    if fields[name].is_repeated:
        return len(getattr(config, name)) > 0
    return bool(config.HasField(name))  # type: ignore[attr-defined]


def _read_vocab_file(feature: BaseFeature) -> tuple[str, ...]:
    """The words of a feature's vocab_file (first token of each non-empty line)."""
    path = str(feature.config.vocab_file)
    resource_dir = feature.context.resource_dir
    if not os.path.isabs(path) and resource_dir:
        path = os.path.join(resource_dir, path)
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise FeatureConfigError(
            feature.name, f"cannot read vocab_file '{path}' to draw words from: {e}"
        ) from e
    words = tuple(line.split()[0] for line in lines if line.strip())
    if not words:
        raise FeatureConfigError(feature.name, f"vocab_file '{path}' holds no words")
    return words


# ------------------------------------------------------------------- one column's spec


def bucketizer_spec(feature: BaseFeature) -> ColumnSpec | None:
    """What a feature's bucketizer consumes, or None when the config sets none.

    hash_bucket_size -> string ids (hash_bucket_size / HASH_DISTINCT_RATIO distinct),
    num_buckets -> int64 ids in range, vocab_list / vocab_dict / vocab_file -> words,
    boundaries -> floats over every bucket.
    """
    cfg = feature.config
    owner = feature.name
    if _is_set(cfg, "hash_bucket_size"):
        distinct = int(cfg.hash_bucket_size) // HASH_DISTINCT_RATIO
        return ColumnSpec(Kind.STR_ID, owner, cardinality=min(max(distinct, 2), MAX_DISTINCT))
    if _is_set(cfg, "num_buckets"):
        return ColumnSpec(Kind.INT_ID, owner, cardinality=int(cfg.num_buckets))
    if _is_set(cfg, "vocab_list"):
        return ColumnSpec(Kind.VOCAB, owner, words=tuple(cfg.vocab_list))
    if _is_set(cfg, "vocab_dict"):
        return ColumnSpec(Kind.VOCAB, owner, words=tuple(sorted(cfg.vocab_dict)))
    if _is_set(cfg, "vocab_file"):
        return ColumnSpec(Kind.VOCAB, owner, words=_read_vocab_file(feature))
    if _is_set(cfg, "boundaries"):
        bounds = tuple(sorted(float(b) for b in cfg.boundaries))
        return ColumnSpec(Kind.BUCKET_FLOAT, owner, boundaries=bounds)
    return None


def _weighted(spec: ColumnSpec, joiner: str) -> ColumnSpec:
    """Several ``value:weight`` items per row, joined into one string by ``joiner``."""
    return replace(spec, width=0, weight_sep=_ID_WEIGHT_SEP, joiner=joiner)


def _small_str_ids(owner: str) -> ColumnSpec:
    """String ids from a small set (combo inputs, lookup / match keys)."""
    return ColumnSpec(Kind.STR_ID, owner, cardinality=SMALL_DISTINCT)


def _dense_spec(feature: BaseFeature) -> ColumnSpec:
    """A dense feature's value: value_dim floats per row (a scalar for value_dim 0 / 1)."""
    return ColumnSpec(Kind.FLOAT, feature.name, width=max(int(feature.value_dim), 1))


def _id_input_spec(feature: BaseFeature) -> ColumnSpec:
    """An id-like input: what the bucketizer consumes, else string ids."""
    spec = bucketizer_spec(feature)
    if spec is None:
        spec = ColumnSpec(Kind.STR_ID, feature.name, cardinality=DEFAULT_STR_DISTINCT)
    if feature.is_weighted:
        spec = _weighted(spec, str(getattr(feature.config, "separator", "\x1d")))
    return spec


def _float_spec(feature: BaseFeature, width: int) -> ColumnSpec:
    """A numeric input: floats over the boundaries when set, else log-normal floats."""
    spec = bucketizer_spec(feature)
    if spec is not None and spec.kind == Kind.BUCKET_FLOAT:
        return replace(spec, width=width)
    return ColumnSpec(Kind.FLOAT, feature.name, width=width)


def _text_spec(
    owner: str, joiner: str, vocab_name: str, weight_sep: str | None = None
) -> ColumnSpec:
    """Terms from a small shared vocabulary joined into one string."""
    return ColumnSpec(
        Kind.STR_ID,
        owner,
        cardinality=SMALL_DISTINCT,
        width=0,
        joiner=joiner,
        max_terms=TEXT_MAX_TERMS,
        weight_sep=weight_sep,
        vocab_name=vocab_name,
    )


def _ref_of(feature: BaseFeature, field_name: str) -> InputRef | None:
    """The input a feature's ``side:name`` config field names (lookup map/key...)."""
    if not _is_set(feature.config, field_name):
        return None
    return parse_input_ref(str(getattr(feature.config, field_name)), feature.name)


def _key_column(feature: BaseFeature, field_name: str, keys: Mapping[InputRef, str]) -> str:
    """The column a key field (lookup key, match pkey / skey) reads; "" when none."""
    ref = _ref_of(feature, field_name)
    return keys.get(ref, "") if ref is not None else ""


def _map_spec(feature: BaseFeature, kind: Kind) -> ColumnSpec:
    """A (nested) map input of a lookup / match feature, without its key columns.

    Discrete features get int values (in range for num_buckets), numeric ones floats.
    """
    bucket = bucketizer_spec(feature)
    card = bucket.cardinality if bucket is not None and bucket.kind == Kind.INT_ID else 0
    discrete = bool(feature.config.need_discrete) or card > 0
    return ColumnSpec(
        kind,
        feature.name,
        map_value=Kind.INT_ID if discrete else Kind.FLOAT,
        cardinality=card or DEFAULT_STR_DISTINCT,
    )


def _lookup_input_spec(
    feature: BaseFeature, ref: InputRef, keys: Mapping[InputRef, str]
) -> ColumnSpec:
    """A lookup_feature input: the map (keyed by the key column's values) or the key."""
    if ref != _ref_of(feature, "map"):
        return _small_str_ids(feature.name)
    key = _key_column(feature, "key", keys)
    return replace(_map_spec(feature, Kind.MAP), map_keys=(key,) if key else ())


def _match_input_spec(
    feature: BaseFeature, ref: InputRef, keys: Mapping[InputRef, str]
) -> ColumnSpec:
    """A match_feature input: the nested map (keyed by pkey / skey values) or a key."""
    if ref != _ref_of(feature, "nested_map"):
        return _small_str_ids(feature.name)
    map_keys = (_key_column(feature, "pkey", keys), _key_column(feature, "skey", keys))
    return replace(_map_spec(feature, Kind.NESTED_MAP), map_keys=map_keys)


def _combine_input_spec(feature: BaseFeature) -> ColumnSpec:
    """A combine_feature input: value_map keys (several per row) or numbers."""
    cfg = feature.config
    if _is_set(cfg, "num_buckets"):
        if _is_set(cfg, "value_map"):
            raise NotImplementedError(
                f"feature '{feature.name}': synthesizing a combine_feature with both "
                "num_buckets and value_map is not supported"
            )
        # One int per row: every combiner of one value in range stays in range.
        return ColumnSpec(Kind.INT_ID, feature.name, cardinality=int(cfg.num_buckets))
    if _is_set(cfg, "value_map"):
        return ColumnSpec(Kind.VOCAB, feature.name, words=tuple(sorted(cfg.value_map)), width=0)
    return _float_spec(feature, 0)


def _bool_mask_input_spec(feature: BaseFeature, ref: InputRef) -> ColumnSpec:
    """A bool_mask_feature input: ids or a mask, with the same number per row."""
    aligned = f"bool_mask:{feature.name}"
    if ref == feature.inputs[0]:
        return replace(_id_input_spec(feature), width=0, lengths_key=aligned)
    return ColumnSpec(Kind.BOOL, feature.name, width=0, lengths_key=aligned)


def _raw_input_spec(
    feature: BaseFeature, ref: InputRef, keys: Mapping[InputRef, str]
) -> ColumnSpec:
    """What one raw (FG_DAG / FG_NORMAL) input of a feature needs.

    Args:
        feature: the feature reading the input.
        ref: the input.
        keys: the column each of the feature's inputs reads.

    Raises:
        NotImplementedError: for the types in :data:`UNSUPPORTED_TYPES`.
    """
    kind = feature_type(feature)
    cfg = feature.config
    owner = feature.name
    if kind == "id_feature":
        return _id_input_spec(feature)
    if kind == "raw_feature":
        return _float_spec(feature, max(int(feature.value_dim), 1))
    if kind == "expr_feature":
        return ColumnSpec(Kind.FLOAT, owner)
    if kind == "combo_feature":
        return _small_str_ids(owner)
    if kind == "lookup_feature":
        return _lookup_input_spec(feature, ref, keys)
    if kind == "match_feature":
        return _match_input_spec(feature, ref, keys)
    if kind == "overlap_feature":
        return _text_spec(owner, str(cfg.separator), "term")
    if kind == "tokenize_feature":
        return _text_spec(owner, " ", "word")
    if kind == "kv_dot_product":
        return _text_spec(owner, str(cfg.separator), "kv", weight_sep=str(cfg.kv_delimiter))
    if kind == "combine_feature":
        return _combine_input_spec(feature)
    if kind == "bool_mask_feature":
        return _bool_mask_input_spec(feature, ref)
    raise NotImplementedError(
        f"feature '{owner}': synthesizing inputs of {kind} is not supported "
        "(supported: id, raw, combo, lookup, match, expr, overlap, tokenize, "
        "kv_dot_product, bool_mask, combine features)"
    )


def _encoded_spec(feature: BaseFeature) -> ColumnSpec:
    """FG_NONE: the finished value of a feature (ids in range, or floats)."""
    if not feature.is_sparse:
        return _dense_spec(feature)
    card = int(feature.num_embeddings) or DEFAULT_STR_DISTINCT
    spec = ColumnSpec(Kind.INT_ID, feature.name, cardinality=card, width=int(feature.value_dim))
    if feature.is_weighted:
        spec = _weighted(spec, feature.context.fg_encoded_multival_sep)
    return spec


def _fg_output_spec(feature: BaseFeature) -> ColumnSpec:
    """FG_BUCKETIZE: a feature's FG output before bucketization.

    Token ids are a tokenize_feature's FG output, so they are drawn like FG_NONE ids.
    """
    if feature_type(feature) == "tokenize_feature":
        return _encoded_spec(feature)
    if not feature.is_sparse:
        return _dense_spec(feature)
    spec = _id_input_spec(feature)
    if feature.value_dim > 1 and spec.width == 1:
        spec = replace(spec, width=int(feature.value_dim))
    return spec


def _sequence_key(feature: BaseFeature) -> SequenceKey:
    """The length-sharing key of a sequence feature's sequence columns."""
    assert feature.sequence is not None
    if feature.sequence.group:
        key = feature.sequence.group
    else:
        key = feature.name.split(SEQUENCE_NAME_SEP)[0]
    return SequenceKey(key, int(feature.sequence.length))


def feature_column_specs(feature: BaseFeature) -> list[tuple[str, ColumnSpec]]:
    """The table columns one feature reads in its FG mode, and what each must hold.

    Raises:
        NotImplementedError: for a feature type whose inputs cannot be synthesized.
    """
    mode = feature.context.fg_mode
    seq = _sequence_key(feature) if feature.is_sequence else None
    if mode == data_pb2.FG_NONE:
        return [(feature.name, replace(_encoded_spec(feature), sequence=seq))]
    if feature_type(feature) in UNSUPPORTED_TYPES:
        what = "FG_BUCKETIZE outputs" if mode == data_pb2.FG_BUCKETIZE else "inputs"
        raise NotImplementedError(
            f"feature '{feature.name}': synthesizing {what} of {feature_type(feature)} "
            "is not supported"
        )
    if mode == data_pb2.FG_BUCKETIZE:
        return [(feature.name, replace(_fg_output_spec(feature), sequence=seq))]

    keys = feature.input_keys()
    key_of = dict(zip(feature.inputs, keys, strict=True))
    out: list[tuple[str, ColumnSpec]] = []
    flags = feature.sequence_input_flags()
    for ref, key, is_seq in zip(feature.inputs, keys, flags, strict=True):
        if not ref.is_table_column and mode == data_pb2.FG_DAG:
            continue  # feature: and const: inputs come from the feature generator
        if ref.side == "const":
            out.append((key, ColumnSpec(Kind.CONST, feature.name, const=ref.name)))
            continue
        spec = _raw_input_spec(feature, ref, key_of)
        out.append((key, replace(spec, sequence=seq if is_seq else None)))
    return out


# ------------------------------------------------------------------ merging and the plan

#: Which kind serves a column read by two features: the stricter (lower) one, since int
#: ids serve string-id (hash) and float readers too.
_MERGE_PRIORITY = {
    Kind.INT_ID: 0,
    Kind.VOCAB: 1,
    Kind.BUCKET_FLOAT: 2,
    Kind.FLOAT: 3,
    Kind.STR_ID: 4,
}


def merge_specs(column: str, a: ColumnSpec, b: ColumnSpec) -> ColumnSpec:
    """One spec valid for two features reading the same column.

    Int ids serve string-id (hash) and float readers too, so the stricter kind wins
    (int ids < vocabulary < bucket floats < floats < string ids) and two int-id ranges
    take the smaller one.

    Raises:
        FeatureConfigError: when no column can serve both (e.g. vocabulary words and
            int ids, a map and anything else, a sequence and a non-sequence).
    """
    if a == b:
        return a

    def clash(why: str) -> FeatureConfigError:
        return FeatureConfigError(
            b.owner, f"input column '{column}' is also read by feature '{a.owner}': {why}"
        )

    if a.sequence != b.sequence:
        if a.sequence is None or b.sequence is None:
            raise clash("one reads it as a sequence, the other not")
        longest = max(a.sequence.max_length, b.sequence.max_length)
        a = replace(a, sequence=replace(a.sequence, max_length=longest))
        b = replace(b, sequence=replace(b.sequence, max_length=longest))
    if a.lengths_key != b.lengths_key:
        raise clash("its values must line up with another input of one of them")
    kinds = {a.kind, b.kind}
    if kinds & {Kind.MAP, Kind.NESTED_MAP, Kind.CONST, Kind.BOOL}:
        if a.kind != b.kind:
            raise clash(f"it cannot be both {a.kind.value} and {b.kind.value}")
        if a.kind == Kind.MAP:
            # Keys from every key column; int values serve numeric readers too.
            ints = Kind.INT_ID in (a.map_value, b.map_value)
            return replace(
                a,
                map_keys=tuple(dict.fromkeys(a.map_keys + b.map_keys)),
                map_value=Kind.INT_ID if ints else Kind.FLOAT,
                cardinality=min(a.cardinality, b.cardinality),
            )
        return a
    if Kind.VOCAB in kinds and kinds & {Kind.INT_ID, Kind.BUCKET_FLOAT, Kind.FLOAT}:
        (other,) = kinds - {Kind.VOCAB}
        raise clash(f"vocabulary words cannot serve a {other.value} reader")
    first, second = sorted((a, b), key=lambda s: _MERGE_PRIORITY[s.kind])
    if a.width != b.width:
        # A scalar serves multi-value readers too; two different list widths cannot.
        if 1 not in (a.width, b.width):
            raise clash(f"one reads {a.width} values per row, the other {b.width}")
        first = replace(first, width=1, weight_sep=None, joiner=None)
    if first.kind == second.kind and first.kind in (Kind.INT_ID, Kind.STR_ID):
        return replace(first, cardinality=min(a.cardinality, b.cardinality))
    return first


def plan_columns(features: Sequence[BaseFeature]) -> dict[str, ColumnSpec]:
    """Every feature input column of a pipeline and what it holds, in feature order.

    Map key columns that no feature reads are dropped from the maps' ``map_keys``.
    Labels and sample weights are not included (see :func:`.labels.label_columns`).

    Raises:
        FeatureConfigError: for features whose inputs clash or cannot be read.
        NotImplementedError: for feature types whose inputs this cannot synthesize.
    """
    plan: dict[str, ColumnSpec] = {}
    for feature in features:
        for column, spec in feature_column_specs(feature):
            plan[column] = merge_specs(column, plan[column], spec) if column in plan else spec
    for column, spec in plan.items():
        if spec.kind == Kind.MAP:
            plan[column] = replace(spec, map_keys=tuple(k for k in spec.map_keys if k in plan))
        elif spec.kind == Kind.NESTED_MAP:
            plan[column] = replace(
                spec, map_keys=tuple(k if k in plan else "" for k in spec.map_keys)
            )
    return plan
