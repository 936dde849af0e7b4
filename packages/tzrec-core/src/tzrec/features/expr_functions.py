"""The operators and built-in functions of the expression language, on whole columns.

Every operator and function of :mod:`tzrec.features.expr` is implemented here with
numpy over a whole batch (see that module for what each one means). Keeping the
numerics in one table-driven module means the parser (:mod:`.expr_syntax`) only needs
the names and argument counts, and adding a function is one table entry.

Three kinds of function:

* scalar functions apply element-wise (to each value of a vector);
* variadic functions (``min``, ``max``, ``sum``, ``avg``) fold their arguments
  element-wise;
* vector functions reduce a vector per row to one value per row, without a Python loop
  over rows (``np.bincount`` sums and ``ufunc.reduceat``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from tzrec.features.expr_values import (
    F64,
    I64,
    Value,
    Vec,
    as_vector,
    check_same_lengths,
    elementwise,
)

#: Earth radius (kilometres) of ``sphere_dist`` and ``haversine``.
EARTH_RADIUS_KM = 6371.0


# --------------------------------------------------------------------------- operators
def _as_float(x: npt.NDArray[np.bool_]) -> F64:
    """A truth value as 1.0 / 0.0."""
    return np.asarray(x, dtype=np.float64)


def _bitwise(op: Callable[[I64, I64], I64]) -> Callable[[F64, F64], F64]:
    """An integer bit operation on floats truncated to integers (NaN if not finite)."""

    def apply(a: F64, b: F64) -> F64:
        ok = np.isfinite(a) & np.isfinite(b)
        ai = np.where(ok, a, 0).astype(np.int64)
        bi = np.where(ok, b, 0).astype(np.int64)
        return np.where(ok, op(ai, bi).astype(np.float64), np.nan)

    return apply


#: Binary operators: symbol -> implementation on float64 columns.
BINARY_OPERATORS: dict[str, Callable[[F64, F64], F64]] = {
    "||": lambda a, b: _as_float((a != 0) | (b != 0)),
    "&&": lambda a, b: _as_float((a != 0) & (b != 0)),
    "|": _bitwise(np.bitwise_or),
    "&": _bitwise(np.bitwise_and),
    "<=": lambda a, b: _as_float(a <= b),
    ">=": lambda a, b: _as_float(a >= b),
    "!=": lambda a, b: _as_float(a != b),
    "==": lambda a, b: _as_float(a == b),
    ">": lambda a, b: _as_float(a > b),
    "<": lambda a, b: _as_float(a < b),
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "^": np.power,
}

#: Prefix operators: symbol -> implementation.
UNARY_OPERATORS: dict[str, Callable[[F64], F64]] = {
    "-": np.negative,
    "+": lambda a: a,
    "!": lambda a: _as_float(a == 0),
}


def select(cond: F64, then: F64, other: F64) -> F64:
    """The ``?:`` operator: ``then`` where ``cond`` is true (non-zero), else ``other``."""
    return np.where(cond != 0, then, other).astype(np.float64)


# --------------------------------------------------------------------------- scalar functions
def _round_half_away(x: F64) -> F64:
    return np.asarray(np.sign(x) * np.floor(np.abs(x) + 0.5), dtype=np.float64)


def _roundp(x: F64, p: F64) -> F64:
    scale = np.power(10.0, np.trunc(p))
    return _round_half_away(x * scale) / scale


def _sphere_dist(lng1: F64, lat1: F64, lng2: F64, lat2: F64) -> F64:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lng2 - lng1)
    cos_c = np.sin(p1) * np.sin(p2) + np.cos(p1) * np.cos(p2) * np.cos(dl)
    return np.asarray(EARTH_RADIUS_KM * np.arccos(np.clip(cos_c, -1.0, 1.0)), dtype=np.float64)


def _haversine(lng1: F64, lat1: F64, lng2: F64, lat2: F64) -> F64:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lng2 - lng1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    h = np.clip(h, 0.0, 1.0)
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h)), dtype=np.float64)


#: Element-wise functions: name -> (argument count, implementation).
_SCALAR_FUNCTIONS: dict[str, tuple[int, Callable[..., F64]]] = {
    "isnan": (1, lambda x: _as_float(np.isnan(x))),
    "sin": (1, np.sin),
    "cos": (1, np.cos),
    "tan": (1, np.tan),
    "asin": (1, np.arcsin),
    "acos": (1, np.arccos),
    "atan": (1, np.arctan),
    "sinh": (1, np.sinh),
    "cosh": (1, np.cosh),
    "tanh": (1, np.tanh),
    "asinh": (1, np.arcsinh),
    "acosh": (1, np.arccosh),
    "atanh": (1, np.arctanh),
    "log2": (1, np.log2),
    "log10": (1, np.log10),
    "log": (1, np.log),
    "ln": (1, np.log),
    "exp": (1, np.exp),
    "sqrt": (1, np.sqrt),
    "sign": (1, np.sign),
    "abs": (1, np.abs),
    "rint": (1, np.rint),
    "floor": (1, np.floor),
    "ceil": (1, np.ceil),
    "trunc": (1, np.trunc),
    "round": (1, _round_half_away),
    "roundp": (2, _roundp),
    "mod": (2, np.fmod),
    "sigmoid": (1, lambda x: 1.0 / (1.0 + np.exp(-x))),
    "sphere_dist": (4, _sphere_dist),
    "haversine": (4, _haversine),
}


def _fold(pair: Callable[[F64, F64], F64], mean: bool = False) -> Callable[..., F64]:
    """A variadic function folding its arguments with ``pair`` (divided by their count)."""

    def apply(*xs: F64) -> F64:
        out = functools.reduce(pair, xs)
        return out / len(xs) if mean else out

    return apply


#: Variadic element-wise functions (at least one argument): name -> implementation.
_VARIADIC_FUNCTIONS: dict[str, Callable[..., F64]] = {
    "min": _fold(np.minimum),
    "max": _fold(np.maximum),
    "sum": _fold(np.add),
    "avg": _fold(np.add, mean=True),
}


# --------------------------------------------------------------------------- vector functions
def _row_sum(v: Vec, values: F64 | None = None) -> F64:
    """Per-row sum of ``values`` (laid out like ``v.values``; default ``v.values``)."""
    data = v.values if values is None else values
    return np.bincount(v.row_ids, weights=data, minlength=v.num_rows).astype(np.float64)


def _row_reduce(v: Vec, ufunc: np.ufunc, empty: float) -> F64:
    """Per-row ``ufunc`` reduction; ``empty`` for a row without values."""
    out = np.full(v.num_rows, empty, dtype=np.float64)
    nonempty = v.lengths > 0
    if nonempty.any():
        starts = (np.cumsum(v.lengths) - v.lengths)[nonempty]
        out[nonempty] = ufunc.reduceat(v.values, starts)
    return out


def _counts(v: Vec) -> F64:
    return v.lengths.astype(np.float64)


def _mean(v: Vec) -> F64:
    return _row_sum(v) / _counts(v)


def _centered(v: Vec) -> F64:
    return np.asarray(v.values - _mean(v)[v.row_ids], dtype=np.float64)


def _variance(v: Vec, ddof: int) -> F64:
    c = _centered(v)
    return _row_sum(v, c * c) / (_counts(v) - ddof)


def _squared_norm(v: Vec) -> F64:
    return _row_sum(v, v.values * v.values)


def _dot(a: Vec, b: Vec) -> F64:
    check_same_lengths("dot", a, b)
    return _row_sum(a, a.values * b.values)


def _euclid(a: Vec, b: Vec) -> F64:
    check_same_lengths("euclid_dist", a, b)
    d = a.values - b.values
    return np.sqrt(_row_sum(a, d * d))


def _corr(a: Vec, b: Vec) -> F64:
    check_same_lengths("corr", a, b)
    ca, cb = _centered(a), _centered(b)
    return _row_sum(a, ca * cb) / np.sqrt(_row_sum(a, ca * ca) * _row_sum(a, cb * cb))


#: Vector functions: name -> (argument count, implementation on vectors).
_VECTOR_FUNCTIONS: dict[str, tuple[int, Callable[..., F64]]] = {
    "len": (1, _counts),
    "l2_norm": (1, lambda v: np.sqrt(_squared_norm(v))),
    "squared_norm": (1, _squared_norm),
    "dot": (2, _dot),
    "euclid_dist": (2, _euclid),
    "corr": (2, _corr),
    "std_dev": (1, lambda v: np.sqrt(_variance(v, 0))),
    "pop_std_dev": (1, lambda v: np.sqrt(_variance(v, 1))),
    "variance": (1, lambda v: _variance(v, 0)),
    "pop_variance": (1, lambda v: _variance(v, 1)),
    "reduce_min": (1, lambda v: _row_reduce(v, np.minimum, np.nan)),
    "reduce_max": (1, lambda v: _row_reduce(v, np.maximum, np.nan)),
    "reduce_sum": (1, _row_sum),
    "reduce_mean": (1, _mean),
    "reduce_prod": (1, lambda v: _row_reduce(v, np.multiply, 1.0)),
}

# --------------------------------------------------------------------------- names
#: Named constants: name -> value.
CONSTANTS: dict[str, float] = {"_pi": math.pi, "_e": math.e}

#: ``rnd()``: uniform in [0, 1), one draw per row.
_RANDOM = "rnd"

#: Every function name the language knows.
FUNCTIONS: frozenset[str] = frozenset(
    [*_SCALAR_FUNCTIONS, *_VARIADIC_FUNCTIONS, *_VECTOR_FUNCTIONS, _RANDOM]
)


def function_arity(name: str) -> int | None:
    """The number of arguments a function takes.

    Args:
        name: a name in :data:`FUNCTIONS`.

    Returns:
        the exact argument count, or None for a variadic function (one or more).
    """
    if name == _RANDOM:
        return 0
    if name in _VARIADIC_FUNCTIONS:
        return None
    if name in _SCALAR_FUNCTIONS:
        return _SCALAR_FUNCTIONS[name][0]
    return _VECTOR_FUNCTIONS[name][0]


def call_function(name: str, args: Sequence[Value], num_rows: int | None) -> Value:
    """Apply a built-in function to evaluated arguments.

    Args:
        name: a name in :data:`FUNCTIONS`; the caller has checked the argument count.
        args: the arguments' values.
        num_rows: the batch size, or None when unknown (``rnd()`` then draws once).

    Returns:
        element-wise functions give a value shaped like their (broadcast) arguments;
        vector functions give one value per row.

    Raises:
        ValueError: when vector arguments differ in length in some row.
    """
    if name == _RANDOM:
        rng = np.random.default_rng()
        return rng.random(num_rows) if num_rows is not None else np.asarray(rng.random())
    if name in _SCALAR_FUNCTIONS:
        return elementwise(_SCALAR_FUNCTIONS[name][1], *args, name=name)
    if name in _VARIADIC_FUNCTIONS:
        return elementwise(_VARIADIC_FUNCTIONS[name], *args, name=name)
    fn = _VECTOR_FUNCTIONS[name][1]
    return np.asarray(fn(*[as_vector(v, num_rows) for v in args]), dtype=np.float64)
