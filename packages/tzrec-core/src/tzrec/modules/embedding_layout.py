"""What an EmbeddingGroup looks up and assembles, resolved from the feature groups.

:class:`EmbeddingLayout` reads the features and ``feature_groups`` once, checks them
(errors name the group, the feature and the config field), and decides:

- the embedding **tables**: one per embedding name, where a group's
  ``embedding_name_suffix`` makes ``<embedding_name>_<suffix>`` and a WIDE group
  ``<embedding_name>_wide[_<suffix>]``. Features on one table must agree on its size;
- the **lookups**: one per (feature, table), each done once however many groups use it.
  Its key is the feature name for the feature's own table and ``<feature>@<table>`` for
  a wide or suffixed copy, so that one TorchRec module can hold every table;
- which TorchRec module holds a table: the EmbeddingCollection (per-id embeddings) when
  any sequence feature reads it (its pooled users are then pooled by the group), else
  the weighted EmbeddingBagCollection when any of its features is weighted, else the
  plain EmbeddingBagCollection;
- per group, the ordered **parts** (pooled embeddings, dense values) and the
  **sequence groups** (query + sequence parts) and encoders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from tzrec.features.feature import BaseFeature
from tzrec.protos import model_pb2, seq_encoder_pb2
from tzrec.utils.config_errors import ConfigError, closest_names

FeatureGroupType = int  # a model_pb2.FeatureGroupType value

DEFAULT_WIDE_EMBEDDING_DIM = 4


class TableModule(Enum):
    """The TorchRec module holding a table."""

    BAG = "ebc"
    WEIGHTED_BAG = "weighted_ebc"
    SEQUENCE = "ec"


class PartKind(Enum):
    """Where one piece of a group's output comes from."""

    SPARSE = "sparse"  # a pooled lookup: (B, dim)
    DENSE = "dense"  # a dense feature's values or dense embedding: (B, dim)
    SEQUENCE_SPARSE = "sequence_sparse"  # per-step lookup: jagged (steps, dim)
    SEQUENCE_DENSE = "sequence_dense"  # per-step dense values / embedding


@dataclass
class TableSpec:
    """One embedding table.

    Attributes:
        name: the table name (TorchRec's and the checkpoint's).
        num_embeddings: rows.
        embedding_dim: columns.
        init_fn: the initializer string, None for TorchRec's default.
        trainable: whether the table is trained.
        data_type: "FP32" or "FP16".
        pooling: "sum" or "mean" (pooled lookups of a bag table).
        features: the features using the table (the first defines it).
        module: the TorchRec module holding it (decided after every group is read).
    """

    name: str
    num_embeddings: int
    embedding_dim: int
    init_fn: str | None
    trainable: bool
    data_type: str
    pooling: str
    features: list[str] = field(default_factory=list)
    module: TableModule = TableModule.BAG


@dataclass
class LookupSpec:
    """One lookup of a feature's ids in a table.

    Attributes:
        key: the key of the lookup in the module's input and output.
        feature: the batch feature whose ids are looked up.
        table: the table name.
        pooled: whether some group needs the per-row pooled embedding.
        per_step: whether some group needs the per-step (sequence) embeddings.
        pooling: "sum" or "mean" for the pooled output.
        weighted: whether the feature's ids carry weights.
        multi_value_steps: whether a sequence feature's steps hold several ids each.
    """

    key: str
    feature: str
    table: str
    pooled: bool = False
    per_step: bool = False
    pooling: str = "sum"
    weighted: bool = False
    multi_value_steps: bool = False


@dataclass(frozen=True)
class Part:
    """One piece of a group output, in order.

    Attributes:
        feature: the feature name.
        kind: where the piece comes from.
        source: lookup key (sparse kinds) or feature name (dense kinds).
        dense_embedding: key of the dense embedding module, None for raw values.
        dim: width of the piece.
    """

    feature: str
    kind: PartKind
    source: str
    dense_embedding: str | None
    dim: int


