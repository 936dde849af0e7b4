"""What a feature hands the data parser: per-batch values as flat numpy arrays.

A feature's ``parse`` turns the rows of one input batch into one of four value kinds.
All arrays are numpy, row-aligned with the input batch and flat (jagged data as
values + lengths), so the data parser can wrap them into TorchRec tensors without
copying.

- :class:`SparseValue`: ids per row (multi-value and weighted ids included).
- :class:`DenseValue`: ``value_dim`` floats per row.
- :class:`SequenceSparseValue`: a sequence of steps per row, each step holding ids.
- :class:`SequenceDenseValue`: a sequence of steps per row, each step ``value_dim`` floats.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
LengthArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class SparseValue:
    """Ids per row: ``values[offsets[i]:offsets[i+1]]`` are row i's ids.

    Attributes:
        values: int64 embedding-row ids, all rows concatenated.
        lengths: int32 number of ids per row (``len(lengths)`` is the batch size).
        weights: float32 weight per id (weighted features), else None.
    """

    values: IntArray
    lengths: LengthArray
    weights: FloatArray | None = None

    @property
    def num_rows(self) -> int:
        """Number of rows in the batch."""
        return int(self.lengths.shape[0])


@dataclass(frozen=True)
class DenseValue:
    """Floats per row.

    Attributes:
        values: float32 array of shape ``(num_rows, value_dim)``.
    """

    values: FloatArray

    @property
    def num_rows(self) -> int:
        """Number of rows in the batch."""
        return int(self.values.shape[0])


@dataclass(frozen=True)
class SequenceSparseValue:
    """A sequence of id steps per row.

    Attributes:
        values: int64 ids of all steps of all rows.
        lengths: int32 number of steps per row (at most the feature's sequence_length).
        step_lengths: int32 number of ids per step (``len == lengths.sum()``) for
            multi-value steps (``value_dim == 0``); None when every step holds one id.
        weights: float32 weight per id, else None.
    """

    values: IntArray
    lengths: LengthArray
    step_lengths: LengthArray | None = None
    weights: FloatArray | None = None

    @property
    def num_rows(self) -> int:
        """Number of rows in the batch."""
        return int(self.lengths.shape[0])


@dataclass(frozen=True)
class SequenceDenseValue:
    """A sequence of float steps per row.

    Attributes:
        values: float32 array ``(total_steps, value_dim)``, all rows' steps concatenated.
        lengths: int32 number of steps per row.
    """

    values: FloatArray
    lengths: LengthArray

    @property
    def num_rows(self) -> int:
        """Number of rows in the batch."""
        return int(self.lengths.shape[0])


FeatureValue = SparseValue | DenseValue | SequenceSparseValue | SequenceDenseValue
