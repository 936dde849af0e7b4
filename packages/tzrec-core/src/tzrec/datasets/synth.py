"""Synthetic Parquet datasets shaped like a pipeline config, with a learnable label.

:func:`synthesize` (and ``tzrec data synth``) writes train and eval Parquet files that
hold exactly the columns a pipeline reads, so that a config can be trained end to end
without the real data:

- every feature's ``input_columns`` in the config's ``fg_mode``;
- ``data_config.label_fields`` (int64 0/1), ``sample_weight_fields`` (positive float32)
  and ``sample_cost_field`` (int64: 1 + the row's sequence steps).

What a column holds follows from what the features reading it need:

- FG_NONE: the finished values, named by feature name. Sparse features get int64 ids in
  ``[0, num_embeddings)`` (a scalar for value_dim 1, ``list<int64>`` of 1-3 ids for
  value_dim 0, ``"id:weight"`` strings joined by ``fg_encoded_multival_sep`` when
  weighted); dense features float32 (value_dim 1) or ``list<float>`` of value_dim.
- FG_BUCKETIZE: the FG output before bucketization, named by feature name: what the
  feature's bucketizer consumes (strings for hash_bucket_size, int64 in range for
  num_buckets, vocabulary words for vocab_*, floats spanning the boundaries), floats
  for dense features.
- FG_DAG / FG_NORMAL: the raw inputs, named by the inputs (``side:name`` -> ``name``; a
  grouped sequence's sequence fields ``group__name``). An id input gets what its
  bucketizer consumes (as above); a raw input floats; combo inputs string ids; expr
  variables floats; lookup maps ``map<string, float|int64>`` whose keys overlap the key
  column's values; match nested maps ``"pk^sk:v,sk:v|pk^sk:v"`` keyed by the pkey /
  skey columns' values; overlap / tokenize inputs term strings; kv_dot_product inputs
  ``k:v`` pair strings; bool_mask values and a ``list<bool>`` mask of equal lengths;
  combine inputs value_map keys or numbers; FG_NORMAL ``const:`` inputs the literal.
  custom_feature inputs are whatever a plugin's operator wants, so they raise
  NotImplementedError.

Sequence columns are always lists (``list<T>``, or ``list<list<T>>`` for multi-value
steps), never delimiter-joined strings: lists need no escaping and every reader
accepts them. Each row has 0..sequence_length steps; the sub-features of one grouped
sequence (and stand-alone sequences sharing a ``prefix__`` name) share the per-row
length.

Values are skewed like real ids: value codes follow a Zipf law (exponent
:data:`ZIPF_EXPONENT`) over at most :data:`MAX_DISTINCT` distinct values per column.
Columns with the same base name (``adgroup_id`` and ``click_50_seq__adgroup_id``) and
range draw from the same values, so sequences hold the items the item column shows.

The planted label signal (see :func:`planted_columns`): each candidate column gets an
effect per distinct value (N(0, 1), standardized to mean 0 and variance 1 under the
column's value distribution) or, for a float column, a random sign times the log of its
(log-normal) value. Up to :data:`NUM_PLANTED_SPARSE` sparse columns with the fewest
distinct values and :data:`NUM_PLANTED_DENSE` float columns carry it
(:attr:`SynthResult.planted` names them). A row's score ``z`` is the sum of its planted
effects (a multi-value row averages its values' effects) scaled to a standard
deviation of about :data:`SIGNAL_SCALE`; label ``k`` is
``Bernoulli(sigmoid(z + bias_k + LABEL_NOISE * noise_k))`` with bias 0 for the first
label (positive rate about 0.5) and -1 for the others (about 0.35), so several labels
are correlated through ``z`` (correlation about 0.35). A model that learns per-value
embeddings of the planted columns beats AUC 0.5 clearly: on the Taobao example config
the per-value positive rates of the three planted columns alone, summed as log-odds,
reach an eval AUC of about 0.85, while three unplanted columns stay at 0.5.

Everything is deterministic for a seed: each column draws from its own random stream
(seeded by the seed, the split and the column name), and the effects and value tables
are shared by the train and eval splits.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tzrec.features.errors import FeatureConfigError
from tzrec.features.feature import SEQUENCE_NAME_SEP, BaseFeature
from tzrec.features.inputs import InputRef, parse_input_ref
from tzrec.protos import data_pb2, pipeline_pb2

#: Most distinct values of one column.
MAX_DISTINCT = 100_000
#: Exponent of the Zipf law value codes follow (rank k has weight 1 / k**ZIPF_EXPONENT).
ZIPF_EXPONENT = 1.1
#: Share of vocabulary-column values that are out-of-vocabulary words.
OOV_RATE = 0.05
#: Number of distinct out-of-vocabulary words of a vocabulary column.
NUM_OOV_WORDS = 3
#: A hash-bucketized input has hash_bucket_size / HASH_DISTINCT_RATIO distinct values
#: (the docs advise 5-10x more buckets than values).
HASH_DISTINCT_RATIO = 5
#: Distinct values of string ids no bucketizer bounds (zch, dynamicemb, combo inputs...).
DEFAULT_STR_DISTINCT = 10_000
#: Distinct values of lookup keys, text terms and key-value keys.
SMALL_DISTINCT = 50
#: Multi-value rows hold 1..len(MULTI_LENGTH_PROBS) values with these probabilities.
MULTI_LENGTH_PROBS = (0.7, 0.2, 0.1)
#: Text and key-value inputs hold 1..TEXT_MAX_TERMS terms.
TEXT_MAX_TERMS = 6
#: Row groups per Parquet file (so readers can split a file).
ROW_GROUPS_PER_FILE = 4
#: How many sparse and float columns carry the label signal.
NUM_PLANTED_SPARSE = 3
NUM_PLANTED_DENSE = 2
#: Standard deviation (about) of the planted logit, and of each label's own noise.
SIGNAL_SCALE = 2.0
LABEL_NOISE = 0.5

_TRAIN, _EVAL = "train", "eval"


class Kind(str, Enum):
    """What the values of a column are."""

    INT_ID = "int_id"  # int64 ids in [0, cardinality)
    STR_ID = "str_id"  # strings "<name>_<code>", cardinality distinct values
    VOCAB = "vocab"  # words of a vocabulary, plus a few out-of-vocabulary words
    FLOAT = "float"  # positive float32 (log-normal)
    BUCKET_FLOAT = "bucket_float"  # float32 spread over every bucket of the boundaries
    MAP = "map"  # map<string, float|int64> keyed by another column's values
    NESTED_MAP = "nested_map"  # "pk^sk:v,sk:v|pk^sk:v" strings keyed by two columns
    CONST = "const"  # one literal string (an FG_NORMAL const: input)
    BOOL = "bool"  # booleans (60% true), e.g. a bool_mask_feature's mask


@dataclass(frozen=True)
class ColumnSpec:
    """What one synthetic column holds, and which feature asked for it.

    Attributes:
        kind: the kind of values.
        owner: the feature that needs the column (named in errors).
        cardinality: INT_ID: ids are in [0, cardinality); STR_ID: distinct values.
        words: VOCAB: the vocabulary.
        boundaries: BUCKET_FLOAT: sorted bucket boundaries.
        width: values per row (or per sequence step): 1 a scalar, k > 1 a list of k,
            0 a list of variable length.
        weight_sep: when set, each value becomes ``value<weight_sep><weight>``.
        joiner: when set, a row's list of values is joined into one string by it.
        max_terms: the most values of a variable-length row with a joiner (text).
        sequence: for sequence columns, the key rows share lengths by and the most steps.
        map_keys: MAP: the key columns whose values the map's keys overlap;
            NESTED_MAP: the (primary, secondary) key columns ("" for none).
        map_value: MAP / NESTED_MAP: INT_ID or FLOAT values (cardinality bounds ints).
        const: CONST: the literal.
        vocab_name: name the value table is drawn by (columns sharing it share values);
            empty: the column's base name.
        lengths_key: variable-length columns with the same key have the same number of
            values in each row (a bool_mask_feature's values and mask).
    """

    kind: Kind
    owner: str
    cardinality: int = 0
    words: tuple[str, ...] = ()
    boundaries: tuple[float, ...] = ()
    width: int = 1
    weight_sep: str | None = None
    joiner: str | None = None
    max_terms: int = len(MULTI_LENGTH_PROBS)
    sequence: SequenceKey | None = None
    map_keys: tuple[str, ...] = ()
    map_value: Kind = Kind.FLOAT
    const: str = ""
    vocab_name: str = ""
    lengths_key: str = ""

    @property
    def distinct(self) -> int:
        """Number of distinct values (codes) of one element."""
        if self.kind in (Kind.INT_ID, Kind.STR_ID):
            return max(1, min(self.cardinality, MAX_DISTINCT))
        if self.kind == Kind.VOCAB:
            return len(self.words) + NUM_OOV_WORDS
        if self.kind == Kind.BUCKET_FLOAT:
            return len(self.boundaries) + 1
        return 0


@dataclass(frozen=True)
class SequenceKey:
    """Rows of sequence columns with the same key have the same number of steps.

    Attributes:
        key: the grouped sequence's name, or a stand-alone sequence's name prefix.
        max_length: the most steps of a row.
    """

    key: str
    max_length: int


@dataclass(frozen=True)
class SynthResult:
    """What :func:`synthesize` wrote.

    Attributes:
        train_input_path: glob of the train files (a ``train_input_path``).
        eval_input_path: glob of the eval files, None when no eval split was written.
        train_files: the train files.
        eval_files: the eval files.
        train_rows: rows in the train files.
        eval_rows: rows in the eval files.
        schema: the files' schema.
        planted: the columns whose values drive the labels.
    """

    train_input_path: str
    eval_input_path: str | None
    train_files: list[str]
    eval_files: list[str]
    train_rows: int
    eval_rows: int
    schema: pa.Schema
    planted: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- planning

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


def _id_input_spec(feature: BaseFeature) -> ColumnSpec:
    """An id-like input: what the bucketizer consumes, else string ids."""
    spec = bucketizer_spec(feature)
    if spec is None:
        spec = ColumnSpec(Kind.STR_ID, feature.name, cardinality=DEFAULT_STR_DISTINCT)
    if feature.is_weighted:
        sep = str(getattr(feature.config, "separator", "\x1d"))
        spec = replace(spec, width=0, weight_sep=":", joiner=sep)
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


def _raw_input_spec(
    feature: BaseFeature, ref: InputRef, keys: Mapping[InputRef, str]
) -> ColumnSpec:
    """What one raw (FG_DAG / FG_NORMAL) input of a feature needs.

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
        return ColumnSpec(Kind.STR_ID, owner, cardinality=SMALL_DISTINCT)
    if kind == "lookup_feature":
        if ref == _ref_of(feature, "map"):
            key_ref = _ref_of(feature, "key")
            key_column = keys.get(key_ref) if key_ref is not None else None
            spec = _discrete_map_spec(feature, Kind.MAP)
            return replace(spec, map_keys=(key_column,) if key_column else ())
        return ColumnSpec(Kind.STR_ID, owner, cardinality=SMALL_DISTINCT)
    if kind == "match_feature":
        if ref == _ref_of(feature, "nested_map"):
            pkey, skey = _ref_of(feature, "pkey"), _ref_of(feature, "skey")
            return replace(
                _discrete_map_spec(feature, Kind.NESTED_MAP),
                map_keys=(
                    keys.get(pkey, "") if pkey is not None else "",
                    keys.get(skey, "") if skey is not None else "",
                ),
            )
        return ColumnSpec(Kind.STR_ID, owner, cardinality=SMALL_DISTINCT)
    if kind == "overlap_feature":
        return _text_spec(owner, str(cfg.separator), "term")
    if kind == "tokenize_feature":
        return _text_spec(owner, " ", "word")
    if kind == "kv_dot_product":
        return _text_spec(owner, str(cfg.separator), "kv", weight_sep=str(cfg.kv_delimiter))
    if kind == "combine_feature":
        return _combine_input_spec(feature)
    if kind == "bool_mask_feature":
        aligned = f"bool_mask:{owner}"
        if ref == feature.inputs[0]:
            return replace(_id_input_spec(feature), width=0, lengths_key=aligned)
        return ColumnSpec(Kind.BOOL, owner, width=0, lengths_key=aligned)
    raise NotImplementedError(
        f"feature '{owner}': synthesizing inputs of {kind} is not supported "
        "(supported: id, raw, combo, lookup, match, expr, overlap, tokenize, "
        "kv_dot_product, bool_mask, combine features)"
    )


def _discrete_map_spec(feature: BaseFeature, kind: Kind) -> ColumnSpec:
    """A (nested) map input of a lookup / match feature.

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


def _encoded_spec(feature: BaseFeature, sep: str) -> ColumnSpec:
    """FG_NONE: the finished value of a feature (ids in range, or floats)."""
    if not feature.is_sparse:
        return ColumnSpec(Kind.FLOAT, feature.name, width=max(int(feature.value_dim), 1))
    card = int(feature.num_embeddings) or DEFAULT_STR_DISTINCT
    spec = ColumnSpec(Kind.INT_ID, feature.name, cardinality=card, width=int(feature.value_dim))
    if feature.is_weighted:
        spec = replace(spec, width=0, weight_sep=":", joiner=sep)
    return spec


def _fg_output_spec(feature: BaseFeature) -> ColumnSpec:
    """FG_BUCKETIZE: a feature's FG output before bucketization.

    Token ids are a tokenize_feature's FG output, so they are drawn like FG_NONE ids.
    """
    if feature_type(feature) == "tokenize_feature":
        return _encoded_spec(feature, feature.context.fg_encoded_multival_sep)
    if not feature.is_sparse:
        return ColumnSpec(Kind.FLOAT, feature.name, width=max(int(feature.value_dim), 1))
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
    if mode in (data_pb2.FG_NONE, data_pb2.FG_BUCKETIZE):
        if feature_type(feature) in UNSUPPORTED_TYPES and mode == data_pb2.FG_BUCKETIZE:
            raise NotImplementedError(
                f"feature '{feature.name}': synthesizing FG_BUCKETIZE outputs of "
                f"{feature_type(feature)} is not supported"
            )
        if mode == data_pb2.FG_NONE:
            spec = _encoded_spec(feature, feature.context.fg_encoded_multival_sep)
        else:
            spec = _fg_output_spec(feature)
        return [(feature.name, replace(spec, sequence=seq))]

    if feature_type(feature) in UNSUPPORTED_TYPES:
        raise NotImplementedError(
            f"feature '{feature.name}': synthesizing inputs of {feature_type(feature)} "
            "is not supported"
        )
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
    if {a.kind, b.kind} & {Kind.MAP, Kind.NESTED_MAP, Kind.CONST, Kind.BOOL}:
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
    if {a.kind, b.kind} == {Kind.VOCAB, Kind.INT_ID} or {a.kind, b.kind} == {
        Kind.VOCAB,
        Kind.BUCKET_FLOAT,
    }:
        raise clash(f"vocabulary words cannot serve a {a.kind.value}/{b.kind.value} reader")
    first, second = sorted((a, b), key=lambda s: _MERGE_PRIORITY[s.kind])
    if first.kind == Kind.VOCAB and second.kind == Kind.FLOAT:
        raise clash("vocabulary words cannot serve a float reader")
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

    Labels and sample weights are not included (see :func:`synthesize`).
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


def planted_columns(plan: Mapping[str, ColumnSpec]) -> list[str]:
    """The columns carrying the label signal.

    Candidates are non-sequence columns with value codes (ids, words, bucketed floats;
    not joined text) of at least 2 distinct values — the NUM_PLANTED_SPARSE with the
    fewest distinct values, ties in column order — and the first NUM_PLANTED_DENSE
    non-sequence float columns.
    """
    sparse = [
        (spec.distinct, i, name)
        for i, (name, spec) in enumerate(plan.items())
        if spec.sequence is None
        and spec.joiner is None
        and spec.kind in (Kind.INT_ID, Kind.STR_ID, Kind.VOCAB, Kind.BUCKET_FLOAT)
        and spec.distinct >= 2
    ]
    dense = [
        name
        for name, spec in plan.items()
        if spec.sequence is None and spec.kind == Kind.FLOAT and spec.width != 0
    ]
    chosen = {name for _, _, name in sorted(sparse)[:NUM_PLANTED_SPARSE]}
    chosen |= set(dense[:NUM_PLANTED_DENSE])
    return [name for name in plan if name in chosen]


# -------------------------------------------------------------------------- generation


def _rng(seed: int, *parts: str) -> np.random.Generator:
    """A random stream determined by the seed and some names (stable across runs)."""
    words = [zlib.crc32(p.encode("utf-8")) for p in parts]
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, *words])


@functools.lru_cache(maxsize=128)
def _zipf_cdf(distinct: int) -> npt.NDArray[np.float64]:
    weights = 1.0 / np.arange(1, distinct + 1, dtype=np.float64) ** ZIPF_EXPONENT
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    return cdf


def _zipf_codes(rng: np.random.Generator, n: int, distinct: int) -> npt.NDArray[np.int64]:
    """n value codes in [0, distinct), code k with weight 1 / (k + 1)**ZIPF_EXPONENT."""
    if distinct <= 1:
        return np.zeros(n, dtype=np.int64)
    cdf = _zipf_cdf(distinct)
    codes = np.searchsorted(cdf, rng.random(n), side="right")
    return np.minimum(codes, distinct - 1).astype(np.int64)


def _base_name(column: str) -> str:
    """A column's name without a sequence prefix (``seq__adgroup_id`` -> ``adgroup_id``)."""
    return column.rsplit(SEQUENCE_NAME_SEP, 1)[-1]


def _int_values(seed: int, spec: ColumnSpec, column: str) -> npt.NDArray[np.int64]:
    """The id of each value code: distinct ids in [0, cardinality), shuffled."""
    name = spec.vocab_name or _base_name(column)
    rng = _rng(seed, "values", name, str(spec.cardinality))
    if spec.cardinality <= MAX_DISTINCT:
        return rng.permutation(spec.cardinality).astype(np.int64)
    return rng.choice(spec.cardinality, MAX_DISTINCT, replace=False).astype(np.int64)


def _value_table(seed: int, spec: ColumnSpec, column: str) -> pa.Array:
    """The value of each code of an id / word column."""
    if spec.kind == Kind.INT_ID:
        return pa.array(_int_values(seed, spec, column))
    if spec.kind == Kind.STR_ID:
        name = spec.vocab_name or _base_name(column)
        return pa.array(np.char.add(f"{name}_", np.arange(spec.distinct).astype(str)))
    assert spec.kind == Kind.VOCAB
    oov = [f"__oov_{i}__" for i in range(NUM_OOV_WORDS)]
    return pa.array([*spec.words, *oov], pa.string())


def _element_lengths(rng: np.random.Generator, n: int, spec: ColumnSpec) -> npt.NDArray[np.int32]:
    """Values per row: width for fixed lists, 1..max for variable ones."""
    if spec.width >= 1:
        return np.full(n, spec.width, dtype=np.int32)
    if spec.max_terms != len(MULTI_LENGTH_PROBS):
        return rng.integers(1, spec.max_terms + 1, size=n).astype(np.int32)
    probs = np.asarray(MULTI_LENGTH_PROBS)
    return (rng.choice(len(probs), size=n, p=probs) + 1).astype(np.int32)


@dataclass(frozen=True)
class _Drawn:
    """Drawn elements of a column: the flat values and their codes per row.

    Attributes:
        values: flat values (one per element).
        lengths: elements per row.
        codes: each element's value code (for the label signal), or None for floats.
        scores: floats: the per-element log value (for the label signal).
    """

    values: pa.Array
    lengths: npt.NDArray[np.int32]
    codes: npt.NDArray[np.int64] | None = None
    scores: npt.NDArray[np.float64] | None = None


def _draw_elements(
    seed: int,
    rng: np.random.Generator,
    spec: ColumnSpec,
    column: str,
    n: int,
    lengths_rng: np.random.Generator | None = None,
) -> _Drawn:
    """Draw n rows of a (non-map, non-const) column's elements.

    ``lengths_rng`` (when given) draws the number of values per row instead of ``rng``,
    so that columns sharing a lengths_key get the same lengths.
    """
    lengths = _element_lengths(lengths_rng or rng, n, spec)
    total = int(lengths.sum())
    if spec.kind == Kind.BOOL:
        return _Drawn(pa.array(rng.random(total) < 0.6), lengths)
    if spec.kind == Kind.FLOAT:
        logs = rng.normal(0.0, 1.0, size=total)
        return _Drawn(pa.array(np.exp(logs).astype(np.float32)), lengths, scores=logs)
    if spec.kind == Kind.BUCKET_FLOAT:
        codes = rng.integers(0, spec.distinct, size=total)
        return _Drawn(pa.array(_floats_in_buckets(rng, spec.boundaries, codes)), lengths, codes)
    if spec.kind == Kind.VOCAB:
        codes = _zipf_codes(rng, total, len(spec.words))
        oov = rng.random(total) < OOV_RATE
        codes = np.where(oov, len(spec.words) + rng.integers(0, NUM_OOV_WORDS, total), codes)
    else:
        codes = _zipf_codes(rng, total, spec.distinct)
    values = _value_table(seed, spec, column).take(pa.array(codes))
    return _Drawn(values, lengths, codes)


def _floats_in_buckets(
    rng: np.random.Generator, boundaries: Sequence[float], buckets: npt.NDArray[np.int64]
) -> npt.NDArray[np.float32]:
    """A float inside each given bucket (bucket i = [b[i-1], b[i])), edges widened."""
    b = np.asarray(boundaries, dtype=np.float64)
    span = float(b[-1] - b[0]) if len(b) > 1 else 1.0
    pad = max(span * 0.1, 1.0)
    lows = np.concatenate([[b[0] - pad], b])
    highs = np.concatenate([b, [b[-1] + pad]])
    lo, hi = lows[buckets], highs[buckets]
    out = lo + (hi - lo) * rng.uniform(0.05, 0.95, size=len(buckets))
    return out.astype(np.float32)


def _offsets(lengths: npt.NDArray[np.int32]) -> pa.Array:
    out = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=out[1:])
    return pa.array(out)


