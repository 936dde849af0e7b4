"""A small, safe expression language evaluated a whole column at a time.

ExprFeature expressions (and ``method=expression`` normalizers) are parsed here into a
syntax tree and evaluated with numpy over whole columns; no Python ``eval`` is used, so
an expression can only do what the grammar below allows.

Grammar, loosest binding first (all binary operators are left-associative except ``^``)::

    expr    := or ['?' expr ':' expr]          C-style conditional, right-associative
    or      := and   { '||' and }              precedence 1
    and     := bitor { '&&' bitor }            precedence 2
    bitor   := bitand { '|' bitand }           precedence 3
    bitand  := cmp { '&' cmp }                 precedence 4
    cmp     := add { ('<=' | '>=' | '!=' | '==' | '>' | '<') add }   precedence 5
    add     := mul { ('+' | '-') mul }         precedence 6
    mul     := unary { ('*' | '/') unary }     precedence 7
    unary   := ('-' | '+' | '!') unary | power
    power   := primary ['^' unary]             precedence 8, right-associative
    primary := number | '_pi' | '_e' | variable | function '(' [expr {',' expr}] ')'
             | '(' expr ')'

So ``-2^2`` is ``-(2^2)``, ``2^3^2`` is ``2^(3^2)`` and ``2^-1`` is ``0.5``.

Values are float64. Comparisons and logical operators give 1.0 or 0.0; a value is true
when it is non-zero (NaN counts as true). ``|`` and ``&`` truncate their operands to
integers first (a non-finite operand gives NaN). Both branches of ``?:`` are computed for
every row and the condition picks between them. Division by zero, ``log(0)`` and the like
follow IEEE (inf / NaN) without warnings.

Values per row are either scalars or vectors. A variable is a scalar column when given as
a 1-D array, a fixed-width vector when given as a 2-D array ``(rows, dim)`` and a
variable-length vector when given as a :class:`RaggedVector`. Arithmetic and the scalar
functions apply element-wise to vectors (a scalar is broadcast over its row's vector; two
vectors must have the same length in every row); the vector functions reduce a vector to
one value per row (a scalar argument counts as a vector of one value).

Scalar functions: ``rnd()`` (uniform in [0, 1), one draw per row), ``isnan``, ``sin``,
``cos``, ``tan``, ``asin``, ``acos``, ``atan``, ``sinh``, ``cosh``, ``tanh``, ``asinh``,
``acosh``, ``atanh``, ``log2``, ``log10``, ``log`` and ``ln`` (natural), ``exp``, ``sqrt``,
``sign`` (-1, 0 or 1), ``abs``, ``rint`` (to nearest, ties to even), ``floor``, ``ceil``,
``trunc``, ``round`` (ties away from zero), ``roundp(x, p)`` (``round`` to ``p`` decimals,
``p`` truncated to an integer), ``mod(a, b)`` (C ``fmod``: the sign of ``a``, so
``mod(-7, 3) = -1``), ``sigmoid``, ``sphere_dist`` and ``haversine`` (below), and the
variadic ``min``, ``max``, ``sum``, ``avg`` (element-wise over their arguments; NaN
propagates).

``sphere_dist(lng1, lat1, lng2, lat2)`` and ``haversine(lng1, lat1, lng2, lat2)`` take
degrees and return the great-circle distance in **kilometres** on a sphere of radius
:data:`EARTH_RADIUS_KM` (6371.0, the mean earth radius): ``sphere_dist`` by the spherical
law of cosines, ``haversine`` by the haversine formula (better for short distances).

Vector functions (one value per row): ``len``, ``l2_norm`` (the L2 norm,
``sqrt(sum x^2)``), ``squared_norm`` (``sum x^2``), ``dot``, ``euclid_dist``, ``corr``
(Pearson), ``std_dev`` and ``variance`` (divide by n), ``pop_std_dev`` and
``pop_variance`` (divide by n - 1; these names follow TorchEasyRec's documentation), and
``reduce_min``, ``reduce_max``, ``reduce_sum``, ``reduce_mean``, ``reduce_prod``. On an
empty vector ``len``/``reduce_sum``/``squared_norm``/``l2_norm``/``dot`` give 0,
``reduce_prod`` gives 1 and the others NaN.

This module is the public face of the language: :func:`compile_expression`,
:class:`CompiledExpression`, :class:`ExpressionError` and :class:`RaggedVector`. The work
is split by job: :mod:`.expr_syntax` (tokens, syntax tree, parser), :mod:`.expr_values`
(the per-row value model and broadcasting) and :mod:`.expr_functions` (operators and
built-in functions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tzrec.features.expr_functions import EARTH_RADIUS_KM, FUNCTIONS
from tzrec.features.expr_syntax import ExpressionError, parse
from tzrec.features.expr_values import F64, I64, Env, Value, Vec

__all__ = [
    "EARTH_RADIUS_KM",
    "FUNCTIONS",
    "CompiledExpression",
    "ExprInput",
    "ExprResult",
    "ExpressionError",
    "RaggedVector",
    "compile_expression",
]


@dataclass(frozen=True)
class RaggedVector:
    """A variable-length vector per row, as an expression input or result.

    Attributes:
        values: float64, every row's values concatenated.
        lengths: int64 number of values per row.
    """

    values: F64
    lengths: I64

    @property
    def num_rows(self) -> int:
        """Number of rows."""
        return int(self.lengths.shape[0])

    def offsets(self) -> I64:
        """Row start offsets into ``values`` plus the final end."""
        out = np.zeros(self.lengths.shape[0] + 1, dtype=np.int64)
        np.cumsum(self.lengths, out=out[1:])
        return out


#: A variable's column: numbers (a scalar per row, or a 2-D ``(rows, dim)`` vector per
#: row), a Python number (a constant) or a :class:`RaggedVector`.
ExprInput = npt.ArrayLike | RaggedVector
#: An expression's result: see :meth:`CompiledExpression.evaluate`.
ExprResult = F64 | RaggedVector


class CompiledExpression:
    """A parsed expression, callable on a batch of columns.

    ``expr(columns)`` returns an array; :meth:`evaluate` also returns ragged results.

    Attributes:
        text: the expression as written.
        variables: the variable names it was compiled against (in the given order).
        used_variables: the variables the expression actually reads (first use order).
    """

    def __init__(self, text: str, variables: Sequence[str]) -> None:
        self._root, self.used_variables = parse(text, variables)
        self.text = text
        self.variables = list(variables)

    def __repr__(self) -> str:
        return f"CompiledExpression({self.text!r})"

    def __call__(self, inputs: Mapping[str, ExprInput], num_rows: int | None = None) -> F64:
        """Evaluate the expression over a batch whose result is not ragged.

        Same as :meth:`evaluate`, for callers that only handle arrays (scalar inputs, or
        2-D vector inputs of one width).

        Raises:
            ValueError: as :meth:`evaluate`, and when the result is a ragged vector.
        """
        result = self.evaluate(inputs, num_rows)
        if isinstance(result, RaggedVector):
            raise ValueError(
                f"expression {self.text!r} gives a variable-length vector per row; "
                "use evaluate() to read it"
            )
        return result

    def evaluate(self, inputs: Mapping[str, ExprInput], num_rows: int | None = None) -> ExprResult:
        """Evaluate the expression over a batch.

        Args:
            inputs: a column per used variable: a 1-D array (a scalar per row), a 2-D
                array ``(rows, dim)`` or a :class:`RaggedVector` (a vector per row), or a
                Python number (the same for every row).
            num_rows: the batch size, needed only when no input has rows (e.g. ``rnd()``).

        Returns:
            float64: a 1-D array of one value per row when the result is a scalar (a 0-d
            array when the batch size is unknown); for a vector result, a 2-D array when
            every vector it came from was a 2-D input of one width, else a
            :class:`RaggedVector`.

        Raises:
            ValueError: for a missing variable, inputs of different row counts, or
                vectors whose lengths do not match.
        """
        env = Env({}, num_rows)
        for name in self.used_variables:
            if name not in inputs:
                raise ValueError(f"expression {self.text!r} needs variable '{name}'")
            value, rows = _input_value(name, inputs[name])
            if rows is not None:
                if env.num_rows is not None and env.num_rows != rows:
                    raise ValueError(
                        f"expression {self.text!r}: variable '{name}' has {rows} rows, "
                        f"expected {env.num_rows}"
                    )
                env.num_rows = rows
            env.variables[name] = value
        with np.errstate(all="ignore"):
            result = self._root.eval(env)
        if isinstance(result, Vec):
            if result.dim is not None:
                return result.values.reshape(result.num_rows, result.dim)
            return RaggedVector(result.values, result.lengths)
        result = np.asarray(result, dtype=np.float64)
        if env.num_rows is not None and result.ndim == 0:
            result = np.full(env.num_rows, float(result), dtype=np.float64)
        return result


def _input_value(name: str, value: ExprInput) -> tuple[Value, int | None]:
    """An input as an evaluation value, with its row count (None for a constant)."""
    if isinstance(value, RaggedVector):
        lengths = np.asarray(value.lengths, dtype=np.int64)
        values = np.asarray(value.values, dtype=np.float64)
        if int(lengths.sum()) != len(values):
            raise ValueError(f"variable '{name}': lengths do not add up to the values")
        return Vec(values, lengths, None), len(lengths)
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return arr, None
    if arr.ndim == 1:
        return arr, len(arr)
    if arr.ndim == 2:
        rows, dim = arr.shape
        return Vec(arr.reshape(-1), np.full(rows, dim, dtype=np.int64), dim), rows
    raise ValueError(f"variable '{name}' must be 1-D or 2-D, got shape {arr.shape}")


def compile_expression(text: str, variables: Sequence[str]) -> CompiledExpression:
    """Parse an expression over the given variable names.

    Args:
        text: the expression, e.g. ``"u_age == i_age ? 1 : 0"``.
        variables: the names the expression may read.

    Returns:
        the compiled expression; call it with a mapping of variable columns.

    Raises:
        ExpressionError: (a ValueError) for a syntax error, an unknown variable or
            function, or a wrong number of function arguments; the message shows the
            expression with a caret under the problem.
    """
    return CompiledExpression(text, variables)
