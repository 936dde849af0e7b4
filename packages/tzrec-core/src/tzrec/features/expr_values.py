"""The value model of the expression language: scalar columns, vectors and broadcasting.

While an expression (:mod:`tzrec.features.expr`) is evaluated, every intermediate value
holds one value per row of the batch, stored a whole column at a time so numpy does the
work: a scalar per row is a 1-D float64 array (or a 0-d array for a constant, the same
in every row), a vector per row is a :class:`Vec` (flat values plus per-row lengths).
This module holds those types and the broadcasting rule that lets operators and scalar
functions take any mix of them; it is separate from the syntax (:mod:`.expr_syntax`) and
the built-in functions (:mod:`.expr_functions`) so both can share it without depending
on each other's details.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass
class Vec:
    """A vector per row inside evaluation: flat values and per-row lengths.

    Attributes:
        values: float64, every row's values concatenated.
        lengths: int64 number of values per row.
        dim: the common width when every row has the same (a 2-D input), else None.
    """

    values: F64
    lengths: I64
    dim: int | None
    _row_ids: I64 | None = field(default=None, repr=False)

    @property
    def num_rows(self) -> int:
        """Number of rows."""
        return len(self.lengths)

    @property
    def row_ids(self) -> I64:
        """The row of every value in ``values`` (computed once, then cached)."""
        if self._row_ids is None:
            self._row_ids = np.repeat(np.arange(self.num_rows, dtype=np.int64), self.lengths)
        return self._row_ids

    def with_values(self, values: F64, dim: int | None) -> Vec:
        """A vector of the same shape per row holding ``values`` (shares the row ids)."""
        return Vec(np.asarray(values, dtype=np.float64), self.lengths, dim, self._row_ids)


#: A value during evaluation: a scalar per row (shape ``(rows,)``), a constant (shape
#: ``()``) or a vector per row.
Value = F64 | Vec


@dataclass
class Env:
    """What an expression is evaluated against.

    Attributes:
        variables: the value of every variable the expression reads.
        num_rows: the batch size, or None when no input has rows (all constants).
    """

    variables: dict[str, Value]
    num_rows: int | None


def check_same_lengths(name: str, first: Vec, other: Vec) -> None:
    """Require two vectors to have the same length in every row.

    Args:
        name: the operator or function combining them, for the message.
        first: one vector.
        other: the other vector.

    Raises:
        ValueError: naming the first row whose lengths differ, and both lengths.
    """
    if other.lengths is first.lengths or np.array_equal(other.lengths, first.lengths):
        return
    row = int(np.flatnonzero(other.lengths != first.lengths)[0])
    raise ValueError(
        f"'{name}' combines vectors of different lengths in row {row}: "
        f"{int(first.lengths[row])} and {int(other.lengths[row])}"
    )


def elementwise(fn: Callable[..., F64], *args: Value, name: str = "") -> Value:
    """Apply ``fn`` element-wise, broadcasting scalars over vectors.

    With no vector argument ``fn`` gets the scalar columns as they are. Otherwise every
    vector must have the same length in each row; a scalar column is repeated over its
    row's vector and a constant is passed as is.

    Args:
        fn: a numpy function of as many float64 arrays as ``args``.
        *args: the operands.
        name: the operator or function, for error messages.

    Returns:
        a scalar column when no argument is a vector, else a vector shaped like them (of
        fixed width only when every vector argument has that width).

    Raises:
        ValueError: when two vectors differ in length in some row.
    """
    vecs = [a for a in args if isinstance(a, Vec)]
    if not vecs:
        return fn(*args)
    first = vecs[0]
    for other in vecs[1:]:
        check_same_lengths(name, first, other)
    flat = []
    for a in args:
        if isinstance(a, Vec):
            flat.append(a.values)
        elif a.ndim == 0:
            flat.append(a)
        else:
            flat.append(a[first.row_ids])
    dims = {v.dim for v in vecs}
    dim = dims.pop() if len(dims) == 1 else None
    return first.with_values(fn(*flat), dim)


def as_vector(value: Value, num_rows: int | None) -> Vec:
    """A value as a vector per row; a scalar becomes a vector of one value.

    Args:
        value: the value.
        num_rows: the batch size, to broadcast a constant; None gives one row.

    Returns:
        ``value`` itself when it is a vector, else one value per row.
    """
    if isinstance(value, Vec):
        return value
    if value.ndim == 0:
        if num_rows is None:
            return Vec(value.reshape(1), np.ones(1, dtype=np.int64), 1)
        value = np.broadcast_to(value, (num_rows,))
    return Vec(np.asarray(value, dtype=np.float64), np.ones(len(value), dtype=np.int64), 1)