def _shape_rows(rng: np.random.Generator, spec: ColumnSpec, drawn: _Drawn) -> pa.Array:
    """Turn drawn elements into the column's rows: scalars, lists or joined strings."""
    values = drawn.values
    if spec.weight_sep is not None:
        weights = np.round(rng.uniform(0.1, 2.0, size=len(values)), 3).astype(str)
        values = pc.binary_join_element_wise(
            values.cast(pa.string()), pa.array(weights), spec.weight_sep
        )
    if spec.width == 1 and spec.joiner is None:
        return values
    rows = pa.ListArray.from_arrays(_offsets(drawn.lengths), values)
    if spec.joiner is not None:
        return pc.binary_join(rows.cast(pa.list_(pa.string())), spec.joiner)
    return rows


def _code_probs(spec: ColumnSpec) -> npt.NDArray[np.float64]:
    """The probability of each value code of a column, as :func:`_draw_elements` draws."""
    if spec.kind == Kind.BUCKET_FLOAT:
        return np.full(spec.distinct, 1.0 / spec.distinct)
    if spec.kind == Kind.VOCAB:
        words = np.diff(_zipf_cdf(len(spec.words)), prepend=0.0) * (1.0 - OOV_RATE)
        return np.concatenate([words, np.full(NUM_OOV_WORDS, OOV_RATE / NUM_OOV_WORDS)])
    return np.diff(_zipf_cdf(spec.distinct), prepend=0.0)


