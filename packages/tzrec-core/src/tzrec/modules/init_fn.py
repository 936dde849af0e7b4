"""Safe parsing of embedding initializer strings such as ``nn.init.normal_,std=0.01``.

Configs name a ``torch.nn.init`` function followed by comma-separated arguments. The
text is never evaluated: the function is looked up by name in ``torch.nn.init`` and the
arguments are parsed with :mod:`ast` and read with :func:`ast.literal_eval`, so only
literals (numbers, strings, booleans, tuples...) are accepted.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

InitFn = Callable[[torch.Tensor], Any]

_PREFIXES = ("torch.nn.init.", "nn.init.", "init.")


def _function_name(text: str) -> str:
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


class ParsedInitFn:
    """A ``torch.nn.init`` function with its parsed arguments; call it with the tensor.

    Attributes:
        fn: the torch.nn.init function.
        args: literal positional arguments after the tensor.
        kwargs: literal keyword arguments.
        text: the config string it came from.
    """

    def __init__(
        self, fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any], text: str
    ) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.text = text

    def __call__(self, tensor: torch.Tensor) -> Any:
        """Fill ``tensor`` in place: ``fn(tensor, *args, **kwargs)``."""
        return self.fn(tensor, *self.args, **self.kwargs)

    def __repr__(self) -> str:
        return f"ParsedInitFn({self.text!r})"


def parse_init_fn(text: str, where: str = "init_fn") -> InitFn:
    """The initializer a config string describes, as a callable on a tensor.

    Args:
        text: ``"<torch.nn.init function>[,arg][,name=value]..."``, e.g.
            ``"nn.init.uniform_,a=-0.01,b=0.01"`` or ``"nn.init.normal_,0.0,0.01"``.
        where: what the string belongs to (a feature or config field), for errors.

    Returns:
        a callable that fills the tensor it is given: ``fn(tensor, *args, **kwargs)``.

    Raises:
        ValueError: unknown function name, or arguments that are not literals.
    """
    head, _, rest = text.strip().partition(",")
    name = _function_name(head.strip())
    fn = getattr(nn.init, name, None) if name.isidentifier() else None
    if fn is None or not callable(fn) or name.startswith("_"):
        known = sorted(n for n in dir(nn.init) if n.endswith("_") and not n.startswith("_"))
        raise ValueError(
            f"{where}: unknown initializer '{head.strip()}' in '{text}'; use a "
            f"torch.nn.init function such as {', '.join('nn.init.' + k for k in known[:6])}"
        )
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if rest.strip():
        try:
            call = ast.parse(f"f({rest})", mode="eval").body
        except SyntaxError as e:
            raise ValueError(f"{where}: cannot parse the arguments of '{text}': {e.msg}") from e
        assert isinstance(call, ast.Call)
        try:
            args = [ast.literal_eval(a) for a in call.args]
            for kw in call.keywords:
                if kw.arg is None:
                    raise ValueError("**kwargs")
                kwargs[kw.arg] = ast.literal_eval(kw.value)
        except ValueError as e:
            raise ValueError(
                f"{where}: arguments of '{text}' must be literals (numbers, strings, "
                "True/False), e.g. 'nn.init.normal_,std=0.01'"
            ) from e
    return ParsedInitFn(fn, args, kwargs, text)
