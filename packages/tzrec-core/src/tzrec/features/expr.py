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
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

#: Earth radius (kilometres) of ``sphere_dist`` and ``haversine``.
EARTH_RADIUS_KM = 6371.0

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


class ExpressionError(ValueError):
    """An expression that cannot be parsed, with the position of the problem.

    Attributes:
        text: the expression.
        position: 0-based character offset of the problem.
    """

    def __init__(self, text: str, position: int, message: str) -> None:
        self.text = text
        self.position = position
        caret = " " * position + "^"
        super().__init__(f"{message} at position {position}:\n  {text}\n  {caret}")


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


# --------------------------------------------------------------------------- tokens
_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\|\||&&|<=|>=|!=|==|[|&<>+\-*/^!?:(),])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str  # number | name | op | end
    text: str
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise ExpressionError(text, pos, f"unexpected character {text[pos]!r}")
        kind = m.lastgroup
        assert kind is not None
        if kind != "space":
            tokens.append(_Token(kind, m.group(), pos))
        pos = m.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


# --------------------------------------------------------------------------- values
@dataclass
class _Vec:
    """A vector per row inside evaluation: flat values and per-row lengths."""

    values: F64
    lengths: I64
    dim: int | None  # the common width when every row has the same (2-D input)
    _row_ids: I64 | None = field(default=None, repr=False)

    @property
    def row_ids(self) -> I64:
        if self._row_ids is None:
            self._row_ids = np.repeat(np.arange(len(self.lengths), dtype=np.int64), self.lengths)
        return self._row_ids


_Value = F64 | _Vec  # a scalar per row: shape (rows,), or a constant: shape ()


@dataclass
class _Env:
    variables: dict[str, _Value]
    num_rows: int | None


def _elementwise(fn: Callable[..., F64], *args: _Value, name: str = "") -> _Value:
    """Apply ``fn`` element-wise, broadcasting scalars over vectors."""
    vecs = [a for a in args if isinstance(a, _Vec)]
    if not vecs:
        return fn(*args)
    first = vecs[0]
    for other in vecs[1:]:
        if other.lengths is not first.lengths and not np.array_equal(other.lengths, first.lengths):
            row = int(np.flatnonzero(other.lengths != first.lengths)[0])
            raise ValueError(
                f"'{name}' combines vectors of different lengths in row {row}: "
                f"{int(first.lengths[row])} and {int(other.lengths[row])}"
            )
    flat = []
    for a in args:
        if isinstance(a, _Vec):
            flat.append(a.values)
        elif a.ndim == 0:
            flat.append(a)
        else:
            flat.append(a[first.row_ids])
    dims = {v.dim for v in vecs}
    dim = dims.pop() if len(dims) == 1 else None
    return _Vec(np.asarray(fn(*flat), dtype=np.float64), first.lengths, dim, first._row_ids)


def _to_vec(value: _Value, num_rows: int | None) -> _Vec:
    """A scalar column as a vector of one value per row."""
    if isinstance(value, _Vec):
        return value
    if value.ndim == 0:
        if num_rows is None:
            return _Vec(value.reshape(1), np.ones(1, dtype=np.int64), 1)
        value = np.broadcast_to(value, (num_rows,))
    return _Vec(np.asarray(value, dtype=np.float64), np.ones(len(value), dtype=np.int64), 1)


def _bool(x: npt.NDArray[np.bool_]) -> F64:
    return np.asarray(x, dtype=np.float64)


def _bitwise(op: Callable[[I64, I64], I64]) -> Callable[[F64, F64], F64]:
    def apply(a: F64, b: F64) -> F64:
        ok = np.isfinite(a) & np.isfinite(b)
        ai = np.where(ok, a, 0).astype(np.int64)
        bi = np.where(ok, b, 0).astype(np.int64)
        return np.where(ok, op(ai, bi).astype(np.float64), np.nan)

    return apply