def _row_signal(
    seed: int, spec: ColumnSpec, column: str, drawn: _Drawn, n: int
) -> npt.NDArray[np.float64]:
    """A row's planted effect: mean of its values' effects (floats: signed first log)."""
    rng = _rng(seed, "effect", column)
    row_ids = np.repeat(np.arange(n), drawn.lengths)
    if drawn.codes is None:
        assert drawn.scores is not None
        sign = 1.0 if rng.random() < 0.5 else -1.0
        starts = np.concatenate([[0], np.cumsum(drawn.lengths)[:-1]]).astype(np.int64)
        return sign * drawn.scores[starts]
    effects = rng.normal(0.0, 1.0, size=spec.distinct)
    # Standardize under the code distribution, so each column adds unit variance.
    probs = _code_probs(spec)
    mean = float(probs @ effects)
    std = math.sqrt(max(float(probs @ (effects - mean) ** 2), 1e-12))
    effects = (effects - mean) / std
    sums = np.bincount(row_ids, weights=effects[drawn.codes], minlength=n)
    return sums / np.maximum(drawn.lengths, 1)


def _map_column(
    rng: np.random.Generator, spec: ColumnSpec, key_columns: Sequence[pa.Array], n: int
) -> pa.Array:
    """A map<string, float|int64> column whose keys overlap the key columns' values.

    Each row's map holds, for each key column, that row's key (a random one of a list
    row) in 80% of the rows, plus 0-2 filler keys ``other_<j>`` (1-2 without key
    columns), so lookups find their key in most rows and miss it in some.
    """
    rows_parts: list[npt.NDArray[np.int64]] = []
    key_parts: list[pa.Array] = []
    for column in key_columns:
        text = _random_element_text(rng, column)
        keep = (rng.random(n) < 0.8) & pc.is_valid(text).to_numpy(zero_copy_only=False)
        rows_parts.append(np.flatnonzero(keep))
        key_parts.append(text.filter(pa.array(keep)))
    fillers = rng.integers(0 if key_columns else 1, 3, size=n)
    filler_rows = np.repeat(np.arange(n), fillers)
    filler_index = np.arange(len(filler_rows)) - np.repeat(np.cumsum(fillers) - fillers, fillers)
    rows_parts.append(filler_rows)
    key_parts.append(pa.array(np.char.add("other_", filler_index.astype(str))))
    rows = np.concatenate(rows_parts)
    order = np.argsort(rows, kind="stable")
    keys = pa.concat_arrays([k.cast(pa.string()) for k in key_parts]).take(pa.array(order))
    sizes = np.bincount(rows, minlength=n).astype(np.int32)
    if spec.map_value == Kind.INT_ID:
        items = pa.array(rng.integers(0, max(spec.cardinality, 1), size=len(rows)))
    else:
        items = pa.array(rng.lognormal(0.0, 1.0, size=len(rows)).astype(np.float32))
    return pa.MapArray.from_arrays(_offsets(sizes), keys, items)


