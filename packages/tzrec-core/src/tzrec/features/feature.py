"""The base class of every feature: its properties, its inputs, and how it parses a batch.

A feature is built from one ``feature_configs`` entry (or one sub-feature of a grouped
``sequence_feature``). It tells the engine what it produces (sparse ids for an embedding
table, or dense floats; pooled or a sequence) and turns the input columns of one batch
into a :mod:`tzrec.features.values` value, a column at a time.

Parsing follows the FG mode (``data_config.fg_mode``):

- FG_NONE: the column named by the feature name holds the finished value (ids already
  bucketized, floats already normalized); :meth:`BaseFeature._parse_encoded` reads it.
- FG_BUCKETIZE: the column named by the feature name holds the FG output before
  bucketization; :meth:`BaseFeature._finish` bucketizes it.
- FG_NORMAL / FG_DAG: the feature reads its raw inputs (``side:name``), runs its operator
  (:meth:`BaseFeature._fg`) and then :meth:`BaseFeature._finish`. In FG_DAG a
  ``feature:x`` input is the output of feature x and ``const:v`` a literal; in FG_NORMAL
  both are table columns too.

Sequence features are handled here once for every type: the sequence inputs are split
into steps, the other inputs are repeated for each step, the subclass's operator runs on
the steps as if they were rows, and the result is folded back into per-row sequences.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pyarrow as pa
from google.protobuf.message import Message

from tzrec.features.errors import FeatureConfigError
from tzrec.features.inputs import InputRef, parse_input_ref
from tzrec.features.ragged import combine_chunks, repeat_rows, split_sequence
from tzrec.features.values import (
    DenseValue,
    FeatureValue,
    SequenceDenseValue,
    SequenceSparseValue,
    SparseValue,
)
from tzrec.protos import data_pb2

if TYPE_CHECKING:
    from tzrec.features.bucketize import Bucketizer

FgMode = int  # a data_pb2.FgMode value

#: Separator between a grouped sequence's name and a sub-feature or input name.
SEQUENCE_NAME_SEP = "__"


@dataclass(frozen=True)
class SequenceSpec:
    """How a feature forms sequences.

    Attributes:
        length: the most steps kept per row.
        delim: the step delimiter of string sequence columns.
        group: the grouped ``sequence_feature``'s sequence_name, whose ``group__`` prefix
            names the sub-feature and its sequence input columns; None for a
            stand-alone ``sequence_*_feature``.
        pk: the grouped sequence's sequence_pk (used by online serving), if any.
    """

    length: int
    delim: str = ";"
    group: str | None = None
    pk: str | None = None


@dataclass(frozen=True)
class FeatureContext:
    """Data-config settings every feature of a pipeline shares.

    Attributes:
        fg_mode: a ``data_pb2.FgMode`` value.
        fg_encoded_multival_sep: multi-value separator of FG_NONE string columns.
        resource_dir: directory that relative vocab/tokenizer file paths resolve against.
    """

    fg_mode: FgMode = data_pb2.FG_NONE
    fg_encoded_multival_sep: str = "\x03"
    resource_dir: str | None = None


class BaseFeature(abc.ABC):
    """One feature: properties for the engine and a vectorised ``parse`` for the data.

    Subclasses set ``config_type`` (the FeatureConfig oneof name they handle) and
    implement :meth:`_input_texts`, :meth:`_fg`, :meth:`_finish` and
    :meth:`_parse_encoded`; most share their bucketization and encoded-value parsing
    through :mod:`tzrec.features.bucketize` and :mod:`tzrec.features.encoded`.

    Args:
        config: the feature's config message (e.g. ``feature_pb2.IdFeature``).
        context: the data-config settings shared by all features.
        sequence: for a sequence feature, how it forms sequences; None otherwise.
    """

    #: The FeatureConfig oneof name (``"id_feature"``) this class implements.
    config_type: ClassVar[str] = ""
    #: True when FG_NONE columns are read by :mod:`tzrec.features.encoded`'s rules, which
    #: lets the data parser read many plain int / float columns at once.
    standard_encoding: ClassVar[bool] = True
    #: What turns this feature's FG output into ids, for the types that have one (set
    #: in their constructors); None for the others and for features configured without.
    bucketizer: Bucketizer | None = None

    def __init__(
        self,
        config: Message,
        context: FeatureContext | None = None,
        sequence: SequenceSpec | None = None,
    ) -> None:
        self.config: Any = config
        self.context = context or FeatureContext()
        self.sequence = sequence
        feature_name = str(config.feature_name)  # type: ignore[attr-defined]
        if sequence is not None and sequence.group:
            self._name = f"{sequence.group}{SEQUENCE_NAME_SEP}{feature_name}"
        else:
            self._name = feature_name
        self.inputs: list[InputRef] = [
            parse_input_ref(t, self.config_name) for t in self._input_texts()
        ]
        if self.stub_type and self.context.fg_mode == data_pb2.FG_NORMAL:
            # FG_NORMAL reads `feature:` inputs as table columns: no feature reads a stub.
            raise FeatureConfigError(
                self._name, "stub_type cannot be used with fg_mode FG_NORMAL (use FG_DAG)"
            )

    # ------------------------------------------------------------------ identity
    @property
    def config_name(self) -> str:
        """feature_name as written in the config."""
        return str(self.config.feature_name)

    @property
    def name(self) -> str:
        """The feature's unique name: ``seq__sub`` for a grouped sequence sub-feature."""
        return self._name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    # ------------------------------------------------------------------ kind
    @property
    @abc.abstractmethod
    def is_sparse(self) -> bool:
        """Whether the feature produces embedding-row ids (else dense floats)."""

    @property
    def is_sequence(self) -> bool:
        """Whether the feature produces a sequence of steps per row."""
        return self.sequence is not None

    @property
    def is_grouped_sequence(self) -> bool:
        """Whether the feature is a sub-feature of a grouped ``sequence_feature``."""
        return self.sequence is not None and self.sequence.group is not None

    @property
    def sequence_length(self) -> int:
        """The most steps per row (0 for non-sequence features)."""
        return self.sequence.length if self.sequence is not None else 0

    @property
    def is_weighted(self) -> bool:
        """Whether each id carries a weight (``id:weight`` inputs)."""
        return bool(getattr(self.config, "weighted", False))

    @property
    def value_dim(self) -> int:
        """Values per row (dense) or per step; 0 means any number of ids (multi-value).

        Unset, sparse sequence steps default to 1 and other features to their message's
        default (IdFeature 0: multi-value; RawFeature and LookupFeature 1); types without
        the field are multi-value when sparse and one-wide when dense.
        """
        if self._has_field("value_dim"):
            return int(self.config.value_dim)
        if self.is_sparse and self.is_sequence:
            return 1
        default = 0
        if "value_dim" in self.config.DESCRIPTOR.fields_by_name:
            default = int(self.config.value_dim)  # the message's own default
        if not self.is_sparse:
            return max(default, 1)  # 0 ("any number") only means something for ids
        return default

    @property
    def pooling(self) -> str:
        """How a multi-value row's embeddings are combined: ``sum`` or ``mean``."""
        return str(getattr(self.config, "pooling", "sum") or "sum")

    @property
    def num_embeddings(self) -> int:
        """Rows of the embedding table (sparse features); 0 for dense features."""
        return 0

    @property
    def embedding_dim(self) -> int:
        """Embedding dimension (sparse features, or dense ones with autodis/mlp)."""
        return int(getattr(self.config, "embedding_dim", 0))

    @property
    def embedding_name(self) -> str:
        """The embedding table's name; features with the same name share a table."""
        if self._has_field("embedding_name"):
            return str(self.config.embedding_name)
        return f"{self.name}_emb"

    @property
    def dense_emb_type(self) -> str | None:
        """``autodis`` or ``mlp`` for a dense feature embedded into embedding_dim."""
        if self.config.DESCRIPTOR.oneofs_by_name.get("dense_emb") is None:
            return None
        return self.config.WhichOneof("dense_emb")

    @property
    def output_dim(self) -> int:
        """Width this feature adds to a feature group's pooled output."""
        if self.is_sparse or self.dense_emb_type is not None:
            return self.embedding_dim
        return self.value_dim

    @property
    def trainable(self) -> bool:
        """Whether the embedding is trained."""
        return bool(getattr(self.config, "trainable", True))

    @property
    def data_type(self) -> str:
        """Embedding table data type: FP32 or FP16."""
        return str(getattr(self.config, "data_type", "FP32") or "FP32")

    @property
    def init_fn(self) -> str | None:
        """The embedding initializer as written (``nn.init.uniform_,a=-0.01,b=0.01``)."""
        return str(self.config.init_fn) if self._has_field("init_fn") else None

    @property
    def stub_type(self) -> bool:
        """Whether the feature is only an FG intermediate, not a model input."""
        return bool(getattr(self.config, "stub_type", False))

    @property
    def is_user_feature(self) -> bool:
        """Whether every table input is on the user (or context) side."""
        sides = {i.side for i in self.inputs if i.is_table_column}
        return bool(sides) and sides <= {"user", "context"}

    # ------------------------------------------------------------------ inputs
    def _input_texts(self) -> Sequence[str]:
        """The ``side:name`` inputs in the order the operator takes them.

        The default reads the ``expression`` field (one input, or a list of them); types
        whose inputs live in other fields (map/key, query/title...) override it.
        """
        field = self.config.DESCRIPTOR.fields_by_name.get("expression")
        if field is None:
            return []
        if field.is_repeated:
            return [str(e) for e in self.config.expression]
        return [str(self.config.expression)] if self.config.HasField("expression") else []

    def sequence_input_flags(self) -> list[bool]:
        """For each input, whether it is a sequence field (sequence features only).

        With ``sequence_fields`` set, exactly the inputs named there are. Otherwise a
        one-input operator's table input is, and a multi-input operator's ``item``
        inputs are (TorchEasyRec's documented rule).
        """
        if not self.is_sequence:
            return [False] * len(self.inputs)
        fields = list(getattr(self.config, "sequence_fields", []) or [])
        if fields:
            return [i.name in fields for i in self.inputs]
        if len(self.inputs) == 1:
            return [self.inputs[0].side != "feature"]
        return [i.side == "item" for i in self.inputs]

    def input_keys(self) -> list[str]:
        """The key each input is read by from :meth:`parse`'s ``columns`` mapping.

        Table columns are their column names (a grouped sequence's sequence fields
        prefixed ``group__``); in FG_DAG, ``feature:x`` and ``const:v`` inputs keep their
        full text and the feature generator supplies them.
        """
        mode = self.context.fg_mode
        flags = self.sequence_input_flags()
        keys = []
        for ref, is_seq in zip(self.inputs, flags, strict=True):
            if mode == data_pb2.FG_DAG and not ref.is_table_column:
                keys.append(ref.text)
            elif is_seq and self.is_grouped_sequence:
                assert self.sequence is not None
                keys.append(f"{self.sequence.group}{SEQUENCE_NAME_SEP}{ref.name}")
            else:
                keys.append(ref.name)
        return keys

    @property
    def input_columns(self) -> list[str]:
        """Table columns this feature reads in the current FG mode, without repeats."""
        if self.context.fg_mode in (data_pb2.FG_NONE, data_pb2.FG_BUCKETIZE):
            return [self.name]
        out: list[str] = []
        for key in self.input_keys():
            if ":" not in key or self.context.fg_mode != data_pb2.FG_DAG:
                if key not in out:
                    out.append(key)
        return out

    @property
    def dependencies(self) -> list[str]:
        """Names of the features whose outputs this one reads (FG_DAG only)."""
        if self.context.fg_mode != data_pb2.FG_DAG:
            return []
        return [i.name for i in self.inputs if i.side == "feature"]

    # ------------------------------------------------------------------ parsing
    def parse(self, columns: Mapping[str, pa.Array | pa.ChunkedArray]) -> FeatureValue:
        """Turn one batch of input columns into this feature's value.

        Args:
            columns: the input columns by key: table columns by name, and in FG_DAG
                ``feature:x`` / ``const:v`` entries (see :meth:`input_keys`). All
                arrays have the batch's number of rows.

        Returns:
            a SparseValue / DenseValue, or a Sequence* value for sequence features.

        Raises:
            InvalidFgInputError: for an input value the feature cannot use.
        """
        mode = self.context.fg_mode
        if mode in (data_pb2.FG_NONE, data_pb2.FG_BUCKETIZE):
            col = combine_chunks(columns[self.name])
            finish = self._parse_encoded if mode == data_pb2.FG_NONE else self._finish
            if not self.is_sequence:
                return finish(col)
            assert self.sequence is not None
            steps, step_counts = split_sequence(col, self.sequence.delim, self.sequence.length)
            return self._fold_sequence(finish(steps), step_counts)

        arrays = [combine_chunks(columns[k]) for k in self.input_keys()]
        if not self.is_sequence:
            return self._finish(self._fg(arrays))
        assert self.sequence is not None
        flags = self.sequence_input_flags()
        lengths: np.ndarray | None = None
        step_arrays: list[pa.Array | None] = [None] * len(arrays)
        for i, (arr, is_seq) in enumerate(zip(arrays, flags, strict=True)):
            if not is_seq:
                continue
            steps, seq_lengths = split_sequence(arr, self.sequence.delim, self.sequence.length)
            if lengths is None:
                lengths = seq_lengths
            elif not np.array_equal(lengths, seq_lengths):
                row = int(np.flatnonzero(lengths != seq_lengths)[0])
                raise FeatureConfigError(
                    self.name,
                    f"sequence inputs have different lengths in row {row}: "
                    f"{int(lengths[row])} steps vs {int(seq_lengths[row])} steps in "
                    f"'{self.input_keys()[i]}'",
                )
            step_arrays[i] = steps
        if lengths is None:
            raise FeatureConfigError(self.name, "a sequence feature needs a sequence input")
        flat = [
            s if s is not None else repeat_rows(a, lengths)
            for s, a in zip(step_arrays, arrays, strict=True)
        ]
        return self._fold_sequence(self._finish(self._fg(flat)), lengths)

    def fg_output(self, columns: Mapping[str, pa.Array | pa.ChunkedArray]) -> pa.Array:
        """The FG output before bucketization, one element per row (non-sequence only).

        In FG_DAG, a ``stub_type`` feature without a bucketizer hands this to the
        features that read it, so that e.g. a stub id feature can pass strings on.
        """
        if self.is_sequence:
            raise FeatureConfigError(self.name, "a sequence feature has no per-row FG output")
        return self._fg([combine_chunks(columns[k]) for k in self.input_keys()])

    @abc.abstractmethod
    def _fg(self, inputs: list[pa.Array]) -> pa.Array:
        """Run the feature's operator on its inputs (in :attr:`inputs` order).

        Returns the FG output before bucketization (what an FG_BUCKETIZE table holds),
        one element per row: a scalar, a string or a list.
        """

    @abc.abstractmethod
    def _finish(self, fg_output: pa.Array) -> SparseValue | DenseValue:
        """Bucketize (sparse) or densify (dense) an FG output column."""

    def _parse_encoded(self, column: pa.Array) -> SparseValue | DenseValue:
        """Read an FG_NONE column: finished ids or floats, validated.

        The default reads it by :mod:`tzrec.features.encoded`'s rules; a subclass that
        reads its encoded column differently must also set ``standard_encoding = False``.
        """
        from tzrec.features.encoded import parse_encoded_dense, parse_encoded_sparse

        if self.is_sparse:
            return parse_encoded_sparse(self, column)
        return parse_encoded_dense(self, column)

    def _fold_sequence(
        self, per_step: SparseValue | DenseValue, lengths: np.ndarray
    ) -> SequenceSparseValue | SequenceDenseValue:
        """Fold a value computed per step back into per-row sequences."""
        lengths = lengths.astype(np.int32)
        if isinstance(per_step, DenseValue):
            return SequenceDenseValue(per_step.values, lengths)
        step_lengths = per_step.lengths
        values = per_step.values
        weights = per_step.weights
        if self.value_dim == 1 and not np.all(step_lengths == 1):
            # One id per step: an empty step takes id 0, extra ids are dropped.
            starts = np.zeros(len(step_lengths), dtype=np.int64)
            np.cumsum(step_lengths[:-1], out=starts[1:])
            present = step_lengths > 0
            first = np.zeros(len(step_lengths), dtype=np.int64)
            first[present] = values[starts[present]]
            values = first
            if weights is not None:
                w = np.ones(len(step_lengths), dtype=np.float32)
                w[present] = weights[starts[present]]
                weights = w
        multi = self.value_dim != 1
        return SequenceSparseValue(
            values=values.astype(np.int64, copy=False),
            lengths=lengths,
            step_lengths=step_lengths.astype(np.int32) if multi else None,
            weights=weights,
        )

    # ------------------------------------------------------------------ helpers
    def _has_field(self, name: str) -> bool:
        """Whether the config message has field ``name`` and it is set."""
        fields = self.config.DESCRIPTOR.fields_by_name
        if name not in fields:
            return False
        if fields[name].is_repeated:
            return len(getattr(self.config, name)) > 0
        return bool(self.config.HasField(name))

    def fg_config(self) -> dict[str, Any]:
        """A JSON-able description of the feature for export (what FG needs at serving).

        Subclasses may extend it; the default is the config message as a dict, with
        ``feature_name`` the feature's unique :attr:`name` (``seq__sub`` for a grouped
        sequence's sub-feature, whose config names it ``sub``) and, for such a
        sub-feature, ``sequence_name`` its sequence's name.
        """
        from google.protobuf import json_format

        out: dict[str, Any] = {"feature_type": self.config_type}
        out.update(json_format.MessageToDict(self.config, preserving_proto_field_name=True))
        out["feature_name"] = self.name
        if self.sequence is not None:
            if self.sequence.group:
                out["sequence_name"] = self.sequence.group
            out["sequence_length"] = self.sequence.length
            out["sequence_delim"] = self.sequence.delim
        return out