_BINARY: dict[str, Callable[[F64, F64], F64]] = {
    "||": lambda a, b: _bool((a != 0) | (b != 0)),
    "&&": lambda a, b: _bool((a != 0) & (b != 0)),
    "|": _bitwise(np.bitwise_or),
    "&": _bitwise(np.bitwise_and),
    "<=": lambda a, b: _bool(a <= b),
    ">=": lambda a, b: _bool(a >= b),
    "!=": lambda a, b: _bool(a != b),
    "==": lambda a, b: _bool(a == b),
    ">": lambda a, b: _bool(a > b),
    "<": lambda a, b: _bool(a < b),
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "^": np.power,
}

_PRECEDENCE: dict[str, int] = {
    "||": 1,
    "&&": 2,
    "|": 3,
    "&": 4,
    "<=": 5,
    ">=": 5,
    "!=": 5,
    "==": 5,
    ">": 5,
    "<": 5,
    "+": 6,
    "-": 6,
    "*": 7,
    "/": 7,
}

_UNARY: dict[str, Callable[[F64], F64]] = {
    "-": np.negative,
    "+": lambda a: a,
    "!": lambda a: _bool(a == 0),
}

_CONSTANTS: dict[str, float] = {"_pi": math.pi, "_e": math.e}


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
    "isnan": (1, lambda x: _bool(np.isnan(x))),
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

_VARIADIC: dict[str, Callable[[F64, F64], F64]] = {
    "min": np.minimum,
    "max": np.maximum,
    "sum": np.add,
    "avg": np.add,
}


# --------------------------------------------------------------------------- reductions
def _row_sum(v: _Vec, values: F64 | None = None) -> F64:
    data = v.values if values is None else values
    return np.bincount(v.row_ids, weights=data, minlength=len(v.lengths)).astype(np.float64)


def _row_reduce(v: _Vec, ufunc: np.ufunc, empty: float) -> F64:
    out = np.full(len(v.lengths), empty, dtype=np.float64)
    nonempty = v.lengths > 0
    if nonempty.any():
        starts = (np.cumsum(v.lengths) - v.lengths)[nonempty]
        out[nonempty] = ufunc.reduceat(v.values, starts)
    return out


def _counts(v: _Vec) -> F64:
    return v.lengths.astype(np.float64)


def _mean(v: _Vec) -> F64:
    return _row_sum(v) / _counts(v)


def _centered(v: _Vec) -> F64:
    return np.asarray(v.values - _mean(v)[v.row_ids], dtype=np.float64)


def _variance(v: _Vec, ddof: int) -> F64:
    c = _centered(v)
    return _row_sum(v, c * c) / (_counts(v) - ddof)


def _check_same_lengths(name: str, a: _Vec, b: _Vec) -> None:
    if not np.array_equal(a.lengths, b.lengths):
        row = int(np.flatnonzero(a.lengths != b.lengths)[0])
        raise ValueError(
            f"'{name}' needs vectors of one length, row {row} has "
            f"{int(a.lengths[row])} and {int(b.lengths[row])} values"
        )


def _dot(a: _Vec, b: _Vec) -> F64:
    _check_same_lengths("dot", a, b)
    return _row_sum(a, a.values * b.values)


def _euclid(a: _Vec, b: _Vec) -> F64:
    _check_same_lengths("euclid_dist", a, b)
    d = a.values - b.values
    return np.sqrt(_row_sum(a, d * d))


def _corr(a: _Vec, b: _Vec) -> F64:
    _check_same_lengths("corr", a, b)
    ca, cb = _centered(a), _centered(b)
    return _row_sum(a, ca * cb) / np.sqrt(_row_sum(a, ca * ca) * _row_sum(a, cb * cb))


