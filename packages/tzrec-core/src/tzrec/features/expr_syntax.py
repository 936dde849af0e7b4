"""Tokens, syntax tree and parser of the expression language.

Turns the text of an expression (grammar in :mod:`tzrec.features.expr`) into a tree of
:class:`Node` objects that evaluate themselves a whole column at a time. The tokenizer
is one regular expression and the parser is a hand-written precedence climber, so any
text outside the grammar is refused with an :class:`ExpressionError` pointing at the
problem; nothing is ever handed to Python's ``eval``. Names are resolved while parsing
(unknown variables and functions and wrong argument counts are errors here, not at
evaluation time), which is why the parser needs the built-in tables of
:mod:`.expr_functions`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tzrec.features.expr_functions import (
    BINARY_OPERATORS,
    CONSTANTS,
    FUNCTIONS,
    UNARY_OPERATORS,
    call_function,
    function_arity,
    select,
)
from tzrec.features.expr_values import Env, Value, elementwise


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

    def describe(self) -> str:
        """The token as shown in an error message."""
        return f"'{self.text}'" if self.text else "end of expression"


def _tokenize(text: str) -> list[_Token]:
    """Split ``text`` into tokens, ending with an ``end`` token; spaces are dropped."""
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


# --------------------------------------------------------------------------- syntax tree
class Node:
    """A node of the syntax tree."""

    def eval(self, env: Env) -> Value:
        """Evaluate the subtree over a batch.

        Args:
            env: the variables' values and the batch size.

        Returns:
            one value per row (a constant when nothing below reads a row).
        """
        raise NotImplementedError


@dataclass
class _Number(Node):
    value: float

    def eval(self, env: Env) -> Value:
        return np.asarray(self.value, dtype=np.float64)


@dataclass
class _Variable(Node):
    name: str

    def eval(self, env: Env) -> Value:
        return env.variables[self.name]


@dataclass
class _Unary(Node):
    op: str
    operand: Node

    def eval(self, env: Env) -> Value:
        return elementwise(UNARY_OPERATORS[self.op], self.operand.eval(env), name=self.op)


@dataclass
class _Binary(Node):
    op: str
    left: Node
    right: Node

    def eval(self, env: Env) -> Value:
        return elementwise(
            BINARY_OPERATORS[self.op], self.left.eval(env), self.right.eval(env), name=self.op
        )


@dataclass
class _Conditional(Node):
    cond: Node
    then: Node
    other: Node

    def eval(self, env: Env) -> Value:
        # Both branches are computed for every row; the condition picks per element.
        return elementwise(
            select, self.cond.eval(env), self.then.eval(env), self.other.eval(env), name="?:"
        )


@dataclass
class _Call(Node):
    name: str
    args: list[Node]

    def eval(self, env: Env) -> Value:
        return call_function(self.name, [a.eval(env) for a in self.args], env.num_rows)


# --------------------------------------------------------------------------- parser
#: Binding strength of the left-associative binary operators (higher binds tighter);
#: ``^`` (right-associative, above unary minus) and ``?:`` are parsed separately.
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

    def at(self, op: str) -> bool:
        """Whether the current token is the operator ``op``."""
        return self.tok.kind == "op" and self.tok.text == op

    def take(self) -> _Token:
        t = self.tokens[self.i]
        self.i += 1
        return t

    def expect(self, op: str) -> _Token:
        if not self.at(op):
            raise self.error(self.tok, f"expected '{op}' but found {self.tok.describe()}")
        return self.take()

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise self.error(self.tok, "empty expression")
        node = self.expression()
        if self.tok.kind != "end":
            raise self.error(self.tok, f"unexpected '{self.tok.text}'")
        return node

    def expression(self) -> Node:
        cond = self.binary(1)
        if self.at("?"):
            self.take()
            then = self.expression()
            self.expect(":")
            other = self.expression()
            return _Conditional(cond, then, other)
        return cond

    def binary(self, min_prec: int) -> Node:
        left = self.unary()
        while self.tok.kind == "op" and _PRECEDENCE.get(self.tok.text, 0) >= min_prec:
            op = self.take().text
            right = self.binary(_PRECEDENCE[op] + 1)
            left = _Binary(op, left, right)
        return left

    def unary(self) -> Node:
        if self.tok.kind == "op" and self.tok.text in UNARY_OPERATORS:
            op = self.take().text
            return _Unary(op, self.unary())
        return self.power()

    def power(self) -> Node:
        base = self.primary()
        if self.at("^"):
            self.take()
            return _Binary("^", base, self.unary())
        return base

    def primary(self) -> Node:
        t = self.take()
        if t.kind == "number":
            return _Number(float(t.text))
        if t.kind == "op" and t.text == "(":
            node = self.expression()
            self.expect(")")
            return node
        if t.kind == "name":
            if self.at("("):
                return self.call(t)
            if t.text in CONSTANTS:
                return _Number(CONSTANTS[t.text])
            return self.variable(t)
        raise self.error(
            t, f"expected a number, variable, function or '(' but found {t.describe()}"
        )

    def variable(self, name: _Token) -> Node:
        if name.text not in self.variables:
            known = ", ".join(sorted(self.variables)) or "none"
            hint = " (a function needs '(...)')" if name.text in FUNCTIONS else ""
            raise self.error(name, f"unknown variable '{name.text}'{hint}; variables: {known}")
        if name.text not in self.used:
            self.used.append(name.text)
        return _Variable(name.text)

    def call(self, name: _Token) -> Node:
        if name.text not in FUNCTIONS:
            raise self.error(
                name, f"unknown function '{name.text}'; functions: {', '.join(sorted(FUNCTIONS))}"
            )
        self.expect("(")
        args: list[Node] = []
        if not self.at(")"):
            args.append(self.expression())
            while self.at(","):
                self.take()
                args.append(self.expression())
        self.expect(")")
        want = function_arity(name.text)
        if want is None and not args:
            raise self.error(name, f"'{name.text}' needs at least one argument")
        if want is not None and len(args) != want:
            raise self.error(
                name, f"'{name.text}' takes {want} argument(s) but was given {len(args)}"
            )
        return _Call(name.text, args)


def parse(text: str, variables: Sequence[str]) -> tuple[Node, list[str]]:
    """Parse an expression over the given variable names.

    Args:
        text: the expression.
        variables: the names the expression may read.

    Returns:
        the root of the syntax tree, and the variables it reads in order of first use.

    Raises:
        ExpressionError: for a syntax error, an unknown variable or function, or a wrong
            number of function arguments.
    """
    parser = _Parser(text, variables)
    root = parser.parse()
    return root, parser.used
