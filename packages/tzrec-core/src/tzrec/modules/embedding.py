"""EmbeddingGroup: a Batch's features looked up and assembled into feature-group tensors.

The layout (tables, lookups, group parts) is resolved by
:class:`~tzrec.modules.embedding_layout.EmbeddingLayout`. The lookups run in at most
three kinds of TorchRec module, so that DistributedModelParallel can shard them:

- ``ebc``: an EmbeddingBagCollection of the pooled tables;
- ``weighted_ebc``: an EmbeddingBagCollection (is_weighted) of the tables that a
  weighted feature uses; it pools by sum, and a ``mean`` lookup is divided by its ids
  per row afterwards (``sum(w * e) / n``), so sharded and plain modules agree;
- ``ecs[<dim>]``: EmbeddingCollections (one per embedding dim, as TorchRec requires) of
  the tables a sequence feature uses; pooled users of those tables are pooled here.

Each module gets a KeyedJaggedTensor of just its lookups' ids, permuted out of
``batch.sparse_features["__BASE__"]`` (a key per lookup: see the layout).

Outputs of :meth:`EmbeddingGroup.forward` (B = batch size):

- DEEP / WIDE group ``g``: ``g`` (B, group_total_dim(g)), the features' pieces in
  feature_names order, then each sequence encoder's output;
- a SEQUENCE group, or a sequence group nested in a DEEP group, ``s``:
  ``s.query`` (B, Dq), the non-sequence features concatenated ((B, 0) when none);
  ``s.sequence`` (B, L, Ds), the sequence features' step embeddings concatenated and
  zero-padded to L = the longest configured sequence_length of the group;
  ``s.sequence_length`` (B,) int64, the valid steps per row;
- a JAGGED_SEQUENCE group ``s``: ``s.query`` as above; ``s.sequence`` the steps of all
  rows unpadded (sum of lengths, Ds); ``s.sequence_length`` (B,) int64 and
  ``s.sequence_offsets`` (B + 1,) int64 (row i's steps are
  ``sequence[offsets[i]:offsets[i + 1]]``).

The sequence features of one group must have the same number of steps in every row (as
the sub-features of one grouped ``sequence_feature`` do, by construction; features from
different sequences are checked each batch, a ValueError when they differ).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torchrec.distributed.planner.types import ParameterConstraints
from torchrec.fx.tracer import is_fx_tracing
from torchrec.modules.embedding_configs import (
    DataType,
    EmbeddingBagConfig,
    EmbeddingConfig,
    PoolingType,
)
from torchrec.modules.embedding_modules import EmbeddingBagCollection, EmbeddingCollection
from torchrec.sparse.jagged_tensor import KeyedJaggedTensor

from tzrec.datasets.batch import BASE_DATA_GROUP, Batch
from tzrec.features.feature import BaseFeature
from tzrec.modules.dense_embedding import create_dense_embedding
from tzrec.modules.embedding_layout import (
    EmbeddingLayout,
    GroupSpec,
    LookupSpec,
    Part,
    PartKind,
    SequenceGroupSpec,
    TableModule,
    TableSpec,
)
from tzrec.modules.init_fn import parse_init_fn
from tzrec.modules.jagged import lengths_to_offsets, pad_jagged, segment_pool
from tzrec.modules.sequence_encoders import create_sequence_encoder
from tzrec.protos import constraints_pb2, model_pb2
from tzrec.utils.config_errors import ConfigError

_DATA_TYPES = {"FP32": DataType.FP32, "FP16": DataType.FP16}

# (values (steps, D), lengths (B,)) of one sequence part.
_Steps = tuple[torch.Tensor, torch.Tensor]


def check_same_steps(lengths: torch.Tensor, expected: torch.Tensor, message: str) -> None:
    """Raise ValueError(message) unless two sequences have the same steps in every row.

    A leaf of FX tracing (``torch.fx.wrap``), so the check stays in exported programs.
    """
    if not torch.equal(lengths.to(torch.int64), expected.to(torch.int64)):
        raise ValueError(message)


torch.fx.wrap("check_same_steps")


def _encoder_key(group_name: str, encoder_name: str) -> str:
    """ModuleDict key of a group's sequence encoder (no dots allowed there)."""
    return f"{group_name}__{encoder_name}".replace(".", "_")