def _nested_map_column(
    rng: np.random.Generator,
    spec: ColumnSpec,
    pkeys: pa.Array | None,
    skeys: pa.Array | None,
    n: int,
) -> pa.Array:
    """A match_feature's nested map as text: ``pk^sk:v,other_0:v|other_pk^sk:v``.

    The first group is keyed by the row's primary key and holds the row's secondary
    key in 80% of the rows (else ``other_sk``); without key columns the keys are
    ``pk_<code>`` / ``sk_<code>``.
    """

    def key_text(column: pa.Array | None, prefix: str) -> pa.Array:
        if column is None:
            codes = _zipf_codes(rng, n, SMALL_DISTINCT).astype(str)
            return pa.array(np.char.add(f"{prefix}_", codes))
        return pc.fill_null(_random_element_text(rng, column), "none")

    def value_text() -> pa.Array:
        if spec.map_value == Kind.INT_ID:
            return pa.array(rng.integers(0, max(spec.cardinality, 1), size=n).astype(str))
        return pa.array(np.round(rng.lognormal(0.0, 1.0, size=n), 3).astype(str))

    pk, sk = key_text(pkeys, "pk"), key_text(skeys, "sk")
    hit = pa.array(rng.random(n) < 0.8)
    first_sk = pc.if_else(hit, sk, pa.scalar("other_sk"))
    join = pc.binary_join_element_wise
    pairs = join(
        join(first_sk, value_text(), ":"), join(pa.scalar("other_0"), value_text(), ":"), ","
    )
    group2 = join(pa.scalar("other_pk"), join(sk, value_text(), ":"), "^")
    return join(join(pk, pairs, "^"), group2, "|")


