"""IdFeature: categorical values (brand, item_id, ...) bucketized into embedding rows.

The FG output of an id feature is the list of its input values per row: a string input
is split by ``separator``, list inputs are taken as they are, nulls and empty strings
dropped. Weighted features (``weighted: true``) read ``key:weight`` items; the keys
are bucketized and the weights kept.

Bucketizing (see :mod:`tzrec.features.bucketize`) first gives rows without values the
``default_value`` (if not ``""``), keeps only the first value of a row when
``value_dim`` is 1 (0, the default, is multi-value; sequence steps default to 1), then
maps every value to an id with the feature's bucketizer: hash_bucket_size, num_buckets,
vocab_list / vocab_dict / vocab_file, or zch / dynamicemb (raw 64-bit ids: integers as
they are, other values hashed; the table size is zch_size / max_capacity). An id
feature needs one of them to know its table size; only a ``stub_type`` feature (an FG
intermediate) may go without, and then its integer values are its ids.

:class:`CategoricalFeature` holds this bucketizing for every feature whose FG output
is categorical (ComboFeature and BoolMaskFeature too).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from google.protobuf.message import Message

from tzrec.features.bucketize import BUCKETIZER_FIELDS, Bucketizer
from tzrec.features.encoded import parse_encoded_sparse, split_weighted, to_int64
from tzrec.features.errors import FeatureConfigError
from tzrec.features.feature import BaseFeature, FeatureContext, SequenceSpec
from tzrec.features.hashing import value_text
from tzrec.features.ragged import Ragged, as_ragged, fill_empty_rows, fill_empty_rows_np
from tzrec.features.values import DenseValue, SparseValue
from tzrec.protos import data_pb2


class CategoricalFeature(BaseFeature):
    """A feature whose FG output is categorical values that a bucketizer maps to ids.

    Subclasses implement :meth:`_input_texts` and :meth:`_fg`; the FG output is one
    list (or separator-joined string) of values per row.
    """

    def __init__(
        self,
        config: Message,
        context: FeatureContext | None = None,
        sequence: SequenceSpec | None = None,
    ) -> None:
        super().__init__(config, context, sequence)
        self.bucketizer = Bucketizer.from_config(self.config, self.name, self.context.resource_dir)
        if self.bucketizer is None and not self.stub_type:
            options = [f for f in BUCKETIZER_FIELDS if f in self.config.DESCRIPTOR.fields_by_name]
            raise FeatureConfigError(
                self.name,
                f"a {self.config_type} needs one of {', '.join(options)} to size its "
                "embedding table",
            )
        if not self.inputs and self.context.fg_mode in (data_pb2.FG_DAG, data_pb2.FG_NORMAL):
            raise FeatureConfigError(self.name, "needs an expression (its input) to run FG")
        if self.bucketizer is not None and self.bucketizer.kind == "boundaries":
            if self.is_weighted:
                raise FeatureConfigError(self.name, "weighted ids cannot use boundaries")

    @property
    def is_sparse(self) -> bool:
        """Categorical features produce ids."""
        return True

    @property
    def num_embeddings(self) -> int:
        """The bucketizer's table size (0 for a stub feature without one)."""
        return self.bucketizer.num_embeddings if self.bucketizer is not None else 0

    def _values_input_name(self) -> str:
        """The name errors about bucketized values report."""
        if self.context.fg_mode in (data_pb2.FG_NONE, data_pb2.FG_BUCKETIZE):
            return self.name
        return ", ".join(i.text for i in self.inputs) or self.name

    def _finish(self, fg_output: pa.Array) -> SparseValue | DenseValue:
        """Bucketize an FG output column.

        The column holds lists, or (in an FG_BUCKETIZE table) strings of values joined
        by the data config's ``fg_encoded_multival_sep``.
        """
        ragged = as_ragged(fg_output, self.context.fg_encoded_multival_sep)
        return self.bucketize(ragged, self._values_input_name())

    def _parse_encoded(self, column: pa.Array) -> SparseValue | DenseValue:
        return parse_encoded_sparse(self, column)

    def bucketize(self, ragged: Ragged, input_name: str) -> SparseValue:
        """Ids (and weights) of categorical values per row, defaults filled in first.

        Args:
            ragged: the FG output values per row (``key:weight`` items when weighted).
            input_name: where the values came from, for error messages.
        """
        values = ragged.values
        lengths = ragged.lengths
        weights: npt.NDArray[np.float32] | None = None
        if self.is_weighted:
            values, weights = split_weighted(values, self.name, input_name)
        default = str(getattr(self.config, "default_value", "") or "")
        if default and (lengths == 0).any():
            default_weight = 1.0
            if self.is_weighted and ":" in default:
                keys, dw = split_weighted(pa.array([default]), self.name, "default_value")
                default, default_weight = str(keys[0].as_py()), float(dw[0])
            values, scalar = _default_scalar(values, default)
            filled = fill_empty_rows(Ragged(values, lengths), scalar)
            if weights is not None:
                dw = np.array([default_weight], dtype=np.float32)
                weights, _ = fill_empty_rows_np(weights, lengths, dw)
            values, lengths = filled.values, filled.lengths
        if self.value_dim == 1 and (lengths > 1).any():
            # value_dim 1 is one id per row (0 is multi-value): keep each row's first.
            firsts = (np.cumsum(lengths) - lengths)[lengths > 0]
            values = values.take(pa.array(firsts))
            weights = weights[firsts] if weights is not None else None
            lengths = np.minimum(lengths, 1).astype(np.int32)
        if self.bucketizer is not None:
            ids = self.bucketizer.ids(values, input_name)
        else:
            ids = to_int64(values, self.name, input_name)
        return SparseValue(ids, lengths.astype(np.int32, copy=False), weights)


def _default_scalar(values: pa.Array, default: str) -> tuple[pa.Array, pa.Scalar]:
    """The default as a scalar of the values' type (values become text if it is not one)."""
    t = values.type
    if pa.types.is_dictionary(t):
        values = values.cast(t.value_type)
        t = values.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return values, pa.scalar(default, t)
    if not pa.types.is_null(t):
        try:
            return values, pa.scalar(default).cast(t)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        return value_text(values), pa.scalar(default)
    return values.cast(pa.string()), pa.scalar(default)


class IdFeature(CategoricalFeature):
    """``id_feature`` / ``sequence_id_feature``: one categorical input, bucketized."""

    config_type = "id_feature"

    def _fg(self, inputs: list[pa.Array]) -> pa.Array:
        """The input's values per row (strings split by ``separator``) as a list column."""
        if len(inputs) != 1:
            raise FeatureConfigError(self.name, "an id feature needs an expression")
        sep = str(self.config.separator)
        ragged = as_ragged(inputs[0], sep or None)
        values = ragged.values
        if pa.types.is_null(values.type):
            values = values.cast(pa.string())
        elif pa.types.is_dictionary(values.type):
            values = pc.cast(values, values.type.value_type)
        return Ragged(values, ragged.lengths).to_list_array()