def _table_kwargs(table: TableSpec, keys: list[str]) -> dict[str, object]:
    """Arguments shared by EmbeddingBagConfig and EmbeddingConfig."""
    if table.data_type not in _DATA_TYPES:
        raise ConfigError(
            f"embedding table '{table.name}' (feature '{table.features[0]}') has data_type "
            f"'{table.data_type}'; use FP32 or FP16"
        )
    init_fn = None
    if table.init_fn:
        try:
            init_fn = parse_init_fn(table.init_fn, f"feature '{table.features[0]}' init_fn")
        except ValueError as e:
            raise ConfigError(str(e)) from e
    return {
        "name": table.name,
        "num_embeddings": table.num_embeddings,
        "embedding_dim": table.embedding_dim,
        "feature_names": keys,
        "init_fn": init_fn,
        "data_type": _DATA_TYPES[table.data_type],
    }


class EmbeddingGroup(nn.Module):
    """Embeds a Batch's features into its model's feature groups (module docstring).

    Args:
        features: every feature of the pipeline (features in no group are ignored).
        feature_groups: the model's feature groups.
        wide_embedding_dim: embedding size of WIDE group tables (default 4).
        wide_init_fn: initializer of WIDE group tables, e.g. "nn.init.zeros_".
        device: where to create the parameters; "meta" creates them without memory
            (DistributedModelParallel then materializes the shards).
        table_device: where to create just the embedding tables (default: ``device``);
            the engine passes "meta" so that tables of any size cost no memory before
            DistributedModelParallel creates each rank's shards (initialised from the
            tables' configs), while the small dense parts are built normally.

    Raises:
        ConfigError: groups or features that cannot be embedded as configured.
    """

    def __init__(
        self,
        features: list[BaseFeature],
        feature_groups: Sequence[model_pb2.FeatureGroupConfig],
        wide_embedding_dim: int | None = None,
        wide_init_fn: str | None = None,
        device: torch.device | None = None,
        table_device: torch.device | None = None,
    ) -> None:
        super().__init__()
        layout = EmbeddingLayout(features, feature_groups, wide_embedding_dim, wide_init_fn)
        self._layout = layout
        device = torch.device(device) if device is not None else torch.device("cpu")
        tables_on = torch.device(table_device) if table_device is not None else device
        self._bag_lookups = layout.lookups_of(TableModule.BAG)
        self._weighted_lookups = layout.lookups_of(TableModule.WEIGHTED_BAG)
        self.ebc = self._make_ebc(TableModule.BAG, self._bag_lookups, tables_on)
        self.weighted_ebc = self._make_ebc(
            TableModule.WEIGHTED_BAG, self._weighted_lookups, tables_on
        )
        # Weighted tables pool by sum (plain torch's embedding_bag takes no weights with
        # mean); their mean lookups are divided by the ids per row here.
        self._weighted_mean_keys = [lk.key for lk in self._weighted_lookups if lk.pooling == "mean"]
        self._weighted_key_index = {lk.key: i for i, lk in enumerate(self._weighted_lookups)}
        self._seq_lookups: dict[str, list[LookupSpec]] = {}
        self.ecs = nn.ModuleDict()
        for table in layout.tables_of(TableModule.SEQUENCE):
            self._seq_lookups.setdefault(str(table.embedding_dim), [])
        for dim in self._seq_lookups:
            lookups = [
                lk
                for lk in layout.lookups_of(TableModule.SEQUENCE)
                if str(layout.tables[lk.table].embedding_dim) == dim
            ]
            self._seq_lookups[dim] = lookups
            configs = [
                EmbeddingConfig(**_table_kwargs(t, self._keys_of(t, lookups)))
                for t in layout.tables_of(TableModule.SEQUENCE)
                if str(t.embedding_dim) == dim
            ]
            self.ecs[dim] = EmbeddingCollection(configs, device=tables_on)
        with device:
            self.dense_embeddings = nn.ModuleDict()
            for key, feature in layout.dense_embeddings.items():
                module = create_dense_embedding(feature, device=device)
                assert module is not None
                self.dense_embeddings[key] = module
            self.sequence_encoders = nn.ModuleDict()
            for group in layout.groups.values():
                for encoder in group.encoders:
                    seq = layout.sequence_groups[encoder.input]
                    try:
                        self.sequence_encoders[_encoder_key(group.name, encoder.name)] = (
                            create_sequence_encoder(encoder.config, seq.query_dim, seq.sequence_dim)
                        )
                    except ValueError as e:
                        raise ConfigError(
                            f"feature group '{group.name}' encoder '{encoder.name}': {e}"
                        ) from e
        self._key_index_cache: dict[tuple[str, ...], dict[str, int]] = {}
        #: Dense features some group reads (raw or through a dense embedding).
        self._dense_names = sorted(
            {p.source for g in layout.groups.values() for p in g.parts if p.kind == PartKind.DENSE}
            | {
                p.source
                for seq in layout.sequence_groups.values()
                for p in seq.query
                if p.kind == PartKind.DENSE
            }
        )

    # ------------------------------------------------------------------ building
    @staticmethod
    def _keys_of(table: TableSpec, lookups: list[LookupSpec]) -> list[str]:
        return [lk.key for lk in lookups if lk.table == table.name]

    def _make_ebc(
        self, module: TableModule, lookups: list[LookupSpec], device: torch.device
    ) -> EmbeddingBagCollection | None:
        tables = self._layout.tables_of(module)
        if not tables:
            return None
        configs = []
        for table in tables:
            kwargs = _table_kwargs(table, self._keys_of(table, lookups))
            mean = table.pooling == "mean" and module != TableModule.WEIGHTED_BAG
            pooling = PoolingType.MEAN if mean else PoolingType.SUM
            configs.append(EmbeddingBagConfig(pooling=pooling, **kwargs))
        return EmbeddingBagCollection(
            configs, is_weighted=module == TableModule.WEIGHTED_BAG, device=device
        )

    # ------------------------------------------------------------------ forward
    def _select(
        self, kjt: KeyedJaggedTensor, lookups: list[LookupSpec], keep_weights: bool
    ) -> KeyedJaggedTensor:
        """The ids of ``lookups`` out of the batch KJT, keyed by lookup key.

        Under FX tracing (export) the batch KJT is a proxy whose keys are unknown, so
        the lookups' features are picked by name (``to_dict``) instead of permuted by
        position; both give the same KJT.
        """
        if is_fx_tracing():
            return self._select_by_name(kjt, lookups, keep_weights)
        keys = tuple(kjt.keys())
        index = self._key_index_cache.get(keys)
        if index is None:
            index = {k: i for i, k in enumerate(keys)}
            self._key_index_cache[keys] = index
        missing = [lk.feature for lk in lookups if lk.feature not in index]
        if missing:
            raise ValueError(f"sparse features {missing} are not in the batch (have {list(keys)})")
        picked = kjt.permute([index[lk.feature] for lk in lookups])
        return KeyedJaggedTensor(
            keys=[lk.key for lk in lookups],
            values=picked.values(),
            lengths=picked.lengths(),
            weights=picked.weights_or_none() if keep_weights else None,
            stride=kjt.stride(),
        )

    @staticmethod
    def _select_by_name(
        kjt: KeyedJaggedTensor, lookups: list[LookupSpec], keep_weights: bool
    ) -> KeyedJaggedTensor:
        """:meth:`_select` without reading the KJT's keys (traceable)."""
        jts = kjt.to_dict()
        parts = [jts[lk.feature] for lk in lookups]
        return KeyedJaggedTensor(
            keys=[lk.key for lk in lookups],
            values=torch.cat([jt.values() for jt in parts]),
            lengths=torch.cat([jt.lengths() for jt in parts]),
            weights=torch.cat([jt.weights() for jt in parts]) if keep_weights else None,
        )

    def _lookup_all(self, batch: Batch) -> tuple[dict[str, torch.Tensor], dict[str, _Steps]]:
        """Pooled (B, D) embeddings and per-step sequences of every lookup, by key."""
        pooled: dict[str, torch.Tensor] = {}
        steps: dict[str, _Steps] = {}
        if not self._layout.lookups:
            return pooled, steps
        kjt = batch.sparse_features[BASE_DATA_GROUP]
        # Outputs are read key by key (a traced dict cannot be iterated).
        if self.ebc is not None:
            bags = self.ebc(self._select(kjt, self._bag_lookups, False)).to_dict()
            for lk in self._bag_lookups:
                pooled[lk.key] = bags[lk.key]
        if self.weighted_ebc is not None:
            selected = self._select(kjt, self._weighted_lookups, True)
            bags = self.weighted_ebc(selected).to_dict()
            for lk in self._weighted_lookups:
                pooled[lk.key] = bags[lk.key]
            if self._weighted_mean_keys:
                # Ids per row of each lookup: the KJT's lengths are key-major (K, B).
                per_key = selected.lengths().view(len(self._weighted_lookups), -1)
                for key in self._weighted_mean_keys:
                    row = self._weighted_key_index[key]
                    counts = per_key[row].clamp(min=1).to(pooled[key].dtype)
                    pooled[key] = pooled[key] / counts.unsqueeze(-1)
        for dim, ec in self.ecs.items():
            lookups = self._seq_lookups[dim]
            selected = self._select(kjt, lookups, any(lk.weighted for lk in lookups))
            jts = ec(selected)
            weights_of = selected.to_dict() if any(lk.weighted for lk in lookups) else {}
            for lk in lookups:
                jt = jts[lk.key]
                values, lengths = jt.values(), jt.lengths()
                weights = weights_of[lk.key].weights() if lk.weighted else None
                if lk.pooled:
                    pooled[lk.key] = segment_pool(values, lengths, lk.pooling, weights)
                if lk.per_step:
                    if lk.multi_value_steps:
                        per_step = batch.sequence_mulval_lengths[BASE_DATA_GROUP][lk.feature]
                        values = segment_pool(values, per_step.values(), lk.pooling, weights)
                        lengths = per_step.lengths()
                    elif weights is not None:
                        values = values * weights.to(values.dtype).unsqueeze(-1)
                    steps[lk.key] = (values, lengths)
        return pooled, steps

    def _part_value(
        self,
        part: Part,
        pooled: dict[str, torch.Tensor],
        dense: dict[str, torch.Tensor],
    ) -> torch.Tensor:
        if part.kind == PartKind.SPARSE:
            return pooled[part.source]
        value = dense[part.source]
        if part.dense_embedding is not None:
            value = self.dense_embeddings[part.dense_embedding](value)
        return value

    def _sequence_steps(self, part: Part, steps: dict[str, _Steps], batch: Batch) -> _Steps:
        if part.kind == PartKind.SEQUENCE_SPARSE:
            return steps[part.source]
        jt = batch.sequence_dense_features[part.source]
        # (steps,) or (steps, value_dim) values; the width is known from the feature.
        values = jt.values().reshape(-1, self._layout.features[part.feature].value_dim)
        if part.dense_embedding is not None:
            values = self.dense_embeddings[part.dense_embedding](values)
        return values, jt.lengths()

    def _sequence_outputs(
        self,
        seq: SequenceGroupSpec,
        batch: Batch,
        pooled: dict[str, torch.Tensor],
        dense: dict[str, torch.Tensor],
        steps: dict[str, _Steps],
        out: dict[str, torch.Tensor],
    ) -> None:
        parts = [self._sequence_steps(p, steps, batch) for p in seq.sequence]
        first_values, first_lengths = parts[0]
        if not seq.one_source:
            # Sub-features of one sequence_feature agree by construction; others may not.
            for part, (_, part_lengths) in zip(seq.sequence[1:], parts[1:], strict=True):
                check_same_steps(
                    part_lengths,
                    first_lengths,
                    f"sequence group '{seq.name}': feature '{part.feature}' and "
                    f"'{seq.sequence[0].feature}' have different numbers of steps in some "
                    "rows; the sequence features of one group must have the same steps "
                    "(use sub-features of one sequence_feature)",
                )
        lengths = first_lengths.to(torch.int64)
        values = torch.cat([v for v, _ in parts], dim=-1) if len(parts) > 1 else first_values
        if seq.query:
            query = torch.cat([self._part_value(p, pooled, dense) for p in seq.query], dim=-1)
        else:
            query = values.new_zeros(lengths.size(0), 0)
        out[f"{seq.name}.query"] = query
        out[f"{seq.name}.sequence_length"] = lengths
        if seq.jagged:
            out[f"{seq.name}.sequence"] = values
            out[f"{seq.name}.sequence_offsets"] = lengths_to_offsets(lengths)
        else:
            out[f"{seq.name}.sequence"] = pad_jagged(values, lengths, seq.max_length)

    def forward(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Every group's tensors for ``batch`` (see the module docstring for the keys)."""
        pooled, steps = self._lookup_all(batch)
        dense: dict[str, torch.Tensor] = {}
        dense_kt = batch.dense_features.get(BASE_DATA_GROUP)
        if dense_kt is not None:
            values = dense_kt.to_dict()
            for name in self._dense_names:
                dense[name] = values[name]
        out: dict[str, torch.Tensor] = {}
        for seq in self._layout.sequence_groups.values():
            self._sequence_outputs(seq, batch, pooled, dense, steps, out)
        for group in self._layout.groups.values():
            if group.group_type in (model_pb2.SEQUENCE, model_pb2.JAGGED_SEQUENCE):
                continue
            pieces = [self._part_value(p, pooled, dense) for p in group.parts]
            for encoder in group.encoders:
                module = self.sequence_encoders[_encoder_key(group.name, encoder.name)]
                name = encoder.input
                pieces.append(
                    module(
                        out[f"{name}.query"],
                        out[f"{name}.sequence"],
                        out[f"{name}.sequence_length"],
                    )
                )
            out[group.name] = torch.cat(pieces, dim=-1)
        return out

    # ------------------------------------------------------------------ queries
    def _group(self, name: str) -> GroupSpec:
        group = self._layout.groups.get(name)
        if group is None:
            raise KeyError(f"no feature group '{name}' (have {self.group_names()})")
        return group

    def group_names(self) -> list[str]:
        """The feature groups' names, in config order."""
        return list(self._layout.groups)

    def has_group(self, name: str) -> bool:
        """Whether a feature group is named ``name``."""
        return name in self._layout.groups

    def group_type(self, name: str) -> model_pb2.FeatureGroupType:
        """The resolved type (DEEP, WIDE, SEQUENCE, JAGGED_SEQUENCE) of group ``name``."""
        return self._group(name).group_type  # type: ignore[return-value]

    def group_feature_names(self, name: str) -> list[str]:
        """The features of group ``name`` in order (SEQUENCE groups: query, then sequence)."""
        return [p.feature for p in self._group(name).parts]

    def group_dims(self, name: str) -> list[int]:
        """Width of each piece of group ``name``: per feature, then per sequence encoder."""
        group = self._group(name)
        dims = [p.dim for p in group.parts]
        for encoder in group.encoders:
            module = self.sequence_encoders[_encoder_key(group.name, encoder.name)]
            dims.append(int(module.output_dim()))  # type: ignore[operator]
        return dims

    def group_feature_dims(self, name: str) -> dict[str, int]:
        """Width of each feature (and sequence encoder output, by name) of group ``name``."""
        group = self._group(name)
        names = [p.feature for p in group.parts] + [e.name for e in group.encoders]
        return dict(zip(names, self.group_dims(name), strict=True))

    def group_total_dim(self, name: str) -> int:
        """Width of the group's output tensor (DEEP/WIDE); sum of group_dims in general."""
        return sum(self.group_dims(name))

    def sequence_group_names(self) -> list[str]:
        """Names of every sequence group (SEQUENCE groups and nested ones)."""
        return list(self._layout.sequence_groups)

    def group_query_dim(self, name: str) -> int:
        """Width of ``<name>.query`` of a (top-level or nested) sequence group."""
        return self._sequence_group(name).query_dim

    def group_sequence_dim(self, name: str) -> int:
        """Width of each step of ``<name>.sequence`` of a sequence group."""
        return self._sequence_group(name).sequence_dim

    def group_sequence_length(self, name: str) -> int:
        """The padded length L of ``<name>.sequence``."""
        return self._sequence_group(name).max_length

    def _sequence_group(self, name: str) -> SequenceGroupSpec:
        seq = self._layout.sequence_groups.get(name)
        if seq is None:
            raise KeyError(f"no sequence group '{name}' (have {self.sequence_group_names()})")
        return seq

    def table_names(self, trainable: bool | None = None) -> list[str]:
        """Embedding table names; only trainable (True) or frozen (False) ones if given."""
        return [
            t.name
            for t in self._layout.tables.values()
            if trainable is None or t.trainable == trainable
        ]

    def parameter_constraints(
        self, global_constraints: constraints_pb2.ParameterConstraints | None = None
    ) -> dict[str, ParameterConstraints]:
        """Planner constraints per table name.

        Every table gets the global sharding types and compute kernels (unset: the
        planner chooses). Frozen tables (``trainable: false``) are planned like the others:
        they are kept unchanged by the sparse optimizer (``tzrec.optim.sparse``), which
        gives them a zero learning rate inside the fused kernels.
        """
        sharding_types = list(global_constraints.sharding_types) if global_constraints else []
        kernels = list(global_constraints.compute_kernels) if global_constraints else []
        out: dict[str, ParameterConstraints] = {}
        for table in self._layout.tables.values():
            table_kernels = kernels or None
            weighted = table.module == TableModule.WEIGHTED_BAG
            out[table.name] = ParameterConstraints(
                sharding_types=sharding_types or None,
                compute_kernels=table_kernels,
                is_weighted=weighted,
            )
        return out