def _random_element_text(rng: np.random.Generator, values: pa.Array) -> pa.Array:
    """Each row's value (a random element of a list row) as text; null for empty rows."""
    if not pa.types.is_list(values.type):
        return values.cast(pa.string())
    lengths = pc.fill_null(pc.list_value_length(values), 0).to_numpy()
    starts = values.offsets.to_numpy()[:-1] - values.offsets[0].as_py()
    pick = starts + np.floor(rng.random(len(values)) * lengths).astype(np.int64)
    flat = values.flatten()
    return flat.take(pa.array(pick, mask=lengths == 0)).cast(pa.string())


def _sequence_lengths(
    seed: int, split: str, plan: Mapping[str, ColumnSpec], n: int
) -> dict[str, npt.NDArray[np.int32]]:
    """Steps per row for each sequence key (0..max_length, uniform)."""
    longest: dict[str, int] = {}
    for spec in plan.values():
        if spec.sequence is not None:
            key = spec.sequence.key
            longest[key] = max(longest.get(key, 0), spec.sequence.max_length)
    return {
        key: _rng(seed, split, "sequence-length", key)
        .integers(0, length + 1, size=n)
        .astype(np.int32)
        for key, length in longest.items()
    }


def generate_table(
    plan: Mapping[str, ColumnSpec],
    data_config: data_pb2.DataConfig,
    num_rows: int,
    seed: int,
    split: str = _TRAIN,
) -> pa.Table:
    """One split's table: the planned columns, then labels, sample weights and cost.

    Args:
        plan: the feature input columns (see :func:`plan_columns`).
        data_config: names the label and sample weight columns.
        num_rows: rows to draw.
        seed: the random seed.
        split: names the random streams (``train/part-0``); other names draw other
            rows with the same value tables and planted effects.
    """
    n = int(num_rows)
    seq_lengths = _sequence_lengths(seed, split, plan, n)
    planted = set(planted_columns(plan))
    columns: dict[str, pa.Array] = {}
    signal = np.zeros(n, dtype=np.float64)
    for column, spec in plan.items():
        if spec.kind in (Kind.MAP, Kind.NESTED_MAP, Kind.CONST):
            continue
        rng = _rng(seed, split, "column", column)
        rows = n if spec.sequence is None else int(seq_lengths[spec.sequence.key].sum())
        lengths_rng = _rng(seed, split, "lengths", spec.lengths_key) if spec.lengths_key else None
        drawn = _draw_elements(seed, rng, spec, column, rows, lengths_rng)
        array = _shape_rows(rng, spec, drawn)
        if spec.sequence is not None:
            array = pa.ListArray.from_arrays(_offsets(seq_lengths[spec.sequence.key]), array)
        elif column in planted:
            signal += _row_signal(seed, spec, column, drawn, n)
        columns[column] = array
    for column, spec in plan.items():
        rng = _rng(seed, split, "column", column)
        if spec.kind == Kind.CONST:
            columns[column] = pa.array([spec.const] * n, pa.string())
        elif spec.kind in (Kind.MAP, Kind.NESTED_MAP):
            if spec.sequence is not None:
                raise NotImplementedError(
                    f"feature '{spec.owner}': synthesizing a sequence of maps "
                    f"('{column}') is not supported"
                )
            if spec.kind == Kind.MAP:
                key_columns = [columns[k] for k in spec.map_keys]
                columns[column] = _map_column(rng, spec, key_columns, n)
            else:
                pkeys, skeys = (columns[k] if k else None for k in spec.map_keys)
                columns[column] = _nested_map_column(rng, spec, pkeys, skeys, n)
    ordered = {c: columns[c] for c in plan}
    if planted:
        signal *= SIGNAL_SCALE / math.sqrt(len(planted))
    ordered.update(_labels(data_config, signal, seed, split, ordered))
    cost = data_config.sample_cost_field
    if cost and cost not in ordered:
        # A sample's cost: 1 plus its sequence steps (what a cost-limited batch sums).
        steps = sum(seq_lengths.values(), np.zeros(n, dtype=np.int32))
        ordered[cost] = pa.array(1 + steps.astype(np.int64))
    return pa.table(ordered)