#: Vector functions: name -> (argument count, implementation on vectors).
_VECTOR_FUNCTIONS: dict[str, tuple[int, Callable[..., F64]]] = {
    "len": (1, _counts),
    "l2_norm": (1, lambda v: np.sqrt(_row_sum(v, v.values * v.values))),
    "squared_norm": (1, lambda v: _row_sum(v, v.values * v.values)),
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

#: Every function name the language knows.
FUNCTIONS: frozenset[str] = frozenset([*_SCALAR_FUNCTIONS, *_VARIADIC, *_VECTOR_FUNCTIONS, "rnd"])


# --------------------------------------------------------------------------- syntax tree
class _Node:
    def eval(self, env: _Env) -> _Value:
        raise NotImplementedError


@dataclass
class _Number(_Node):
    value: float

    def eval(self, env: _Env) -> _Value:
        return np.asarray(self.value, dtype=np.float64)


@dataclass
class _Variable(_Node):
    name: str

    def eval(self, env: _Env) -> _Value:
        return env.variables[self.name]


@dataclass
class _Unary(_Node):
    op: str
    operand: _Node

    def eval(self, env: _Env) -> _Value:
        return _elementwise(_UNARY[self.op], self.operand.eval(env), name=self.op)


@dataclass
class _Binary(_Node):
    op: str
    left: _Node
    right: _Node

    def eval(self, env: _Env) -> _Value:
        return _elementwise(
            _BINARY[self.op], self.left.eval(env), self.right.eval(env), name=self.op
        )


@dataclass
class _Conditional(_Node):
    cond: _Node
    then: _Node
    other: _Node

    def eval(self, env: _Env) -> _Value:
        def pick(c: F64, a: F64, b: F64) -> F64:
            return np.where(c != 0, a, b).astype(np.float64)

        return _elementwise(
            pick, self.cond.eval(env), self.then.eval(env), self.other.eval(env), name="?:"
        )


@dataclass
class _Call(_Node):
    name: str
    args: list[_Node]

    def eval(self, env: _Env) -> _Value:
        values = [a.eval(env) for a in self.args]
        if self.name == "rnd":
            rng = np.random.default_rng()
            return (
                rng.random(env.num_rows) if env.num_rows is not None else np.asarray(rng.random())
            )
        if self.name in _SCALAR_FUNCTIONS:
            return _elementwise(_SCALAR_FUNCTIONS[self.name][1], *values, name=self.name)
        if self.name in _VARIADIC:
            pair = _VARIADIC[self.name]

            def fold(*xs: F64) -> F64:
                out = functools.reduce(pair, xs)
                return out / len(xs) if self.name == "avg" else out

            return _elementwise(fold, *values, name=self.name)
        fn = _VECTOR_FUNCTIONS[self.name][1]
        return np.asarray(fn(*[_to_vec(v, env.num_rows) for v in values]), dtype=np.float64)


# --------------------------------------------------------------------------- parser
class _Parser:
    """Recursive-descent / precedence-climbing parser over the token list."""

    def __init__(self, text: str, variables: Sequence[str]) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.variables = set(variables)
        self.used: list[str] = []

    def error(self, token: _Token, message: str) -> ExpressionError:
        return ExpressionError(self.text, token.pos, message)

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def expect(self, op: str) -> _Token:
        t = self.tok
        if t.kind != "op" or t.text != op:
            shown = f"'{t.text}'" if t.text else "end of expression"
            raise self.error(t, f"expected '{op}' but found {shown}")
        return self.take()

    def parse(self) -> _Node:
        if self.tok.kind == "end":
            raise self.error(self.tok, "empty expression")
        node = self.expression()
        if self.tok.kind != "end":
            raise self.error(self.tok, f"unexpected '{self.tok.text}'")
        return node

    def expression(self) -> _Node:
        cond = self.binary(1)
        if self.tok.kind == "op" and self.tok.text == "?":
            self.take()
            then = self.expression()
            self.expect(":")
            other = self.expression()
            return _Conditional(cond, then, other)
        return cond

    def binary(self, min_prec: int) -> _Node:
        left = self.unary()
        while self.tok.kind == "op" and _PRECEDENCE.get(self.tok.text, 0) >= min_prec:
            op = self.take().text
            right = self.binary(_PRECEDENCE[op] + 1)
            left = _Binary(op, left, right)
        return left

    def unary(self) -> _Node:
        if self.tok.kind == "op" and self.tok.text in _UNARY:
            op = self.take().text
            return _Unary(op, self.unary())
        return self.power()

    def power(self) -> _Node:
        base = self.primary()
        if self.tok.kind == "op" and self.tok.text == "^":
            self.take()
            return _Binary("^", base, self.unary())
        return base

    def primary(self) -> _Node:
        t = self.take()
        if t.kind == "number":
            return _Number(float(t.text))
        if t.kind == "op" and t.text == "(":
            node = self.expression()
            self.expect(")")
            return node
        if t.kind == "name":
            if self.tok.kind == "op" and self.tok.text == "(":
                return self.call(t)
            if t.text in _CONSTANTS:
                return _Number(_CONSTANTS[t.text])
            if t.text not in self.variables:
                known = ", ".join(sorted(self.variables)) or "none"
                hint = " (a function needs '(...)')" if t.text in FUNCTIONS else ""
                raise self.error(t, f"unknown variable '{t.text}'{hint}; variables: {known}")
            if t.text not in self.used:
                self.used.append(t.text)
            return _Variable(t.text)
        shown = f"'{t.text}'" if t.text else "end of expression"
        raise self.error(t, f"expected a number, variable, function or '(' but found {shown}")

    def call(self, name: _Token) -> _Node:
        if name.text not in FUNCTIONS:
            raise self.error(
                name, f"unknown function '{name.text}'; functions: {', '.join(sorted(FUNCTIONS))}"
            )
        self.expect("(")
        args: list[_Node] = []
        if not (self.tok.kind == "op" and self.tok.text == ")"):
            args.append(self.expression())
            while self.tok.kind == "op" and self.tok.text == ",":
                self.take()
                args.append(self.expression())
        self.expect(")")
        if name.text == "rnd":
            want: int | None = 0
        elif name.text in _VARIADIC:
            want = None
            if not args:
                raise self.error(name, f"'{name.text}' needs at least one argument")
        else:
            table = _SCALAR_FUNCTIONS if name.text in _SCALAR_FUNCTIONS else _VECTOR_FUNCTIONS
            want = table[name.text][0]
        if want is not None and len(args) != want:
            raise self.error(
                name, f"'{name.text}' takes {want} argument(s) but was given {len(args)}"
            )
        return _Call(name.text, args)


# --------------------------------------------------------------------------- public API
ExprInput = npt.ArrayLike | RaggedVector
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
        parser = _Parser(text, variables)
        self._root = parser.parse()
        self.text = text
        self.variables = list(variables)
        self.used_variables = list(parser.used)

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
        env = _Env({}, num_rows)
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
        if isinstance(result, _Vec):
            if result.dim is not None:
                return result.values.reshape(len(result.lengths), result.dim)
            return RaggedVector(result.values, result.lengths)
        result = np.asarray(result, dtype=np.float64)
        if env.num_rows is not None and result.ndim == 0:
            result = np.full(env.num_rows, float(result), dtype=np.float64)
        return result


def _input_value(name: str, value: ExprInput) -> tuple[_Value, int | None]:
    """An input as an evaluation value, with its row count (None for a constant)."""
    if isinstance(value, RaggedVector):
        lengths = np.asarray(value.lengths, dtype=np.int64)
        values = np.asarray(value.values, dtype=np.float64)
        if int(lengths.sum()) != len(values):
            raise ValueError(f"variable '{name}': lengths do not add up to the values")
        return _Vec(values, lengths, None), len(lengths)
    arr = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        return arr, None
    if arr.ndim == 1:
        return arr, len(arr)
    if arr.ndim == 2:
        rows, dim = arr.shape
        return _Vec(arr.reshape(-1), np.full(rows, dim, dtype=np.int64), dim), rows
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
