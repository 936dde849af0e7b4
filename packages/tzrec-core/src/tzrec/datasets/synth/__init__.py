"""Synthetic Parquet datasets shaped like a pipeline config, with a learnable label.

:func:`synthesize` (and ``tzrec data synth``) writes train and eval Parquet files that
hold exactly the columns a pipeline reads, so that a config can be trained end to end
without the real data:

- every feature's ``input_columns`` in the config's ``fg_mode``;
- ``data_config.label_fields`` (int64 0/1), ``sample_weight_fields`` (positive float32)
  and ``sample_cost_field`` (int64: 1 + the row's sequence steps).

What a column holds follows from what the features reading it need (:mod:`.plan`):

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
  skey columns' values (:mod:`.maps`); overlap / tokenize inputs term strings;
  kv_dot_product inputs ``k:v`` pair strings; bool_mask values and a ``list<bool>`` mask
  of equal lengths; combine inputs value_map keys or numbers; FG_NORMAL ``const:``
  inputs the literal. custom_feature inputs are whatever a plugin's operator wants, so
  they raise NotImplementedError.

Sequence columns are always lists (``list<T>``, or ``list<list<T>>`` for multi-value
steps), never delimiter-joined strings: lists need no escaping and every reader
accepts them. Each row has 0..sequence_length steps; the sub-features of one grouped
sequence (and stand-alone sequences sharing a ``prefix__`` name) share the per-row
length.

Values are skewed like real ids (:mod:`.draw`): value codes follow a Zipf law over at
most :data:`MAX_DISTINCT` distinct values per column, and columns with the same base
name (``adgroup_id`` and ``click_50_seq__adgroup_id``) and range draw from the same
values, so sequences hold the items the item column shows. A few planted columns drive
the labels (:mod:`.labels`, :attr:`SynthResult.planted`), so a model trained on the data
beats AUC 0.5 clearly.

Everything is deterministic for a seed: each column draws from its own random stream
(seeded by the seed, the split and the column name), and the effects and value tables
are shared by the train and eval splits.

Modules: :mod:`.spec` (what a column holds), :mod:`.plan` (features -> column specs),
:mod:`.draw` and :mod:`.maps` (column specs -> arrays), :mod:`.labels` (the planted
signal), :mod:`.table` (one split's table), :mod:`.write` (files and config).
"""

from tzrec.datasets.synth.draw import OOV_RATE, ZIPF_EXPONENT
from tzrec.datasets.synth.labels import (
    LABEL_NOISE,
    NUM_PLANTED_DENSE,
    NUM_PLANTED_SPARSE,
    SIGNAL_SCALE,
    planted_columns,
)
from tzrec.datasets.synth.plan import (
    DEFAULT_STR_DISTINCT,
    HASH_DISTINCT_RATIO,
    TEXT_MAX_TERMS,
    UNSUPPORTED_TYPES,
    bucketizer_spec,
    feature_column_specs,
    feature_type,
    merge_specs,
    plan_columns,
)
from tzrec.datasets.synth.spec import (
    MAX_DISTINCT,
    MULTI_LENGTH_PROBS,
    NUM_OOV_WORDS,
    SMALL_DISTINCT,
    ColumnSpec,
    Kind,
    SequenceKey,
)
from tzrec.datasets.synth.table import generate_table
from tzrec.datasets.synth.write import (
    ROW_GROUPS_PER_FILE,
    SynthResult,
    config_for_data,
    synthesize,
)

__all__ = [
    "DEFAULT_STR_DISTINCT",
    "HASH_DISTINCT_RATIO",
    "LABEL_NOISE",
    "MAX_DISTINCT",
    "MULTI_LENGTH_PROBS",
    "NUM_OOV_WORDS",
    "NUM_PLANTED_DENSE",
    "NUM_PLANTED_SPARSE",
    "OOV_RATE",
    "ROW_GROUPS_PER_FILE",
    "SIGNAL_SCALE",
    "SMALL_DISTINCT",
    "TEXT_MAX_TERMS",
    "UNSUPPORTED_TYPES",
    "ZIPF_EXPONENT",
    "ColumnSpec",
    "Kind",
    "SequenceKey",
    "SynthResult",
    "bucketizer_spec",
    "config_for_data",
    "feature_column_specs",
    "feature_type",
    "generate_table",
    "merge_specs",
    "plan_columns",
    "planted_columns",
    "synthesize",
]