def _labels(
    data_config: data_pb2.DataConfig,
    signal: npt.NDArray[np.float64],
    seed: int,
    split: str,
    existing: Mapping[str, pa.Array],
) -> dict[str, pa.Array]:
    """Label columns (int64 0/1 from the planted signal) and sample weights.

    A label that is also a feature input (PEPNet's domain label) keeps the feature's
    column.
    """
    out: dict[str, pa.Array] = {}
    n = len(signal)
    for k, name in enumerate(data_config.label_fields):
        if name in existing or name in out:
            continue
        rng = _rng(seed, split, "label", name)
        bias = 0.0 if k == 0 else -1.0
        logit = signal + bias + LABEL_NOISE * rng.normal(size=n)
        label = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
        out[name] = pa.array(label.astype(np.int64))
    for name in data_config.sample_weight_fields:
        if name in existing or name in out:
            continue
        rng = _rng(seed, split, "weight", name)
        out[name] = pa.array(rng.uniform(0.5, 2.0, size=n).astype(np.float32))
    return out


# ----------------------------------------------------------------------------- writing


def _clear_parts(directory: str) -> None:
    """Remove the ``part-*.parquet`` files an earlier run left in a folder."""
    for old in Path(directory).glob("part-*.parquet"):
        old.unlink()


