"""BoolMaskFeature: keep the values of one input where a mask input is true.

Like ``tf.boolean_mask``: the first input gives the values and the second the mask,
both per row (strings split by ``separator``, lists as they are). A mask element is
true for a boolean true, a non-zero number, or the text ``true`` / ``1`` (any case),
false for ``false`` / ``0``; any other text is an error, and so is a row whose values
and mask have different lengths. The kept values are the FG output (``"123,456,90,80"``
with mask ``"true,false,true,false"`` gives ``["123", "90"]``), bucketized like
IdFeature values; a row with nothing kept takes ``default_value``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
from google.protobuf.message import Message

from tzrec.features.errors import FeatureConfigError, InvalidFgInputError
from tzrec.features.feature import FeatureContext, SequenceSpec
from tzrec.features.id_feature import CategoricalFeature
from tzrec.features.ragged import Ragged, as_ragged

_TRUE_TEXT = ("true", "1")
_FALSE_TEXT = ("false", "0")


def mask_booleans(values: pa.Array, feature_name: str, input_name: str) -> npt.NDArray[np.bool_]:
    """A flat mask array (booleans, numbers or true/false/1/0 text) as numpy booleans.

    Raises:
        InvalidFgInputError: for text that is not true/false/1/0.
    """
    t = values.type
    if pa.types.is_dictionary(t):
        values = values.cast(t.value_type)
        t = values.type
    if pa.types.is_boolean(t):
        return np.asarray(values.to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return np.asarray(values.to_numpy(zero_copy_only=False)) != 0
    if pa.types.is_null(t):
        return np.zeros(len(values), dtype=bool)
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        raise InvalidFgInputError(feature_name, input_name, str(t), "a mask must be booleans")
    lower = pc.utf8_lower(pc.utf8_trim_whitespace(values))
    is_true = pc.is_in(lower, value_set=pa.array(_TRUE_TEXT)).to_numpy(zero_copy_only=False)
    is_false = pc.is_in(lower, value_set=pa.array(_FALSE_TEXT)).to_numpy(zero_copy_only=False)
    bad = ~(is_true | is_false)
    if bad.any():
        raise InvalidFgInputError(
            feature_name,
            input_name,
            values[int(np.flatnonzero(bad)[0])].as_py(),
            "a mask element must be true/false or 1/0",
        )
    return np.asarray(is_true, dtype=bool)


class BoolMaskFeature(CategoricalFeature):
    """``bool_mask_feature``: values where the mask is true, bucketized."""

    config_type = "bool_mask_feature"

    def __init__(
        self,
        config: Message,
        context: FeatureContext | None = None,
        sequence: SequenceSpec | None = None,
    ) -> None:
        super().__init__(config, context, sequence)
        if self.inputs and len(self.inputs) != 2:
            raise FeatureConfigError(
                self.name,
                f"a bool_mask_feature takes 2 inputs (values, mask), got {len(self.inputs)}",
            )

    def _fg(self, inputs: list[pa.Array]) -> pa.Array:
        """The values whose mask element is true, as a list column."""
        sep = str(self.config.separator) or None
        values = as_ragged(inputs[0], sep)
        mask = as_ragged(inputs[1], sep)
        mask_name = self.inputs[1].text
        if not np.array_equal(values.lengths, mask.lengths):
            row = int(np.flatnonzero(values.lengths != mask.lengths)[0])
            raise InvalidFgInputError(
                self.name,
                mask_name,
                inputs[1][row].as_py(),
                f"row {row}: the mask has {int(mask.lengths[row])} elements but "
                f"'{self.inputs[0].text}' has {int(values.lengths[row])}",
            )
        keep = mask_booleans(mask.values, self.name, mask_name)
        rows = values.row_ids()[keep]
        kept = values.values.filter(pa.array(keep))
        lengths = np.bincount(rows, minlength=values.num_rows).astype(np.int32)
        if pa.types.is_null(kept.type):
            kept = kept.cast(pa.string())
        return Ragged(kept, lengths).to_list_array()