@dataclass
class SequenceGroupSpec:
    """A SEQUENCE / JAGGED_SEQUENCE group, or a sequence group nested in a DEEP group.

    Attributes:
        name: group name (outputs are ``<name>.query`` / ``.sequence`` / ...).
        query: non-sequence parts, concatenated into ``<name>.query``.
        sequence: sequence parts, concatenated per step into ``<name>.sequence``.
        max_length: the longest configured sequence_length among the sequence parts
            (the padded length).
        jagged: whether the sequence is output jagged (JAGGED_SEQUENCE).
        one_source: whether every sequence part comes from one grouped
            ``sequence_feature`` (or one feature), so their steps agree by construction.
    """

    name: str
    query: list[Part]
    sequence: list[Part]
    max_length: int
    jagged: bool = False
    one_source: bool = True

    @property
    def query_dim(self) -> int:
        """Width of ``<name>.query``."""
        return sum(p.dim for p in self.query)

    @property
    def sequence_dim(self) -> int:
        """Width of each step of ``<name>.sequence``."""
        return sum(p.dim for p in self.sequence)


@dataclass(frozen=True)
class EncoderSpec:
    """A sequence encoder of a DEEP group.

    Attributes:
        name: output name (config ``name``, else ``<input>_<encoder type>``).
        input: the nested sequence group it encodes.
        config: the SeqEncoderConfig message.
    """

    name: str
    input: str
    config: seq_encoder_pb2.SeqEncoderConfig


@dataclass
class GroupSpec:
    """A feature group.

    Attributes:
        name: group_name.
        group_type: resolved FeatureGroupType (group_type, else legacy wide_deep).
        parts: DEEP/WIDE: the features' pieces in feature_names order; SEQUENCE groups:
            query and sequence pieces in feature_names order.
        sequence_groups: the nested sequence groups (DEEP), or the group itself
            (SEQUENCE / JAGGED_SEQUENCE).
        encoders: sequence encoders (DEEP).
    """

    name: str
    group_type: FeatureGroupType
    parts: list[Part]
    sequence_groups: list[SequenceGroupSpec] = field(default_factory=list)
    encoders: list[EncoderSpec] = field(default_factory=list)


def resolved_group_type(group: model_pb2.FeatureGroupConfig) -> FeatureGroupType:
    """group_type when set, else the legacy wide_deep field, else DEEP."""
    if group.HasField("group_type"):
        return int(group.group_type)
    if group.HasField("wide_deep"):
        return int(group.wide_deep)
    return int(model_pb2.DEEP)


def _type_name(group_type: FeatureGroupType) -> str:
    return str(model_pb2.FeatureGroupType.Name(group_type))


def _dense_embedding_settings(feature: BaseFeature) -> tuple[object, ...]:
    """What must agree for two dense features to share one dense embedding module."""
    kind = str(feature.dense_emb_type)
    return (kind, feature.value_dim, feature.embedding_dim, getattr(feature.config, kind))


def _module_key(name: str) -> str:
    """A ModuleDict-safe version of a table name."""
    return name.replace(".", "_")