def _write_split(
    plan: Mapping[str, ColumnSpec],
    data_config: data_pb2.DataConfig,
    num_rows: int,
    num_files: int,
    seed: int,
    split: str,
    directory: str,
) -> tuple[list[str], pa.Schema]:
    """Draw and write one split as part-NNNNN.parquet files of several row groups each.

    Each file is drawn on its own (random streams keyed by ``split/part-i``), so memory
    stays bounded by one file. Stale ``part-*.parquet`` files of an earlier run are
    removed first, so the folder's glob matches exactly the new files.

    Returns:
        the files written and their schema.
    """
    os.makedirs(directory, exist_ok=True)
    _clear_parts(directory)
    files = []
    schema = None
    bounds = np.linspace(0, num_rows, min(num_files, num_rows) + 1).astype(np.int64)
    for i, (start, stop) in enumerate(itertools.pairwise(bounds)):
        table = generate_table(plan, data_config, int(stop - start), seed, f"{split}/part-{i}")
        path = os.path.join(directory, f"part-{i:05d}.parquet")
        group = max(1, math.ceil(table.num_rows / ROW_GROUPS_PER_FILE))
        pq.write_table(table, path, row_group_size=group)
        files.append(path)
        schema = table.schema
    assert schema is not None
    return files, schema


