"""ComboFeature: the cartesian product of two or more categorical inputs.

Each input gives its values per row (strings split by ``separator``, lists as they
are, nulls and empty strings dropped); the FG output of a row is every combination of
one value from each input, in input order, its text the values' text forms (see
:func:`tzrec.features.hashing.value_text`) joined by ``"_"``: inputs ``["a", "b"]`` and
``[1, 2]`` give ``["a_1", "a_2", "b_1", "b_2"]`` (the last input varies fastest). A
row where any input has no value has no combination and takes ``default_value``.
The combinations are then bucketized like IdFeature values (hash_bucket_size,
vocab_list / vocab_dict / vocab_file, zch / dynamicemb).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from google.protobuf.message import Message

from tzrec.features.errors import FeatureConfigError
from tzrec.features.feature import FeatureContext, SequenceSpec
from tzrec.features.hashing import value_text
from tzrec.features.id_feature import CategoricalFeature
from tzrec.features.ragged import Ragged, as_ragged, offsets_of

#: Joins the parts of one combination.
COMBO_JOINER = "_"


def cartesian(left: Ragged, right: Ragged, joiner: str = COMBO_JOINER) -> Ragged:
    """Per row, every ``l + joiner + r`` for l in the left row and r in the right row.

    Both inputs hold strings; the right value varies fastest.
    """
    la, lb = left.lengths.astype(np.int64), right.lengths.astype(np.int64)
    counts = la * lb
    n_out = int(counts.sum())
    out_offsets = offsets_of(counts)
    rows = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    q = np.arange(n_out, dtype=np.int64) - out_offsets[:-1][rows]
    lb_rows = lb[rows]
    ia = left.offsets()[:-1][rows] + q // np.maximum(lb_rows, 1)
    ib = right.offsets()[:-1][rows] + q % np.maximum(lb_rows, 1)
    joined = pc.binary_join_element_wise(
        left.values.take(pa.array(ia)), right.values.take(pa.array(ib)), joiner
    )
    return Ragged(joined, counts.astype(np.int32))


class ComboFeature(CategoricalFeature):
    """``combo_feature``: cartesian product of >= 2 inputs, bucketized."""

    config_type = "combo_feature"

    def __init__(
        self,
        config: Message,
        context: FeatureContext | None = None,
        sequence: SequenceSpec | None = None,
    ) -> None:
        super().__init__(config, context, sequence)
        if self.inputs and len(self.inputs) < 2:
            raise FeatureConfigError(
                self.name, f"a combo_feature needs at least 2 inputs, got {len(self.inputs)}"
            )

    def _fg(self, inputs: list[pa.Array]) -> pa.Array:
        """Every combination per row, as a ``list<string>`` column."""
        sep = str(self.config.separator) or None
        combos: Ragged | None = None
        for arr in inputs:
            ragged = as_ragged(arr, sep)
            values = ragged.values
            if pa.types.is_null(values.type):
                values = values.cast(pa.string())
            part = Ragged(value_text(values).cast(pa.string()), ragged.lengths)
            combos = part if combos is None else cartesian(combos, part)
        assert combos is not None
        return combos.to_list_array()
