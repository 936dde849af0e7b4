"""RawFeature: numeric values, dense (value_dim floats) or bucketized by boundaries.

FG reads numbers from the input (numbers, numeric strings, lists, or strings split by
``separator`` such as ``"0.1|0.2|0.3|0.4"``) and applies the ``normalizer``; that is
the FG output (what an FG_BUCKETIZE table holds). Then:

- with ``boundaries`` the feature is sparse: each number becomes the index of its
  bucket (see :mod:`tzrec.features.bucketize`);
- otherwise it is dense: exactly ``value_dim`` numbers per row.

A row without numbers takes ``default_value`` (default ``"0"``; one number fills every
dimension) as if it were the input, so it is normalized too; ``""`` means no default
(dense rows are then zeros, sparse rows empty).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from google.protobuf.message import Message

from tzrec.features.bucketize import Bucketizer
from tzrec.features.encoded import (
    default_floats,
    parse_encoded_dense,
    parse_encoded_sparse,
    to_dense,
    to_float64,
)
from tzrec.features.errors import FeatureConfigError
from tzrec.features.feature import BaseFeature, FeatureContext, SequenceSpec
from tzrec.features.normalizer import Normalizer
from tzrec.features.ragged import Ragged, as_ragged, fill_empty_rows_np
from tzrec.features.values import DenseValue, SparseValue
from tzrec.protos import data_pb2


class NumericFeature(BaseFeature):
    """A feature whose FG output is numbers: normalized, then dense or bucketized.

    Shared by RawFeature and CombineFeature; subclasses implement :meth:`_input_texts`
    and :meth:`_fg` (returning normalized numbers per row as a list column).
    """

    def __init__(
        self,
        config: Message,
        context: FeatureContext | None = None,
        sequence: SequenceSpec | None = None,
    ) -> None:
        super().__init__(config, context, sequence)
        self.normalizer = (
            Normalizer.parse(str(self.config.normalizer), self.name)
            if self._has_field("normalizer")
            else None
        )
        self.bucketizer = Bucketizer.from_config(self.config, self.name, self.context.resource_dir)
        if not self.inputs and self.context.fg_mode in (data_pb2.FG_DAG, data_pb2.FG_NORMAL):
            raise FeatureConfigError(self.name, "needs an expression (its input) to run FG")
        self._default_cache: npt.NDArray[np.float64] | None = None
        self._default_done = False

    @property
    def is_sparse(self) -> bool:
        """Sparse when a bucketizer (boundaries) is set, else dense."""
        return self.bucketizer is not None

    @property
    def num_embeddings(self) -> int:
        """len(boundaries) + 1 when bucketized; 0 for a dense feature."""
        return self.bucketizer.num_embeddings if self.bucketizer is not None else 0

    def _normalize(self, nums: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if self.normalizer is None:
            return nums
        return np.asarray(self.normalizer.apply(nums), dtype=np.float64)

    def _default(self) -> npt.NDArray[np.float64] | None:
        """The normalized default_value numbers (None for ``""``), computed once.

        With value_dim 0 (any count of values per row) the default is all the numbers
        the text holds, split by the feature's ``separator``.
        """
        if not self._default_done:
            raw = default_floats(self) if self.value_dim != 0 else self._default_numbers()
            self._default_cache = None if raw is None else self._normalize(raw)
            self._default_done = True
        return self._default_cache

    def _default_numbers(self) -> npt.NDArray[np.float64] | None:
        text = str(getattr(self.config, "default_value", "") or "")
        if not text:
            return None
        separator = str(getattr(self.config, "separator", "") or "") or None
        ragged = as_ragged(pa.array([text]), separator)
        return to_float64(ragged.values, self.name, "default_value")

    def _input_name(self) -> str:
        if self.context.fg_mode in (data_pb2.FG_NONE, data_pb2.FG_BUCKETIZE):
            return self.name
        return ", ".join(i.text for i in self.inputs) or self.name

    def _finish(self, fg_output: pa.Array) -> SparseValue | DenseValue:
        """Densify or bucketize normalized numbers.

        The column holds lists or numbers, or (in an FG_BUCKETIZE table) strings of
        numbers joined by ``fg_encoded_multival_sep``.
        """
        ragged = as_ragged(fg_output, self.context.fg_encoded_multival_sep)
        input_name = self._input_name()
        default = self._default()
        if self.bucketizer is None:
            return to_dense(self, ragged, input_name, default=_zeros_if_none(default, self))
        nums = to_float64(ragged.values, self.name, input_name)
        lengths = ragged.lengths
        if default is not None:
            nums, lengths = fill_empty_rows_np(nums, lengths, default)
        return self.bucketizer.apply(Ragged(pa.array(nums), lengths), input_name)

    def _parse_encoded(self, column: pa.Array) -> SparseValue | DenseValue:
        if self.is_sparse:
            return parse_encoded_sparse(self, column)
        return parse_encoded_dense(self, column)


def _zeros_if_none(
    default: npt.NDArray[np.float64] | None, feature: BaseFeature
) -> npt.NDArray[np.float64]:
    if default is None:
        return np.zeros(feature.value_dim, dtype=np.float64)
    return default


class RawFeature(NumericFeature):
    """``raw_feature`` / ``sequence_raw_feature``: one numeric (or vector) input."""

    config_type = "raw_feature"

    def _fg(self, inputs: list[pa.Array]) -> pa.Array:
        """The input's numbers per row, normalized, as a ``list<double>`` column."""
        if len(inputs) != 1:
            raise FeatureConfigError(self.name, "a raw feature needs an expression")
        sep = str(self.config.separator)
        ragged = as_ragged(inputs[0], sep or None)
        nums = self._normalize(to_float64(ragged.values, self.name, self._input_name()))
        return Ragged(pa.array(nums, type=pa.float64()), ragged.lengths).to_list_array()