def synthesize(
    pipeline_config: pipeline_pb2.EasyRecConfig,
    output_dir: str,
    num_rows: int = 10_000,
    num_files: int = 2,
    seed: int = 0,
    eval_fraction: float = 0.2,
    resource_dir: str | None = None,
) -> SynthResult:
    """Write train and eval Parquet files holding what the pipeline config reads.

    Args:
        pipeline_config: the pipeline config; its features, fg_mode, label and sample
            weight fields decide the columns.
        output_dir: the files go to ``output_dir/train/part-NNNNN.parquet`` and
            ``output_dir/eval/part-NNNNN.parquet``.
        num_rows: training rows.
        num_files: files per split (at most one per row).
        seed: random seed; the same seed writes the same data.
        eval_fraction: eval rows as a fraction of num_rows (rounded up; 0: no eval split).
        resource_dir: folder that relative vocab_file paths resolve against.

    Returns:
        the written paths, row counts, schema and planted signal columns.

    Raises:
        ValueError: for a bad num_rows / num_files / eval_fraction.
        FeatureConfigError: for features whose inputs clash or cannot be read.
        NotImplementedError: for feature types whose inputs this cannot synthesize.
    """
    from tzrec.features.factory import context_from_data_config, create_features

    if num_rows < 1:
        raise ValueError(f"num_rows must be at least 1, got {num_rows}")
    if num_files < 1:
        raise ValueError(f"num_files must be at least 1, got {num_files}")
    if not 0.0 <= eval_fraction < 1.0:
        raise ValueError(f"eval_fraction must be in [0, 1), got {eval_fraction}")
    data_config = pipeline_config.data_config
    context = context_from_data_config(data_config, resource_dir)
    features = create_features(pipeline_config.feature_configs, context)
    plan = plan_columns(features)
    eval_rows = math.ceil(num_rows * eval_fraction) if eval_fraction > 0 else 0

    train_dir, eval_dir = os.path.join(output_dir, _TRAIN), os.path.join(output_dir, _EVAL)
    train_files, schema = _write_split(
        plan, data_config, num_rows, num_files, seed, _TRAIN, train_dir
    )
    eval_files: list[str] = []
    if eval_rows:
        eval_files, _ = _write_split(plan, data_config, eval_rows, num_files, seed, _EVAL, eval_dir)
    elif os.path.isdir(eval_dir):
        _clear_parts(eval_dir)
    return SynthResult(
        train_input_path=os.path.join(output_dir, _TRAIN, "*.parquet"),
        eval_input_path=os.path.join(output_dir, _EVAL, "*.parquet") if eval_rows else None,
        train_files=train_files,
        eval_files=eval_files,
        train_rows=num_rows,
        eval_rows=eval_rows,
        schema=schema,
        planted=planted_columns(plan),
    )


def config_for_data(
    pipeline_config: pipeline_pb2.EasyRecConfig, result: SynthResult
) -> pipeline_pb2.EasyRecConfig:
    """A copy of the config that reads the synthesized data (ParquetDataset, abs paths)."""
    config = pipeline_pb2.EasyRecConfig()
    config.CopyFrom(pipeline_config)
    config.train_input_path = os.path.abspath(result.train_input_path)
    if result.eval_input_path is not None:
        config.eval_input_path = os.path.abspath(result.eval_input_path)
    else:
        config.ClearField("eval_input_path")
    config.data_config.dataset_type = data_pb2.ParquetDataset
    config.data_config.ClearField("plugin_dataset_type")
    return config
