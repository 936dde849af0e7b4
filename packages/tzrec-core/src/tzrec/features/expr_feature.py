r"""ExprFeature: an arithmetic expression over numeric inputs (see :mod:`tzrec.features.expr`).

Each entry of ``variables`` (``side:name``) is an input; the expression reads it by its
name part (``user:u_age`` is ``u_age``). Inputs are numbers, numeric strings, or
vectors: a list column, or a string holding several numbers joined by ``separator``
(``"0.1\x1d0.2"``). A column whose type is a list, or whose rows hold more than one
number, is a vector input (for the vector functions, or element-wise arithmetic);
otherwise it is a scalar input.

FG, per row: a row missing an input the expression reads (null, empty string or empty
list) has no result; the other rows get the expression's value (one number, or one per
vector element), normalized by ``normalizer``. That is the FG output. Rows without a
result take ``default_value`` (default ``"0"``; ``""``: none). Then with ``boundaries``
the numbers are bucketized (sparse; value_dim unset = multi-value ids, 1 inside a
sequence), otherwise the feature is dense with ``value_dim`` numbers per row (default 1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from google.protobuf.message import Message

from tzrec.features.encoded import to_float64
from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.expr import CompiledExpression, RaggedVector, compile_expression
from tzrec.features.feature import FeatureContext, SequenceSpec
from tzrec.features.ragged import Ragged, as_ragged, combine_chunks, is_list_type
from tzrec.features.raw_feature import NumericFeature

F64 = npt.NDArray[np.float64]


class ExprFeature(NumericFeature):
    """``expr_feature``: the value of an expression over its ``variables``."""

    config_type = "expr_feature"

    def __init__(
        self,
        config: Message,
        context: FeatureContext | None = None,
        sequence: SequenceSpec | None = None,
    ) -> None:
        super().__init__(config, context, sequence)
        names = [ref.name for ref in self.inputs]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise FeatureConfigError(
                self.name, f"variables {', '.join(dup)} appear twice (the name part must differ)"
            )
        self.expression: CompiledExpression | None = None
        if self._has_field("expression"):
            try:
                self.expression = compile_expression(str(self.config.expression), names)
            except ValueError as e:
                raise FeatureConfigError(self.name, f"bad expression: {e}") from e
        elif self.inputs:
            raise FeatureConfigError(self.name, "an expr_feature needs an expression")

    def _input_texts(self) -> Sequence[str]:
        return [str(v) for v in self.config.variables]

    def _variable(
        self, arr: pa.Array, input_name: str
    ) -> tuple[F64 | RaggedVector, npt.NDArray[np.bool_]]:
        """An input as an expression value, and which rows have a value."""
        arr = combine_chunks(arr)
        sep = str(self.config.separator) or None
        ragged = as_ragged(arr, sep)
        nums = to_float64(ragged.values, self.name, input_name)
        if is_list_type(arr.type) or (ragged.lengths > 1).any():
            return RaggedVector(nums, ragged.lengths.astype(np.int64)), ragged.lengths > 0
        present = ragged.lengths == 1
        column = np.full(ragged.num_rows, np.nan, dtype=np.float64)
        column[present] = nums
        return column, present

    def _fg(self, inputs: list[pa.Array]) -> pa.Array:
        """The expression per row, normalized, as a ``list<double>`` column.

        The expression runs on the rows that have every input it reads; the others
        have no result.
        """
        assert self.expression is not None
        num_rows = len(inputs[0]) if inputs else 0
        used = set(self.expression.used_variables)
        values: dict[str, F64 | RaggedVector] = {}
        has = np.ones(num_rows, dtype=bool)
        for ref, arr in zip(self.inputs, inputs, strict=True):
            if ref.name in used:
                values[ref.name], present = self._variable(arr, ref.text)
                has &= present
        if not has.all():
            values = {k: _take_rows(v, has) for k, v in values.items()}
        try:
            result = self.expression.evaluate(values, num_rows=int(has.sum()))
        except ValueError as e:
            inputs_text = ", ".join(ref.text for ref in self.inputs)
            raise InvalidFgInputError(self.name, inputs_text, self.expression.text, str(e)) from e
        if isinstance(result, RaggedVector):
            kept_lengths = result.lengths
            flat = result.values
        elif result.ndim == 2:
            kept_lengths = np.full(result.shape[0], result.shape[1], dtype=np.int64)
            flat = result.reshape(-1)
        else:
            flat = np.broadcast_to(result, (int(has.sum()),))
            kept_lengths = np.ones(len(flat), dtype=np.int64)
        lengths = np.zeros(num_rows, dtype=np.int32)
        lengths[has] = kept_lengths
        out = self._normalize(np.asarray(flat, dtype=np.float64))
        return Ragged(pa.array(out, type=pa.float64()), lengths).to_list_array()


def _take_rows(value: F64 | RaggedVector, keep: npt.NDArray[np.bool_]) -> F64 | RaggedVector:
    """The rows ``keep`` of an expression input."""
    if isinstance(value, RaggedVector):
        mask = np.repeat(keep, value.lengths)
        return RaggedVector(value.values[mask], value.lengths[keep])
    return value[keep]
