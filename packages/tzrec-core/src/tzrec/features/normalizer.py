"""Numeric value transforms: the ``normalizer`` option of RawFeature and friends.

The option is ``method=<name>`` plus ``key=value`` settings, comma-separated:

- ``method=log10,threshold=1e-10,default=-10``: ``x > threshold ? log10(x) : default``
  (threshold defaults to 1e-10 and default to -10);
- ``method=zscore,mean=0.0,standard_deviation=10.0``: ``(x - mean) / standard_deviation``
  (mean defaults to 0, standard_deviation to 1; it must not be 0);
- ``method=minmax,min=2.1,max=2.2``: ``(x - min) / (max - min)`` (both required,
  ``max != min``);
- ``method=expression,expr=sign(x)``: any ExprFeature expression of the variable ``x``.
  ``expr`` takes the rest of the text, commas included (``expr=min(x,1)``), so it must
  be the last setting.

Values are computed in float64 on whole arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tzrec.features.errors import FeatureConfigError

F64 = npt.NDArray[np.float64]

_SETTINGS: dict[str, tuple[str, ...]] = {
    "log10": ("threshold", "default"),
    "zscore": ("mean", "standard_deviation"),
    "minmax": ("min", "max"),
    "expression": ("expr",),
}


@dataclass
class Normalizer:
    """A parsed normalizer; :meth:`apply` transforms an array of values.

    Attributes:
        method: log10 | zscore | minmax | expression.
        params: the numeric settings (threshold, default, mean, ...).
        expr: the expression text (method=expression).
    """

    method: str
    params: dict[str, float] = field(default_factory=dict)
    expr: str = ""
    _compiled: Callable[[dict[str, np.ndarray]], np.ndarray] | None = field(
        default=None, repr=False
    )

    @classmethod
    def parse(cls, text: str, feature_name: str) -> Normalizer:
        """Parse a normalizer option.

        Args:
            text: e.g. ``"method=zscore,mean=1,standard_deviation=2"``.
            feature_name: the feature, for error messages.

        Raises:
            FeatureConfigError: for an unknown method or setting, a non-numeric value,
                a missing required setting, or an expression that does not compile.
        """
        settings: dict[str, str] = {}
        rest = text.strip()
        while rest:
            item, sep, tail = rest.partition(",")
            key, eq, value = item.partition("=")
            key = key.strip()
            if not eq:
                raise FeatureConfigError(
                    feature_name, f"normalizer '{text}': '{item}' is not key=value"
                )
            if key == "expr":
                value = rest.partition("=")[2]
                tail = ""
            if key in settings:
                raise FeatureConfigError(feature_name, f"normalizer '{text}': {key} set twice")
            settings[key] = value.strip()
            rest = tail.strip() if sep else ""
        method = settings.pop("method", "")
        if method not in _SETTINGS:
            raise FeatureConfigError(
                feature_name,
                f"normalizer '{text}': method must be one of {', '.join(_SETTINGS)}, "
                f"got '{method}'",
            )
        unknown = sorted(set(settings) - set(_SETTINGS[method]))
        if unknown:
            raise FeatureConfigError(
                feature_name,
                f"normalizer '{text}': unknown setting(s) {', '.join(unknown)} for "
                f"method={method}; expected {', '.join(_SETTINGS[method])}",
            )
        if method == "expression":
            expr = settings.get("expr", "")
            if not expr:
                raise FeatureConfigError(feature_name, f"normalizer '{text}': expr is empty")
            from tzrec.features.expr import compile_expression

            try:
                compiled = compile_expression(expr, ["x"])
            except ValueError as e:
                raise FeatureConfigError(feature_name, f"normalizer '{text}': {e}") from e
            return cls(method, expr=expr, _compiled=compiled)
        params: dict[str, float] = {}
        for key, value in settings.items():
            try:
                params[key] = float(value)
            except ValueError:
                raise FeatureConfigError(
                    feature_name, f"normalizer '{text}': {key}={value} is not a number"
                ) from None
        if method == "log10":
            params.setdefault("threshold", 1e-10)
            params.setdefault("default", -10.0)
        elif method == "zscore":
            params.setdefault("mean", 0.0)
            params.setdefault("standard_deviation", 1.0)
            if params["standard_deviation"] == 0:
                raise FeatureConfigError(
                    feature_name, f"normalizer '{text}': standard_deviation must not be 0"
                )
        else:
            missing = [k for k in ("min", "max") if k not in params]
            if missing:
                raise FeatureConfigError(
                    feature_name, f"normalizer '{text}': {' and '.join(missing)} required"
                )
            if params["max"] == params["min"]:
                raise FeatureConfigError(
                    feature_name, f"normalizer '{text}': max must differ from min"
                )
        return cls(method, params)

    def apply(self, values: np.ndarray) -> np.ndarray:
        """Transform values (any shape) into float64 values of the same shape."""
        x = np.asarray(values, dtype=np.float64)
        p = self.params
        if self.method == "log10":
            with np.errstate(divide="ignore", invalid="ignore"):
                keep = x > p["threshold"]
                logs = np.log10(np.where(keep, x, 1.0))
            return np.where(keep, logs, p["default"])
        if self.method == "zscore":
            return (x - p["mean"]) / p["standard_deviation"]
        if self.method == "minmax":
            return (x - p["min"]) / (p["max"] - p["min"])
        assert self._compiled is not None
        flat = x.reshape(-1)
        out = np.asarray(self._compiled({"x": flat}), dtype=np.float64)
        if out.shape != flat.shape:
            out = np.broadcast_to(out, flat.shape)
        return out.reshape(x.shape)