class EmbeddingLayout:
    """The resolved tables, lookups and groups of an EmbeddingGroup (module docstring).

    Args:
        features: every feature of the pipeline.
        feature_groups: the model's feature groups.
        wide_embedding_dim: embedding size of WIDE group tables (default 4).
        wide_init_fn: initializer of WIDE group tables.

    Raises:
        ConfigError: a group or feature that cannot be used as configured.
    """

    def __init__(
        self,
        features: Sequence[BaseFeature],
        feature_groups: Sequence[model_pb2.FeatureGroupConfig],
        wide_embedding_dim: int | None = None,
        wide_init_fn: str | None = None,
    ) -> None:
        self.features: dict[str, BaseFeature] = {f.name: f for f in features}
        self.wide_embedding_dim = int(wide_embedding_dim or DEFAULT_WIDE_EMBEDDING_DIM)
        self.wide_init_fn = wide_init_fn or None
        self.tables: dict[str, TableSpec] = {}
        self.lookups: dict[str, LookupSpec] = {}
        #: dense embedding module key -> the feature defining it.
        self.dense_embeddings: dict[str, BaseFeature] = {}
        self.groups: dict[str, GroupSpec] = {}
        #: every sequence group (top-level and nested) by name.
        self.sequence_groups: dict[str, SequenceGroupSpec] = {}
        if not feature_groups:
            raise ConfigError(
                "the model has no feature_groups", field_path="model_config.feature_groups"
            )
        for index, group in enumerate(feature_groups):
            self._add_group(index, group)
        self._assign_modules()

    # ------------------------------------------------------------------ groups
    def _add_group(self, index: int, group: model_pb2.FeatureGroupConfig) -> None:
        path = f"model_config.feature_groups[{index}]"
        name = str(group.group_name)
        if not name:
            raise ConfigError("a feature group needs a group_name", field_path=f"{path}.group_name")
        self._check_new_name(name, f"{path}.group_name")
        group_type = resolved_group_type(group)
        suffix = str(group.embedding_name_suffix)
        if group_type in (model_pb2.SEQUENCE, model_pb2.JAGGED_SEQUENCE):
            if len(group.sequence_groups) or len(group.sequence_encoders):
                raise ConfigError(
                    f"feature group '{name}' is {_type_name(group_type)}: it cannot have "
                    "sequence_groups or sequence_encoders (only DEEP groups can)",
                    field_path=f"{path}.sequence_groups",
                )
            seq = self._sequence_group(
                name,
                list(group.feature_names),
                suffix,
                f"{path}.feature_names",
                jagged=group_type == model_pb2.JAGGED_SEQUENCE,
            )
            self.groups[name] = GroupSpec(
                name, group_type, [*seq.query, *seq.sequence], sequence_groups=[seq]
            )
            return
        wide = group_type == model_pb2.WIDE
        if wide and (len(group.sequence_groups) or len(group.sequence_encoders)):
            raise ConfigError(
                f"feature group '{name}' is WIDE: it cannot have sequence_groups or "
                "sequence_encoders",
                field_path=f"{path}.sequence_groups",
            )
        parts: list[Part] = []
        for j, feature_name in enumerate(group.feature_names):
            feature = self._feature(feature_name, f"{path}.feature_names[{j}]")
            if feature.is_sequence:
                raise ConfigError(
                    f"feature '{feature.name}' in {_type_name(group_type)} group '{name}' is "
                    "a sequence feature: put it in a sequence_groups entry (with a "
                    "sequence encoder) or in a SEQUENCE group",
                    field_path=f"{path}.feature_names[{j}]",
                )
            if wide and not feature.is_sparse:
                raise ConfigError(
                    f"feature '{feature.name}' in WIDE group '{name}' is a dense feature; a "
                    "WIDE group takes sparse features only (give it boundaries to bucketize "
                    "it, or move it to a DEEP group)",
                    field_path=f"{path}.feature_names[{j}]",
                )
            parts.append(self._pooled_part(feature, suffix, wide, f"{path}.feature_names[{j}]"))
        spec = GroupSpec(name, group_type, parts)
        for k, seq_group in enumerate(group.sequence_groups):
            seq_path = f"{path}.sequence_groups[{k}]"
            seq_name = str(seq_group.group_name)
            if not seq_name:
                raise ConfigError(
                    f"a sequence group of feature group '{name}' needs a group_name",
                    field_path=f"{seq_path}.group_name",
                )
            self._check_new_name(seq_name, f"{seq_path}.group_name")
            seq_suffix = (
                str(seq_group.embedding_name_suffix)
                if seq_group.HasField("embedding_name_suffix")
                else suffix
            )
            spec.sequence_groups.append(
                self._sequence_group(
                    seq_name, list(seq_group.feature_names), seq_suffix, f"{seq_path}.feature_names"
                )
            )
        spec.encoders = self._encoders(spec, group, path)
        if not spec.parts and not spec.encoders:
            raise ConfigError(
                f"feature group '{name}' has no feature_names", field_path=f"{path}.feature_names"
            )
        self.groups[name] = spec

    def _encoders(
        self, spec: GroupSpec, group: model_pb2.FeatureGroupConfig, path: str
    ) -> list[EncoderSpec]:
        seq_names = [s.name for s in spec.sequence_groups]
        if spec.sequence_groups and not len(group.sequence_encoders):
            raise ConfigError(
                f"feature group '{spec.name}' has sequence_groups but no sequence_encoders "
                "to pool them",
                field_path=f"{path}.sequence_encoders",
            )
        encoders: list[EncoderSpec] = []
        for k, encoder in enumerate(group.sequence_encoders):
            enc_path = f"{path}.sequence_encoders[{k}]"
            which = encoder.WhichOneof("seq_module")
            if which is None:
                raise ConfigError(
                    f"sequence encoder {k} of feature group '{spec.name}' sets no encoder type",
                    field_path=enc_path,
                )
            cfg = getattr(encoder, which)
            input_name = str(cfg.input)
            if not input_name:
                if len(seq_names) != 1:
                    raise ConfigError(
                        f"sequence encoder {k} of feature group '{spec.name}' must name its "
                        f"input (one of {seq_names})",
                        field_path=f"{enc_path}.{which}.input",
                    )
                input_name = seq_names[0]
            if input_name not in seq_names:
                raise ConfigError(
                    f"sequence encoder input '{input_name}' is not a sequence group of "
                    f"feature group '{spec.name}' (have {seq_names})",
                    field_path=f"{enc_path}.{which}.input",
                    suggestions=closest_names(input_name, seq_names),
                )
            out_name = str(cfg.name) or f"{input_name}_{which}"
            encoders.append(EncoderSpec(out_name, input_name, encoder))
        return encoders

    def _sequence_group(
        self, name: str, feature_names: list[str], suffix: str, path: str, jagged: bool = False
    ) -> SequenceGroupSpec:
        query: list[Part] = []
        sequence: list[Part] = []
        max_length = 0
        sources: set[str] = set()
        for j, feature_name in enumerate(feature_names):
            feature = self._feature(feature_name, f"{path}[{j}]")
            if feature.is_sequence:
                assert feature.sequence is not None
                sources.add(feature.sequence.group or feature.name)
                sequence.append(self._sequence_part(feature, suffix, f"{path}[{j}]"))
                max_length = max(max_length, feature.sequence_length)
            else:
                query.append(self._pooled_part(feature, suffix, False, f"{path}[{j}]"))
        if not sequence:
            raise ConfigError(
                f"sequence group '{name}' has no sequence feature (sequence features are "
                "sequence_feature sub-features or features with sequence_length)",
                field_path=path,
            )
        spec = SequenceGroupSpec(name, query, sequence, max_length, jagged, len(sources) == 1)
        self.sequence_groups[name] = spec
        return spec

    # ------------------------------------------------------------------ parts
    def _pooled_part(self, feature: BaseFeature, suffix: str, wide: bool, path: str) -> Part:
        if feature.is_sparse:
            lookup = self._lookup(feature, suffix, wide, path)
            lookup.pooled = True
            dim = self.tables[lookup.table].embedding_dim
            return Part(feature.name, PartKind.SPARSE, lookup.key, None, dim)
        emb = self._dense_embedding(feature, suffix, path)
        return Part(feature.name, PartKind.DENSE, feature.name, emb, feature.output_dim)

    def _sequence_part(self, feature: BaseFeature, suffix: str, path: str) -> Part:
        if feature.is_sparse:
            lookup = self._lookup(feature, suffix, False, path)
            lookup.per_step = True
            dim = self.tables[lookup.table].embedding_dim
            return Part(feature.name, PartKind.SEQUENCE_SPARSE, lookup.key, None, dim)
        emb = self._dense_embedding(feature, suffix, path)
        return Part(feature.name, PartKind.SEQUENCE_DENSE, feature.name, emb, feature.output_dim)

    def _lookup(self, feature: BaseFeature, suffix: str, wide: bool, path: str) -> LookupSpec:
        base = feature.embedding_name
        if wide:
            table_name = f"{base}_wide" + (f"_{suffix}" if suffix else "")
            dim = self.wide_embedding_dim
            init_fn = self.wide_init_fn
        else:
            table_name = f"{base}_{suffix}" if suffix else base
            dim = feature.embedding_dim
            init_fn = feature.init_fn
        if feature.num_embeddings <= 0:
            raise ConfigError(
                f"feature '{feature.name}' has no embedding table size: set num_buckets, "
                "hash_bucket_size, vocab_list/vocab_dict/vocab_file or boundaries",
                field_path=path,
            )
        if dim <= 0:
            raise ConfigError(
                f"feature '{feature.name}' needs embedding_dim > 0 to be embedded",
                field_path=path,
            )
        self._add_table(feature, table_name, dim, init_fn, path)
        key = feature.name if table_name == base else f"{feature.name}@{table_name}"
        lookup = self.lookups.get(key)
        if lookup is None:
            multi = feature.is_sequence and feature.value_dim != 1
            lookup = LookupSpec(
                key,
                feature.name,
                table_name,
                pooling=feature.pooling,
                weighted=feature.is_weighted,
                multi_value_steps=multi,
            )
            self.lookups[key] = lookup
        return lookup

    def _add_table(
        self, feature: BaseFeature, name: str, dim: int, init_fn: str | None, path: str
    ) -> None:
        table = self.tables.get(name)
        if table is None:
            self.tables[name] = TableSpec(
                name,
                feature.num_embeddings,
                dim,
                init_fn,
                feature.trainable,
                feature.data_type,
                feature.pooling,
                [feature.name],
            )
            return
        if feature.name in table.features:
            return
        first = table.features[0]
        checks = [
            ("num_embeddings", table.num_embeddings, feature.num_embeddings),
            ("embedding_dim", table.embedding_dim, dim),
            ("trainable", table.trainable, feature.trainable),
            ("data_type", table.data_type, feature.data_type),
        ]
        if init_fn is not None and table.init_fn is not None:
            checks.append(("init_fn", table.init_fn, init_fn))
        for what, have, got in checks:
            if have != got:
                raise ConfigError(
                    f"features '{first}' and '{feature.name}' share embedding table '{name}' "
                    f"but have different {what} ({have} vs {got}); give them the same "
                    f"{what} or different embedding_name",
                    field_path=path,
                )
        table.init_fn = table.init_fn or init_fn
        table.features.append(feature.name)

    def _dense_embedding(self, feature: BaseFeature, suffix: str, path: str) -> str | None:
        if feature.dense_emb_type is None:
            return None
        if feature.embedding_dim <= 0:
            raise ConfigError(
                f"feature '{feature.name}' uses {feature.dense_emb_type} dense embedding and "
                "needs embedding_dim > 0",
                field_path=path,
            )
        name = feature.embedding_name + (f"_{suffix}" if suffix else "")
        key = _module_key(name)
        other = self.dense_embeddings.get(key)
        if other is None:
            self.dense_embeddings[key] = feature
        elif other.name != feature.name and _dense_embedding_settings(
            other
        ) != _dense_embedding_settings(feature):
            raise ConfigError(
                f"dense features '{other.name}' and '{feature.name}' share dense embedding "
                f"'{name}' but are configured differently; give them the same "
                "embedding_dim/value_dim/dense embedding settings or different embedding_name",
                field_path=path,
            )
        return key

    # ------------------------------------------------------------------ helpers
    def _feature(self, name: str, path: str) -> BaseFeature:
        feature = self.features.get(name)
        if feature is None:
            raise ConfigError(
                f"feature group references unknown feature '{name}'",
                field_path=path,
                suggestions=closest_names(name, self.features),
            )
        return feature

    def _check_new_name(self, name: str, path: str) -> None:
        if name in self.groups or name in self.sequence_groups:
            raise ConfigError(
                f"group name '{name}' is used twice (feature groups and sequence groups "
                "need distinct names)",
                field_path=path,
            )

    def _assign_modules(self) -> None:
        """Choose each table's module and check bag tables' pooling agreement."""
        for lookup in self.lookups.values():
            table = self.tables[lookup.table]
            if lookup.per_step:
                table.module = TableModule.SEQUENCE
            elif lookup.weighted and table.module == TableModule.BAG:
                table.module = TableModule.WEIGHTED_BAG
        for lookup in self.lookups.values():
            table = self.tables[lookup.table]
            if table.module != TableModule.SEQUENCE and lookup.pooling != table.pooling:
                raise ConfigError(
                    f"features '{table.features[0]}' and '{lookup.feature}' share embedding "
                    f"table '{table.name}' but pool differently ({table.pooling} vs "
                    f"{lookup.pooling}); give them the same pooling or different embedding_name"
                )

    def tables_of(self, module: TableModule) -> list[TableSpec]:
        """The tables a module holds, in the order they were first used."""
        return [t for t in self.tables.values() if t.module == module]

    def lookups_of(self, module: TableModule) -> list[LookupSpec]:
        """The lookups a module does, in the order they were first used."""
        return [lk for lk in self.lookups.values() if self.tables[lk.table].module == module]
