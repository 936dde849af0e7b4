"""Capping embedding table sizes so production configs train on one small machine.

Production configs size their tables for the real data: Criteo's ``cat_0`` has
``num_buckets: 40000000``, which at dimension 16 (plus optimizer state) is several GiB
for one table. Synthetic data needs no such room: ``tzrec data synth --max_num_buckets N``
caps every table-size field of the features to ``N`` before drawing the data (so ids
drawn for ``num_buckets`` features stay in range) and writes the capped config.

The capped fields are the ones that set a table's row count independently of a
vocabulary: ``num_buckets``, ``hash_bucket_size``, ``zch.zch_size`` and the dynamic
embedding's ``max_capacity`` (with ``init_capacity_per_rank`` and the admission
counter's ``counter_capacity``, which may not exceed it). Vocabularies and boundaries are
left alone: their size is their content.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import Message

from tzrec.protos import pipeline_pb2

#: Fields holding a table's row count (or a capacity bounded by it), capped wherever
#: they appear inside a feature config (sequence sub-features, zch and dynamicemb too).
TABLE_SIZE_FIELDS = (
    "num_buckets",
    "hash_bucket_size",
    "zch_size",
    "max_capacity",
    "init_capacity_per_rank",
    "counter_capacity",
)


@dataclass(frozen=True)
class CappedField:
    """One table-size field :func:`cap_table_sizes` lowered.

    Attributes:
        feature: the feature's ``feature_name`` (``sequence_name`` for a field of a
            grouped sequence itself; sub-features give their own name).
        path: the field's path in the pipeline config, e.g.
            ``feature_configs[3].id_feature.num_buckets``.
        old: the configured value.
        new: the capped value.
    """

    feature: str
    path: str
    old: int
    new: int


def _feature_name(message: Message, fallback: str) -> str:
    for name in ("feature_name", "sequence_name"):
        if name in message.DESCRIPTOR.fields_by_name and message.HasField(name):
            return str(getattr(message, name))
    return fallback


def _cap_message(
    message: Message, path: str, feature: str, limit: int, capped: list[CappedField]
) -> None:
    """Cap the table-size fields of ``message`` and every message below it, in place."""
    feature = _feature_name(message, feature)
    for field, value in message.ListFields():
        field_path = f"{path}.{field.name}"
        if field.message_type is not None:
            if field.is_repeated:
                if field.message_type.GetOptions().map_entry:
                    continue  # vocab_dict, value_map...: content, not sizes
                for i, child in enumerate(value):
                    _cap_message(child, f"{field_path}[{i}]", feature, limit, capped)
            else:
                _cap_message(value, field_path, feature, limit, capped)
        elif field.name in TABLE_SIZE_FIELDS and not field.is_repeated and value > limit:
            setattr(message, field.name, limit)
            capped.append(CappedField(feature, field_path, int(value), limit))


def cap_table_sizes(
    pipeline_config: pipeline_pb2.EasyRecConfig, max_num_buckets: int
) -> tuple[pipeline_pb2.EasyRecConfig, list[CappedField]]:
    """A copy of the config whose feature tables have at most ``max_num_buckets`` rows.

    Every :data:`TABLE_SIZE_FIELDS` field set above the limit, in any feature config
    (grouped sequence sub-features, ``zch`` and ``dynamicemb`` blocks included), is set
    to the limit; smaller values, vocabularies and boundaries are kept. Features that
    share an embedding (``embedding_name``) and had equal sizes keep equal sizes.

    Args:
        pipeline_config: the pipeline config; left unchanged.
        max_num_buckets: the largest table size to keep (at least 1).

    Returns:
        the capped copy, and the fields that were lowered in config order.

    Raises:
        ValueError: when ``max_num_buckets`` is below 1.
    """
    if max_num_buckets < 1:
        raise ValueError(f"max_num_buckets must be at least 1, got {max_num_buckets}")
    config = pipeline_pb2.EasyRecConfig()
    config.CopyFrom(pipeline_config)
    capped: list[CappedField] = []
    for i, feature_config in enumerate(config.feature_configs):
        _cap_message(feature_config, f"feature_configs[{i}]", "", max_num_buckets, capped)
    return config, capped
